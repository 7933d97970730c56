//! Pattern reports: what a risk expert marks as new on a case, for the Fraud Advisory Team. The
//! expert picks the facts, signals and keyword lists that matter (from the score report's
//! evidence); the report carries them as a **draft rule** in the rule language
//! (`case.type = 'item_not_received' and account.age_days <= 30 and order.delivery_to_locker`),
//! with the case's id, the pack's id, version and hash and the case's input hash — never a copy of
//! the case's text: free-text facts can only enter through a keyword list or a signal that matched
//! them, and dates only through facts derived from them.
//!
//! `riskpane backtest --draft REPORT` adds the draft to the pack as a rule worth 0 points and
//! reports how often it fires on history and how precise it is (`backtest::draft`).
//!
//! Pure: ids and times are passed in.

use crate::case::CaseFacts;
use crate::decision::User;
use crate::engine::ScoreReport;
use crate::rules::lang::Node;
use crate::rules::lang::check::CompareOp;
use crate::rules::{Category, FactType, Rule, RulePack};
use crate::value::FactValue;
use serde::{Deserialize, Serialize};

/// The format name a pattern report carries, so a reader knows what it holds.
pub const FORMAT: &str = "riskpane.pattern_report";

/// One thing the expert marked as part of the pattern.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PatternElement {
    /// A fact compared with a value: `account.age_days <= 30`, `case.type = 'item_not_received'`,
    /// `order.delivery_to_locker` (op `is`, value `true`).
    Fact {
        /// Fact name.
        fact: String,
        /// `=`, `!=`, `<`, `<=`, `>`, `>=` or `is` (for true/false facts).
        op: String,
        /// A number, an enum value or true/false.
        value: serde_json::Value,
    },
    /// A signal of the pack was true: `signals.NAME`.
    Signal {
        /// Signal name.
        signal: String,
    },
    /// A keyword list matched a text fact: `matches_any(FACT, keywords.LIST)`.
    Keywords {
        /// Keyword list name.
        list: String,
        /// The text fact it matched.
        fact: String,
    },
}

/// The pack a report was made with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRef {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: String,
    /// SHA-256 of the pack's canonical form.
    pub hash: String,
}

/// A pattern report as the CRM stores it and `riskpane backtest --draft` reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatternReport {
    /// Always [`FORMAT`].
    pub format: String,
    /// UUID, made by the host.
    pub id: String,
    /// The CRM's case id.
    pub case_id: String,
    /// When (RFC 3339, passed in).
    pub created_at: String,
    /// The expert who reported it.
    pub author: User,
    /// The pack the case was scored with.
    pub pack: PackRef,
    /// SHA-256 of the case's canonical facts.
    pub input_hash: String,
    /// The category a rule for it would have (`fraud`, `privacy`, `brand`, `quality`).
    pub category: String,
    /// What the expert marked.
    pub elements: Vec<PatternElement>,
    /// The elements as one condition of the rule language (`draft_rule`).
    pub draft_rule: String,
    /// The expert's words: what is new about it.
    pub note: String,
}

/// The report as the JSON a CRM stores (the shape `Serialize` writes, built as a `serde_json`
/// value: the widget then needs no serializer of its own for it).
#[must_use]
pub fn report_json(report: &PatternReport) -> serde_json::Value {
    use serde_json::Value;
    // Built from `Value`s, not `json!` with expressions: `json!` serializes each expression, which
    // would put serde's serializers back into the wasm (issue 15).
    // Filled by `extend`, not `collect`: collecting into the B-tree map sorts with a stable sort,
    // which the widget's wasm must not hold (`cargo xtask ci`).
    fn object(entries: Vec<(&str, Value)>) -> Value {
        let mut object = serde_json::Map::new();
        object.extend(entries.into_iter().map(|(key, value)| (key.to_owned(), value)));
        Value::Object(object)
    }
    let text = |text: &str| Value::String(text.to_owned());
    let elements: Vec<Value> = report
        .elements
        .iter()
        .map(|element| match element {
            PatternElement::Fact { fact, op, value } => {
                object(vec![("kind", text("fact")), ("fact", text(fact)), ("op", text(op)), ("value", value.clone())])
            }
            PatternElement::Signal { signal } => object(vec![("kind", text("signal")), ("signal", text(signal))]),
            PatternElement::Keywords { list, fact } => {
                object(vec![("kind", text("keywords")), ("list", text(list)), ("fact", text(fact))])
            }
        })
        .collect();
    object(vec![
        ("format", text(&report.format)),
        ("id", text(&report.id)),
        ("case_id", text(&report.case_id)),
        ("created_at", text(&report.created_at)),
        (
            "author",
            object(vec![
                ("id", text(&report.author.id)),
                ("name", text(&report.author.name)),
                ("role", text(report.author.role.name())),
            ]),
        ),
        (
            "pack",
            object(vec![
                ("id", text(&report.pack.id)),
                ("version", text(&report.pack.version)),
                ("hash", text(&report.pack.hash)),
            ]),
        ),
        ("input_hash", text(&report.input_hash)),
        ("category", text(&report.category)),
        ("elements", Value::Array(elements)),
        ("draft_rule", text(&report.draft_rule)),
        ("note", text(&report.note)),
    ])
}

