//! Browser-ready forms of rule packs and CRM profiles: JSON written by `riskpane compile`.
//!
//! The widget loads these instead of TOML so the wasm carries neither a TOML parser nor the
//! rule-language parser and type checker (see BENCHMARKS.md for what each costs). A compiled pack
//! holds the typed conditions and the pack hash of its TOML source, so a score computed in the
//! browser is traceable to the exact pack text. Since format 4 the pack itself is `postcard`
//! (serde's compact binary format) in base64 inside the JSON envelope: reading it through
//! serde_json's derived visitors was the largest block of the widget's wasm (issue 15). The bytes
//! are written by serde's derived `Serialize` and read by hand (`compiled/pack_bytes.rs`): the
//! pack's types derive no `Deserialize`.

use crate::profile::CrmProfile;
use crate::rules::RulePack;
use crate::rules::lang::Node;
use serde::Serialize;

pub(crate) mod base64;
mod pack_bytes;
mod read;

/// Marks a compiled pack file.
pub const PACK_FORMAT: &str = "riskpane-compiled-pack";
/// Marks a compiled profile file.
pub const PROFILE_FORMAT: &str = "riskpane-compiled-profile";
/// Version of both compiled formats; bumped whenever `RulePack` or `Node` change shape (4: the
/// pack as base64 `postcard`; outcomes' checker role and reply text; 5: `matches_near`'s word
/// window; 6: a text fact's `own_words`; 7: `own_words`' `quoted_by`; 8: `matches_before`).
pub const COMPILED_VERSION: u32 = 8;

/// Why a compiled pack or profile cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompiledError {
    /// The text is not JSON.
    NotJson {
        /// "rule pack" or "crm profile".
        what: &'static str,
        /// The JSON parser's message.
        problem: String,
    },
    /// Another kind of file.
    WrongFormat {
        /// The format marker expected.
        expected: &'static str,
        /// The file's marker.
        found: String,
    },
    /// Another version of the compiled format.
    Version {
        /// The format marker.
        expected: &'static str,
        /// The file's version.
        found: u32,
    },
    /// This version's format, but content that does not match it.
    Shape {
        /// "rule pack" or "crm profile".
        what: &'static str,
        /// What does not match, and where.
        problem: String,
    },
    /// A pack whose references (fact slots, lists, items, outcomes) do not resolve.
    Inconsistent(String),
}

impl std::fmt::Display for CompiledError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompiledError::NotJson { what, problem } => write!(formatter, "{what} is not valid JSON: {problem}"),
            CompiledError::WrongFormat { expected, found } => write!(
                formatter,
                "expected a {expected} file, found format `{found}` (compile it with `riskpane compile`)"
            ),
            CompiledError::Version { expected, found } => {
                write!(formatter, "{expected} version {found} is not supported; this build reads {COMPILED_VERSION}")
            }
            CompiledError::Shape { what, problem } => {
                write!(formatter, "{what} does not match compiled format {COMPILED_VERSION}: {problem}")
            }
            CompiledError::Inconsistent(problem) => write!(formatter, "rule pack is inconsistent: {problem}"),
        }
    }
}

impl std::error::Error for CompiledError {}

/// A compiled pack file: the pack as base64 `postcard` bytes, and for people and tools that look
/// at the file its id, version and hash in plain text (the reader takes them from the pack).
#[derive(Serialize)]
struct PackFile {
    format: String,
    format_version: u32,
    id: String,
    version: String,
    hash: String,
    pack: String,
}

/// A compiled profile file (read back by hand: `read.rs` says why).
#[derive(Serialize)]
struct ProfileFile {
    format: String,
    format_version: u32,
    profile: CrmProfile,
}

/// The compiled JSON of a pack.
///
/// # Errors
/// Only if serialization fails, which a valid pack never does.
pub fn pack_to_json(pack: &RulePack) -> Result<String, String> {
    let bytes = postcard::to_allocvec(pack).map_err(|error| error.to_string())?;
    let file = PackFile {
        format: PACK_FORMAT.to_owned(),
        format_version: COMPILED_VERSION,
        id: pack.id.clone(),
        version: pack.version.clone(),
        hash: pack.hash.to_string(),
        pack: base64::encode(&bytes),
    };
    serde_json::to_string(&file).map_err(|error| error.to_string())
}

