//! Unit tests of the rule language: parser precedence, error messages, three-valued truth tables
//! and property tests of the Kleene laws.

use super::Value;
use super::ast::{BinaryOp, Expr, ExprKind};
use super::eval::{Env, Trace, eval};
use super::parser::parse;
use crate::case::CaseFacts;
use crate::rules::diagnostic::{PackError, render};
use crate::rules::{RulePack, compile_source};
use expect_test::{Expect, expect};
use proptest::prelude::*;
use std::fmt::Write as _;

const PACK: &str = r#"
schema_version = 1
[pack]
id = "lang-test"
version = "1"
[score]
combine = "sum"
[bands]
medium = 30
high = 60
critical = 85
[params]
limit = 400
ratio = { value = 0.5, description = "a share" }
[facts]
"a" = { type = "bool" }
"b" = { type = "bool" }
"c" = { type = "bool" }
"n" = { type = "int" }
"x" = { type = "number" }
"m" = { type = "money" }
"t" = { type = "text" }
"e" = { type = "enum", values = ["inr", "damaged"] }
"d" = { type = "date" }
"dt" = { type = "datetime" }
"l" = { type = "list" }
"order.total_eur" = { type = "money" }
"now" = { type = "datetime" }
[keywords.legal]
en = ["lawyer", "legal action"]
de = ["Anwalt", "daten*"]
pl = ["żądanie usunięcia"]
[decisions.reason_codes]
OK = "ok"
[[decisions.outcomes]]
id = "close"
label = "Close"
reason_codes = ["OK"]
requires_second_approval = false
"#;

fn pack() -> RulePack {
    compile_source("lang-test.toml", PACK).unwrap()
}

/// S-expression of a parsed expression, to make precedence visible.
fn sexpr(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Number(value) => value.to_string(),
        ExprKind::Str(text) => format!("{text:?}"),
        ExprKind::Bool(value) => value.to_string(),
        ExprKind::Path(path) => path.clone(),
        ExprKind::List(items) => format!("[{}]", items.iter().map(sexpr).collect::<Vec<_>>().join(" ")),
        ExprKind::Not(operand) => format!("(not {})", sexpr(operand)),
        ExprKind::Neg(operand) => format!("(neg {})", sexpr(operand)),
        ExprKind::Binary(operator, left, right) => {
            let symbol = match operator {
                BinaryOp::Or => "or",
                BinaryOp::And => "and",
                BinaryOp::Eq => "=",
                BinaryOp::Ne => "!=",
                BinaryOp::Lt => "<",
                BinaryOp::Le => "<=",
                BinaryOp::Gt => ">",
                BinaryOp::Ge => ">=",
                BinaryOp::Contains => "contains",
                BinaryOp::StartsWith => "starts_with",
                BinaryOp::EndsWith => "ends_with",
                BinaryOp::Add => "+",
                BinaryOp::Sub => "-",
                BinaryOp::Mul => "*",
                BinaryOp::Div => "/",
            };
            format!("({symbol} {} {})", sexpr(left), sexpr(right))
        }
        ExprKind::In { negated, value, list } => {
            format!("({} {} {})", if *negated { "not-in" } else { "in" }, sexpr(value), sexpr(list))
        }
        ExprKind::Is { missing, value } => {
            format!("({} {})", if *missing { "missing?" } else { "present?" }, sexpr(value))
        }
        ExprKind::Call { name, args, .. } => {
            format!("({name} {})", args.iter().map(sexpr).collect::<Vec<_>>().join(" "))
        }
    }
}

fn check_parse(source: &str, expect: &Expect) {
    let actual = match parse(source) {
        Ok(expr) => sexpr(&expr),
        Err(error) => format!("error at {}..{}: {}", error.span.start, error.span.end, error.message),
    };
    expect.assert_eq(&actual);
}

