//! The CRM's own copy of the demo cases (`reference-crm/cases.json`), so the server scores the same
//! data the demo pages show: the pages get the cases from the server (`/crm/cases.js`), and on
//! every proposed decision the server rebuilds the page's raw fields from its copy and scores them
//! itself. Dates in the file are spans before the server's start (`{"ago": "1d 1h 30m"}`), never
//! calendar dates, and are written the way the demo CRM shows them (DD.MM.YYYY HH:mm at UTC+01:00,
//! pkg-config/crm/demo.toml). Case text is untrusted: the pages set it with `textContent` only.

use riskpane::profile::{CrmProfile, FactSource, RawCaseFields, RawValue};
use riskpane::value::time::civil_from_days;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The demo case file, compiled in: the cases are the CRM's data, not the user's.
pub const CASES_JSON: &str = include_str!("../cases.json");

/// The demo CRM shows local times at UTC+01:00 (the profile's `utc_offset`).
const SHOWN_OFFSET_SECONDS: i64 = 3600;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    cases: Vec<CaseEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseEntry {
    id: String,
    page: String,
    fields: BTreeMap<String, FieldEntry>,
    #[serde(default)]
    actions: Vec<(String, String)>,
    #[serde(default)]
    orders: Vec<Vec<FieldEntry>>,
    #[serde(default)]
    data: Option<Value>,
}

/// A field as the file writes it: plain text, a date relative to the start, or text with attributes.
#[derive(Deserialize)]
#[serde(untagged)]
enum FieldEntry {
    Text(String),
    Ago {
        ago: String,
        #[serde(default)]
        show: Option<String>,
    },
    Element {
        text: String,
        #[serde(default)]
        attributes: BTreeMap<String, String>,
    },
}

/// One element of the case page: its text and attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownField {
    /// The element's text.
    pub text: String,
    /// Attributes the CRM profile may read (`data-value`, `data-domain`).
    pub attributes: BTreeMap<String, String>,
}

/// A case as the CRM page shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// The CRM's case id.
    pub id: String,
    /// Which demo page shows it (`demo`: index.html, `embed`: embed.html).
    pub page: String,
    /// `data-field` name → shown element.
    pub fields: BTreeMap<String, ShownField>,
    /// The handling so far: `(data-action id, label)`.
    pub actions: Vec<(String, String)>,
    /// Order history rows (shown only, no facts).
    pub orders: Vec<Vec<String>>,
    /// The JSON island `#case-data`, when the page has one.
    pub data: Option<Value>,
}

/// All demo cases, with their dates fixed relative to one moment.
#[derive(Clone, Debug)]
pub struct Cases {
    cases: Vec<Case>,
}

fn span_seconds(text: &str) -> Result<i64, String> {
    let mut total = 0;
    for part in text.split_whitespace() {
        let (number, unit) = part.split_at(part.len().saturating_sub(1));
        let number: i64 = number.parse().map_err(|_| format!("`{text}` is not a span like `1d 2h 30m`"))?;
        total += number
            * match unit {
                "d" => 86_400,
                "h" => 3600,
                "m" => 60,
                _ => return Err(format!("`{text}` is not a span like `1d 2h 30m`")),
            };
    }
    Ok(total)
}

/// `DD.MM.YYYY HH:mm` (or `DD.MM.YYYY`) at UTC+01:00 for UTC `seconds`.
#[must_use]
pub fn shown_datetime(seconds: i64, date_only: bool) -> String {
    let local = seconds + SHOWN_OFFSET_SECONDS;
    let (year, month, day) = civil_from_days(local.div_euclid(86_400));
    let in_day = local.rem_euclid(86_400);
    if date_only {
        format!("{day:02}.{month:02}.{year:04}")
    } else {
        format!("{day:02}.{month:02}.{year:04} {:02}:{:02}", in_day / 3600, in_day % 3600 / 60)
    }
}