/// What an expert may mark on a scored case: the facts the fired rules compared, with the case's
/// value (`account.age_days <= 12` where a rule asked `account.age_days < 30`; a true/false fact
/// as it is; an enum fact `=` its value) and the keyword lists that matched a text fact. In the
/// order the fired rules read them, each once; only what [`draft_text`] accepts (no case text, no
/// dates). Signals are inlined into conditions, so they are not offered here.
#[must_use]
pub fn candidates(pack: &RulePack, facts: &CaseFacts, report: &ScoreReport) -> Vec<PatternElement> {
    let mut found = Vec::new();
    for hit in &report.hits {
        let matched: Vec<u16> = hit.evidence.keywords.iter().map(|keyword| keyword.list).collect();
        collect(pack, facts, &pack.rules[hit.rule].when.node, &matched, &mut found);
    }
    found.retain(|element| condition_of(pack, element).is_ok());
    found
}

fn push(found: &mut Vec<PatternElement>, element: PatternElement) {
    if !found.contains(&element) {
        found.push(element);
    }
}

/// The case's value of the fact in `slot` as a JSON value, with the fact's name and type.
fn known<'a>(pack: &'a RulePack, facts: &CaseFacts, slot: u16) -> Option<(&'a str, &'a FactType, serde_json::Value)> {
    let definition = pack.facts.get(usize::from(slot))?;
    let value = match facts.value(slot)? {
        FactValue::Bool(flag) => serde_json::Value::Bool(*flag),
        // Through JSON's own number syntax: no float formatting in the widget.
        FactValue::Number(number) => crate::json::parse(&number.to_string()).ok()?,
        FactValue::Text(text) => serde_json::Value::String(text.raw.clone()),
        _ => return None,
    };
    Some((definition.name.as_str(), &definition.fact_type, value))
}

fn collect(pack: &RulePack, facts: &CaseFacts, node: &Node, matched: &[u16], found: &mut Vec<PatternElement>) {
    let fact = |fact: &str, op: &str, value: serde_json::Value| PatternElement::Fact {
        fact: fact.to_owned(),
        op: op.to_owned(),
        value,
    };
    match node {
        Node::Fact(slot) => {
            if let Some((name, FactType::Bool, value)) = known(pack, facts, *slot) {
                push(found, fact(name, "is", value));
            }
        }
        Node::Compare(op, left, right) => {
            let (slot, op) = match (&**left, &**right) {
                (Node::Fact(slot), _) => (*slot, *op),
                (_, Node::Fact(slot)) => (*slot, flipped(*op)),
                _ => {
                    collect(pack, facts, left, matched, found);
                    collect(pack, facts, right, matched, found);
                    return;
                }
            };
            match known(pack, facts, slot) {
                Some((name, FactType::Int | FactType::Number | FactType::Money, value)) => {
                    let op = match op {
                        CompareOp::Lt | CompareOp::Le => "<=",
                        CompareOp::Gt | CompareOp::Ge => ">=",
                        CompareOp::Eq | CompareOp::Ne => "=",
                    };
                    push(found, fact(name, op, value));
                }
                Some((name, FactType::Enum(_), value)) => push(found, fact(name, "=", value)),
                _ => {}
            }
        }
        Node::InSet(inner, _) => match &**inner {
            Node::Fact(slot) => {
                if let Some((name, FactType::Enum(_), value)) = known(pack, facts, *slot) {
                    push(found, fact(name, "=", value));
                }
            }
            other => collect(pack, facts, other, matched, found),
        },
        Node::MatchesAny(inner, list) | Node::MatchesNear(inner, list, ..) | Node::MatchesBefore(inner, list, ..) => {
            if let (Node::Fact(slot), true) = (&**inner, matched.contains(list)) {
                let list = &pack.keyword_lists[usize::from(*list)].name;
                let fact = &pack.facts[usize::from(*slot)].name;
                push(found, PatternElement::Keywords { list: list.clone(), fact: fact.clone() });
            }
        }
        Node::Not(inner) => collect(pack, facts, inner, matched, found),
        Node::And(left, right) | Node::Or(left, right) => {
            collect(pack, facts, left, matched, found);
            collect(pack, facts, right, matched, found);
        }
        _ => {}
    }
}

