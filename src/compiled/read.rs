//! Reads compiled packs and profiles from their JSON tree by hand, in the shapes `riskpane
//! compile` writes (serde's derived `Serialize`: structs as objects, enums externally tagged).
//!
//! Why not derived `Deserialize`: in the widget, serde's visitors for the pack's ~25 types and the
//! condition tree, instantiated for `serde_json`'s reader, were the largest block of the wasm
//! (issue 15; BENCHMARKS.md has the measurement). The widget parses JSON into a
//! `serde_json::Value` anyway (case islands, CRM answers), so walking that tree costs little code.
//! The compiled format is unchanged; `tests/native.rs` reads back every shipped pack and profile
//! and compares it with the compiled original.
//!
//! Errors name the place: `pack.rules[3].when.node.And[1]: expected an object or a string`.

use crate::json::{
    Read, boolean, field, int, item, list, object, object_entries, only, optional, or_default, problem, string,
    string_map, strings, text, tuple, unit, variant, whole,
};
use crate::profile::{self, CrmApi, CrmAuth, CrmEndpoints, CrmKind, CrmProfile, FactSource, RtSettings};
use crate::rules::lang::Node;
use crate::rules::lang::check::{ArithOp, CompareOp, TextOp};
use crate::rules::lang::number::Decimal;
use crate::rules::lang::text::{KeywordMatcher, KeywordPattern};
use crate::rules::{
    BandThresholds, Category, ChecklistItem, ClassifierWeights, Condition, Deadline, DecisionPolicy, FactDef, FactType,
    KeywordList, KeywordTerm, Language, LocalText, Outcome, Param, ReasonCode, Rule, RulePack, Signal,
};
use serde_json::Value;

fn local_text(value: &Value) -> Read<LocalText> {
    let translations = field(object(value)?, "translations", |value| {
        list(value, |pair| {
            let items = tuple(Some(pair), 2)?;
            Ok((item(items, 0, string)?, item(items, 1, string)?))
        })
    })?;
    Ok(LocalText { translations })
}

fn decimal(value: &Value) -> Read<Decimal> {
    let text = text(value)?;
    Decimal::parse(text).map_or_else(|| Err(format!(": invalid decimal `{text}`")), Ok)
}

fn boxed(items: &[Value], index: usize) -> Read<Box<Node>> {
    item(items, index, node).map(Box::new)
}

/// A condition tree. Its depth is bounded by the rule language's nesting limit when compiled; a
/// hand-made file deeper than serde_json's own limit (128) does not parse at all.
fn node(value: &Value) -> Read<Node> {
    let (name, content) = variant(value)?;
    let inside = |error: String| format!(".{name}{error}");
    let one = |read: fn(&Value) -> Read<Node>| content.map_or_else(|| problem("expected content"), read);
    let pair = || -> Read<(Box<Node>, Box<Node>)> {
        let items = tuple(content, 2)?;
        Ok((boxed(items, 0)?, boxed(items, 1)?))
    };
    let content_value = || content.map_or_else(|| problem("expected content"), Ok);
    let read = match name {
        "Bool" => content_value().and_then(boolean).map(Node::Bool),
        "Number" => content_value().and_then(decimal).map(Node::Number),
        "Text" => content_value().and_then(string).map(Node::Text),
        "Date" => content_value().and_then(int).map(Node::Date),
        "DateTime" => content_value().and_then(int).map(Node::DateTime),
        "Fact" => content_value().and_then(whole).map(Node::Fact),
        "RiskScore" => Ok(Node::RiskScore),
        "RiskBand" => Ok(Node::RiskBand),
        "Not" => one(node).map(|inner| Node::Not(Box::new(inner))),
        "Neg" => one(node).map(|inner| Node::Neg(Box::new(inner))),
        "IsMissing" => one(node).map(|inner| Node::IsMissing(Box::new(inner))),
        "IsPresent" => one(node).map(|inner| Node::IsPresent(Box::new(inner))),
        "Len" => one(node).map(|inner| Node::Len(Box::new(inner))),
        "And" => pair().map(|(left, right)| Node::And(left, right)),
        "Or" => pair().map(|(left, right)| Node::Or(left, right)),
        "ListContains" => pair().map(|(left, right)| Node::ListContains(left, right)),
        "DaysBetween" => pair().map(|(left, right)| Node::DaysBetween(left, right)),
        "Compare" => operator(
            content,
            &[
                ("Eq", CompareOp::Eq),
                ("Ne", CompareOp::Ne),
                ("Lt", CompareOp::Lt),
                ("Le", CompareOp::Le),
                ("Gt", CompareOp::Gt),
                ("Ge", CompareOp::Ge),
            ],
        )
        .map(|(op, left, right)| Node::Compare(op, left, right)),
        "Arith" => operator(
            content,
            &[("Add", ArithOp::Add), ("Sub", ArithOp::Sub), ("Mul", ArithOp::Mul), ("Div", ArithOp::Div)],
        )
        .map(|(op, left, right)| Node::Arith(op, left, right)),
        "TextOp" => operator(
            content,
            &[("Contains", TextOp::Contains), ("StartsWith", TextOp::StartsWith), ("EndsWith", TextOp::EndsWith)],
        )
        .map(|(op, left, right)| Node::TextOp(op, left, right)),
        "InSet" => tuple(content, 2)
            .and_then(|items| Ok(Node::InSet(boxed(items, 0)?, item(items, 1, |set| list(set, node))?))),
        "MatchesAny" => {
            tuple(content, 2).and_then(|items| Ok(Node::MatchesAny(boxed(items, 0)?, item(items, 1, whole)?)))
        }
        "ReadsAs" => tuple(content, 2).and_then(|items| Ok(Node::ReadsAs(boxed(items, 0)?, item(items, 1, whole)?))),
        "MatchesNear" => tuple(content, 3)
            .and_then(|items| Ok(Node::MatchesNear(boxed(items, 0)?, item(items, 1, whole)?, item(items, 2, whole)?))),
        _ => return Err(format!(": unknown condition `{name}`")),
    };
    read.map_err(inside)
}

