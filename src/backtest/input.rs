//! Historical cases as rows: NDJSON (one case JSON per line, nested or dotted keys are fact
//! names) or CSV (a header row; columns named like facts, or mapped with `column=fact`). Rows are
//! read in batches so the caller can score a batch on all cores while memory stays flat; a row
//! that cannot be read is a [`BadRow`] with its line number, never the end of the run.

use crate::rules::{FactType, RulePack};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;
use std::io::BufRead;

/// Rows handed out per batch.
pub const BATCH: usize = 8192;

/// The file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Ndjson,
    /// Comma-separated values with a header row.
    Csv,
}

impl Format {
    /// The format a file name suggests (`.csv` is CSV, anything else NDJSON).
    #[must_use]
    pub fn of_path(path: &std::path::Path) -> Format {
        match path.extension().and_then(|extension| extension.to_str()) {
            Some(extension) if extension.eq_ignore_ascii_case("csv") => Format::Csv,
            _ => Format::Ndjson,
        }
    }
}

/// What the run reads besides facts.
#[derive(Clone, Debug, Default)]
pub struct Fields {
    /// Field (NDJSON path or CSV column) holding the label: fraud or not.
    pub label: Option<String>,
    /// Field holding the case id (shown in diffs); the line number otherwise.
    pub id: Option<String>,
    /// CSV column → fact name, for columns not named like facts.
    pub columns: BTreeMap<String, String>,
}

/// One readable row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// 1-based line number in the file.
    pub line: u64,
    /// Case id, when the id field has one.
    pub id: Option<String>,
    /// The case as JSON (fact name → value).
    pub case: Json,
    /// `Some(true)` fraud, `Some(false)` not fraud, `None` unlabelled.
    pub label: Option<bool>,
}

/// A row that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BadRow {
    /// 1-based line number.
    pub line: u64,
    /// Why.
    pub reason: String,
}

/// A row as read, before parsing (parsing happens on the worker threads).
#[derive(Clone, Debug)]
pub enum RawRow {
    /// An NDJSON line.
    Json(u64, String),
    /// A CSV record's cells.
    Csv(u64, Vec<String>),
    /// Unreadable before parsing (bad UTF-8, wrong number of cells).
    Bad(BadRow),
}

/// Reads rows in batches.
pub struct RowReader<R: BufRead> {
    format: Format,
    ndjson: Option<R>,
    csv: Option<csv::Reader<R>>,
    header: Vec<String>,
    line: u64,
    bytes: u64,
}

impl<R: BufRead> RowReader<R> {
    /// A reader; for CSV the header row is read now.
    ///
    /// # Errors
    /// A CSV file without a readable header row.
    pub fn new(format: Format, input: R) -> Result<RowReader<R>, String> {
        match format {
            Format::Ndjson => {
                Ok(RowReader { format, ndjson: Some(input), csv: None, header: Vec::new(), line: 0, bytes: 0 })
            }
            Format::Csv => {
                let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
                let header: Vec<String> = reader
                    .headers()
                    .map_err(|error| format!("line 1: the CSV header row is unreadable: {error}"))?
                    .iter()
                    .map(|cell| cell.trim().to_owned())
                    .collect();
                if header.iter().all(String::is_empty) {
                    return Err("line 1: the CSV file has no header row".to_owned());
                }
                Ok(RowReader { format, ndjson: None, csv: Some(reader), header, line: 1, bytes: 0 })
            }
        }
    }

    /// The CSV header (empty for NDJSON).
    #[must_use]
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Bytes consumed so far (progress).
    #[must_use]
    pub fn bytes(&self) -> u64 {
        match &self.csv {
            Some(reader) => reader.position().byte(),
            None => self.bytes,
        }
    }

    /// The next batch of up to [`BATCH`] rows; empty at the end of the file.
    pub fn next_batch(&mut self) -> Vec<RawRow> {
        let mut batch = Vec::with_capacity(BATCH);
        match self.format {
            Format::Ndjson => {
                let Some(input) = self.ndjson.as_mut() else { return batch };
                let mut buffer = Vec::new();
                while batch.len() < BATCH {
                    buffer.clear();
                    match input.read_until(b'\n', &mut buffer) {
                        Ok(0) => break,
                        Ok(read) => {
                            self.line += 1;
                            self.bytes += read as u64;
                            match String::from_utf8(std::mem::take(&mut buffer)) {
                                Ok(text) if text.trim().is_empty() => {}
                                Ok(text) => batch.push(RawRow::Json(self.line, text)),
                                Err(_) => batch
                                    .push(RawRow::Bad(BadRow { line: self.line, reason: "not UTF-8 text".to_owned() })),
                            }
                        }
                        Err(error) => {
                            self.line += 1;
                            batch.push(RawRow::Bad(BadRow { line: self.line, reason: format!("unreadable: {error}") }));
                            break;
                        }
                    }
                }
            }
            Format::Csv => {
                let Some(reader) = self.csv.as_mut() else { return batch };
                let width = self.header.len();
                let mut record = csv::StringRecord::new();
                while batch.len() < BATCH {
                    match reader.read_record(&mut record) {
                        Ok(false) => break,
                        Ok(true) => {
                            let line = record.position().map_or(self.line + 1, csv::Position::line);
                            self.line = line;
                            if record.len() == 1 && record.get(0).is_some_and(|cell| cell.trim().is_empty()) {
                                continue;
                            }
                            if record.len() == width {
                                batch.push(RawRow::Csv(line, record.iter().map(str::to_owned).collect()));
                            } else {
                                batch.push(RawRow::Bad(BadRow {
                                    line,
                                    reason: format!("{} cells, the header has {width}", record.len()),
                                }));
                            }
                        }
                        Err(error) => {
                            let line = error.position().map_or(self.line + 1, csv::Position::line);
                            self.line = line;
                            batch.push(RawRow::Bad(BadRow { line, reason: format!("unreadable CSV: {error}") }));
                            if !matches!(error.kind(), csv::ErrorKind::Utf8 { .. }) {
                                break;
                            }
                        }
                    }
                }
            }
        }
        batch
    }
}

