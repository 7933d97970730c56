//! Case facts: the typed values of one case, read from JSON against a pack's fact schema.
//!
//! Building `CaseFacts` never fails as a whole: a value of the wrong type becomes an unknown fact
//! and a `FieldIssue` saying why; keys that are not facts of the pack are listed as ignored.
//! A case file is a JSON object whose nested keys are the fact names: fact `order.total_eur` is
//! `{"order": {"total_eur": 129.9}}` (a flat key `"order.total_eur"` works too); `now` is a fact.

use crate::canonical::{Canonical, sha256_hex};
use crate::profile::{CrmProfile, FactSource, RawCaseFields, RawValue, parse_displayed};
use crate::rules::{FactType, RulePack};
use crate::value::Decimal;
use crate::value::text::{fold, word_starts};
use crate::value::time::{SECONDS_PER_DAY, format_date, format_datetime, parse_date, parse_datetime};
use crate::value::{FactValue, TextValue};
use serde_json::Value as Json;
use std::sync::Arc;

fn fact_to_canonical(value: &FactValue) -> Canonical {
    match value {
        FactValue::Bool(value) => Canonical::Bool(*value),
        FactValue::Number(value) => Canonical::Number(value.to_string()),
        FactValue::Text(text) => Canonical::String(text.raw.clone()),
        FactValue::Date(days) => Canonical::String(format_date(*days)),
        FactValue::DateTime(seconds) => Canonical::String(format_datetime(*seconds)),
        FactValue::List(items) => {
            Canonical::Array(items.iter().map(|item| Canonical::String(item.raw.clone())).collect())
        }
    }
}

/// Why a value in the case could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldIssue {
    /// The fact (dotted name) or key path.
    pub fact: String,
    /// What is wrong, lowercase.
    pub problem: String,
}

/// The typed facts of one case, by slot of the pack's fact schema.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseFacts {
    values: Vec<Option<FactValue>>,
    ignored_keys: Vec<String>,
    input_hash: Arc<str>,
}

impl AsRef<[Option<FactValue>]> for CaseFacts {
    fn as_ref(&self) -> &[Option<FactValue>] {
        &self.values
    }
}

impl CaseFacts {
    /// Reads a case from JSON. Never fails: problems become unknown facts plus issues.
    #[must_use]
    pub fn from_json(pack: &RulePack, json: &Json) -> (CaseFacts, Vec<FieldIssue>) {
        let (values, ignored, issues) = Self::read_json(pack, json);
        (CaseFacts::from_values(pack, values, ignored), issues)
    }

    /// Like [`CaseFacts::from_json`] without the input hash (left empty): for backtests over
    /// millions of history rows, where nothing is recorded per case and hashing would cost ~8 %.
    #[must_use]
    pub fn from_json_unhashed(pack: &RulePack, json: &Json) -> (CaseFacts, Vec<FieldIssue>) {
        let (values, ignored_keys, issues) = Self::read_json(pack, json);
        (CaseFacts { values, ignored_keys, input_hash: Arc::from("") }, issues)
    }

    fn read_json(pack: &RulePack, json: &Json) -> (Vec<Option<FactValue>>, Vec<String>, Vec<FieldIssue>) {
        let mut reader = Reader { pack, values: vec![None; pack.facts.len()], issues: Vec::new(), ignored: Vec::new() };
        match json {
            Json::Object(_) => reader.walk("", json),
            other => reader.issues.push(FieldIssue {
                fact: "(case)".to_owned(),
                problem: format!("a case must be a JSON object, found {}", json_type(other)),
            }),
        }
        let Reader { mut values, issues, ignored, .. } = reader;
        keep_own_words(pack, &mut values);
        (values, ignored, issues)
    }