/// `[operator, left, right]` of a binary operator variant.
fn operator<T: Copy>(content: Option<&Value>, names: &[(&str, T)]) -> Read<(T, Box<Node>, Box<Node>)> {
    let items = tuple(content, 3)?;
    Ok((item(items, 0, |value| unit(value, names))?, boxed(items, 1)?, boxed(items, 2)?))
}

fn condition(value: &Value) -> Read<Condition> {
    let object = object(value)?;
    Ok(Condition { source: field(object, "source", string)?, node: field(object, "node", node)? })
}

fn fact_type(value: &Value) -> Read<FactType> {
    match variant(value)? {
        ("Bool", None) => Ok(FactType::Bool),
        ("Int", None) => Ok(FactType::Int),
        ("Number", None) => Ok(FactType::Number),
        ("Money", None) => Ok(FactType::Money),
        ("Text", None) => Ok(FactType::Text),
        ("Date", None) => Ok(FactType::Date),
        ("DateTime", None) => Ok(FactType::DateTime),
        ("List", None) => Ok(FactType::List),
        ("Enum", Some(values)) => strings(values).map(FactType::Enum).map_err(|error| format!(".Enum{error}")),
        (name, _) => Err(format!(": unknown fact type `{name}`")),
    }
}

fn fact(value: &Value) -> Read<FactDef> {
    let object = object(value)?;
    Ok(FactDef {
        name: field(object, "name", string)?,
        fact_type: field(object, "fact_type", fact_type)?,
        label: optional(object, "label", local_text)?,
    })
}

fn param(value: &Value) -> Read<Param> {
    let object = object(value)?;
    Ok(Param {
        name: field(object, "name", string)?,
        value: field(object, "value", decimal)?,
        description: optional(object, "description", string)?,
    })
}

fn pattern(value: &Value) -> Read<KeywordPattern> {
    let object = object(value)?;
    Ok(KeywordPattern {
        core: field(object, "core", string)?,
        open_start: field(object, "open_start", boolean)?,
        open_end: field(object, "open_end", boolean)?,
    })
}

fn language(value: &Value) -> Read<Language> {
    let object = object(value)?;
    Ok(Language {
        code: field(object, "code", string)?,
        markers: KeywordMatcher::new(field(object, "markers", |value| list(value, pattern))?),
    })
}

