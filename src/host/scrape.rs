//! Reads the visible case from the page through a CRM profile: CSS selectors (text or
//! attribute, one element or all) and JSON islands. Produces raw strings and JSON values; typing
//! them is `CaseFacts::from_raw`'s job. A selector that matches nothing means the fact is missing.

use crate::profile::{CrmProfile, FactSource, RawCaseFields, RawValue};
use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

/// Why a JSON island could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
enum IslandError {
    /// Not on the page: the facts it would carry are missing, not malformed.
    Missing,
    /// The profile's selector is not valid CSS.
    InvalidSelector(String),
    /// On the page, but not JSON.
    NotJson { selector: String, problem: String },
}

impl IslandError {
    /// The reader's problem for a fact from this island; `None` when the fact is simply missing.
    fn problem(&self) -> Option<String> {
        match self {
            IslandError::Missing => None,
            IslandError::InvalidSelector(selector) => Some(invalid_selector(selector)),
            IslandError::NotJson { selector, problem } => {
                Some(format!("the data island `{selector}` is not valid JSON ({problem})"))
            }
        }
    }
}

fn invalid_selector(selector: &str) -> String {
    format!("invalid selector `{selector}` in the crm profile")
}

fn element_text(element: &Element, attribute: Option<&String>) -> Option<String> {
    match attribute {
        Some(name) => element.get_attribute(name),
        None => element.text_content(),
    }
}

/// Reads every source of `profile` from `document`.
pub(crate) fn read_case(document: &Document, profile: &CrmProfile) -> RawCaseFields {
    let mut raw = RawCaseFields::default();
    let Ok(Some(root)) = document.query_selector(&profile.root) else {
        raw.read_issues.push(("(page)".to_owned(), format!("the case area `{}` is not on the page", profile.root)));
        return raw;
    };
    let mut islands: Islands = Vec::new();
    for (fact, source) in &profile.sources {
        match read_source(document, &root, source, &mut islands) {
            Ok(Some(value)) => {
                raw.values.insert(fact.clone(), value);
            }
            Ok(None) => {}
            Err(problem) => raw.read_issues.push((fact.clone(), problem)),
        }
    }
    if let Some(source) = &profile.case_key {
        raw.case_key = match read_source(document, &root, source, &mut islands) {
            Ok(Some(RawValue::Text(text))) => Some(text.trim().to_owned()),
            Ok(Some(RawValue::Json(value))) => {
                Some(value.as_str().map_or_else(|| crate::json::write::to_text(&value), str::to_owned))
            }
            _ => None,
        };
    }
    raw
}

/// The JSON islands read so far, by selector: each is parsed once however many facts it holds. A
/// page has one to three, so a list (a map type of its own was a B-tree instantiation more in
/// the wasm, issue 15).
type Islands = Vec<(String, Result<serde_json::Value, IslandError>)>;

/// The island `selector` names, parsed.
fn read_island(document: &Document, selector: &str) -> Result<serde_json::Value, IslandError> {
    let element = document
        .query_selector(selector)
        .map_err(|_| IslandError::InvalidSelector(selector.to_owned()))?
        .ok_or(IslandError::Missing)?;
    let text = element.text_content().unwrap_or_default();
    crate::json::parse(&text).map_err(|problem| IslandError::NotJson { selector: selector.to_owned(), problem })
}

fn read_source(
    document: &Document,
    root: &Element,
    source: &FactSource,
    islands: &mut Islands,
) -> Result<Option<RawValue>, String> {
    if let Some(selector) = &source.selector {
        if source.all {
            let nodes = root.query_selector_all(selector).map_err(|_| invalid_selector(selector))?;
            let mut texts = Vec::new();
            for index in 0..nodes.length() {
                if let Some(element) = nodes.item(index).and_then(|node| node.dyn_into::<Element>().ok())
                    && let Some(text) = element_text(&element, source.attribute.as_ref())
                {
                    texts.push(text);
                }
            }
            return Ok(Some(RawValue::Texts(texts)));
        }
        let element = root.query_selector(selector).map_err(|_| invalid_selector(selector))?;
        return Ok(element.and_then(|element| element_text(&element, source.attribute.as_ref())).map(RawValue::Text));
    }
    let Some(island_selector) = &source.json else { return Ok(None) };
    let index = match islands.iter().position(|(selector, _)| selector == island_selector) {
        Some(index) => index,
        None => {
            islands.push((island_selector.clone(), read_island(document, island_selector)));
            islands.len() - 1
        }
    };
    match &islands[index].1 {
        Ok(json) => Ok(json.pointer(source.pointer.as_deref().unwrap_or("")).cloned().map(RawValue::Json)),
        Err(error) => error.problem().map_or(Ok(None), Err),
    }
}