    /// Types the fields read from a CRM page with its profile. `now_seconds` (UTC) becomes the
    /// `now` fact unless the page or host supplied one. Never fails: problems become unknown facts
    /// plus issues.
    #[must_use]
    pub fn from_raw(
        pack: &RulePack,
        profile: &CrmProfile,
        raw: &RawCaseFields,
        now_seconds: i64,
    ) -> (CaseFacts, Vec<FieldIssue>) {
        let mut values: Vec<Option<FactValue>> = vec![None; pack.facts.len()];
        let mut issues: Vec<FieldIssue> = raw
            .read_issues
            .iter()
            .map(|(fact, problem)| FieldIssue { fact: fact.clone(), problem: problem.clone() })
            .collect();
        let default_source = FactSource::default();
        for (slot, fact) in pack.facts.iter().enumerate() {
            let source = profile.sources.get(&fact.name).unwrap_or(&default_source);
            let parsed = match raw.values.get(&fact.name) {
                None if fact.name == "now" => Ok(Some(FactValue::DateTime(now_seconds))),
                None | Some(RawValue::Json(serde_json::Value::Null)) => Ok(None),
                Some(RawValue::Json(serde_json::Value::String(text))) if fact.fact_type != FactType::Text => {
                    parse_displayed(&fact.fact_type, text, source, profile)
                }
                Some(RawValue::Json(json)) => convert(&fact.fact_type, json).map(Some),
                Some(RawValue::Text(text)) => parse_displayed(&fact.fact_type, text, source, profile),
                Some(RawValue::Texts(texts)) if fact.fact_type == FactType::List => Ok(Some(FactValue::List(
                    texts.iter().map(|text| text.trim()).filter(|text| !text.is_empty()).map(TextValue::new).collect(),
                ))),
                Some(RawValue::Texts(texts)) => match texts.as_slice() {
                    [] => Ok(None),
                    [text] => parse_displayed(&fact.fact_type, text, source, profile),
                    _ => Err(format!("shown {} times on the page; expected once; treated as unknown", texts.len())),
                },
            };
            match parsed {
                Ok(value) => values[slot] = value,
                Err(problem) => issues.push(FieldIssue { fact: fact.name.clone(), problem }),
            }
        }
        keep_own_words(pack, &mut values);
        let ignored = raw.values.keys().filter(|name| pack.fact_slot(name).is_none()).cloned().collect();
        (CaseFacts::from_values(pack, values, ignored), issues)
    }

    /// Builds facts from already typed values (one per slot of `pack.facts`).
    #[must_use]
    pub fn from_values(pack: &RulePack, values: Vec<Option<FactValue>>, ignored_keys: Vec<String>) -> CaseFacts {
        let mut entries = Vec::new();
        for (fact, value) in pack.facts.iter().zip(&values) {
            if let Some(value) = value {
                entries.push((fact.name.clone(), fact_to_canonical(value)));
            }
        }
        let input_hash = sha256_hex(Canonical::Object(entries).to_json().as_bytes()).into();
        CaseFacts { values, ignored_keys, input_hash }
    }

    /// The value in a slot; `None` when unknown.
    #[must_use]
    pub fn value(&self, slot: u16) -> Option<&FactValue> {
        self.values.get(usize::from(slot)).and_then(Option::as_ref)
    }

    /// Keys of the case that are not facts of the pack.
    #[must_use]
    pub fn ignored_keys(&self) -> &[String] {
        &self.ignored_keys
    }

    /// SHA-256 (hex) of the canonical JSON of the known facts.
    #[must_use]
    pub fn input_hash(&self) -> &Arc<str> {
        &self.input_hash
    }
}

impl RawCaseFields {
    /// Adds values given as a case JSON object (nested keys are fact names), as a host page
    /// passes them in `options.case`; they override what the page shows.
    pub fn merge_json(&mut self, pack: &RulePack, json: &Json) {
        fn walk(raw: &mut RawCaseFields, pack: &RulePack, prefix: &str, json: &Json) {
            let Json::Object(object) = json else { return };
            for (key, value) in object {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                if pack.fact_slot(&path).is_some() || !value.is_object() {
                    raw.values.insert(path, RawValue::Json(value.clone()));
                } else {
                    walk(raw, pack, &path, value);
                }
            }
        }
        walk(self, pack, "", json);
    }
}

struct Reader<'a> {
    pack: &'a RulePack,
    values: Vec<Option<FactValue>>,
    issues: Vec<FieldIssue>,
    ignored: Vec<String>,
}

impl Reader<'_> {
    fn walk(&mut self, prefix: &str, json: &Json) {
        let Json::Object(object) = json else { return };
        for (key, value) in object {
            let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
            if let Some(slot) = self.pack.fact_slot(&path) {
                self.set(slot, &path, value);
            } else if value.is_object() && self.pack.facts.iter().any(|fact| fact.name.starts_with(&format!("{path}.")))
            {
                self.walk(&path, value);
            } else {
                self.ignored.push(path);
            }
        }
    }

    fn set(&mut self, slot: u16, path: &str, json: &Json) {
        let index = usize::from(slot);
        if json.is_null() {
            return;
        }
        match convert(&self.pack.facts[index].fact_type, json) {
            Ok(value) => {
                if self.values[index].is_some() {
                    self.issues.push(FieldIssue {
                        fact: path.to_owned(),
                        problem: "given twice; the last value is used".to_owned(),
                    });
                }
                self.values[index] = Some(value);
            }
            Err(problem) => {
                self.values[index] = None;
                self.issues.push(FieldIssue { fact: path.to_owned(), problem });
            }
        }
    }
}

