//! Bounded fuzz tests (run in CI): the rule-language parser, the pack compiler and the case
//! loader must never panic, whatever they are fed. Inputs are random text, token soup close to
//! the grammar, mutated copies of the demo pack, and random JSON. Raise the number of cases with
//! `PROPTEST_CASES=100000 cargo test --release --test fuzz` for a longer run.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use proptest::prelude::*;
use riskpane::{CaseFacts, RulePack, assess, compile_source, report};
use std::sync::OnceLock;

const DEMO_SOURCE: &str = include_str!("../pkg-config/rules/demo.toml");

fn demo() -> &'static RulePack {
    static PACK: OnceLock<RulePack> = OnceLock::new();
    PACK.get_or_init(|| compile_source("demo.toml", DEMO_SOURCE).unwrap())
}

const TOKENS: &[&str] = &[
    "order.total_eur",
    "account.age_days",
    "customer.message",
    "case.type",
    "case.channel",
    "now",
    "tier2.actions",
    "order.delivered_at",
    "identity.verified",
    "keywords.legal_threat",
    "risk.score",
    "and",
    "or",
    "not",
    "in",
    "is",
    "missing",
    "present",
    "contains",
    "starts_with",
    "ends_with",
    "true",
    "false",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "0",
    "1",
    "400",
    "0.5",
    "1e400",
    "99999999999999999999999",
    "'inr'",
    "\"item_not_received\"",
    "'x",
    "len",
    "days_between",
    "age_days",
    "matches_any",
    "date",
    "datetime",
    "'2026-01-01'",
    "==",
    "&&",
    "§",
    "ä",
    "\\",
    "'\\q'",
];

fn token_soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(TOKENS), 0..40).prop_map(|tokens| tokens.join(" "))
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_filter("finite", |x| x.is_finite()).prop_map(serde_json::Value::from),
        ".{0,20}".prop_map(serde_json::Value::from),
        proptest::sample::select(vec![
            "2026-11-25",
            "2026-11-25T10:00:00Z",
            "inr",
            "item_not_received",
            "email",
            "9999-99-99"
        ])
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let keys = proptest::sample::select(vec![
            "order",
            "total_eur",
            "account",
            "age_days",
            "case",
            "type",
            "channel",
            "received_at",
            "customer",
            "message",
            "now",
            "tier2",
            "actions",
            "claims",
            "inr_last_12_months",
            "order.total_eur",
            "x",
        ]);
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(keys, inner, 0..8).prop_map(|map| {
                serde_json::Value::Object(map.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

/// `PROPTEST_CASES` scales every fuzz test (the default keeps CI fast).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse::<u32>().ok())
        .map_or(default, |wanted| wanted.max(default))
}

fn score_everything(pack: &RulePack, json: &serde_json::Value) {
    let (facts, issues) = CaseFacts::from_json(pack, json);
    let score_report = assess(pack, &facts);
    assert!((0..=100).contains(&score_report.score));
    let scoring = riskpane::engine::score(pack, &facts);
    assert_eq!((scoring.score, scoring.band), (score_report.score, score_report.band));
    assert!(score_report.score_range.0 <= score_report.score && score_report.score <= score_report.score_range.1);
    let _ = report::to_json(pack, &facts, &issues, &score_report, "de");
    let _ = report::to_text(pack, &facts, &issues, &score_report, "en");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(3000), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn expression_compiler_never_panics_on_text(source in "\\PC{0,80}") {
        let _ = demo().compile_expression(&source);
    }

    #[test]
    fn expression_compiler_and_evaluator_never_panic_on_token_soup(source in token_soup(), case in json_value()) {
        let pack = demo();
        if let Ok((node, _)) = pack.compile_expression(&source) {
            let (facts, _) = CaseFacts::from_json(pack, &case);
            let env = riskpane::rules::lang::eval::Env { risk: Some((50, "medium")), ..riskpane::rules::lang::eval::Env::new(pack, &facts) };
            let traced = riskpane::rules::lang::eval::eval(&node, &env, &mut riskpane::rules::lang::eval::Trace::default());
            // The engine's untraced first pass must give the same value as the traced evaluation.
            let quick = riskpane::rules::lang::eval::truth(&node, &env, &mut riskpane::rules::lang::eval::Trace::default());
            prop_assert_eq!(quick, traced, "{}", source);
        }
    }

    #[test]
    fn case_loader_and_assess_never_panic(case in json_value()) {
        score_everything(demo(), &case);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(400), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn pack_compiler_never_panics_on_mutated_packs(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..12, "\\PC{0,6}"), 1..6)
    ) {
        let mut source = DEMO_SOURCE.to_owned();
        for (position, delete, insert) in edits {
            let mut at = position.index(source.len() + 1);
            while !source.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + delete).min(source.len());
            while !source.is_char_boundary(end) {
                end -= 1;
            }
            source.replace_range(at..end, &insert);
        }
        match compile_source("mutated.toml", &source) {
            Ok(pack) => score_everything(&pack, &serde_json::json!({"order": {"total_eur": 500}})),
            Err(errors) => {
                prop_assert!(!errors.errors.is_empty());
                let rendered = errors.to_string();
                prop_assert!(rendered.contains("mutated.toml:"));
            }
        }
    }
}
