//! Native integration tests: shipped rule packs compile, fixture cases match their report
//! snapshots, bad packs produce the expected diagnostics, and the repository's tidy rules hold.
//! Update snapshots with `UPDATE_EXPECT=1 cargo test`.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use expect_test::expect_file;
use riskpane::{CaseFacts, assess, compile_source, report};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
        .collect();
    found.sort();
    found
}

fn compile(path: &Path) -> riskpane::RulePack {
    let source = fs::read_to_string(path).unwrap();
    compile_source(&path.display().to_string(), &source).unwrap_or_else(|errors| panic!("{errors}"))
}

#[test]
fn every_shipped_rule_pack_compiles() {
    let packs = files(&root().join("pkg-config/rules"), "toml");
    assert!(!packs.is_empty());
    for path in packs {
        let pack = compile(&path);
        assert_eq!(pack.hash.len(), 64);
        assert!(!pack.rules.is_empty(), "{}", path.display());
    }
}

/// Every `tests/fixtures/<pack>/cases/*.json` is scored with `pkg-config/rules/<pack>.toml` and
/// compared with `tests/fixtures/<pack>/expected/<case>.json`.
#[test]
fn fixture_cases_match_their_report_snapshots() {
    let fixtures = root().join("tests/fixtures");
    let mut checked = 0;
    for pack_path in files(&root().join("pkg-config/rules"), "toml") {
        let pack_name = pack_path.file_stem().unwrap().to_str().unwrap().to_owned();
        let cases_dir = fixtures.join(&pack_name).join("cases");
        if !cases_dir.exists() {
            continue;
        }
        let pack = compile(&pack_path);
        for case_path in files(&cases_dir, "json") {
            let json: serde_json::Value = serde_json::from_str(&fs::read_to_string(&case_path).unwrap()).unwrap();
            let (facts, issues) = CaseFacts::from_json(&pack, &json);
            let score_report = assess(&pack, &facts);
            let mut rendered =
                serde_json::to_string_pretty(&report::to_json(&pack, &facts, &issues, &score_report, "en")).unwrap();
            rendered.push('\n');
            let name = case_path.file_stem().unwrap().to_str().unwrap();
            expect_file![fixtures.join(&pack_name).join("expected").join(format!("{name}.json"))].assert_eq(&rendered);
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} fixture cases found");
}

#[test]
fn bad_packs_report_every_error_with_location() {
    let dir = root().join("tests/fixtures/bad-packs");
    for path in files(&dir, "toml") {
        let source = fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let errors = compile_source(name, &source).expect_err("bad pack compiled");
        expect_file![dir.join(format!("{}.txt", path.file_stem().unwrap().to_str().unwrap()))]
            .assert_eq(&format!("{errors}\n"));
    }
}

#[test]
fn reports_are_deterministic_and_hashes_ignore_formatting() {
    let path = root().join("pkg-config/rules/demo.toml");
    let source = fs::read_to_string(&path).unwrap();
    let pack = compile(&path);
    // Comments and whitespace do not change the pack hash; a changed point value does.
    let reformatted = format!("# a comment\n\n{}", source.replace("points = 30", "points    =    30"));
    assert_eq!(compile_source("x", &reformatted).unwrap().hash, pack.hash);
    let changed = source.replace("points = 30", "points = 31");
    assert_ne!(compile_source("x", &changed).unwrap().hash, pack.hash);
    // Key order and number formatting in the case do not change the input hash.
    let first = serde_json::json!({"order": {"total_eur": 129.9}, "account": {"age_days": 3}});
    let second: serde_json::Value =
        serde_json::from_str(r#"{"account": {"age_days": 3.0}, "order.total_eur": 129.90}"#).unwrap();
    let (first_facts, _) = CaseFacts::from_json(&pack, &first);
    let (second_facts, _) = CaseFacts::from_json(&pack, &second);
    assert_eq!(first_facts.input_hash(), second_facts.input_hash());
    assert_eq!(assess(&pack, &first_facts), assess(&pack, &second_facts));
}

#[test]
fn score_range_bounds_the_score_once_facts_are_known() {
    let pack = compile(&root().join("pkg-config/rules/demo.toml"));
    let partial = serde_json::json!({"case": {"type": "item_not_received"}, "order": {"total_eur": 129.9}});
    let (facts, _) = CaseFacts::from_json(&pack, &partial);
    let partial_report = assess(&pack, &facts);
    assert!(
        partial_report.score_range.0 <= partial_report.score && partial_report.score <= partial_report.score_range.1
    );
    assert!(partial_report.completeness() < 1.0);
    // Filling in the missing facts lands the score inside the announced range.
    for (proof, claims, age) in [(true, 3, 10), (false, 0, 3000), (true, 0, 100)] {
        let complete = serde_json::json!({
            "now": "2026-11-25T10:00:00Z",
            "case": {"type": "item_not_received", "channel": "email", "received_at": "2026-11-25T09:00:00Z"},
            "order": {"total_eur": 129.9, "proof_of_delivery": proof, "delivered_at": "2026-11-20T09:00:00Z"},
            "claims": {"inr_last_12_months": claims}, "account": {"age_days": age, "last_credential_change": "2025-01-01T00:00:00Z"},
            "customer": {"message": "where is it", "sender_email": "a@b.c", "email_on_file": "a@b.c"},
            "refund": {"to_new_instrument": false}, "identity": {"verified": true}, "tier2": {"actions": []}
        });
        let (complete_facts, issues) = CaseFacts::from_json(&pack, &complete);
        assert!(issues.is_empty(), "{issues:?}");
        let complete_report = assess(&pack, &complete_facts);
        assert!(complete_report.not_evaluable.is_empty(), "{:?}", complete_report.not_evaluable);
        let (low, high) = partial_report.score_range;
        assert!((low..=high).contains(&complete_report.score), "{} not in {low}..={high}", complete_report.score);
    }
}

/// The repository's conventions, checked: every Rust file opens with a `//!` header, no
/// `should_panic` or `ignore` attributes, no grab-bag module names.
#[test]
fn tidy() {
    let mut stack = vec![root().join("src"), root().join("tests"), root().join("xtask/src"), root().join("benches")];
    let banned_names = ["utils.rs", "helpers.rs", "common.rs", "misc.rs", "manager.rs", "handler.rs"];
    let mut checked = 0;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let text = fs::read_to_string(&path).unwrap();
            assert!(text.starts_with("//!"), "{} must start with a //! header", path.display());
            let attribute = |name: &str| format!("#[{name}");
            assert!(!text.contains(&attribute("should_panic")), "{} uses should_panic", path.display());
            assert!(!text.contains(&attribute("ignore]")), "{} ignores a test", path.display());
            let file_name = path.file_name().unwrap().to_str().unwrap();
            assert!(!banned_names.contains(&file_name), "{} is a grab-bag module name", path.display());
            checked += 1;
        }
    }
    assert!(checked > 10);
}