/// Text facts with `own_words` are matched on their writer's own lines only; the text as given
/// stays the fact's value (shown, hashed).
fn keep_own_words(pack: &RulePack, values: &mut [Option<FactValue>]) {
    for (fact, value) in pack.facts.iter().zip(values) {
        if let (Some(own_words), Some(FactValue::Text(text))) = (&fact.own_words, value)
            && let Some(own) = own_words.keep(&pack.keyword_lists, &text.raw)
        {
            text.folded = fold(&own);
            text.word_starts = word_starts(&text.folded);
        }
    }
}

fn json_type(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn excerpt(json: &Json) -> String {
    let text = crate::json::write::to_text(json);
    if text.chars().count() > 40 { format!("{}…", text.chars().take(40).collect::<String>()) } else { text }
}

/// Converts one JSON value to the fact's type, or says why it cannot.
fn convert(fact_type: &FactType, json: &Json) -> Result<FactValue, String> {
    let wrong = || {
        format!("expected {}, found {} ({}); treated as unknown", expected(fact_type), json_type(json), excerpt(json))
    };
    match (fact_type, json) {
        (FactType::Bool, Json::Bool(value)) => Ok(FactValue::Bool(*value)),
        (FactType::Int | FactType::Number | FactType::Money, Json::Number(number)) => {
            let value =
                json_number(number).ok_or_else(|| format!("number {number} is out of range; treated as unknown"))?;
            if *fact_type == FactType::Int && value.to_int().is_none() {
                return Err(format!("expected a whole number, found {number}; treated as unknown"));
            }
            Ok(FactValue::Number(value))
        }
        (FactType::Text, Json::String(text)) => Ok(FactValue::Text(TextValue::new(text))),
        (FactType::Enum(values), Json::String(text)) => {
            // Exact spelling first (the common case, no allocation), then case-insensitively.
            if let Some(value) = values.iter().find(|value| *value == text) {
                return Ok(FactValue::Text(TextValue::new(value)));
            }
            let folded = fold(text);
            values
                .iter()
                .find(|value| fold(value) == folded)
                .map(|value| FactValue::Text(TextValue::new(value)))
                .ok_or_else(|| format!("\"{text}\" is not one of {}; treated as unknown", values.join(", ")))
        }
        (FactType::Date, Json::String(text)) => parse_date(text)
            .or_else(|| parse_datetime(text).map(|seconds| seconds.div_euclid(SECONDS_PER_DAY)))
            .map(FactValue::Date)
            .ok_or_else(|| format!("\"{text}\" is not a date (YYYY-MM-DD); treated as unknown")),
        (FactType::DateTime, Json::String(text)) => parse_datetime(text)
            .or_else(|| parse_date(text).map(|days| days * SECONDS_PER_DAY))
            .map(FactValue::DateTime)
            .ok_or_else(|| format!("\"{text}\" is not an RFC 3339 datetime; treated as unknown")),
        (FactType::List, Json::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(TextValue::new))
            .collect::<Option<Vec<_>>>()
            .map(FactValue::List)
            .ok_or_else(|| "expected a list of strings, found a non-string item; treated as unknown".to_owned()),
        _ => Err(wrong()),
    }
}

/// The exact decimal of a JSON number. Floats are formatted with `ryu` (shortest round trip), not
/// `f64`'s `Display`, which would add ~14 KB to the wasm.
fn json_number(number: &serde_json::Number) -> Option<Decimal> {
    if let Some(integer) = number.as_i64() {
        return Some(Decimal::from_int(integer));
    }
    if let Some(integer) = number.as_u64() {
        return Decimal::parse(&integer.to_string());
    }
    let float = number.as_f64()?;
    Decimal::parse(ryu::Buffer::new().format_finite(float))
}

fn expected(fact_type: &FactType) -> &'static str {
    match fact_type {
        FactType::Bool => "true or false",
        FactType::Int => "a whole number",
        FactType::Number => "a number",
        FactType::Money => "an amount in EUR (a number)",
        FactType::Text => "a string",
        FactType::Enum(_) => "one of the enum's values (a string)",
        FactType::Date => "a date string (YYYY-MM-DD)",
        FactType::DateTime => "a datetime string (RFC 3339)",
        FactType::List => "a list of strings",
    }
}