fn resolve(entry: FieldEntry, start: i64) -> Result<ShownField, String> {
    Ok(match entry {
        FieldEntry::Text(text) => ShownField { text, attributes: BTreeMap::new() },
        FieldEntry::Ago { ago, show } => ShownField {
            text: shown_datetime(start - span_seconds(&ago)?, show.as_deref() == Some("date")),
            attributes: BTreeMap::new(),
        },
        FieldEntry::Element { text, attributes } => ShownField { text, attributes },
    })
}

impl Cases {
    /// Reads a case file; relative dates become the text shown at `start` (UTC seconds).
    ///
    /// # Errors
    /// Malformed JSON, a bad span, or two cases with one id.
    pub fn parse(text: &str, start: i64) -> Result<Cases, String> {
        let file: CaseFile = serde_json::from_str(text).map_err(|error| format!("cases.json: {error}"))?;
        let mut cases = Vec::new();
        for entry in file.cases {
            if cases.iter().any(|case: &Case| case.id == entry.id) {
                return Err(format!("cases.json: case `{}` twice", entry.id));
            }
            let mut fields = BTreeMap::new();
            for (name, field) in entry.fields {
                fields.insert(name, resolve(field, start)?);
            }
            let mut orders = Vec::new();
            for row in entry.orders {
                orders.push(
                    row.into_iter()
                        .map(|cell| resolve(cell, start).map(|shown| shown.text))
                        .collect::<Result<_, _>>()?,
                );
            }
            cases.push(Case {
                id: entry.id,
                page: entry.page,
                fields,
                actions: entry.actions,
                orders,
                data: entry.data,
            });
        }
        Ok(Cases { cases })
    }

    /// The case with this id.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Case> {
        self.cases.iter().find(|case| case.id == id)
    }

    /// Every case.
    #[must_use]
    pub fn all(&self) -> &[Case] {
        &self.cases
    }

    /// The cases as the pages' module `/crm/cases.js` (`export const cases = [...]`).
    #[must_use]
    pub fn to_module(&self) -> String {
        let cases: Vec<Value> = self
            .cases
            .iter()
            .map(|case| {
                let fields: serde_json::Map<String, Value> = case
                    .fields
                    .iter()
                    .map(|(name, field)| (name.clone(), json!({ "text": field.text, "attributes": field.attributes })))
                    .collect();
                json!({ "id": case.id, "page": case.page, "fields": fields, "actions": case.actions, "orders": case.orders, "data": case.data })
            })
            .collect();
        // JSON is a JavaScript expression; `<` is escaped so no text can close a script element.
        let literal = Value::Array(cases).to_string().replace('<', "\\u003c");
        format!(
            "// The reference CRM's demo cases, as it holds them (reference-crm/cases.json).\nexport const cases = {literal};\n"
        )
    }
}

/// What a profile selector means on the demo pages.
enum Selector<'a> {
    /// `[data-field=NAME]`.
    Field(&'a str),
    /// `[data-action]`: the handling-so-far list.
    Actions,
}

fn selector(text: &str) -> Option<Selector<'_>> {
    if text == "[data-action]" {
        return Some(Selector::Actions);
    }
    text.strip_prefix("[data-field=").and_then(|rest| rest.strip_suffix(']')).map(Selector::Field)
}

/// Checks that the server can read every source of `profile` from its cases (it understands the
/// demo pages' selectors only: `[data-field=NAME]`, `[data-action]` and the island `#case-data`).
///
/// # Errors
/// The sources it cannot read.
pub fn check_profile(profile: &CrmProfile) -> Result<(), String> {
    let mut unreadable = Vec::new();
    let sources = profile.sources.iter().map(|(fact, source)| (fact.as_str(), source));
    for (fact, source) in sources.chain(profile.case_key.iter().map(|source| ("case key", source))) {
        let readable = match (&source.selector, &source.json) {
            (Some(text), _) => selector(text).is_some(),
            (None, Some(island)) => island == "#case-data",
            (None, None) => true,
        };
        if !readable {
            unreadable.push(fact.to_owned());
        }
    }
    if unreadable.is_empty() {
        Ok(())
    } else {
        Err(format!("the reference CRM cannot read these profile sources: {}", unreadable.join(", ")))
    }
}