/// A keyword list as compiled: its terms (the matcher is rebuilt from them), or a classifier's
/// `term<TAB>weight<TAB>rarity` lines.
fn keyword_list(value: &Value) -> Read<KeywordList> {
    let object = object(value)?;
    let name = field(object, "name", string)?;
    let terms = or_default(object, "terms", |value| {
        list(value, |term| {
            let term = self::object(term)?;
            Ok(KeywordTerm { language: field(term, "language", string)?, keyword: field(term, "keyword", string)? })
        })
    })?;
    let term_languages = or_default(object, "term_languages", |value| list(value, whole))?;
    let classifier = match object.get("classifier") {
        None | Some(Value::Null) => None,
        Some(value) => Some(self::object(value).map_err(|error| format!(".classifier{error}"))?),
    };
    let Some(classifier) = classifier else {
        // A term without a pattern leaves the two counts unequal, which `check_references`
        // reports when the pack is read.
        let mut patterns = Vec::with_capacity(terms.len());
        patterns.extend(terms.iter().filter_map(|term| KeywordPattern::new(&term.keyword)));
        return Ok(KeywordList {
            name,
            terms,
            matcher: KeywordMatcher::new(patterns),
            term_languages,
            classifier: None,
        });
    };
    let in_classifier = |error: String| format!(".classifier{error}");
    let bias = field(classifier, "bias", whole).map_err(in_classifier)?;
    let cutoff = field(classifier, "cutoff", whole).map_err(in_classifier)?;
    let lines = field(classifier, "terms", text).map_err(in_classifier)?;
    // Sized up front: a classifier has thousands of terms, and vectors grown by doubling would
    // leave their slack in the widget's memory for good. Its terms live only as patterns
    // (`term_text` shows them), not a second time as authored keywords.
    let count = lines.lines().count();
    let mut patterns = Vec::with_capacity(count);
    let (mut weights, mut idf) = (Vec::with_capacity(count), Vec::with_capacity(count));
    for (number, line) in lines.lines().enumerate() {
        let mut columns = line.split('\t');
        let (Some(Some(pattern)), Some(Ok(weight)), Some(Ok(rarity)), None) = (
            columns.next().map(KeywordPattern::new),
            columns.next().map(str::parse::<i32>),
            columns.next().map(str::parse::<i32>),
            columns.next(),
        ) else {
            return Err(format!(": classifier `{name}`: term line {} does not read", number + 1));
        };
        patterns.push(pattern);
        weights.push(weight);
        idf.push(rarity);
    }
    Ok(KeywordList {
        name,
        terms,
        matcher: KeywordMatcher::new(patterns),
        term_languages,
        classifier: Some(ClassifierWeights { weights, idf, bias, cutoff }),
    })
}

fn signal(value: &Value) -> Read<Signal> {
    let object = object(value)?;
    Ok(Signal {
        name: field(object, "name", string)?,
        label: optional(object, "label", local_text)?,
        when: field(object, "when", condition)?,
    })
}

fn category(value: &Value) -> Read<Category> {
    unit(
        value,
        &[
            ("Fraud", Category::Fraud),
            ("Privacy", Category::Privacy),
            ("Brand", Category::Brand),
            ("Quality", Category::Quality),
        ],
    )
}

fn rule(value: &Value) -> Read<Rule> {
    let object = object(value)?;
    Ok(Rule {
        id: field(object, "id", string)?,
        category: field(object, "category", category)?,
        title: field(object, "title", local_text)?,
        rationale: field(object, "rationale", local_text)?,
        source: field(object, "source", string)?,
        points: field(object, "points", int)?,
        when: field(object, "when", condition)?,
        checklist: field(object, "checklist", |value| list(value, whole))?,
    })
}

fn checklist_item(value: &Value) -> Read<ChecklistItem> {
    let object = object(value)?;
    Ok(ChecklistItem {
        id: field(object, "id", string)?,
        text: field(object, "text", local_text)?,
        when: optional(object, "when", condition)?,
        done_when: optional(object, "done_when", condition)?,
        required_for: field(object, "required_for", |value| list(value, whole))?,
        blocks_while_unknown: optional(object, "blocks_while_unknown", boolean)?.unwrap_or(true),
    })
}

fn deadline(value: &Value) -> Read<Deadline> {
    let object = object(value)?;
    Ok(Deadline {
        id: field(object, "id", string)?,
        label: field(object, "label", local_text)?,
        when: field(object, "when", condition)?,
        from: field(object, "from", whole)?,
        months: field(object, "months", whole)?,
        days: field(object, "days", int)?,
    })
}