fn flipped(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Lt => CompareOp::Gt,
        CompareOp::Le => CompareOp::Ge,
        CompareOp::Gt => CompareOp::Lt,
        CompareOp::Ge => CompareOp::Le,
        other => other,
    }
}

/// The marked elements as rule-language text joined by `and`, each checked against the pack's
/// names and types but the whole not parsed (the widget carries no rule-language front end; the
/// CRM's reader and `riskpane backtest --draft` run [`draft_rule`]).
///
/// # Errors
/// As [`draft_rule`], but for the final parse.
pub fn draft_text(pack: &RulePack, elements: &[PatternElement]) -> Result<String, Vec<String>> {
    let mut parts = Vec::with_capacity(elements.len());
    let mut problems = Vec::new();
    if elements.is_empty() {
        problems.push("mark at least one fact, signal or keyword list".to_owned());
    }
    for element in elements {
        match condition_of(pack, element) {
            Ok(part) => parts.push(part),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() { Ok(parts.join(" and ")) } else { Err(problems) }
}

/// The rule-language condition of the marked elements, joined by `and`, checked against the pack.
///
/// # Errors
/// Every element that does not fit the pack (unknown names, a comparison the fact's type does not
/// have, case text or dates), one message each; or the joined condition failing the pack's checker.
pub fn draft_rule(pack: &RulePack, elements: &[PatternElement]) -> Result<String, Vec<String>> {
    let text = draft_text(pack, elements)?;
    match pack.compile_expression(&text) {
        Ok(_) => Ok(text),
        Err(errors) => Err(errors.into_iter().map(|error| format!("`{text}`: {}", error.message)).collect()),
    }
}

/// One marked element as rule-language text (`account.age_days <= 12`), or why it cannot be one.
///
/// # Errors
/// An unknown name, a comparison the fact's type does not have, case text or a date.
pub fn element_condition(pack: &RulePack, element: &PatternElement) -> Result<String, String> {
    condition_of(pack, element)
}

fn condition_of(pack: &RulePack, element: &PatternElement) -> Result<String, String> {
    match element {
        PatternElement::Signal { signal } => {
            if pack.signals.iter().any(|known| known.name == *signal) {
                Ok(format!("signals.{signal}"))
            } else {
                Err(format!("the pack has no signal `{signal}`"))
            }
        }
        PatternElement::Keywords { list, fact } => {
            let Some(definition) = pack.facts.iter().find(|known| known.name == *fact) else {
                return Err(format!("the pack has no fact `{fact}`"));
            };
            if definition.fact_type != FactType::Text {
                return Err(format!("`{fact}` is not a text fact: keyword lists match text"));
            }
            if pack.keyword_lists.iter().any(|known| known.name == *list && known.classifier.is_none()) {
                Ok(format!("matches_any({fact}, keywords.{list})"))
            } else {
                Err(format!("the pack has no keyword list `{list}`"))
            }
        }
        PatternElement::Fact { fact, op, value } => fact_condition(pack, fact, op, value),
    }
}

fn fact_condition(pack: &RulePack, fact: &str, op: &str, value: &serde_json::Value) -> Result<String, String> {
    let Some(definition) = pack.facts.iter().find(|known| known.name == fact) else {
        return Err(format!("the pack has no fact `{fact}`"));
    };
    match (&definition.fact_type, op, value) {
        (FactType::Bool, "is", serde_json::Value::Bool(true)) => Ok(fact.to_owned()),
        (FactType::Bool, "is", serde_json::Value::Bool(false)) => Ok(format!("not {fact}")),
        (FactType::Bool, _, _) => Err(format!("`{fact}` is true or false: use op `is` with true or false")),
        (FactType::Int | FactType::Number | FactType::Money, "=" | "!=" | "<" | "<=" | ">" | ">=", value) => {
            match value {
                serde_json::Value::Number(number) if number.as_f64().is_some_and(f64::is_finite) => {
                    Ok(format!("{fact} {op} {number}"))
                }
                _ => Err(format!("`{fact}` is a number: compare it with a number")),
            }
        }
        (FactType::Enum(allowed), "=" | "!=", serde_json::Value::String(text)) => {
            if allowed.iter().any(|known| known == text) {
                Ok(format!("{fact} {op} '{text}'"))
            } else {
                Err(format!("`{fact}` has no value `{text}` (it has {})", allowed.join(", ")))
            }
        }
        (FactType::Text | FactType::List, _, _) => Err(format!(
            "`{fact}` is case text: a pattern report carries no case data; mark the keyword list or signal that matched it"
        )),
        (FactType::Date | FactType::DateTime, _, _) => Err(format!(
            "`{fact}` is a date of this case: a draft rule cannot hold it; mark a fact derived from it (days since, a signal)"
        )),
        (_, op, _) => Err(format!("`{fact}` cannot be compared with `{op}`")),
    }
}

/// The draft as a rule of the pack: id `DRAFT`, 0 points (so scores and bands stay as they are), in
/// the report's category, titled with the report's id.
///
/// # Errors
/// When the elements do not make a draft rule for this pack, or the category is unknown.
pub fn draft_as_rule(pack: &RulePack, report: &PatternReport) -> Result<Rule, Vec<String>> {
    let text = draft_text(pack, &report.elements)?;
    let category = Category::ALL
        .into_iter()
        .find(|category| category.name() == report.category)
        .ok_or_else(|| vec![format!("unknown category `{}` (fraud, privacy, brand, quality)", report.category)])?;
    let (node, _) = pack
        .compile_expression(&text)
        .map_err(|errors| errors.into_iter().map(|error| error.message).collect::<Vec<_>>())?;
    let title = format!("Draft from pattern report {} (case {})", report.id, report.case_id);
    Ok(Rule {
        id: "DRAFT".to_owned(),
        category,
        title: crate::rules::LocalText { translations: vec![("en".to_owned(), title)] },
        rationale: crate::rules::LocalText { translations: vec![("en".to_owned(), report.note.clone())] },
        source: format!("pattern report {}", report.id),
        points: 0,
        when: crate::rules::Condition { source: text, node },
        checklist: Vec::new(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::{PatternElement, draft_rule};
    use serde_json::json;

    fn care() -> crate::rules::RulePack {
        let source = include_str!("../pkg-config/rules/care.toml");
        crate::rules::compile_source("care.toml", source).unwrap()
    }

    fn fact(fact: &str, op: &str, value: serde_json::Value) -> PatternElement {
        PatternElement::Fact { fact: fact.to_owned(), op: op.to_owned(), value }
    }

    #[test]
    fn marked_facts_signals_and_lists_make_one_checked_condition() {
        let pack = care();
        let elements = [
            fact("case.type", "=", json!("item_not_received")),
            fact("account.age_days", "<=", json!(30)),
            fact("order.proof_of_delivery", "is", json!(true)),
            fact("identity.verified", "is", json!(false)),
            PatternElement::Signal { signal: "legal_threat".to_owned() },
            PatternElement::Keywords { list: "fake_strong".to_owned(), fact: "customer.message".to_owned() },
        ];
        assert_eq!(
            draft_rule(&pack, &elements).unwrap(),
            "case.type = 'item_not_received' and account.age_days <= 30 and order.proof_of_delivery and not identity.verified and signals.legal_threat and matches_any(customer.message, keywords.fake_strong)"
        );
    }

    /// The realistic item-not-received case: a 12-day-old account, proof of delivery, a refund to
    /// a new card, words of urgency.
    #[test]
    fn the_marks_offered_are_what_the_fired_rules_read_with_the_case_values_and_never_case_text() {
        let pack = care();
        let case = json!({
            "now": "2026-11-25T10:00:00Z",
            "case": { "type": "item_not_received", "channel": "email", "received_at": "2026-11-25T09:00:00Z" },
            "account": { "age_days": 12 },
            "order": { "total_eur": 649.90, "median_basket_eur": 89.95, "proof_of_delivery": true, "delivered_at": "2026-11-24T08:00:00Z" },
            "customer": { "message": "My parcel never arrived. I need the refund RIGHT NOW, send it to my new card." },
            "claims": { "last_12_months": 3 },
            "refund": { "to_new_instrument": true }
        });
        let (facts, _) = crate::case::CaseFacts::from_json(&pack, &case);
        let report = crate::assess(&pack, &facts);
        let offered = super::candidates(&pack, &facts, &report);
        assert!(offered.contains(&fact("case.type", "=", json!("item_not_received"))), "{offered:#?}");
        assert!(offered.contains(&fact("account.age_days", "<=", json!(12))), "{offered:#?}");
        assert!(offered.contains(&fact("order.proof_of_delivery", "is", json!(true))), "{offered:#?}");
        assert!(offered.contains(&fact("claims.last_12_months", ">=", json!(3))), "{offered:#?}");
        assert!(offered.iter().all(|element| !matches!(element, PatternElement::Fact { fact, .. } if fact == "customer.message" || fact.ends_with("_at"))));
        // Each offered mark is a valid draft on its own and all together.
        let text = draft_rule(&pack, &offered).unwrap();
        assert_eq!(super::draft_text(&pack, &offered).unwrap(), text);
        assert!(text.contains("account.age_days <= 12"), "{text}");
        for element in &offered {
            draft_rule(&pack, std::slice::from_ref(element)).unwrap();
        }
        // The widget's JSON of a report is exactly what `Serialize` writes (which the readers use).
        let mut elements = offered.clone();
        elements.push(PatternElement::Signal { signal: "legal_threat".to_owned() });
        let report = super::PatternReport {
            format: super::FORMAT.to_owned(),
            id: "r-1".to_owned(),
            case_id: "C-1".to_owned(),
            created_at: "2026-11-25T10:00:00Z".to_owned(),
            author: crate::decision::User {
                id: "eva".to_owned(),
                name: "Eva".to_owned(),
                role: crate::decision::Role::Expert,
            },
            pack: super::PackRef {
                id: pack.id.clone(),
                version: pack.version.clone(),
                hash: String::from(&*pack.hash),
            },
            input_hash: String::from(&*report.input_hash),
            category: "fraud".to_owned(),
            draft_rule: draft_rule(&pack, &elements).unwrap(),
            elements,
            note: "new".to_owned(),
        };
        assert_eq!(super::report_json(&report), serde_json::to_value(&report).unwrap());
        assert_eq!(serde_json::from_value::<super::PatternReport>(super::report_json(&report)).unwrap(), report);
    }

    #[test]
    fn case_text_dates_and_unknown_names_are_refused_each_with_its_reason() {
        let pack = care();
        let elements = [
            fact("customer.message", "=", json!("Please refund me, Anna Weber, Hauptstr. 5")),
            fact("case.received_at", "=", json!("2026-11-25T10:00:00Z")),
            fact("case.type", "=", json!("no_such_type")),
            fact("account.age_days", "<=", json!("thirty")),
            fact("order.proof_of_delivery", ">", json!(1)),
            fact("no.such_fact", "=", json!(1)),
            PatternElement::Signal { signal: "no_such_signal".to_owned() },
            PatternElement::Keywords { list: "fake_strong".to_owned(), fact: "account.age_days".to_owned() },
        ];
        let problems = draft_rule(&pack, &elements).unwrap_err();
        assert_eq!(problems.len(), 8, "{problems:#?}");
        assert!(problems[0].contains("case text"), "{}", problems[0]);
        assert!(!problems.iter().any(|problem| problem.contains("Anna Weber")), "no case text in messages");
        assert!(problems[1].contains("is a date"), "{}", problems[1]);
        assert!(problems[2].contains("no value `no_such_type`"), "{}", problems[2]);
        assert!(problems[3].contains("compare it with a number"), "{}", problems[3]);
        assert!(problems[4].contains("use op `is`"), "{}", problems[4]);
        assert!(problems[5].contains("no fact `no.such_fact`"), "{}", problems[5]);
        assert!(problems[6].contains("no signal"), "{}", problems[6]);
        assert!(problems[7].contains("not a text fact"), "{}", problems[7]);
        assert_eq!(draft_rule(&pack, &[]).unwrap_err(), ["mark at least one fact, signal or keyword list"]);
    }
}
