//! The benchmark anchor: a rule pack's scoring logic translated into JsonLogic
//! (<https://jsonlogic.com>), so `json-logic-js` under Node can score the same cases as the engine.
//! Facts become `var`s on nested case objects; what JsonLogic has no operation for (keyword lists,
//! day differences, case-insensitive text tests, list length) becomes a custom operation that
//! `xtask/bench/jsonlogic-bench.mjs` registers. JsonLogic has no unknown value: a missing fact is
//! `null`, so on cases with missing facts the two engines may disagree; the bench reports how often.

use riskpane::RulePack;
use riskpane::rules::lang::Node;
use riskpane::rules::lang::check::{ArithOp, CompareOp, TextOp};
use serde_json::{Value, json};

fn number(value: riskpane::value::Decimal) -> Value {
    let text = value.to_string();
    text.parse::<i64>().map_or_else(|_| json!(text.parse::<f64>().unwrap_or(0.0)), |integer| json!(integer))
}

/// One condition as JsonLogic.
fn translate(pack: &RulePack, node: &Node) -> Value {
    let go = |node: &Node| translate(pack, node);
    match node {
        Node::Bool(value) => json!(value),
        Node::Number(value) => number(*value),
        Node::Text(text) => json!(text),
        Node::Date(days) => json!({ "date_days": [days] }),
        Node::DateTime(seconds) => json!({ "datetime_seconds": [seconds] }),
        Node::Fact(slot) => json!({ "var": pack.facts[usize::from(*slot)].name }),
        Node::RiskScore => json!({ "var": "risk.score" }),
        Node::RiskBand => json!({ "var": "risk.band" }),
        Node::Not(inner) => json!({ "!": [go(inner)] }),
        Node::And(left, right) => json!({ "and": [go(left), go(right)] }),
        Node::Or(left, right) => json!({ "or": [go(left), go(right)] }),
        Node::Compare(op, left, right) => {
            let name = match op {
                CompareOp::Eq => "eq_fold",
                CompareOp::Ne => "ne_fold",
                CompareOp::Lt => "lt_value",
                CompareOp::Le => "le_value",
                CompareOp::Gt => "gt_value",
                CompareOp::Ge => "ge_value",
            };
            json!({ name: [go(left), go(right)] })
        }
        Node::Arith(op, left, right) => {
            let name = match op {
                ArithOp::Add => "+",
                ArithOp::Sub => "-",
                ArithOp::Mul => "*",
                ArithOp::Div => "/",
            };
            json!({ name: [go(left), go(right)] })
        }
        Node::Neg(inner) => json!({ "-": [go(inner)] }),
        Node::InSet(value, items) => json!({ "in_fold": [go(value), items.iter().map(go).collect::<Vec<_>>()] }),
        Node::TextOp(op, left, right) => {
            let name = match op {
                TextOp::Contains => "text_contains",
                TextOp::StartsWith => "text_starts",
                TextOp::EndsWith => "text_ends",
            };
            json!({ name: [go(left), go(right)] })
        }
        Node::ListContains(list, item) => json!({ "list_contains": [go(list), go(item)] }),
        Node::IsMissing(inner) => json!({ "==": [go(inner), null] }),
        Node::IsPresent(inner) => json!({ "!=": [go(inner), null] }),
        Node::Len(inner) => json!({ "len": [go(inner)] }),
        Node::DaysBetween(from, to) => json!({ "days_between": [go(from), go(to)] }),
        Node::MatchesAny(text, list) => {
            json!({ "matches_any": [go(text), pack.keyword_lists[usize::from(*list)].name] })
        }
        Node::MatchesNear(text, first, second, window) => json!({ "matches_near": [
            go(text),
            pack.keyword_lists[usize::from(*first)].name,
            pack.keyword_lists[usize::from(*second)].name,
            window
        ] }),
        Node::MatchesBefore(text, first, second, window) => json!({ "matches_before": [
            go(text),
            pack.keyword_lists[usize::from(*first)].name,
            pack.keyword_lists[usize::from(*second)].name,
            window
        ] }),
        Node::ReadsAs(text, list) => json!({ "reads_as": [go(text), pack.keyword_lists[usize::from(*list)].name] }),
    }
}

/// The pack as `{ rules: [{ id, points, logic }], bands, keywords: { name: [term] } }`.
pub(crate) fn pack_to_jsonlogic(pack: &RulePack) -> Value {
    let rules: Vec<Value> = pack
        .rules
        .iter()
        .map(|rule| json!({ "id": rule.id, "points": rule.points, "logic": translate(pack, &rule.when.node) }))
        .collect();
    let keywords: serde_json::Map<String, Value> = pack
        .keyword_lists
        .iter()
        .map(|list| {
            let terms: Vec<String> = (0..list.matcher.len()).filter_map(|index| list.term_text(index)).collect();
            (list.name.clone(), json!(terms))
        })
        .collect();
    let classifiers: serde_json::Map<String, Value> = pack
        .keyword_lists
        .iter()
        .filter_map(|list| {
            let weights = list.classifier.as_ref()?;
            Some((
                list.name.clone(),
                json!({ "bias": weights.bias, "cutoff": weights.cutoff, "weights": weights.weights, "idf": weights.idf }),
            ))
        })
        .collect();
    json!({
        "pack": pack.id,
        "bands": { "medium": pack.bands.medium, "high": pack.bands.high, "critical": pack.bands.critical },
        "rules": rules,
        "keywords": keywords,
        "classifiers": classifiers,
    })
}

#[cfg(test)]
mod tests {
    use super::pack_to_jsonlogic;
    use serde_json::json;

    #[test]
    fn the_care_pack_translates_rule_by_rule() {
        let source = std::fs::read_to_string(crate::tools::root().join("pkg-config/rules/care.toml")).unwrap();
        let pack = riskpane::compile_source("care.toml", &source).unwrap();
        let logic = pack_to_jsonlogic(&pack);
        let rules = logic["rules"].as_array().unwrap();
        assert_eq!(rules.len(), pack.rules.len());
        let rule = |id: &str| rules.iter().find(|rule| rule["id"] == id).unwrap().clone();
        // INR-002: case.type in [...] and claims.last_12_months >= params.inr_repeat_claims
        let inr = rule("INR-002");
        assert_eq!(inr["points"], 20);
        assert_eq!(inr["logic"]["and"][1], json!({ "ge_value": [{ "var": "claims.last_12_months" }, 2] }));
        assert_eq!(logic["bands"], json!({ "medium": 30, "high": 60, "critical": 85 }));
        assert!(logic["keywords"]["legal_actor"].as_array().unwrap().iter().any(|term| term == "Anwalt"));
    }
}