fn decision_policy(value: &Value) -> Read<DecisionPolicy> {
    let object = object(value)?;
    Ok(DecisionPolicy {
        outcomes: field(object, "outcomes", |value| {
            list(value, |outcome| {
                let outcome = self::object(outcome)?;
                Ok(Outcome {
                    id: field(outcome, "id", string)?,
                    label: field(outcome, "label", local_text)?,
                    reason_codes: field(outcome, "reason_codes", |value| list(value, whole))?,
                    requires_second_approval: field(outcome, "requires_second_approval", condition)?,
                })
            })
        })?,
        reason_codes: field(object, "reason_codes", |value| {
            list(value, |code| {
                let code = self::object(code)?;
                Ok(ReasonCode { code: field(code, "code", string)?, label: field(code, "label", local_text)? })
            })
        })?,
    })
}

/// The `pack` of a compiled pack file.
pub(super) fn pack(value: &Value) -> Read<RulePack> {
    let object = object(value)?;
    Ok(RulePack {
        id: field(object, "id", string)?,
        version: field(object, "version", string)?,
        title: optional(object, "title", local_text)?,
        facts: field(object, "facts", |value| list(value, fact))?,
        params: or_default(object, "params", |value| list(value, param))?,
        keyword_lists: field(object, "keyword_lists", |value| list(value, keyword_list))?,
        languages: or_default(object, "languages", |value| list(value, language))?,
        signals: or_default(object, "signals", |value| list(value, signal))?,
        rules: field(object, "rules", |value| list(value, rule))?,
        bands: field(object, "bands", |value| {
            let bands = self::object(value)?;
            Ok(BandThresholds {
                medium: field(bands, "medium", int)?,
                high: field(bands, "high", int)?,
                critical: field(bands, "critical", int)?,
            })
        })?,
        checklist: field(object, "checklist", |value| list(value, checklist_item))?,
        deadlines: or_default(object, "deadlines", |value| list(value, deadline))?,
        decision_policy: field(object, "decision_policy", decision_policy)?,
        hash: field(object, "hash", string)?.into(),
    })
}

fn fact_source(value: &Value) -> Read<FactSource> {
    let object = object(value)?;
    only(object, &["selector", "attribute", "all", "separator", "json", "pointer", "values"])?;
    Ok(FactSource {
        selector: optional(object, "selector", string)?,
        attribute: optional(object, "attribute", string)?,
        all: or_default(object, "all", boolean)?,
        separator: optional(object, "separator", string)?,
        json: optional(object, "json", string)?,
        pointer: optional(object, "pointer", string)?,
        values: or_default(object, "values", string_map)?,
    })
}

fn rt_settings(value: &Value) -> Read<RtSettings> {
    let object = object(value)?;
    only(
        object,
        &[
            "island",
            "experts_pointer",
            "score_field",
            "band_field",
            "state_field",
            "flags_field",
            "status",
            "history_contacts_fact",
        ],
    )?;
    Ok(RtSettings {
        island: field(object, "island", string)?,
        experts_pointer: field(object, "experts_pointer", string)?,
        score_field: field(object, "score_field", string)?,
        band_field: field(object, "band_field", string)?,
        state_field: field(object, "state_field", string)?,
        flags_field: field(object, "flags_field", string)?,
        status: or_default(object, "status", string_map)?,
        history_contacts_fact: optional(object, "history_contacts_fact", string)?,
    })
}

fn endpoints(value: &Value) -> Read<CrmEndpoints> {
    let object = object(value)?;
    only(object, &["create", "list", "get", "confirm", "reject"])?;
    let defaults = CrmEndpoints::default();
    let or = |key: &str, default: String| optional(object, key, string).map(|found| found.unwrap_or(default));
    Ok(CrmEndpoints {
        create: or("create", defaults.create)?,
        list: or("list", defaults.list)?,
        get: or("get", defaults.get)?,
        confirm: or("confirm", defaults.confirm)?,
        reject: or("reject", defaults.reject)?,
    })
}