impl Case {
    fn read(&self, source: &FactSource) -> Option<RawValue> {
        if let Some(text) = &source.selector {
            return match selector(text)? {
                // `all` selectors always yield a list, empty when nothing matches (as in the page).
                Selector::Actions => {
                    source.all.then(|| RawValue::Texts(self.actions.iter().map(|(id, _)| id.clone()).collect()))
                }
                Selector::Field(name) => {
                    let Some(field) = self.fields.get(name) else {
                        return source.all.then(|| RawValue::Texts(Vec::new()));
                    };
                    let value = match &source.attribute {
                        Some(attribute) => field.attributes.get(attribute)?.clone(),
                        None => field.text.clone(),
                    };
                    Some(if source.all { RawValue::Texts(vec![value]) } else { RawValue::Text(value) })
                }
            };
        }
        source.json.as_ref()?;
        self.data.as_ref()?.pointer(source.pointer.as_deref().unwrap_or("")).cloned().map(RawValue::Json)
    }

    /// The raw fields the widget reads from this case's page through `profile`.
    #[must_use]
    pub fn raw_fields(&self, profile: &CrmProfile) -> RawCaseFields {
        let mut raw = RawCaseFields::default();
        for (fact, source) in &profile.sources {
            if let Some(value) = self.read(source) {
                raw.values.insert(fact.clone(), value);
            }
        }
        raw.case_key = profile.case_key.as_ref().and_then(|source| match self.read(source) {
            Some(RawValue::Text(text)) => Some(text.trim().to_owned()),
            _ => None,
        });
        raw
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn dates_are_relative_to_the_start_and_shown_at_utc_plus_one() {
        // 2000-01-01T00:00:00Z is 946684800; shown at +01:00.
        assert_eq!(shown_datetime(946_684_800, false), "01.01.2000 01:00");
        assert_eq!(shown_datetime(946_684_800 - 3600 - 1, true), "31.12.1999");
        let cases = Cases::parse(CASES_JSON, 946_684_800).unwrap();
        let first = cases.get("C-2026-4711").unwrap();
        assert_eq!(first.fields["received-at"].text, shown_datetime(946_684_800 - 91_800, false));
        assert!(span_seconds("2x").is_err());
    }

    /// The `data-field` names of a page's case area (the fields its cases must fill).
    fn page_fields(page: &str) -> BTreeSet<String> {
        let html = std::fs::read_to_string(format!("{}/../www/{page}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        html.split("data-field=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|name| !["actions", "orders"].contains(name))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_case_fills_exactly_the_fields_its_page_shows() {
        // A field the page shows but the case lacks would keep the previous case's text on the
        // page while the server reads it as missing: the two sides would score different data.
        let cases = Cases::parse(CASES_JSON, 0).unwrap();
        for (page, file) in [("demo", "index.html"), ("embed", "embed.html")] {
            let shown = page_fields(file);
            let of_page: Vec<&Case> = cases.all().iter().filter(|case| case.page == page).collect();
            assert!(!of_page.is_empty(), "no case for {file}");
            for case in of_page {
                assert_eq!(case.fields.keys().cloned().collect::<BTreeSet<_>>(), shown, "case {} on {file}", case.id);
                assert_eq!(case.fields["case-id"].text, case.id);
            }
        }
        for case in cases.all().iter().filter(|case| case.page == "demo") {
            for (field, attribute) in [("channel", "data-value"), ("sender-email", "data-domain")] {
                assert!(
                    case.fields[field].attributes.contains_key(attribute),
                    "case {}: {field} needs {attribute}",
                    case.id
                );
            }
        }
    }

    #[test]
    fn the_module_cannot_close_a_script_element() {
        let cases = Cases::parse(CASES_JSON, 0).unwrap();
        let module = cases.to_module();
        assert!(module.contains("onerror"), "the case with HTML in its message is there");
        assert!(!module.contains("<img"), "as text that cannot become markup");
    }
}