/// Turns a raw row into a case (runs on worker threads).
///
/// # Errors
/// The row is not a JSON object, or its label is not a recognisable yes/no.
pub fn parse_row(pack: &RulePack, fields: &Fields, header: &[String], raw: RawRow) -> Result<Row, BadRow> {
    match raw {
        RawRow::Bad(bad) => Err(bad),
        RawRow::Json(line, text) => {
            let case: Json = serde_json::from_str(&text)
                .map_err(|error| BadRow { line, reason: format!("invalid JSON: {error}") })?;
            if !case.is_object() {
                return Err(BadRow { line, reason: "a case must be a JSON object".to_owned() });
            }
            let label = match fields.label.as_deref().and_then(|path| lookup(&case, path)) {
                None | Some(Json::Null) => None,
                Some(value) => Some(label_of(value).ok_or_else(|| BadRow {
                    line,
                    reason: format!("label {value} is not one of true/false, 1/0, yes/no, fraud/legit"),
                })?),
            };
            let id = fields.id.as_deref().and_then(|path| lookup(&case, path)).map(|value| match value {
                Json::String(text) => text.clone(),
                other => other.to_string(),
            });
            Ok(Row { line, id, case, label })
        }
        RawRow::Csv(line, cells) => {
            let mut case = Map::new();
            let mut label = None;
            let mut id = None;
            for (column, cell) in header.iter().zip(cells) {
                let cell = cell.trim();
                if fields.label.as_deref() == Some(column.as_str()) {
                    if !cell.is_empty() {
                        label = Some(label_of(&Json::String(cell.to_owned())).ok_or_else(|| BadRow {
                            line,
                            reason: format!("label \"{cell}\" is not one of true/false, 1/0, yes/no, fraud/legit"),
                        })?);
                    }
                    continue;
                }
                if fields.id.as_deref() == Some(column.as_str()) {
                    id = Some(cell.to_owned());
                    continue;
                }
                if cell.is_empty() {
                    continue;
                }
                let fact = fields.columns.get(column).unwrap_or(column);
                let value = match pack.facts.iter().find(|definition| definition.name == *fact) {
                    Some(definition) => typed_cell(&definition.fact_type, cell),
                    None => Json::String(cell.to_owned()),
                };
                case.insert(fact.clone(), value);
            }
            Ok(Row { line, id, case: Json::Object(case), label })
        }
    }
}

/// A CSV cell as the JSON the fact's type expects; a cell that does not fit stays a string, so
/// the case reader marks that fact unknown with its reason.
fn typed_cell(fact_type: &FactType, cell: &str) -> Json {
    match fact_type {
        FactType::Bool => match cell.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "y" => Json::Bool(true),
            "false" | "no" | "0" | "n" => Json::Bool(false),
            _ => Json::String(cell.to_owned()),
        },
        FactType::Int | FactType::Number | FactType::Money => serde_json::from_str::<serde_json::Number>(cell)
            .map_or_else(|_| Json::String(cell.to_owned()), Json::Number),
        FactType::List => Json::Array(
            cell.split(['|', ';'])
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| Json::String(item.to_owned()))
                .collect(),
        ),
        _ => Json::String(cell.to_owned()),
    }
}

/// A value at a dotted path: a nested key (`label.fraud`) or a flat one (`"label.fraud"`).
fn lookup<'a>(case: &'a Json, path: &str) -> Option<&'a Json> {
    if let Some(value) = case.get(path) {
        return Some(value);
    }
    path.split('.').try_fold(case, |value, key| value.get(key))
}

/// Reads a label: fraud is true.
fn label_of(value: &Json) -> Option<bool> {
    match value {
        Json::Bool(flag) => Some(*flag),
        Json::Number(number) => match number.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        Json::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "y" | "fraud" | "abuse" => Some(true),
            "0" | "false" | "no" | "n" | "legit" | "legitimate" | "genuine" | "ok" => Some(false),
            _ => None,
        },
        _ => None,
    }
}