fn api(value: &Value) -> Read<CrmApi> {
    let object = object(value)?;
    only(
        object,
        &[
            "kind",
            "base",
            "auth",
            "csrf_meta",
            "csrf_cookie",
            "csrf_header",
            "timeout_ms",
            "endpoints",
            "request_tracker",
        ],
    )?;
    Ok(CrmApi {
        kind: or_default(object, "kind", |value| {
            unit(value, &[("generic", CrmKind::Generic), ("request_tracker", CrmKind::RequestTracker)])
        })?,
        base: field(object, "base", string)?,
        auth: or_default(object, "auth", |value| {
            unit(value, &[("cookie", CrmAuth::Cookie), ("bearer", CrmAuth::Bearer)])
        })?,
        csrf_meta: optional(object, "csrf_meta", string)?,
        csrf_cookie: optional(object, "csrf_cookie", string)?,
        csrf_header: optional(object, "csrf_header", string)?.unwrap_or_else(profile::default_csrf_header),
        timeout_ms: optional(object, "timeout_ms", whole)?.unwrap_or_else(profile::default_timeout_ms),
        endpoints: or_default(object, "endpoints", endpoints)?,
        request_tracker: optional(object, "request_tracker", rt_settings)?,
    })
}

/// The `profile` of a compiled profile file.
pub(super) fn profile(value: &Value) -> Read<CrmProfile> {
    let object = object(value)?;
    only(
        object,
        &[
            "id",
            "version",
            "root",
            "case_key",
            "decimal_separator",
            "date_formats",
            "datetime_formats",
            "utc_offset",
            "sources",
            "api",
        ],
    )?;
    let separator = optional(object, "decimal_separator", |value| {
        let text = string(value)?;
        let mut characters = text.chars();
        match (characters.next(), characters.next()) {
            (Some(character), None) => Ok(character),
            _ => problem("expected one character"),
        }
    })?;
    Ok(CrmProfile {
        id: field(object, "id", string)?,
        version: field(object, "version", string)?,
        root: field(object, "root", string)?,
        case_key: optional(object, "case_key", fact_source)?,
        decimal_separator: separator.unwrap_or_else(profile::default_decimal_separator),
        date_formats: or_default(object, "date_formats", strings)?,
        datetime_formats: or_default(object, "datetime_formats", strings)?,
        utc_offset: optional(object, "utc_offset", string)?.unwrap_or_else(profile::default_utc_offset),
        sources: field(object, "sources", |value| object_entries(value, fact_source))?,
        api: optional(object, "api", api)?,
    })
}

#[cfg(test)]
mod tests {
    use crate::compiled::{pack_from_json, pack_to_json};

    /// A pack whose conditions use every kind of condition node, a classifier, languages,
    /// parameters, a deadline and checklist conditions on the score and band.
    const EVERY_NODE: &str = r#"
schema_version = 1
[pack]
id = "every-node"
version = "1"
[score]
combine = "sum"
[bands]
medium = 30
high = 60
critical = 85
[params]
limit = { value = 400.5, description = "a limit" }
[facts]
"a" = { type = "bool", label = { en = "A", de = "A (de)" } }
"n" = { type = "int" }
"x" = { type = "number" }
"t" = { type = "text" }
"e" = { type = "enum", values = ["inr", "damaged"] }
"d" = { type = "date" }
"dt" = { type = "datetime" }
"l" = { type = "list" }
[languages]
en = ["the", "my"]
de = ["die", "meine"]
[keywords.erase]
en = ["delete*"]
de = ["lösch*"]
[keywords.personal]
any = ["*daten", "my data"]
[classifiers.request]
bias = -0.5
threshold = 0.4
[classifiers.request.terms]
"daten" = 2.0
"lösch*" = 1.0
[signals.erasure]
label = { en = "Erasure" }
when = "matches_near(t, keywords.erase, keywords.personal)"
[[rules]]
id = "ALL-1"
category = "privacy"
title = { en = "All", de = "Alle" }
rationale = "Every node"
source = "https://example.org"
points = 30
when = "(a or not a) and -n * 2 + x / 3 - 1 != params.limit and n <= 1 and n >= 0 and n < 2 and x > 0.25 and e in ['inr', 'damaged'] and t contains 'x' and t starts_with 'a' and t ends_with 'z' and (t is missing or t is present) and len(l) = 2 and days_between(d, dt) > 1.5 and d = date('2026-01-02') and dt < datetime('2026-01-02T10:00:00Z') and l contains 'k' and matches_any(t, keywords.erase) and signals.erasure and reads_as(t, classifiers.request)"
[[checklist]]
id = "look"
text = "Look"
when = "risk.score > 10 and risk.band = 'high'"
done_when = "a"
required_for = ["close"]
blocks_while_unknown = false
[[deadlines]]
id = "answer"
label = "Answer"
when = "a"
from = "d"
months = 1
[decisions.reason_codes]
OK = "ok"
[[decisions.outcomes]]
id = "close"
label = "Close"
reason_codes = ["OK"]
requires_second_approval = "risk.score >= 60"
"#;

