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

use crate::decision::User;
use crate::rules::{Category, FactType, Rule, RulePack};
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

/// The rule-language condition of the marked elements, joined by `and`, checked against the pack.
///
/// # Errors
/// Every element that does not fit the pack (unknown names, a comparison the fact's type does not
/// have, case text or dates), one message each; or the joined condition failing the pack's checker.
pub fn draft_rule(pack: &RulePack, elements: &[PatternElement]) -> Result<String, Vec<String>> {
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
    if !problems.is_empty() {
        return Err(problems);
    }
    let text = parts.join(" and ");
    match pack.compile_expression(&text) {
        Ok(_) => Ok(text),
        Err(errors) => Err(errors.into_iter().map(|error| format!("`{text}`: {}", error.message)).collect()),
    }
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
    let text = draft_rule(pack, &report.elements)?;
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
