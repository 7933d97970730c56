//! Backtest and pack comparison on small files whose numbers are computed by hand
//! (tests/fixtures/backtest: a three-rule pack, nine rows of NDJSON and the same as CSV with a
//! renamed column, a missing value, a value of the wrong type, an unreadable row and a bad label),
//! through the library and through the `riskpane` command line (text, JSON, HTML).
#![allow(clippy::unwrap_used, clippy::float_cmp)]

use riskpane::backtest::input::{Fields, Format, RowReader};
use riskpane::backtest::{self, BacktestReport, Options};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/backtest").join(name)
}

fn pack(name: &str) -> riskpane::RulePack {
    riskpane::compile_source(name, &std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

fn run(file: &str, fields: Fields) -> BacktestReport {
    let input = std::io::BufReader::new(std::fs::File::open(fixture(file)).unwrap());
    let mut reader = RowReader::new(Format::of_path(Path::new(file)), input).unwrap();
    backtest::backtest(&pack("base.toml"), &mut reader, &Options { fields, amount: None }, &|_| {}).unwrap()
}

fn ndjson_fields() -> Fields {
    Fields {
        label: Some("label".to_owned()),
        id: Some("id".to_owned()),
        columns: std::collections::BTreeMap::default(),
    }
}

fn csv_fields() -> Fields {
    Fields {
        label: Some("fraud".to_owned()),
        id: Some("case_id".to_owned()),
        columns: [("Order value".to_owned(), "order.total_eur".to_owned())].into(),
    }
}

/// The hand computation, shared by NDJSON and CSV (they hold the same cases):
/// c1 200 € / 10 d fraud → R1+R2 = 70 high; c2 200 € / 500 d legit → 40 medium;
/// c3 50 € / 10 d fraud → 30 medium; c4 50 € / 2000 d legit → -10 → 0 low;
/// c5 no amount / 10 d legit → 30 medium (R1 unknown); c7 "abc" / 5 d fraud → 30 medium (R1
/// unknown, one unusable value); c9 500 € / 5 d unlabelled → 70 high; c6 unreadable, c8 bad label.
fn check(report: &BacktestReport, bad_lines: [u64; 2]) {
    assert_eq!(report.cases, 7);
    assert_eq!(report.bad_rows.count, 2);
    assert_eq!(report.bad_rows.examples.iter().map(|bad| bad.line).collect::<Vec<_>>(), bad_lines);
    assert!(report.bad_rows.examples[1].reason.contains("maybe"), "{:?}", report.bad_rows.examples);
    assert_eq!(report.rows_with_unknown_facts, 1);
    assert_eq!((report.labels.fraud, report.labels.legit, report.labels.unlabelled), (3, 3, 1));
    let bands: Vec<(&str, u64)> = report.bands.iter().map(|(band, count)| (band.as_str(), *count)).collect();
    assert_eq!(bands, [("low", 1), ("medium", 4), ("high", 2), ("critical", 0)]);
    let at = |score: usize| report.score_histogram[score];
    assert_eq!((at(70).fraud, at(70).legit, at(70).unlabelled), (1, 0, 1));
    assert_eq!((at(30).fraud, at(30).legit), (2, 1));
    assert_eq!((at(40).legit, at(0).legit), (1, 1));

    let [medium, high, critical] = &report.thresholds[..] else { panic!("three thresholds") };
    assert_eq!((medium.min_score, medium.flagged), (30, 6));
    assert_eq!(
        (medium.true_positives, medium.false_positives, medium.false_negatives, medium.true_negatives),
        (3, 2, 0, 1)
    );
    assert_eq!((medium.precision, medium.recall, medium.f1), (Some(0.6), Some(1.0), Some(0.75)));
    assert_eq!((high.true_positives, high.false_positives, high.false_negatives, high.true_negatives), (1, 0, 2, 3));
    assert_eq!(high.precision, Some(1.0));
    assert!((high.recall.unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert!((high.f1.unwrap() - 0.5).abs() < 1e-12);
    assert_eq!((critical.flagged, critical.precision, critical.recall, critical.f1), (0, None, Some(0.0), None));

    assert_eq!(report.amount_fact.as_deref(), Some("order.total_eur"));
    let money = medium.money.unwrap();
    assert_eq!((money.fraud_flagged_eur, money.fraud_missed_eur, money.legit_flagged_eur), (250.0, 0.0, 200.0));
    let money = high.money.unwrap();
    assert_eq!((money.fraud_flagged_eur, money.fraud_missed_eur, money.legit_flagged_eur), (200.0, 50.0, 0.0));

    let rule = |id: &str| report.rules.iter().find(|rule| rule.id == id).unwrap();
    let r1 = rule("R1");
    assert_eq!((r1.fired, r1.fired_fraud, r1.fired_legit, r1.precision, r1.unknown), (3, 1, 1, Some(0.5), 2));
    assert!((r1.unknown_rate - 2.0 / 7.0).abs() < 1e-12 && (r1.fire_rate - 3.0 / 7.0).abs() < 1e-12);
    let r2 = rule("R2");
    assert_eq!((r2.fired, r2.fired_fraud, r2.fired_legit, r2.precision, r2.unknown), (5, 3, 1, Some(0.75), 0));
    let r3 = rule("R3");
    assert_eq!((r3.fired, r3.fired_fraud, r3.fired_legit, r3.precision), (1, 0, 1, Some(0.0)));

    // The PR curve: at score 70 only c1 (fraud) and c9 (unlabelled) remain.
    let point = report.pr_curve.iter().find(|point| point.min_score == 70).unwrap();
    assert!((point.precision - 1.0).abs() < 1e-12 && (point.recall - 1.0 / 3.0).abs() < 1e-12);
    assert!(report.pr_curve.iter().all(|point| point.min_score <= 70), "nothing labelled is flagged above 70");
}

#[test]
fn ndjson_backtest_matches_the_hand_computation() {
    check(&run("cases.ndjson", ndjson_fields()), [6, 8]);
}

#[test]
fn csv_with_a_renamed_column_gives_the_same_numbers() {
    check(&run("cases.csv", csv_fields()), [7, 9]);
}

#[test]
fn without_a_label_there_are_counts_but_no_precision() {
    let report = run("cases.ndjson", Fields { label: None, ..ndjson_fields() });
    assert_eq!(report.cases, 8, "the row with the bad label is readable now");
    assert_eq!(report.labels.unlabelled, 8);
    assert!(report.pr_curve.is_empty());
    assert!(report.thresholds.iter().all(|threshold| threshold.precision.is_none() && threshold.recall.is_none()));
    assert!(report.rules.iter().all(|rule| rule.precision.is_none()));
}

#[test]
fn a_csv_without_header_is_a_clear_error() {
    let error = RowReader::new(Format::Csv, std::io::Cursor::new(b"".to_vec())).err().unwrap();
    assert_eq!(error, "line 1: the CSV file has no header row");
}

#[test]
fn diff_says_which_cases_change_band_and_why() {
    let input = std::io::BufReader::new(std::fs::File::open(fixture("cases.csv")).unwrap());
    let mut reader = RowReader::new(Format::Csv, input).unwrap();
    let report = backtest::diff(&pack("base.toml"), &pack("new.toml"), &mut reader, &csv_fields(), &|_| {});
    assert_eq!(report.cases, 7);
    assert_eq!((report.changed, report.raised, report.lowered, report.score_changed), (2, 0, 2, 3));
    assert_eq!(report.transitions, [[1, 0, 0, 0], [1, 3, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]]);
    assert_eq!(report.rules_added, ["R4"]);
    assert_eq!(report.rules_removed, ["R3"]);
    assert_eq!(report.rules_changed.len(), 1);
    assert_eq!(report.rules_changed[0].id, "R1");
    assert_eq!(report.rules_changed[0].changes, ["points 40 -> 20"]);
    let cases: Vec<(u64, Option<&str>, i64, i64)> =
        report.changed_cases.iter().map(|case| (case.line, case.id.as_deref(), case.base.0, case.pack.0)).collect();
    assert_eq!(cases, [(2, Some("c1"), 70, 50), (3, Some("c2"), 40, 20)]);
}

/// A case id from the input file cannot drive the terminal: escape sequences and bidirectional
/// overrides are printed escaped.
#[test]
fn diff_text_escapes_control_characters_in_case_ids() {
    let csv = std::fs::read_to_string(fixture("cases.csv")).unwrap();
    let hostile = csv.replacen("c1,", "c1\u{1b}[2J\u{202e},", 1);
    assert_ne!(hostile, csv, "cases.csv has no case c1");
    let mut reader = RowReader::new(Format::Csv, std::io::Cursor::new(hostile)).unwrap();
    let report = backtest::diff(&pack("base.toml"), &pack("new.toml"), &mut reader, &csv_fields(), &|_| {});
    let text = backtest::text::diff(&report);
    assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'), "{text}");
    assert!(text.contains("line 2 c1\\u{1b}[2J\\u{202e}:"), "{text}");
}

fn riskpane(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_riskpane")).args(args).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn the_command_line_prints_text_json_and_writes_an_html_report() {
    let pack = fixture("base.toml");
    let cases = fixture("cases.ndjson");
    let html = std::env::temp_dir().join(format!("riskpane-backtest-{}.html", std::process::id()));
    let (code, text, stderr) = riskpane(&[
        "backtest",
        "--pack",
        pack.to_str().unwrap(),
        "--cases",
        cases.to_str().unwrap(),
        "--label",
        "label",
        "--out",
        html.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(text.contains("Backtest of backtest-base 1.0.0 on 7 cases"), "{text}");
    assert!(text.contains("line 6: invalid JSON"), "{text}");
    assert!(
        text.contains("medium   ( 30)         6        3        2        0        1      60.0%  100.0%   75.0%"),
        "{text}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    std::fs::remove_file(&html).unwrap();
    assert_eq!(page.matches("<svg").count(), 3, "histogram, precision-recall curve, rule bars");
    assert!(!page.contains("<script"), "no JavaScript");
    assert!(page.contains("label &quot;maybe&quot; is not one of"), "data is escaped");

    let (code, json, _) = riskpane(&[
        "backtest",
        "--pack",
        pack.to_str().unwrap(),
        "--cases",
        cases.to_str().unwrap(),
        "--label",
        "label",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["thresholds"][0]["precision"], 0.6);
    assert_eq!(json["bad_rows"]["count"], 2);
}

#[test]
fn the_command_line_diffs_two_packs_as_text_json_and_html() {
    let pack = fixture("base.toml");
    let cases = fixture("cases.ndjson");
    let (code, text, _) = riskpane(&[
        "diff",
        "--base",
        pack.to_str().unwrap(),
        "--pack",
        fixture("new.toml").to_str().unwrap(),
        "--cases",
        fixture("cases.csv").to_str().unwrap(),
        "--label",
        "fraud",
        "--id",
        "case_id",
        "--map",
        "Order value=order.total_eur",
    ]);
    assert_eq!(code, 0);
    assert!(text.contains("2 change band (0 up, 2 down), 3 change score"), "{text}");
    let new_pack = fixture("new.toml");
    let diff_args = |extra: &[&str]| {
        let mut args = vec![
            "diff",
            "--base",
            pack.to_str().unwrap(),
            "--pack",
            new_pack.to_str().unwrap(),
            "--cases",
            cases.to_str().unwrap(),
            "--id",
            "id",
        ];
        args.extend_from_slice(extra);
        riskpane(&args)
    };
    let diff_html = std::env::temp_dir().join(format!("riskpane-diff-{}.html", std::process::id()));
    let (code, json, _) = diff_args(&["--format", "json", "--out", diff_html.to_str().unwrap()]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!((json["changed"].as_u64(), json["lowered"].as_u64()), (Some(2), Some(2)));
    assert_eq!(json["changed_cases"][0]["id"], "c1");
    let page = std::fs::read_to_string(&diff_html).unwrap();
    std::fs::remove_file(&diff_html).unwrap();
    assert_eq!(page.matches("<svg").count(), 1, "the band transition plot");
    assert!(page.contains("<code>R4</code>") && page.contains("removed rule <code>R3</code>"), "the reasons");
    assert!(!page.contains("<script"));
    assert!(text.contains("~ R1: points 40 -> 20"), "{text}");
    assert!(text.contains("line 2 c1: 70 high -> 50 medium"), "{text}");
}

#[test]
fn the_command_line_refuses_unreadable_cases_and_unknown_amount_facts() {
    let pack = fixture("base.toml");
    let cases = fixture("cases.ndjson");
    let (code, _, stderr) = riskpane(&["backtest", "--pack", pack.to_str().unwrap(), "--cases", "/nonexistent.ndjson"]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: cannot read cases /nonexistent.ndjson"), "{stderr}");
    let (code, _, stderr) = riskpane(&[
        "backtest",
        "--pack",
        pack.to_str().unwrap(),
        "--cases",
        cases.to_str().unwrap(),
        "--amount",
        "nope",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--amount: the pack has no fact `nope`"), "{stderr}");
}

/// A pattern report's draft rule on the fixture history, computed by hand: `account.age_days <= 10
/// and order.total_eur >= 50` fires on c1 (fraud), c3 (fraud) and c9 (unlabelled): 3 of 7 cases;
/// precision 2/2; the labelled fraud is c1, c3 and c7, so it finds 2 of 3; c5 (no total) and c7
/// (total "abc") leave it unknown: 2 of 7. The draft runs with 0 points, so the pack's own figures
/// stay as they are.
#[test]
fn a_pattern_reports_draft_rule_gets_its_fire_rate_precision_and_recall() {
    let pack = fixture("base.toml");
    let cases = fixture("cases.ndjson");
    let report = fixture("pattern-report.json");
    let args = |format: &'static str| {
        vec![
            "backtest".to_owned(),
            "--pack".to_owned(),
            pack.to_string_lossy().into_owned(),
            "--cases".to_owned(),
            cases.to_string_lossy().into_owned(),
            "--label".to_owned(),
            "label".to_owned(),
            "--draft".to_owned(),
            report.to_string_lossy().into_owned(),
            "--format".to_owned(),
            format.to_owned(),
        ]
    };
    let text_args = args("text");
    let (code, text, stderr) = riskpane(&text_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{stderr}");
    assert!(text.starts_with("draft rule from pattern report 6f1c2a4e-0d5b-4c7e-9a51-2b3c4d5e6f70 (case CASE-1042):\n  account.age_days <= 10 and order.total_eur >= 50\n"), "{text}");
    assert!(text.contains("fires on 3 of 7 cases (42.9%); on labelled fraud 2, on labelled legitimate 0"), "{text}");
    assert!(
        text.contains("precision 100.0%, finds 66.7% of the labelled fraud; not evaluable on 2 cases (28.6%)"),
        "{text}"
    );
    assert!(
        text.contains("medium   ( 30)         6        3        2        0        1      60.0%  100.0%   75.0%"),
        "the pack's own figures are unchanged: {text}"
    );
    assert!(stderr.contains("the report was made with pack backtest-base 0.9.0"), "{stderr}");

    let json_args = args("json");
    let (code, json, _) = riskpane(&json_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["draft"]["fired"], 3);
    assert_eq!(json["draft"]["fired_fraud"], 2);
    assert_eq!(json["draft"]["precision"], 1.0);
    assert_eq!(json["draft"]["unknown"], 2);
    assert_eq!(json["backtest"]["thresholds"][0]["precision"], 0.6);
}

/// A report whose elements do not fit the pack is refused with every reason (exit 1); a hand-edited
/// `draft_rule` text is not what runs: the draft is rebuilt from the elements.
#[test]
fn a_pattern_report_that_does_not_fit_the_pack_is_refused_and_its_text_is_not_trusted() {
    let pack = fixture("base.toml");
    let cases = fixture("cases.ndjson");
    let original = std::fs::read_to_string(fixture("pattern-report.json")).unwrap();
    let path = std::env::temp_dir().join(format!("riskpane-pattern-{}.json", std::process::id()));
    let run = |report: &str| {
        std::fs::write(&path, report).unwrap();
        riskpane(&[
            "backtest",
            "--pack",
            pack.to_str().unwrap(),
            "--cases",
            cases.to_str().unwrap(),
            "--draft",
            path.to_str().unwrap(),
        ])
    };
    let (code, _, stderr) = run(&original
        .replace("\"order.total_eur\", \"op\": \">=\"", "\"order.total\", \"op\": \">=\"")
        .replace("\"value\": 10", "\"value\": \"ten\""));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("the pack has no fact `order.total`"), "{stderr}");
    assert!(stderr.contains("`account.age_days` is a number: compare it with a number"), "{stderr}");
    let (code, text, stderr) = run(&original
        .replace("\"draft_rule\": \"account.age_days <= 10 and order.total_eur >= 50\"", "\"draft_rule\": \"true\""));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("the elements give: account.age_days <= 10 and order.total_eur >= 50"), "{stderr}");
    assert!(text.contains("fires on 3 of 8 cases (37.5%)"), "without labels c8 counts too: {text}");
    assert!(text.contains("precision –, finds – of the labelled fraud"), "{text}");
    let (code, _, stderr) = run("{\"format\": \"something else\"}");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is not a pattern report"), "{stderr}");
    std::fs::remove_file(&path).unwrap();
}

/// `riskpane qa` on tests/fixtures/qa/reviews.ndjson for November, computed by hand: six reviews in
/// the period (r6 is in December), two lines that do not read (a decision outcome as verdict, and
/// broken JSON); r2, r3 and r5 have findings (3 of 6); Atlas Care 2 of 4 (3 missed steps, 1 ignored
/// risk), Borealis 1 of 2; agents a1 1 of 3, a2 1 of 1, b1 1 of 2; inr-evidence missed twice (both
/// Atlas Care); the last second of the last day counts (r9).
#[test]
fn qa_reviews_are_aggregated_by_provider_agent_and_step() {
    let reviews = fixture("../qa/reviews.ndjson");
    let html = std::env::temp_dir().join(format!("riskpane-qa-{}.html", std::process::id()));
    let args = ["qa", "--reviews", reviews.to_str().unwrap(), "--from", "2026-11-01", "--to", "2026-11-30"];
    let (code, text, stderr) = riskpane(&[&args[..], &["--out", html.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        text.starts_with(
            "QA reviews 2026-11-01 to 2026-11-30: 6 reviews, 3 with findings (50.0%); 1 outside the period\n"
        ),
        "{text}"
    );
    assert!(text.contains("line 7: verdict `approve_refund` is not qa_ok, qa_coaching or qa_reopen"), "{text}");
    assert!(text.contains("line 8: not a QA review"), "{text}");
    for row in [
        "Atlas Care                         4         2    50.0%   2        1      1     1     1        0       3       1",
        "Borealis                           2         1    50.0%   1        1      0     0     0        1       1       1",
        "all                                6         3    50.0%   3        2      1     1     1        1       4       2",
        "a1 (Atlas Care)                    3         1    33.3%   2        1      0     1     0        0       1       0",
        "a2 (Atlas Care)                    1         1   100.0%   0        0      1     0     1        0       2       1",
        "b1 (Borealis)                      2         1    50.0%   1        1      0     0     0        1       1       1",
        "  inr-evidence                    2  (Atlas Care 2)",
        "  INR-001                         1  (Atlas Care 1)",
    ] {
        assert!(text.contains(row), "{row}\n{text}");
    }
    assert!(text.contains("after the deadline\\u{1b}[2J; check"), "control characters are escaped: {text}");
    let page = std::fs::read_to_string(&html).unwrap();
    std::fs::remove_file(&html).unwrap();
    assert_eq!(page.matches("<svg").count(), 2, "findings by provider, missed steps");
    assert!(page.contains("&lt;b&gt;and&lt;/b&gt;") && !page.contains("<b>and</b>"), "feedback is escaped");
    assert!(!page.contains("<script"), "no JavaScript");

    let (code, json, _) = riskpane(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["reviews"], 6);
    assert_eq!(json["providers"]["Atlas Care"]["with_findings"], 2);
    assert_eq!(json["providers"]["Borealis"]["severities"]["critical"], 1);
    assert_eq!(json["missed_steps"][0]["id"], "inr-evidence");
    assert_eq!(json["missed_steps"][0]["by_provider"]["Atlas Care"], 2);
    assert_eq!(json["agents"][1]["agent"], "a2");
    assert_eq!(json["agents"][1]["finding_rate"], 1.0);

    let (code, december, _) =
        riskpane(&["qa", "--reviews", reviews.to_str().unwrap(), "--from", "2026-12-01", "--to", "2026-12-31"]);
    assert_eq!(code, 0);
    assert!(
        december.starts_with(
            "QA reviews 2026-12-01 to 2026-12-31: 1 reviews, 1 with findings (100.0%); 6 outside the period"
        ),
        "{december}"
    );
    let (code, _, stderr) =
        riskpane(&["qa", "--reviews", reviews.to_str().unwrap(), "--from", "November", "--to", "2026-11-30"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--from `November` is not a YYYY-MM-DD date"), "{stderr}");
}