/// Reads a compiled pack.
///
/// # Errors
/// A clear message when the text is not a compiled pack of this version.
pub fn pack_from_json(text: &str) -> Result<RulePack, CompiledError> {
    const WHAT: &str = "rule pack";
    let shape = |problem: String| CompiledError::Shape { what: WHAT, problem };
    let envelope = envelope(text, WHAT, PACK_FORMAT)?;
    let encoded = envelope
        .get("pack")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| shape("`pack` is missing".to_owned()))?;
    let bytes = base64::decode(encoded).ok_or_else(|| shape("`pack` is not base64".to_owned()))?;
    drop(envelope);
    pack_from_bytes(&bytes)
}

/// Reads a compiled pack the browser holds as a JavaScript string, without copying the text into
/// the wasm memory: the browser parses the envelope, and the base64 is copied and decoded a slice
/// at a time, so only the pack's bytes and the pack itself take wasm memory while it is read (the
/// text and the envelope walk's copy of its base64, 0.74 MB each with care pack 1.39.2, were in
/// the wasm memory while it was read; the widget's high-water mark fell by 0.72 MB: BENCHMARKS.md,
/// memory). The same checks and errors as [`pack_from_json`].
///
/// # Errors
/// A clear message when the text is not a compiled pack of this version.
#[cfg(target_arch = "wasm32")]
pub fn pack_from_js(text: &js_sys::JsString) -> Result<RulePack, CompiledError> {
    use wasm_bindgen::{JsCast, JsValue};
    const WHAT: &str = "rule pack";
    /// Symbols copied into the wasm at a time: a whole number of four-symbol groups.
    const SLICE: u32 = 1 << 16;
    let shape = |problem: &str| CompiledError::Shape { what: WHAT, problem: problem.to_owned() };
    let file = crate::json::parse_js(text).map_err(|problem| CompiledError::NotJson { what: WHAT, problem })?;
    let field = |name: &str| js_sys::Reflect::get(&file, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    // A version that is not a whole number reads as 0, as `as_u64` does natively; larger than a
    // `u32` saturates, as `try_from` does there.
    let version = field("format_version").as_f64().filter(|version| version.fract() == 0.0).map_or(0, |v| v as u32);
    check_format(&field("format").as_string().unwrap_or_default(), version, PACK_FORMAT)?;
    let encoded: js_sys::JsString = field("pack").dyn_into().map_err(|_| shape("`pack` is missing"))?;
    let length = encoded.length();
    let mut bytes = Vec::with_capacity(length as usize / 4 * 3);
    let mut from = 0;
    while from < length {
        let to = length.min(from.saturating_add(SLICE));
        base64::decode_into(&String::from(encoded.slice(from, to)), to == length, &mut bytes)
            .ok_or_else(|| shape("`pack` is not base64"))?;
        from = to;
    }
    pack_from_bytes(&bytes)
}

/// Reads a pack from its `postcard` bytes and checks its references.
fn pack_from_bytes(bytes: &[u8]) -> Result<RulePack, CompiledError> {
    let pack = pack_bytes::read_pack(bytes).map_err(|problem| CompiledError::Shape { what: "rule pack", problem })?;
    check_references(&pack).map_err(CompiledError::Inconsistent)?;
    Ok(pack)
}

/// A compiled file's JSON, after its format marker and version were checked.
fn envelope(text: &str, what: &'static str, expected: &'static str) -> Result<serde_json::Value, CompiledError> {
    let file = crate::json::parse(text).map_err(|problem| CompiledError::NotJson { what, problem })?;
    let format = file.get("format").and_then(serde_json::Value::as_str).unwrap_or("");
    let version = file.get("format_version").and_then(serde_json::Value::as_u64).unwrap_or(0);
    check_format(format, u32::try_from(version).unwrap_or(u32::MAX), expected)?;
    Ok(file)
}

/// A compiled pack comes over the network: before the engine and the UI index into it, check that
/// every reference (fact slots, keyword lists, checklist items, outcomes, reason codes) resolves,
/// so a damaged or hand-edited file is an error message, not a panic in the browser.
fn check_references(pack: &RulePack) -> Result<(), String> {
    fn check_node(node: &Node, pack: &RulePack) -> Result<(), String> {
        match node {
            Node::Fact(slot) if usize::from(*slot) >= pack.facts.len() => {
                Err(format!("fact slot {slot} does not exist"))
            }
            Node::MatchesAny(operand, list) => {
                if usize::from(*list) >= pack.keyword_lists.len() {
                    return Err(format!("keyword list {list} does not exist"));
                }
                check_node(operand, pack)
            }
            Node::MatchesNear(operand, first, second, _) | Node::MatchesBefore(operand, first, second, _) => {
                if let Some(list) =
                    [first, second].into_iter().find(|list| usize::from(**list) >= pack.keyword_lists.len())
                {
                    return Err(format!("keyword list {list} does not exist"));
                }
                check_node(operand, pack)
            }
            Node::ReadsAs(operand, list) => {
                if pack.keyword_lists.get(usize::from(*list)).is_none_or(|list| list.classifier.is_none()) {
                    return Err(format!("classifier {list} does not exist"));
                }
                check_node(operand, pack)
            }
            Node::Not(inner)
            | Node::Neg(inner)
            | Node::IsMissing(inner)
            | Node::IsPresent(inner)
            | Node::Len(inner) => check_node(inner, pack),
            Node::And(left, right)
            | Node::Or(left, right)
            | Node::Compare(_, left, right)
            | Node::Arith(_, left, right)
            | Node::TextOp(_, left, right)
            | Node::ListContains(left, right)
            | Node::DaysBetween(left, right) => check_node(left, pack).and_then(|()| check_node(right, pack)),
            Node::InSet(value, set) => {
                set.iter().try_for_each(|item| check_node(item, pack)).and_then(|()| check_node(value, pack))
            }
            _ => Ok(()),
        }
    }
    let within = |index: usize, length: usize, what: &str| {
        if index < length { Ok(()) } else { Err(format!("{what} {index} does not exist")) }
    };
    for list in &pack.keyword_lists {
        // A classifier's terms are its patterns; a keyword list has a pattern per term.
        let terms = if list.classifier.is_some() { 0 } else { list.terms.len() };
        if (list.classifier.is_none() && terms != list.matcher.len())
            || (list.classifier.is_some() && !list.terms.is_empty())
            || (!list.term_languages.is_empty() && list.term_languages.len() != terms)
        {
            return Err(format!(
                "keyword list `{}` has {} terms but {} patterns",
                list.name,
                list.terms.len(),
                list.matcher.len()
            ));
        }
        if let Some(classifier) = &list.classifier
            && (classifier.weights.len() != list.matcher.len()
                || (!classifier.idf.is_empty() && classifier.idf.len() != list.matcher.len()))
        {
            return Err(format!("classifier `{}` has inconsistent weights", list.name));
        }
    }
    for rule in &pack.rules {
        check_node(&rule.when.node, pack)?;
        rule.checklist.iter().try_for_each(|&item| within(item, pack.checklist.len(), "checklist item"))?;
    }
    for item in &pack.checklist {
        for condition in item.when.iter().chain(&item.done_when) {
            check_node(&condition.node, pack)?;
        }
        item.required_for
            .iter()
            .try_for_each(|&outcome| within(outcome, pack.decision_policy.outcomes.len(), "outcome"))?;
    }
    for outcome in &pack.decision_policy.outcomes {
        check_node(&outcome.requires_second_approval.node, pack)?;
        let codes = pack.decision_policy.reason_codes.len();
        outcome.reason_codes.iter().try_for_each(|&code| within(code, codes, "reason code"))?;
    }
    for deadline in &pack.deadlines {
        check_node(&deadline.when.node, pack)?;
        within(usize::from(deadline.from), pack.facts.len(), "fact slot")?;
    }
    Ok(())
}

/// The compiled JSON of a profile.
///
/// # Errors
/// Only if serialization fails.
pub fn profile_to_json(profile: &CrmProfile) -> Result<String, String> {
    let file =
        ProfileFile { format: PROFILE_FORMAT.to_owned(), format_version: COMPILED_VERSION, profile: profile.clone() };
    serde_json::to_string(&file).map_err(|error| error.to_string())
}

/// Reads a compiled profile.
///
/// # Errors
/// A clear message when the text is not a compiled profile of this version.
pub fn profile_from_json(text: &str) -> Result<CrmProfile, CompiledError> {
    const WHAT: &str = "crm profile";
    let file = envelope(text, WHAT, PROFILE_FORMAT)?;
    let profile = file
        .get("profile")
        .ok_or_else(|| CompiledError::Shape { what: WHAT, problem: "`profile` is missing".to_owned() })?;
    read::profile(profile).map_err(|error| CompiledError::Shape { what: WHAT, problem: format!("at profile{error}") })
}

fn check_format(format: &str, version: u32, expected: &'static str) -> Result<(), CompiledError> {
    if format != expected {
        return Err(CompiledError::WrongFormat { expected, found: format.to_owned() });
    }
    if version != COMPILED_VERSION {
        return Err(CompiledError::Version { expected, found: version });
    }
    Ok(())
}