#[test]
fn precedence_and_every_operator() {
    check_parse("a or b and c", &expect![["(or a (and b c))"]]);
    check_parse("not a and b", &expect![["(and (not a) b)"]]);
    check_parse("not n = 1", &expect![["(not (= n 1))"]]);
    check_parse("n + 2 * 3 - 4 / 5 > 1", &expect![["(> (- (+ n (* 2 3)) (/ 4 5)) 1)"]]);
    check_parse("-n * -2", &expect![["(* (neg n) -2)"]]);
    check_parse("(a or b) and c", &expect![["(and (or a b) c)"]]);
    check_parse("n != 1 or n <= 2 or n >= 3 or n < 4", &expect!["(or (or (!= n 1) (<= n 2)) (or (>= n 3) (< n 4)))"]);
    check_parse("e in ['inr', \"damaged\"]", &expect![[r#"(in e ["inr" "damaged"])"#]]);
    check_parse("e not in []", &expect![["(not-in e [])"]]);
    check_parse(
        "t contains 'x' and t starts_with 'a' and t ends_with 'z'",
        &expect![[r#"(and (contains t "x") (and (starts_with t "a") (ends_with t "z")))"#]],
    );
    check_parse(
        "t is missing or t is present or t is not missing",
        &expect!["(or (missing? t) (or (present? t) (present? t)))"],
    );
    check_parse(
        "len(l) > 2 and age_days(d) < days_between(d, dt)",
        &expect![["(and (> (len l) 2) (< (age_days d) (days_between d dt)))"]],
    );
    check_parse("matches_any(t, keywords.legal)", &expect![["(matches_any t keywords.legal)"]]);
    check_parse(
        "order.total_eur > 400 and account.age_days < 14",
        &expect![["(and (> order.total_eur 400) (< account.age_days 14))"]],
    );
    check_parse("1_000.50 = 1000.5", &expect![["(= 1000.5 1000.5)"]]);
}

#[test]
fn syntax_errors_point_at_the_problem() {
    check_parse("n == 1", &expect![["error at 2..4: use `=` for equality, not `==`"]]);
    check_parse("a && b", &expect![["error at 2..4: use `and` instead of `&&`"]]);
    check_parse("n < 1 < 2", &expect![["error at 2..7: comparisons cannot be chained; combine them with `and`"]]);
    check_parse("(a or b", &expect![["error at 7..7: expected `)` to close `(`, found the end of the condition"]]);
    check_parse("a b", &expect![["error at 2..3: expected an operator such as `and`, `or` or `=`, found `b`"]]);
    check_parse("t = 'open", &expect![["error at 4..9: unterminated string"]]);
    check_parse("n > 12abc", &expect![["error at 4..9: invalid number `12abc`"]]);
    check_parse(
        "a and",
        &expect![["error at 5..5: expected a value, a fact name or `(`, found the end of the condition"]],
    );
    check_parse("t is empty", &expect![["error at 5..10: expected `missing` or `present` after `is`, found `empty`"]]);
    check_parse("n > 1 )", &expect![["error at 6..7: unmatched `)`"]]);
    check_parse("a § b", &expect![["error at 2..4: unexpected character `§`"]]);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
    assert!(parse(&deep).unwrap_err().message.contains("nested more than 64 levels"));
    let long = vec!["n"; 800].join(" + ");
    assert!(parse(&long).unwrap_err().message.contains("more than the limit of 1000"));
}

fn check_type(source: &str, expect: &Expect) {
    let pack = pack();
    let actual = match pack.compile_expression(source) {
        Ok((_, node_type)) => format!("ok: {node_type:?}"),
        Err(errors) => errors
            .iter()
            .map(|error| {
                let located = PackError {
                    message: error.message.clone(),
                    start: error.span.start,
                    end: error.span.end,
                    help: error.help.clone(),
                };
                render("<expr>", source, &located)
            })
            .collect::<String>(),
    };
    expect.assert_eq(&actual);
}

#[test]
fn type_errors_with_carets_and_suggestions() {
    check_type(
        "order.totl_eur > 400",
        &expect![[r#"
        error: unknown fact `order.totl_eur`
         --> <expr>:1:1
          |
        1 | order.totl_eur > 400
          | ^^^^^^^^^^^^^^
          = help: did you mean `order.total_eur`?
    "#]],
    );
    check_type(
        "t > 3 and e = 'inrr' and matches_any(t, keywords.legl)",
        &expect![[r#"
        error: cannot compare text with int
         --> <expr>:1:1
          |
        1 | t > 3 and e = 'inrr' and matches_any(t, keywords.legl)
          | ^^^^^
        error: "inrr" is not a value of this enum
         --> <expr>:1:15
          |
        1 | t > 3 and e = 'inrr' and matches_any(t, keywords.legl)
          |               ^^^^^^
          = help: did you mean `inr`?
        error: unknown keyword list `keywords.legl`
         --> <expr>:1:41
          |
        1 | t > 3 and e = 'inrr' and matches_any(t, keywords.legl)
          |                                         ^^^^^^^^^^^^^
          = help: did you mean `keywords.legal`?
    "#]],
    );
    check_type(
        "a + 1",
        &expect![[r#"
        error: arithmetic needs numbers, found bool and int
         --> <expr>:1:1
          |
        1 | a + 1
          | ^^^^^
    "#]],
    );
    check_type(
        "lenn(l)",
        &expect![[r#"
        error: unknown function `lenn`
         --> <expr>:1:1
          |
        1 | lenn(l)
          | ^^^^
          = help: did you mean `len`?
    "#]],
    );
    check_type(
        "risk.score > 3",
        &expect![[r#"
        error: `risk.score` is only known after scoring: use it in checklist and decision conditions, not in rules
         --> <expr>:1:1
          |
        1 | risk.score > 3
          | ^^^^^^^^^^
    "#]],
    );
    check_type(
        "date('2026-02-30') < d",
        &expect![[r#"
        error: "2026-02-30" is not a date (YYYY-MM-DD)
         --> <expr>:1:6
          |
        1 | date('2026-02-30') < d
          |      ^^^^^^^^^^^^
    "#]],
    );
    check_type(
        "params.limt > 1",
        &expect![[r#"
        error: unknown parameter `params.limt`
         --> <expr>:1:1
          |
        1 | params.limt > 1
          | ^^^^^^^^^^^
          = help: did you mean `params.limit`?
    "#]],
    );
    check_type("m > params.limit * params.ratio", &expect![["ok: Bool"]]);
    check_type("m / m", &expect![["ok: Number"]]);
    check_type("m * 2", &expect![["ok: Money"]]);
    check_type("n + 1", &expect![["ok: Int"]]);
    check_type("n / 2", &expect![["ok: Number"]]);
    check_type("age_days(d)", &expect![["ok: Number"]]);
    check_type("l contains 'x'", &expect![["ok: Bool"]]);
}

/// Evaluates `source` against a case given as JSON; prints `true`, `false`, `unknown` or the value.
fn run(source: &str, case: &str) -> String {
    let pack = pack();
    let (node, _) = pack.compile_expression(source).unwrap_or_else(|errors| panic!("{source}: {errors:?}"));
    let (facts, issues) = CaseFacts::from_json(&pack, &serde_json::from_str(case).unwrap());
    assert!(issues.is_empty(), "{issues:?}");
    let env = Env::new(&pack, &facts);
    match eval(&node, &env, &mut Trace::default()) {
        Value::Unknown => "unknown".to_owned(),
        Value::Bool(value) => value.to_string(),
        Value::Number(value) => value.to_string(),
        Value::Text(text) => text.to_owned(),
        other => format!("{other:?}"),
    }
}

/// Case JSON for a three-valued pair: `None` = missing.
fn abc(a: Option<bool>, b: Option<bool>) -> String {
    let mut object = serde_json::Map::new();
    if let Some(a) = a {
        object.insert("a".into(), a.into());
    }
    if let Some(b) = b {
        object.insert("b".into(), b.into());
    }
    serde_json::Value::Object(object).to_string()
}

#[test]
fn kleene_truth_tables() {
    let values = [Some(true), Some(false), None];
    let name = |value: Option<bool>| value.map_or("unknown".to_owned(), |b| b.to_string());
    let mut table = String::new();
    for a in values {
        let _ = writeln!(table, "not {:7} = {}", name(a), run("not a", &abc(a, None)));
    }
    for a in values {
        for b in values {
            let case = abc(a, b);
            let _ = writeln!(
                table,
                "{:7} and {:7} = {:7} | or = {}",
                name(a),
                name(b),
                run("a and b", &case),
                run("a or b", &case)
            );
        }
    }
    expect![[r#"
        not true    = false
        not false   = true
        not unknown = unknown
        true    and true    = true    | or = true
        true    and false   = false   | or = true
        true    and unknown = unknown | or = true
        false   and true    = false   | or = true
        false   and false   = false   | or = false
        false   and unknown = false   | or = unknown
        unknown and true    = unknown | or = true
        unknown and false   = false   | or = unknown
        unknown and unknown = unknown | or = unknown
    "#]]
    .assert_eq(&table);
}

#[test]
fn unknown_propagates_through_comparison_and_arithmetic() {
    let empty = "{}";
    for source in [
        "n > 1",
        "n + 1 > 1",
        "-n < 0",
        "x * 2 = 4",
        "t contains 'a'",
        "e = 'inr'",
        "e in ['inr']",
        "len(l) > 0",
        "age_days(d) > 1",
        "matches_any(t, keywords.legal)",
    ] {
        assert_eq!(run(source, empty), "unknown", "{source}");
    }
    assert_eq!(run("n is missing", empty), "true");
    assert_eq!(run("n is present", empty), "false");
    assert_eq!(run("n / 0 > 1", r#"{"n": 5}"#), "unknown");
    assert_eq!(run("(n / 0) is missing", r#"{"n": 5}"#), "true");
    assert_eq!(run("n / 0 > 1 or n = 5", r#"{"n": 5}"#), "true");
    assert_eq!(run("8 / 12", empty), "0.666666667");
    assert_eq!(run("params.limit * params.ratio", empty), "200");
    assert_eq!(run("n / 12", r#"{"n": 8}"#), "0.666666667");
    assert_eq!(run("0.1 + 0.2 = 0.3", empty), "true");
    assert_eq!(run("m * 2 - 0.2", r#"{"m": 129.9}"#), "259.6");
}

#[test]
fn wrongly_typed_facts_are_unknown() {
    let pack = pack();
    let (facts, issues) =
        CaseFacts::from_json(&pack, &serde_json::json!({"n": "12", "a": 1, "e": "other", "d": "2026-13-01"}));
    assert_eq!(issues.len(), 4, "{issues:?}");
    let (node, _) = pack.compile_expression("n > 1 or a or e = 'inr' or d is present").unwrap();
    let env = Env::new(&pack, &facts);
    assert_eq!(eval(&node, &env, &mut Trace::default()), Value::Unknown);
}

#[test]
fn text_dates_lists_and_keywords() {
    let case = r#"{
        "t": "Ich schalte meinen ANWALT ein, wegen meiner Kundendatenbank-Einträge",
        "e": "INR", "d": "2026-11-01", "dt": "2026-11-25T12:00:00+01:00", "now": "2026-11-25T11:00:00Z",
        "l": ["refund_issued", "Macro_Apology"]
    }"#;
    assert_eq!(run("matches_any(t, keywords.legal)", case), "true");
    assert_eq!(run("t contains 'anwalt'", case), "true");
    assert_eq!(run("t starts_with 'ICH' and t ends_with 'einträge'", case), "true");
    assert_eq!(run("e = 'inr' and e != 'damaged'", case), "true");
    assert_eq!(run("age_days(d)", case), "24.458333333");
    assert_eq!(run("days_between(d, dt)", case), "24.458333333");
    assert_eq!(run("dt > d and d < date('2026-11-02') and dt = datetime('2026-11-25T11:00:00Z')", case), "true");
    assert_eq!(run("len(l) = 2 and l contains 'macro_apology' and not (l contains 'pod_checked')", case), "true");
    assert_eq!(run("matches_any(l, keywords.legal)", case), "false");
    assert_eq!(run("matches_any(t, keywords.legal)", r#"{"t": "Kundendatenbank"}"#), "false");
    assert_eq!(run("matches_any(t, keywords.legal)", r#"{"t": "Datenauskunft bitte"}"#), "true");
    assert_eq!(run("matches_any(t, keywords.legal)", r#"{"t": "To jest ŻĄDANIE USUNIĘCIA danych"}"#), "true");
}

/// A random condition over the bool facts a, b, c (with literals), for property tests.
fn condition() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![Just("a"), Just("b"), Just("c"), Just("true"), Just("false")].prop_map(str::to_owned);
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|x| format!("(not {x})")),
            (inner.clone(), inner.clone()).prop_map(|(x, y)| format!("({x} and {y})")),
            (inner.clone(), inner).prop_map(|(x, y)| format!("({x} or {y})")),
        ]
    })
}

fn tri() -> impl Strategy<Value = Option<bool>> {
    prop_oneof![Just(Some(true)), Just(Some(false)), Just(None)]
}

fn case_abc(a: Option<bool>, b: Option<bool>, c: Option<bool>) -> String {
    let mut object: serde_json::Value = serde_json::from_str(&abc(a, b)).unwrap();
    if let Some(c) = c {
        object["c"] = c.into();
    }
    object.to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn de_morgan(x in condition(), y in condition(), a in tri(), b in tri(), c in tri()) {
        let case = case_abc(a, b, c);
        prop_assert_eq!(run(&format!("not ({x} and {y})"), &case), run(&format!("(not {x}) or (not {y})"), &case));
        prop_assert_eq!(run(&format!("not ({x} or {y})"), &case), run(&format!("(not {x}) and (not {y})"), &case));
    }

    #[test]
    fn absorption_and_identity(x in condition(), a in tri(), b in tri(), c in tri()) {
        let case = case_abc(a, b, c);
        let value = run(&x, &case);
        prop_assert_eq!(run(&format!("{x} and false"), &case), "false");
        prop_assert_eq!(run(&format!("{x} or true"), &case), "true");
        prop_assert_eq!(run(&format!("{x} and true"), &case), value.clone());
        prop_assert_eq!(run(&format!("{x} or false"), &case), value.clone());
        prop_assert_eq!(run(&format!("not not {x}"), &case), value.clone());
        prop_assert_eq!(run(&format!("{x} and {x}"), &case), value);
    }

    #[test]
    fn commutative_and_distributive(x in condition(), y in condition(), z in condition(), a in tri(), b in tri(), c in tri()) {
        let case = case_abc(a, b, c);
        prop_assert_eq!(run(&format!("{x} and {y}"), &case), run(&format!("{y} and {x}"), &case));
        prop_assert_eq!(run(&format!("{x} or {y}"), &case), run(&format!("{y} or {x}"), &case));
        prop_assert_eq!(run(&format!("{x} and ({y} or {z})"), &case), run(&format!("({x} and {y}) or ({x} and {z})"), &case));
    }

    #[test]
    fn unknown_never_becomes_known_by_comparison(n in proptest::option::of(-1000i64..1000), k in -1000i64..1000) {
        let case = n.map_or_else(|| "{}".to_owned(), |n| format!("{{\"n\": {n}}}"));
        for operator in ["=", "!=", "<", "<=", ">", ">="] {
            let result = run(&format!("n {operator} {k}"), &case);
            prop_assert_eq!(result == "unknown", n.is_none());
        }
        let sum = run(&format!("n + {k}"), &case);
        prop_assert_eq!(sum == "unknown", n.is_none());
    }
}

/// A pack with `[languages]`, per-language and `any` keyword lists and signals.
const LANGUAGE_PACK: &str = r#"
schema_version = 1
[pack]
id = "language-test"
version = "1"
[score]
combine = "sum"
[bands]
medium = 30
high = 60
critical = 85
[facts]
"t" = { type = "text" }
"l" = { type = "list" }
[languages]
en = ["the", "my", "please", "you"]
de = ["die", "meine", "bitte", "sie"]
it = ["il", "mio", "miei", "per favore"]
[keywords.press]
en = ["press"]
it = ["stampa"]
[keywords.law]
any = ["GDPR", "DSGVO"]
[keywords.erase]
en = ["delete*", "remove*"]
de = ["lösch*"]
[keywords.personal]
en = ["my data", "personal data", "my account"]
de = ["daten", "konto"]
[signals.erasure]
when = "matches_near(t, keywords.erase, keywords.personal)"
[signals.request]
label = { en = "Request", de = "Anfrage" }
when = "signals.erasure or matches_any(t, keywords.law)"
[decisions.reason_codes]
OK = "ok"
[[decisions.outcomes]]
id = "close"
label = "Close"
reason_codes = ["OK"]
requires_second_approval = false
"#;

/// `source` evaluated on text `t` with the language pack, and the languages `t` was read in.
fn run_language(source: &str, text: &str) -> (String, Vec<String>) {
    let pack = compile_source("language-test.toml", LANGUAGE_PACK).unwrap();
    let (node, _) = pack.compile_expression(source).unwrap_or_else(|errors| panic!("{source}: {errors:?}"));
    let (facts, _) = CaseFacts::from_json(&pack, &serde_json::json!({ "t": text, "l": [text] }));
    let mut trace = Trace::default();
    let value = match eval(&node, &Env::new(&pack, &facts), &mut trace) {
        Value::Bool(value) => value.to_string(),
        other => format!("{other:?}"),
    };
    let languages =
        trace.text_languages().iter().flat_map(|&(_, mask)| pack.language_codes(mask)).map(str::to_owned).collect();
    (value, languages)
}

#[test]
fn keyword_lists_apply_in_the_language_the_text_is_in() {
    // "stampa" is the Italian press, but in an English or German text it is nothing.
    assert_eq!(
        run_language("matches_any(t, keywords.press)", "La stampa ne parlerà, per favore"),
        ("true".into(), vec!["it".into()])
    );
    assert_eq!(
        run_language("matches_any(t, keywords.press)", "Please stampa the label for me"),
        ("false".into(), vec!["en".into()])
    );
    // `any` terms apply in every language; lists (not texts) get every term.
    assert_eq!(run_language("matches_any(t, keywords.law)", "Bitte Auskunft nach DSGVO").0, "true");
    assert_eq!(run_language("matches_any(l, keywords.press)", "Please stampa the label").0, "true");
    // No marker word: no language is assumed and every keyword applies.
    assert_eq!(run_language("matches_any(t, keywords.press)", "stampa!"), ("true".into(), vec![]));
}

#[test]
fn matches_near_needs_both_lists_in_one_sentence() {
    assert_eq!(
        run_language("matches_near(t, keywords.erase, keywords.personal)", "Please delete all my data.").0,
        "true"
    );
    assert_eq!(
        run_language(
            "matches_near(t, keywords.erase, keywords.personal)",
            "Bitte löschen Sie meine Daten gemäß Art. 17"
        )
        .0,
        "true"
    );
    assert_eq!(
        run_language(
            "matches_near(t, keywords.erase, keywords.personal)",
            "Please delete the jacket. My data is correct."
        )
        .0,
        "false"
    );
    assert_eq!(
        run_language("matches_near(t, keywords.erase, keywords.personal)", "Please delete it from the basket").0,
        "false"
    );
    assert_eq!(run_language("signals.request", "I want you to remove my account").0, "true");
    assert_eq!(run_language("signals.request", "Please remove the item").0, "false");
}

#[test]
fn matches_near_with_a_window_needs_the_terms_at_most_that_many_words_apart() {
    let near = |window: &str, text: &str| {
        run_language(&format!("matches_near(t, keywords.erase, keywords.personal{window})"), text).0
    };
    // "delete" and "my data" start 3 words apart ("delete", "all", "of", "my"); either order counts.
    assert_eq!(near(", 3", "Please delete all of my data."), "true");
    assert_eq!(near(", 2", "Please delete all of my data."), "false");
    assert_eq!(near(", 1", "My data: delete it"), "false");
    assert_eq!(near(", 2", "My data: delete it"), "true");
    // A `*`-open term counts from the word it starts in.
    assert_eq!(near(", 1", "Konto löschen"), "true");
    // The window never crosses a sentence; without it, the whole sentence is the window.
    assert_eq!(near(", 20", "Please delete. My data is fine."), "false");
    assert_eq!(near("", "Please delete the old jacket, the shoes, the hat and then all of my data."), "true");
    assert_eq!(near(", 4", "Please delete the old jacket, the shoes, the hat and then all of my data."), "false");
    // The window is a whole number of words from 1 to 20, nothing else.
    let pack = compile_source("language-test.toml", LANGUAGE_PACK).unwrap();
    for bad in ["0", "21", "2.5", "'3'", "t"] {
        let error =
            pack.compile_expression(&format!("matches_near(t, keywords.erase, keywords.personal, {bad})")).unwrap_err();
        assert!(format!("{error:?}").contains("a whole number from 1 to 20"), "{bad}: {error:?}");
    }
    let error = pack.compile_expression("matches_near(t, keywords.erase)").unwrap_err();
    assert!(format!("{error:?}").contains("takes 3 arguments (4 with a word window), found 2"), "{error:?}");
}

#[test]
fn matches_before_needs_the_first_term_earlier_in_the_sentence() {
    let before = |window: &str, text: &str| {
        run_language(&format!("matches_before(t, keywords.erase, keywords.personal{window})"), text).0
    };
    assert_eq!(before("", "Please delete all of my data."), "true");
    // The same words the other way round: `matches_near` reads them, `matches_before` does not.
    assert_eq!(before("", "My data: delete it."), "false");
    assert_eq!(run_language("matches_near(t, keywords.erase, keywords.personal)", "My data: delete it.").0, "true");
    // The window counts words after the first term; it never crosses a sentence.
    assert_eq!(before(", 3", "Please delete all of my data."), "true");
    assert_eq!(before(", 2", "Please delete all of my data."), "false");
    assert_eq!(before(", 20", "Please delete. My data is fine."), "false");
    // Either order of two terms in one sentence: the later pair still counts.
    assert_eq!(before(", 2", "My data: delete my data."), "true");
    let pack = compile_source("language-test.toml", LANGUAGE_PACK).unwrap();
    let error = pack.compile_expression("matches_before(t, keywords.erase, keywords.personal, 0)").unwrap_err();
    assert!(format!("{error:?}").contains("the fourth argument of `matches_before`"), "{error:?}");
    let error = pack.compile_expression("matches_before(t, keywords.erase)").unwrap_err();
    assert!(format!("{error:?}").contains("takes 3 arguments (4 with a word window), found 2"), "{error:?}");
}

#[test]
fn language_and_signal_mistakes_are_pack_errors() {
    let with = |extra: &str| compile_source("p.toml", &format!("{LANGUAGE_PACK}\n{extra}")).unwrap_err().to_string();
    let error = with("[keywords.other]\nfr = [\"avocat\"]");
    assert!(error.contains("has keywords for `fr`, which [languages] does not detect"), "{error}");
    // A `*` in the middle would be taken literally and never match: an error, with its place.
    let error = with("[keywords.other]\nde = [\"Landesbeauftragte* für Datenschutz\"]");
    assert!(error.contains("`*` inside `Landesbeauftragte* für Datenschutz`"), "{error}");
    let error = with("[signals.loop_a]\nwhen = \"signals.loop_b\"\n[signals.loop_b]\nwhen = \"signals.loop_a\"");
    assert!(error.contains("is part of a cycle of signals"), "{error}");
    let error = with(
        "[[rules]]\nid = \"R\"\ncategory = \"privacy\"\ntitle = \"t\"\nrationale = \"r\"\nsource = \"https://x\"\npoints = 1\nwhen = \"signals.erasur\"",
    );
    assert!(error.contains("unknown signal `signals.erasur`") && error.contains("signals.erasure"), "{error}");
}

/// A small classifier: "daten" and "lösch*" speak for the class, "warenkorb" against it.
const CLASSIFIER: &str = r#"
[classifiers.request]
bias = -0.5
threshold = 0.5
[classifiers.request.terms]
"daten" = 2.0
"lösch*" = 1.0
"meine daten" = 0.5
"warenkorb" = -3.0
"#;

#[test]
fn reads_as_weighs_the_terms_found_and_shows_the_strongest() {
    let pack = compile_source("c.toml", &format!("{LANGUAGE_PACK}\n{CLASSIFIER}")).unwrap();
    let run = |text: &str| {
        let (node, _) = pack.compile_expression("reads_as(t, classifiers.request)").unwrap();
        let (facts, _) = CaseFacts::from_json(&pack, &serde_json::json!({ "t": text }));
        let mut trace = Trace::default();
        let value = format!("{:?}", eval(&node, &Env::new(&pack, &facts), &mut trace));
        let terms: Vec<String> = trace
            .keyword_hits
            .iter()
            .map(|hit| pack.keyword_lists[usize::from(hit.list)].term_text(hit.term as usize).unwrap())
            .collect();
        (value, terms)
    };
    // -0.5 + (2.0 + 1.0 + 0.5) / sqrt(3) = 1.52 > 0: reads; evidence strongest first.
    assert_eq!(
        run("Bitte löschen Sie meine Daten"),
        ("Bool(true)".into(), vec!["daten".into(), "lösch*".into(), "meine daten".into()])
    );
    // -0.5 + (1.0 - 3.0) / sqrt(2) < 0: the basket speaks against it; nothing is shown.
    assert_eq!(run("Bitte löschen Sie den Artikel aus dem Warenkorb"), ("Bool(false)".into(), vec![]));
    // No term at all: the bias alone (-0.5) decides.
    assert_eq!(run("Wann kommt das Paket?").0, "Bool(false)");
    // A missing text is unknown, as for keyword lists.
    let (node, _) = pack.compile_expression("reads_as(t, classifiers.request)").unwrap();
    let (facts, _) = CaseFacts::from_json(&pack, &serde_json::json!({}));
    assert_eq!(eval(&node, &Env::new(&pack, &facts), &mut Trace::default()), Value::Unknown);
    // A classifier is not a keyword list, and a keyword list is not a classifier.
    let error = pack.compile_expression("matches_any(t, keywords.classifiers.request)").unwrap_err();
    assert!(format!("{error:?}").contains("unknown keyword list"), "{error:?}");
    let error = pack.compile_expression("reads_as(t, keywords.press)").unwrap_err();
    assert!(format!("{error:?}").contains("must be `classifiers.NAME`"), "{error:?}");
    let error = pack.compile_expression("reads_as(t, classifiers.requests)").unwrap_err();
    assert!(format!("{error:?}").contains("unknown classifier `classifiers.requests`"), "{error:?}");
    // The compiled pack carries the classifier to the widget unchanged (its postcard bytes, in
    // base64 inside the JSON envelope, hold the term lines as they were written).
    let json = crate::compiled::pack_to_json(&pack).unwrap();
    let encoded = serde_json::from_str::<serde_json::Value>(&json).unwrap()["pack"].as_str().unwrap().to_owned();
    let bytes = crate::compiled::base64::decode(&encoded).unwrap();
    let lines = "daten\t20000\t10000\nlösch*\t10000\t10000\n".as_bytes();
    assert!(bytes.windows(lines.len()).any(|window| window == lines));
    assert_eq!(crate::compiled::pack_from_json(&json).unwrap(), pack);
    // A damaged line or term is an error when the pack is read, never a classifier that quietly
    // lost a term. (Same-length edits, so postcard's length prefixes still hold.)
    let damage = |from: &str, to: &str| {
        assert_eq!(from.len(), to.len());
        let mut bytes = bytes.clone();
        let at = bytes.windows(from.len()).position(|window| window == from.as_bytes()).unwrap();
        bytes[at..at + from.len()].copy_from_slice(to.as_bytes());
        json.replace(&encoded, &crate::compiled::base64::encode(&bytes))
    };
    for (from, to) in [("lösch*\t10000\t10000", "lösch*\tmany!\t10000"), ("lösch*\t10000", "\t\t\t\t\t\t\t\t10000")]
    {
        let error = crate::compiled::pack_from_json(&damage(from, to)).unwrap_err().to_string();
        assert!(
            error.contains(
                "rule pack does not match compiled format 8: `pack`: a value inside does not read: classifier `classifiers.request`: term line 2 does not read"
            ),
            "{error}"
        );
    }
}

#[test]
fn classifier_mistakes_are_pack_errors_with_their_place() {
    let with = |extra: &str| compile_source("p.toml", &format!("{LANGUAGE_PACK}\n{extra}")).unwrap_err().to_string();
    let error = with("[classifiers.c]\nthreshold = 1.5\n[classifiers.c.terms]\n\"daten\" = \"high\"\n\"lö*ch\" = 1.0");
    assert!(error.contains("classifier `c` is missing `bias`"), "{error}");
    assert!(error.contains("`threshold` is a probability strictly between 0 and 1"), "{error}");
    assert!(error.contains("the weight of `daten` must be a number, found a string"), "{error}");
    assert!(error.contains("`lö*ch` is not a term"), "{error}");
    // Each with line:col in the pack (the language pack has 50 lines before the classifier).
    assert!(error.contains("p.toml:"), "{error}");
    let error = with("[classifiers.c]\nbias = 0.0\nweights = 1");
    assert!(error.contains("unknown key `weights` in classifier `c`"), "{error}");
    assert!(error.contains("classifier `c` is missing `terms`"), "{error}");
}