    #[test]
    fn every_condition_node_reads_back_as_compiled() {
        let pack = crate::compile_source("every-node.toml", EVERY_NODE).unwrap();
        let json = pack_to_json(&pack).unwrap();
        for kind in [
            "\"Not\"",
            "\"Neg\"",
            "\"Arith\"",
            "\"Compare\"",
            "\"InSet\"",
            "\"TextOp\"",
            "\"IsMissing\"",
            "\"IsPresent\"",
            "\"Len\"",
            "\"DaysBetween\"",
            "\"Date\"",
            "\"DateTime\"",
            "\"ListContains\"",
            "\"MatchesAny\"",
            "\"MatchesNear\"",
            "\"ReadsAs\"",
            "\"RiskScore\"",
            "\"RiskBand\"",
            "\"Number\"",
            "\"Bool\"",
            "\"Text\"",
            "\"Fact\"",
            "\"Or\"",
            "\"And\"",
        ] {
            assert!(json.contains(kind), "the test pack no longer compiles to a {kind} node");
        }
        assert_eq!(pack_from_json(&json).unwrap(), pack);
    }

    #[test]
    fn a_damaged_file_names_the_place() {
        let pack = crate::compile_source("every-node.toml", EVERY_NODE).unwrap();
        let json = pack_to_json(&pack).unwrap();
        let damage = |from: &str, to: &str| {
            assert!(json.contains(from), "{from}");
            pack_from_json(&json.replacen(from, to, 1)).unwrap_err()
        };
        let error = damage(r#"{"Len":"#, r#"{"Length":"#);
        assert!(
            error.starts_with("rule pack does not match compiled format 3: at pack.rules[0].when.node.And"),
            "{error}"
        );
        assert!(error.ends_with(": unknown condition `Length`"), "{error}");
        let error = damage(r#""points":30"#, r#""points":"30""#);
        assert!(error.ends_with("at pack.rules[0].points: expected a whole number"), "{error}");
        let error = damage(r#""category":"Privacy""#, r#""category":"Privacy!""#);
        assert!(error.ends_with("at pack.rules[0].category: unknown value `Privacy!`"), "{error}");
        let error = damage(r#""months":1"#, r#""months":-1"#);
        assert!(error.ends_with("at pack.deadlines[0].months: number out of range"), "{error}");
        let error = damage(r#""bias":"#, r#""bias_":"#);
        assert!(error.ends_with("at pack.keyword_lists[2].classifier: `bias` is missing"), "{error}");
        let error = damage(r#""value":"400.5""#, r#""value":"4OO""#);
        assert!(error.ends_with("at pack.params[0].value: invalid decimal `4OO`"), "{error}");
    }

    #[test]
    fn a_profile_reads_back_and_refuses_unknown_keys() {
        use crate::compiled::{profile_from_json, profile_to_json};
        let toml = include_str!("../../pkg-config/crm/request-tracker.toml");
        let profile = crate::profile::CrmProfile::from_toml("request-tracker.toml", toml).unwrap();
        let json = profile_to_json(&profile).unwrap();
        assert_eq!(profile_from_json(&json).unwrap(), profile);
        let damaged = json.replacen(r#""score_field":"#, r#""scored_field":"#, 1);
        let error = profile_from_json(&damaged).unwrap_err();
        assert!(error.ends_with("at profile.api.request_tracker: unknown key `scored_field`"), "{error}");
        let damaged = json.replacen(r#""sources":{"#, r#""sources":{"x":{"selector":1},"#, 1);
        let error = profile_from_json(&damaged).unwrap_err();
        assert!(error.ends_with("at profile.sources.x.selector: expected a string"), "{error}");
    }
}
