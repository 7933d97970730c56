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

/// The repository's conventions, checked: every Rust file opens with a `//!` header, no tests
/// that expect a panic or are switched off, no grab-bag module names.
#[test]
fn tidy() {
    let mut stack = vec![
        root().join("src"),
        root().join("tests"),
        root().join("xtask/src"),
        root().join("benches"),
        root().join("reference-crm/src"),
        root().join("reference-crm/tests"),
    ];
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
            // Spelled in pieces so this file does not trip its own check (or other scanners).
            let expects_panic = ["#[should", "_panic"].concat();
            let switched_off = ["#[ig", "nore]"].concat();
            assert!(!text.contains(&expects_panic), "{} has a test that expects a panic", path.display());
            assert!(!text.contains(&switched_off), "{} has a switched-off test", path.display());
            let file_name = path.file_name().unwrap().to_str().unwrap();
            assert!(!banned_names.contains(&file_name), "{} is a grab-bag module name", path.display());
            checked += 1;
        }
    }
    assert!(checked > 10);
}

/// The import direction: `src/lib.rs` declares the modules bottom-up (`value` first, `api` last),
/// and a module's code outside its tests may import only modules declared before it. This keeps the
/// ground floor (`value`) free of everything above it and the crate free of import cycles.
#[test]
fn nothing_below_imports_anything_above() {
    let lib = fs::read_to_string(root().join("src/lib.rs")).unwrap();
    let layers = declared_modules(&lib);
    assert!(layers.len() > 10 && layers[0] == "value", "{layers:?}");
    let mut upward = Vec::new();
    let mut checked = 0;
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path.strip_prefix(root().join("src")).unwrap().to_str().unwrap().to_owned();
            let module = relative.split(['/', '.']).next().unwrap().to_owned();
            if path.extension().is_none_or(|extension| extension != "rs")
                || relative.ends_with("tests.rs")
                || ["lib", "main"].contains(&module.as_str())
            {
                continue;
            }
            let text = fs::read_to_string(&path).unwrap();
            upward.extend(
                upward_imports(&layers, &lib, &module, &text)
                    .into_iter()
                    .map(|target| format!("{relative} imports {target}")),
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "{checked}");
    assert!(upward.is_empty(), "imports from a module declared later in src/lib.rs:\n{}", upward.join("\n"));
    // The check itself catches what it is for.
    assert_eq!(upward_imports(&layers, &lib, "value", "use crate::rules::RulePack;\n"), ["rules"]);
    assert_eq!(upward_imports(&layers, &lib, "rules", "use crate::{value::Decimal, case::{CaseFacts}};"), ["case"]);
    assert_eq!(upward_imports(&layers, &lib, "rules", "let x = crate::assess(&pack, &facts);"), ["engine"]);
    assert!(
        upward_imports(&layers, &lib, "flow", "use crate::rules::RulePack;\n#[cfg(test)]\nuse crate::api;").is_empty()
    );
}

/// The modules `lib.rs` declares (`mod x;` / `pub mod x;`, gated or not), in order.
fn declared_modules(lib: &str) -> Vec<String> {
    lib.lines()
        .filter_map(|line| line.trim().trim_start_matches("pub ").strip_prefix("mod ")?.strip_suffix(';'))
        .map(str::to_owned)
        .collect()
}

/// The modules declared after `module` that `text` (cut at its tests) names through `crate::`,
/// directly, in a `use crate::{…}` group, or through a re-export of `lib.rs` (`crate::assess`).
fn upward_imports(layers: &[String], lib: &str, module: &str, text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let rank = |name: &str| layers.iter().position(|layer| layer == name);
    let reexported = |name: &str| {
        lib.lines().filter_map(|line| line.strip_prefix("pub use ")).find_map(|line| {
            let (from, items) = line.split_once("::")?;
            let items = items.trim_end_matches(';').trim_matches(['{', '}']);
            items.split(',').any(|item| item.trim() == name).then(|| from.to_owned())
        })
    };
    let Some(own) = rank(module) else { return vec![format!("{module} (not declared in lib.rs)")] };
    let ident = |rest: &str| rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let mut named = Vec::new();
    for (index, _) in code.match_indices("crate::") {
        let rest = &code[index + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The group's items at its own level: `value::Decimal`, `case::{…}`, `assess`.
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => named.push(ident(std::mem::take(&mut item).trim())),
                    _ if depth == 0 => item.push(c),
                    _ => {}
                }
            }
            named.push(ident(item.trim()));
        } else {
            named.push(ident(rest));
        }
    }
    let mut upward = Vec::new();
    for name in named {
        let target = if rank(&name).is_some() { name } else { reexported(&name).unwrap_or(name) };
        if rank(&target).is_some_and(|rank| rank > own) && !upward.contains(&target) {
            upward.push(target);
        }
    }
    upward
}

/// A long `or` chain (120 terms; issue 14: 62 terms linted but did not load in the browser, whose JSON reader
/// stops at 128 levels) compiles and loads as the browser loads it.
#[test]
fn a_long_or_chain_loads_in_the_browser_format() {
    let demo = fs::read_to_string(root().join("pkg-config/rules/demo.toml")).unwrap();
    let chain = (0..120).map(|n| format!("order.total_eur = {n}")).collect::<Vec<_>>().join(" or ");
    let source = demo.replacen(
        "when = \"case.type = 'item_not_received' and order.proof_of_delivery\"",
        &format!("when = \"case.type = 'item_not_received' and order.proof_of_delivery and ({chain})\""),
        1,
    );
    assert_ne!(source, demo, "the demo pack's INR-001 condition moved");
    let pack = riskpane::compile_source("long.toml", &source).unwrap();
    let json = riskpane::compiled::pack_to_json(&pack).unwrap();
    let loaded = riskpane::compiled::pack_from_json(&json).unwrap();
    assert_eq!(loaded, pack);
}

/// The browser loads compiled JSON, not TOML: it must carry exactly the same pack.
#[test]
fn compiled_packs_and_profiles_round_trip() {
    for path in files(&root().join("pkg-config/rules"), "toml") {
        let pack = compile(&path);
        let json = riskpane::compiled::pack_to_json(&pack).unwrap();
        let loaded = riskpane::compiled::pack_from_json(&json).unwrap();
        assert_eq!(loaded, pack, "{}", path.display());
    }
    for path in files(&root().join("pkg-config/crm"), "toml") {
        let source = fs::read_to_string(&path).unwrap();
        let profile = riskpane::profile::CrmProfile::from_toml(&path.display().to_string(), &source).unwrap();
        let json = riskpane::compiled::profile_to_json(&profile).unwrap();
        assert_eq!(riskpane::compiled::profile_from_json(&json).unwrap(), profile);
    }
    let wrong = riskpane::compiled::pack_from_json(r#"{"format": "riskpane-compiled-profile", "format_version": 1}"#)
        .unwrap_err()
        .to_string();
    assert!(wrong.contains("expected a riskpane-compiled-pack file"), "{wrong}");
    let garbage = riskpane::compiled::pack_from_json("<html>").unwrap_err().to_string();
    assert!(garbage.contains("not valid JSON"), "{garbage}");
    // A damaged file whose references do not resolve is an error, not a panic later in the UI.
    let demo = compile(&root().join("pkg-config/rules/demo.toml"));
    let mut few_facts = demo.clone();
    few_facts.facts.truncate(2);
    let damaged = riskpane::compiled::pack_from_json(&riskpane::compiled::pack_to_json(&few_facts).unwrap());
    assert!(damaged.unwrap_err().to_string().starts_with("rule pack is inconsistent: fact slot"));
    let mut no_checklist = demo.clone();
    no_checklist.checklist.clear();
    let damaged = riskpane::compiled::pack_from_json(&riskpane::compiled::pack_to_json(&no_checklist).unwrap());
    assert!(damaged.unwrap_err().to_string().contains("checklist item"));
    // Damaged bytes: cut short, not base64, or an older format version.
    let json = riskpane::compiled::pack_to_json(&demo).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let encoded = value["pack"].as_str().unwrap().to_owned();
    value["pack"] = serde_json::json!(encoded[..encoded.len() / 2 / 4 * 4]);
    let cut = riskpane::compiled::pack_from_json(&value.to_string()).unwrap_err().to_string();
    assert!(cut.starts_with("rule pack does not match compiled format 8: `pack` does not read at byte "), "{cut}");
    value["pack"] = serde_json::json!("not base64!");
    let garbled = riskpane::compiled::pack_from_json(&value.to_string()).unwrap_err().to_string();
    assert!(garbled.contains("`pack` is not base64"), "{garbled}");
    value["format_version"] = serde_json::json!(3);
    let old = riskpane::compiled::pack_from_json(&value.to_string()).unwrap_err().to_string();
    assert!(old.contains("version 3 is not supported; this build reads 8"), "{old}");
}

/// What the demo page shows, read through the demo profile, scores like the equivalent case file.
#[test]
fn page_fields_read_through_the_profile_score_like_the_case_file() {
    use riskpane::profile::{CrmProfile, RawCaseFields, RawValue};
    let pack = compile(&root().join("pkg-config/rules/demo.toml"));
    let profile =
        CrmProfile::from_toml("demo.toml", &fs::read_to_string(root().join("pkg-config/crm/demo.toml")).unwrap())
            .unwrap();
    let mut raw = RawCaseFields::default();
    let text = |value: &str| RawValue::Text(value.to_owned());
    for (fact, value) in [
        ("case.channel", "email"),
        ("case.type", "Item not received"),
        ("case.received_at", "24.11.2026 09:30"),
        (
            "customer.message",
            "My parcel never arrived. I need the refund RIGHT NOW, this is urgent. Send it to my new card please.",
        ),
        ("customer.email_on_file", "anna.schmidt@example.com"),
        ("customer.sender_email", "anna.schmidt.1990@example.net"),
        ("account.age_days", "12 days"),
        ("account.last_credential_change", "22.11.2026 19:00"),
        ("order.total_eur", "649,90 €"),
        ("order.delivered_at", "24.11.2026 08:45"),
        ("order.proof_of_delivery", "Yes"),
        ("claims.inr_last_12_months", "3"),
        ("identity.verified", "No"),
    ] {
        raw.values.insert(fact.to_owned(), text(value));
    }
    raw.values.insert("refund.to_new_instrument".to_owned(), RawValue::Json(serde_json::json!(true)));
    let now = riskpane::value::time::parse_datetime("2026-11-25T10:00:00Z").unwrap();
    let (page_facts, issues) = CaseFacts::from_raw(&pack, &profile, &raw, now);
    assert!(issues.is_empty(), "{issues:?}");
    let case: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(root().join("tests/fixtures/demo/cases/inr_high_risk.json")).unwrap())
            .unwrap();
    let (file_facts, _) = CaseFacts::from_json(&pack, &case);
    let page_report = assess(&pack, &page_facts);
    let file_report = assess(&pack, &file_facts);
    assert_eq!(page_report.score, file_report.score);
    assert_eq!(
        page_report.hits.iter().map(|hit| hit.rule).collect::<Vec<_>>(),
        file_report.hits.iter().map(|hit| hit.rule).collect::<Vec<_>>()
    );
    // An unreadable value is an unknown fact with a reason, not an error for the whole case.
    raw.values.insert("order.total_eur".to_owned(), text("ca. zweihundert Euro"));
    let (facts, issues) = CaseFacts::from_raw(&pack, &profile, &raw, now);
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].fact, "order.total_eur");
    assert!(facts.value(pack.fact_slot("order.total_eur").unwrap()).is_none());
}

/// One rule's fixtures (`tests/fixtures/<pack>/rules.toml`).
#[derive(serde::Deserialize)]
struct RuleFixture {
    id: String,
    fires: toml::Table,
    silent: toml::Table,
    unknown: Vec<String>,
}

#[derive(serde::Deserialize)]
struct RuleFixtures {
    rule: Vec<RuleFixture>,
}

fn case_of(table: &toml::Table) -> serde_json::Value {
    let mut json = serde_json::to_value(table).unwrap();
    if json.get("now").is_none() {
        json["now"] = "2026-11-25T10:00:00Z".into();
    }
    json
}

/// Each shipped pack that has `tests/fixtures/<pack>/<file>`: its name, compiled pack and that file's text.
fn packs_with_fixture(file: &str) -> Vec<(String, riskpane::RulePack, String)> {
    let mut found = Vec::new();
    for pack_path in files(&root().join("pkg-config/rules"), "toml") {
        let name = pack_path.file_stem().unwrap().to_str().unwrap().to_owned();
        let path = root().join("tests/fixtures").join(&name).join(file);
        if path.exists() {
            found.push((name, compile(&pack_path), fs::read_to_string(&path).unwrap()));
        }
    }
    found
}

/// Every rule of a pack with a `rules.toml` fixture file fires, stays silent and becomes not
/// evaluable exactly as its fixtures say; a rule without fixtures fails the test.
#[test]
fn every_rule_fires_stays_silent_and_is_not_evaluable_as_its_fixtures_say() {
    let mut checked = 0;
    for (name, pack, text) in packs_with_fixture("rules.toml") {
        let fixtures: RuleFixtures = toml::from_str(&text).unwrap();
        let mut problems = Vec::new();
        for rule in &pack.rules {
            if !fixtures.rule.iter().any(|fixture| fixture.id == rule.id) {
                problems.push(format!("{}: no fixtures", rule.id));
            }
        }
        for fixture in &fixtures.rule {
            let Some(index) = pack.rules.iter().position(|rule| rule.id == fixture.id) else {
                problems.push(format!("{}: not a rule of {name}", fixture.id));
                continue;
            };
            let report_for = |table: &toml::Table| {
                let (facts, issues) = CaseFacts::from_json(&pack, &case_of(table));
                assert!(issues.is_empty(), "{}: {issues:?}", fixture.id);
                let report = assess(&pack, &facts);
                assert_scoring_matches(&pack, &facts, &report);
                report
            };
            let fires = report_for(&fixture.fires);
            if !fires.hits.iter().any(|hit| hit.rule == index) {
                problems.push(format!("{}: does not fire on `fires`", fixture.id));
            }
            let silent = report_for(&fixture.silent);
            if silent.hits.iter().any(|hit| hit.rule == index)
                || silent.not_evaluable.iter().any(|entry| entry.rule == index)
            {
                problems.push(format!("{}: is not silent on `silent`", fixture.id));
            }
            let mut reduced = fixture.fires.clone();
            for fact in &fixture.unknown {
                if reduced.remove(fact).is_none() {
                    problems.push(format!("{}: `unknown` names {fact}, which `fires` does not set", fixture.id));
                }
            }
            let unknown = report_for(&reduced);
            match unknown.not_evaluable.iter().find(|entry| entry.rule == index) {
                None => problems.push(format!("{}: is not 'not evaluable' without {:?}", fixture.id, fixture.unknown)),
                Some(entry) => {
                    for fact in &fixture.unknown {
                        let slot = pack.fact_slot(fact).unwrap();
                        if !unknown.facts(entry.missing).contains(&slot) {
                            problems.push(format!("{}: does not report {fact} as missing", fixture.id));
                        }
                    }
                }
            }
            checked += 1;
        }
        assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
    }
    assert!(checked >= 40, "only {checked} rules have fixtures");
}

#[derive(serde::Deserialize)]
struct BandCase {
    name: String,
    band: String,
    facts: toml::Table,
}

#[derive(serde::Deserialize)]
struct BandCases {
    case: Vec<BandCase>,
}

/// The backtests' lean `engine::score` agrees with the full `assess` on score, band and rules, and
/// the engine's untraced first pass (`truth`) gives the traced value (`eval`) for every condition
/// of the pack (rules, checklist, outcomes, deadlines).
fn assert_scoring_matches(pack: &riskpane::RulePack, facts: &CaseFacts, report: &riskpane::ScoreReport) {
    use riskpane::rules::lang::eval::{Env, Trace, eval, truth};
    let env = Env { risk: Some((report.score, report.band.name())), ..Env::new(pack, facts) };
    let conditions = pack
        .rules
        .iter()
        .map(|rule| &rule.when)
        .chain(pack.checklist.iter().flat_map(|item| item.when.iter().chain(item.done_when.iter())))
        .chain(pack.decision_policy.outcomes.iter().map(|outcome| &outcome.requires_second_approval))
        .chain(pack.deadlines.iter().map(|deadline| &deadline.when));
    for condition in conditions {
        let (quick, traced) =
            (truth(&condition.node, &env, &mut Trace::default()), eval(&condition.node, &env, &mut Trace::default()));
        assert_eq!(quick, traced, "`{}`", condition.source);
    }
    let scoring = riskpane::engine::score(pack, facts);
    assert_eq!(scoring.score, report.score);
    assert_eq!(scoring.band, report.band);
    assert_eq!(scoring.fired, report.hits.iter().map(|hit| hit.rule).collect::<Vec<_>>());
    assert_eq!(scoring.not_evaluable, report.not_evaluable.iter().map(|entry| entry.rule).collect::<Vec<_>>());
}

/// Whole realistic cases (`tests/fixtures/<pack>/cases.toml`) land in the band an expert expects.
#[test]
fn realistic_cases_land_in_the_expected_band() {
    let mut checked = 0;
    for (name, pack, text) in packs_with_fixture("cases.toml") {
        let cases: BandCases = toml::from_str(&text).unwrap();
        let mut problems = Vec::new();
        for case in &cases.case {
            let (facts, issues) = CaseFacts::from_json(&pack, &case_of(&case.facts));
            if !issues.is_empty() || !facts.ignored_keys().is_empty() {
                problems.push(format!("{}: {issues:?} {:?}", case.name, facts.ignored_keys()));
            }
            let report = assess(&pack, &facts);
            assert_scoring_matches(&pack, &facts, &report);
            if report.band.name() != case.band {
                let fired: Vec<&str> = report.hits.iter().map(|hit| pack.rules[hit.rule].id.as_str()).collect();
                problems.push(format!(
                    "{}: expected {}, got {} ({}; fired {fired:?})",
                    case.name,
                    case.band,
                    report.band.name(),
                    report.score
                ));
            }
            checked += 1;
        }
        assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
    }
    assert!(checked >= 40, "only {checked} realistic cases");
}

/// The care pack's keyword lists and signals match across languages, letters outside Latin-1
/// included, only at word boundaries unless a keyword says otherwise with `*`, and not on the
/// everyday words that once fired (a refund credit, "Auskunft geben", the name Sue, "press").
#[test]
fn care_keywords_match_across_languages_at_word_boundaries() {
    let list = |name: &str| format!("matches_any(customer.message, keywords.{name})");
    let dsr = "signals.data_subject_request_stated".to_owned();
    let legal = "signals.legal_threat".to_owned();
    let cases = [
        (dsr.clone(), "Bitte die LÖSCHUNG meiner Daten.", true),
        (dsr.clone(), "Das steht in Ihrer Kundendatenbank.", false),
        (dsr.clone(), "Ihre Datenschutzerklärung ist lang.", false),
        (dsr.clone(), "Mein Auskunftsersuchen vom Montag", true),
        (dsr.clone(), "Können Sie mir Auskunft geben, wann das Paket kommt?", false),
        (dsr.clone(), "Proszę o USUNIĘCIE DANYCH.", true),
        (dsr.clone(), "Proszę, USUŃCIE MOJE DANE.", true),
        (dsr.clone(), "J’exerce mon droit à l’oubli.", true),
        (dsr.clone(), "Ejerzo el DERECHO DE SUPRESIÓN.", true),
        (dsr, "Bitte löschen Sie den Pullover aus meinem Warenkorb.", false),
        (list("chargeback_threat"), "Ich werde die ZAHLUNG ZURÜCKBUCHEN.", true),
        (list("chargeback_threat"), "Zrobię OBCIĄŻENIE ZWROTNE.", true),
        (list("chargeback_threat"), "Die Rückbuchung ist angekommen, danke.", false),
        (legal.clone(), "Je vais saisir le MÉDIATEUR.", true),
        (legal.clone(), "Je vais intenter un PROCÈS.", true),
        (legal.clone(), "Meine ANWÄLTIN meldet sich.", true),
        (list("authority_or_bypass"), "Bitte die PRÜFUNG ÜBERSPRINGEN, ich arbeite bei Zalando.", true),
        (legal.clone(), "I will pursue this with your team.", false),
        (legal.clone(), "I will sue you.", true),
        (legal.clone(), "Hi, Sue here: when does my order arrive?", false),
        (
            "signals.public_escalation".to_owned(),
            "Jeśli nie otrzymam zwrotu, opiszę wszystko w mediach społecznościowych i ostrzegę innych.",
            true,
        ),
        ("signals.press".to_owned(), "I can't press the button to print the label.", false),
        (list("urgency"), "Ich habe mein HANDY VERLOREN", true),
        (list("data_breach"), "Ik kreeg een bestelling van iemand anders.", true),
    ];
    let wrong = care_conditions_that_disagree(&cases);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `(condition, message, expected)` cases whose condition, evaluated by the care pack on a case
/// with only that customer message, is not as expected.
fn care_conditions_that_disagree<C: AsRef<str>>(cases: &[(C, &str, bool)]) -> Vec<String> {
    use riskpane::rules::lang::Value;
    use riskpane::rules::lang::eval::{Env, Trace, eval};
    let pack = compile(&root().join("pkg-config/rules/care.toml"));
    let matches = |condition: &str, message: &str| {
        let (node, _) = pack.compile_expression(condition).unwrap();
        let (facts, _) = CaseFacts::from_json(&pack, &serde_json::json!({ "customer": { "message": message } }));
        let env = Env::new(&pack, &facts);
        eval(&node, &env, &mut Trace::default()) == Value::Bool(true)
    };
    cases
        .iter()
        .filter(|(condition, message, expected)| matches(condition.as_ref(), message) != *expected)
        .map(|(condition, message, expected)| {
            format!("{}: {message:?} should {}match", condition.as_ref(), if *expected { "" } else { "not " })
        })
        .collect()
}

/// The mood of a message (care packs 1.16.0 to 1.20.0): a request or threat made now, beside the
/// same words withdrawn, fulfilled, asked about for later, named in passing or handed on.
#[test]
fn care_signals_tell_a_request_made_now_from_one_set_aside() {
    let legal = "signals.legal_threat";
    let (request, set_aside) = ("signals.data_subject_request", "signals.request_set_aside");
    let authority = "signals.authority_complaint";
    let cases = [
        // A request set aside (care pack 1.16.0): withdrawn, fulfilled, asked about for later; a
        // chaser and a request that only shares a sentence with "ignore" stay requests.
        (request, "Please disregard my deletion request from last week, I found my password again.", false),
        (set_aside, "Please disregard my deletion request from last week, I found my password again.", true),
        (
            request,
            "Please ignore the e-mail I sent this morning with the wrong order number, my erasure request for all my personal data stands.",
            true,
        ),
        (request, "Vi ricordo che da due mesi ignorate la mia richiesta di cancellazione dei miei dati.", true),
        (request, "Die Kopie meiner Daten ist angekommen, alles in Ordnung, Sie können die Anfrage schließen.", false),
        (request, "Ich habe die Kopie meiner Daten immer noch nicht erhalten, bitte senden Sie sie mir.", true),
        (
            request,
            "Nur aus Neugier: Wie würde ich eine Kopie meiner Daten bekommen, falls ich die irgendwann brauche? Im Moment nicht.",
            false,
        ),
        (request, "Proszę o kopię moich danych. Na razie nie dostałam żadnej odpowiedzi.", true),
        // An authority named in passing, and the same with the writer's own plan.
        (
            authority,
            "Meine Nachbarin hat sich bei der Datenschutzbehörde über ihr Fitnessstudio beschwert. Wann kommt mein Paket?",
            false,
        ),
        (
            authority,
            "Eine Freundin hat sich bei der Datenschutzbehörde beschwert, und wenn Sie bis Freitag nicht antworten, mache ich das Gleiche.",
            true,
        ),
        (
            authority,
            "Je prépare un mémoire sur les plaintes auprès de la CNIL : accepteriez-vous un entretien ?",
            false,
        ),
        // 1.19.0: a case handed to a lawyer in short words; going to the authority.
        (legal, "wenn das geld bis montag nicht da ist geht das an meinen anwalt", true),
        (legal, "Mein Anwalt hat mir die Jacke empfohlen, gibt es sie in Größe 52?", false),
        (authority, "ho chiesto due volte i miei dati, se non rispondete vado dal garante", true),
        (authority, "I will complain to the ICO if my data is not deleted by Friday.", true),
        // 1.20.0: agents' notes about a right explained, a completed request, the authority's staff.
        (request, "Cust. asked what data we keep. Explained the right of access (SAR). No DSR raised.", false),
        (request, "Kd. fragte nach Stand seiner Datenauskunft: noch nicht abgeschlossen, bitte Kopie senden.", true),
        (authority, "Cl. travaille à la CNIL, livraison au bureau s'il vous plaît.", false),
        // A complaint or legal step the writer withdraws (1.17.0), and one withdrawn with an ultimatum.
        (authority, "The recordings arrived, so I have written to the ICO to withdraw my complaint.", false),
        (authority, "You closed my complaint without an answer, so I am taking it to the ICO.", true),
        (legal, "Je retire ma mise en demeure : le remboursement est arrivé.", false),
        (legal, "Ik trek mijn ingebrekestelling niet in tenzij u vandaag betaalt.", true),
        ("signals.product_safety", "Das Zugband der Kapuze hat sich um seinen Hals gezogen.", true),
        ("signals.product_safety", "Kann man das Zugband der Kapuze herausziehen? Ich trage sie gern offen.", false),
    ];
    let wrong = care_conditions_that_disagree(&cases);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Care pack 1.21.0: four signals that were keyword lists only also read a word model (a legal
/// claim filed online, a daily public post), a login code not received is no newsletter wanted
/// back, and a fake page asked about is no counterfeit claim. 1.22.0: an authority named as a
/// reference is no complaint; a consumer arbitration court named in full is a legal step. 1.23.0:
/// a company's invoice export and a quoted request already carried out are no request. 1.24.0:
/// text typed without accents, a correction the writer already made, the Swiss authority.
#[test]
fn care_signals_read_word_models_beside_the_keyword_lists() {
    let cases = [
        (
            "signals.legal_threat",
            "I have now started a claim through Money Claim Online for the 240 pounds you owe me.",
            true,
        ),
        (
            "signals.public_escalation",
            "Three weeks and no refund. I am posting this every single day until you sort it out, please RT.",
            true,
        ),
        (
            "signals.counterfeit",
            "Is the Instagram page selling your coats at 80% off yours? Looks like a fake site to me.",
            false,
        ),
        (
            "signals.counterfeit",
            "The bag you sent is not the real thing: the logo is crooked and the serial number does not exist.",
            true,
        ),
        (
            "signals.data_subject_request",
            "depuis le piratage de mon compte je ne reçois plus les codes, le numéro enregistré chez vous n'est plus le mien, merci de rectifier mes données",
            true,
        ),
        (
            "signals.data_subject_request",
            "je ne reçois plus votre newsletter depuis mars, pouvez-vous me réinscrire ?",
            false,
        ),
        // 1.22.0: an authority named as a reference is no complaint; the writer's own step still is.
        (
            "signals.authority_complaint",
            "My granddaughter says I should check that a shop is registered with the ICO before I give my card number. Are you?",
            false,
        ),
        (
            "signals.authority_complaint",
            "You have ignored my access request for two months, so I am complaining to the ICO.",
            true,
        ),
        ("signals.legal_threat", "Złożyłam wniosek do Sądu Polubownego przy Inspekcji Handlowej.", true),
        // 1.23.0: a company's invoice export is no portability request; a quoted request already
        // carried out is set aside, one quoted as still not done is not.
        (
            "signals.portability",
            "I work in the accounts department of a dental practice with a business account. Could you export all our invoices for last year as a CSV or Excel file so we can import them into our software?",
            false,
        ),
        ("signals.portability", "Please send me all my personal data as a CSV file.", true),
        (
            "signals.data_subject_request",
            "Hallo, wie unten zu sehen ist, haben Sie die Adresse meiner Mutter bereits berichtigt, danke! Wird die Gutschrift auf ihr Kundenkonto gebucht?",
            false,
        ),
        (
            "signals.data_subject_request",
            "Hallo, wie unten zu sehen ist, haben Sie die Adresse meiner Mutter immer noch nicht berichtigt. Bitte korrigieren Sie ihre Adresse.",
            true,
        ),
        // 1.24.0: typed without accents; a correction already made by the writer; a Swiss authority.
        ("signals.objection_marketing", "ARRETEZ DE M'APPELER POUR VOS PROMOS !!! PLUS JAMAIS", true),
        (
            "signals.data_subject_request",
            "c bon j'ai corrigé mon adresse moi même dans mon profil, merci pour l'aide",
            false,
        ),
        (
            "signals.authority_complaint",
            "J'ai signalé vos pratiques au Préposé fédéral à la protection des données et à la transparence (PFPDT).",
            true,
        ),
    ];
    let wrong = care_conditions_that_disagree(&cases);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A request the message sets aside gets no Art. 12(3) deadline but a checklist item that sends
/// the agent to the case history; the same request made now gets the deadline and no such item.
/// The customer's own words (care pack 1.25.0, `own_words` on `customer.message`): a signature's
/// confidentiality notice, a quoted reply and an agent's or bot's lines in a transcript are not
/// what the customer asks; a request above a quote, or on the customer's line, still is.
#[test]
fn care_signals_read_only_the_customers_own_words() {
    let (request, erasure) = ("signals.data_subject_request", "signals.erasure");
    let (legal, authority) = ("signals.legal_threat", "signals.authority_complaint");
    let notice = "Could I swap the blazer for a size 14?\n\nKind regards,\nJo Marsh\nParalegal\n\nThis email is confidential and may be legally privileged. If you are not the intended recipient, please delete it. You have the right to complain to the Information Commissioner's Office about how we handle your data.";
    let quoted = "ok thanks, that works!\n\nOn Tue, 4 Nov, Customer Care <care@shop.example> wrote:\n> You can ask for a copy of your personal data or its deletion at any time, or complain to the data protection authority.";
    let chat = "Agent (Tom): Hinweise zu Ihrem Recht auf Auskunft über Ihre gespeicherten Daten finden Sie unter /datenschutz.\nKunde: ich brauch nur ein neues Retourenlabel\nAgent (Tom): Ist unterwegs, die alte Mail können Sie löschen.\nKunde: danke";
    let above_quote = "Bitte löschen Sie mein Kundenkonto und alle meine gespeicherten Daten.\n\nAm 02.05. schrieb Kundenservice:\n> Vielen Dank für Ihre Bestellung!";
    let customer_line = "[10:41] Bot : Bonjour ! Comment puis-je vous aider ?\n[10:41] Cliente : supprimez mon compte et toutes mes données personnelles svp\n[10:42] Conseiller (Hugo) : je transmets au service concerné";
    let cases = [
        (request, notice, false),
        (legal, notice, false),
        (authority, notice, false),
        (request, quoted, false),
        (authority, quoted, false),
        (request, chat, false),
        (erasure, above_quote, true),
        (erasure, customer_line, true),
        // The same words as the customer's own stay a request.
        (
            request,
            "You have the right to a copy of my data, so send me a copy of all the personal data you hold about me.",
            true,
        ),
    ];
    let disagreeing = care_conditions_that_disagree(&cases);
    assert!(disagreeing.is_empty(), "{disagreeing:#?}");
}

#[test]
fn a_request_set_aside_asks_the_agent_to_check_the_history_instead_of_starting_a_deadline() {
    let pack = compile(&root().join("pkg-config/rules/care.toml"));
    let shown = |message: &str| {
        let case = serde_json::json!({ "now": "2026-11-25T10:00:00Z",
            "case": { "type": "other", "channel": "email", "received_at": "2026-11-24T10:00:00Z" },
            "customer": { "message": message } });
        let (facts, issues) = CaseFacts::from_json(&pack, &case);
        assert!(issues.is_empty(), "{issues:?}");
        let report = assess(&pack, &facts);
        let items: Vec<&str> = report.checklist.iter().map(|entry| pack.checklist[entry.item].id.as_str()).collect();
        let deadlines: Vec<&str> =
            report.deadlines.iter().map(|due| pack.deadlines[due.deadline].id.as_str()).collect();
        (items.contains(&"dsr-set-aside"), deadlines.contains(&"dsr-answer"))
    };
    assert_eq!(shown("Bitte ignorieren Sie meinen Löschantrag vom Montag, ich behalte mein Konto."), (true, false));
    assert_eq!(shown("Bitte löschen Sie mein Konto und alle meine Daten."), (false, true));
    // "Ignore" about something else: neither.
    assert_eq!(shown("Please ignore my return request, the dress fits after all."), (false, false));
}

/// The demo CRM page's profile maps every fact of the domain pack (`now` comes from the clock).
#[test]
fn demo_profile_exposes_every_fact_of_the_domain_pack() {
    let pack = compile(&root().join("pkg-config/rules/care.toml"));
    let source = fs::read_to_string(root().join("pkg-config/crm/demo.toml")).unwrap();
    let profile = riskpane::profile::CrmProfile::from_toml("demo.toml", &source).unwrap();
    let unmapped: Vec<&str> = pack
        .facts
        .iter()
        .map(|fact| fact.name.as_str())
        .filter(|name| *name != "now" && !profile.sources.contains_key(*name))
        .collect();
    assert!(unmapped.is_empty(), "facts of the care pack the demo profile does not read: {unmapped:?}");
}

/// Every rule, checklist item, outcome and reason code of the domain pack speaks English and German.
#[test]
fn the_domain_pack_has_english_and_german_texts() {
    let pack = compile(&root().join("pkg-config/rules/care.toml"));
    let german = |text: &riskpane::rules::LocalText| text.translations.iter().any(|(language, _)| language == "de");
    let mut missing = Vec::new();
    for rule in &pack.rules {
        if !german(&rule.title) || !german(&rule.rationale) {
            missing.push(format!("rule {}", rule.id));
        }
    }
    for item in &pack.checklist {
        if !german(&item.text) {
            missing.push(format!("checklist item {}", item.id));
        }
    }
    for outcome in &pack.decision_policy.outcomes {
        if !german(&outcome.label) {
            missing.push(format!("outcome {}", outcome.id));
        }
    }
    for code in &pack.decision_policy.reason_codes {
        if !german(&code.label) {
            missing.push(format!("reason code {}", code.code));
        }
    }
    assert!(missing.is_empty(), "no German text: {missing:?}");
}

/// The care pack's four-eye rules on cases built for them: `(case facts, outcome, needs a second person)`.
#[test]
fn care_four_eye_rules_follow_the_policy() {
    let pack = compile(&root().join("pkg-config/rules/care.toml"));
    let cases: Vec<(serde_json::Value, &str, bool)> = vec![
        // A credential change 2 days before the redirect request needs four eyes; one after it does not.
        (
            serde_json::json!({ "case": { "type": "address_change", "received_at": "2026-11-24T09:30:00Z" },
                "account": { "last_credential_change": "2026-11-22T09:30:00Z" },
                "order": { "total_eur": 80, "address_changed_after_dispatch": false } }),
            "approve_redirect",
            true,
        ),
        (
            serde_json::json!({ "case": { "type": "address_change", "received_at": "2026-11-24T09:30:00Z" },
                "account": { "last_credential_change": "2026-11-24T12:00:00Z" },
                "order": { "total_eur": 80, "address_changed_after_dispatch": false } }),
            "approve_redirect",
            false,
        ),
        // deny_refund at a high or critical band, without any threat in the message.
        (
            serde_json::json!({ "case": { "type": "item_not_received" }, "order": { "proof_of_delivery": true },
                "claims": { "last_12_months": 3 }, "tier2": { "actions": ["refund_issued"] },
                "customer": { "message": "It never came." } }),
            "deny_refund",
            true,
        ),
        (
            serde_json::json!({ "case": { "type": "item_not_received" }, "order": { "proof_of_delivery": false },
                "claims": { "last_12_months": 0 }, "customer": { "message": "It never came." } }),
            "deny_refund",
            false,
        ),
        // reship above refund_second_approval_eur (150) of order value, at a low band.
        (serde_json::json!({ "case": { "type": "damaged" }, "order": { "total_eur": 420 } }), "reship", true),
        (serde_json::json!({ "case": { "type": "damaged" }, "order": { "total_eur": 60 } }), "reship", false),
        // change_contact_data: four eyes unless verified through a session or the contact on file.
        (serde_json::json!({ "identity": { "verified": true, "method": "session" } }), "change_contact_data", false),
        (
            serde_json::json!({ "identity": { "verified": true, "method": "knowledge_questions" } }),
            "change_contact_data",
            true,
        ),
        (serde_json::json!({}), "lift_order_pause", true),
        (serde_json::json!({}), "send_warning_email", false),
        (serde_json::json!({ "refund": { "paid": true } }), "accept_dispute", true),
        (serde_json::json!({ "refund": { "paid": false } }), "accept_dispute", false),
    ];
    let mut wrong = Vec::new();
    for (number, (case, outcome, expected)) in cases.iter().enumerate() {
        let mut case = case.clone();
        if case.get("now").is_none() {
            case["now"] = "2026-11-25T10:00:00Z".into();
        }
        let (facts, issues) = CaseFacts::from_json(&pack, &case);
        assert!(issues.is_empty(), "case {number}: {issues:?}");
        let report = assess(&pack, &facts);
        let index = pack.decision_policy.outcomes.iter().position(|candidate| candidate.id == *outcome).unwrap();
        let requirement = report.outcomes.iter().find(|requirement| requirement.outcome == index).unwrap();
        if requirement.second_approval.is_required() != *expected {
            wrong.push(format!(
                "case {number}: {outcome} four eyes {:?}, expected {expected}",
                requirement.second_approval
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The care pack's legal checklist items block exactly the outcomes they guard:
/// `(case facts, outcome, item, the item blocks the outcome)`.
#[test]
fn care_checklist_items_block_the_outcomes_they_guard() {
    let pack = compile(&root().join("pkg-config/rules/care.toml"));
    let privacy_request = |received_at: &str| {
        serde_json::json!({ "case": { "type": "privacy_request", "channel": "email", "received_at": received_at },
            "identity": { "verified": true, "method": "contact_on_file" },
            "customer": { "message": "Please delete my data." } })
    };
    let disclosed = serde_json::json!({ "case": { "type": "other", "channel": "phone" },
        "identity": { "verified": false }, "tier2": { "actions": ["data_disclosed"] },
        "customer": { "message": "Where did my wife's parcel go?" } });
    let account_change = |verified: bool, method: &str| {
        serde_json::json!({ "case": { "type": "account", "channel": "chat" },
            "identity": { "verified": verified, "method": method }, "account": { "change_requested": ["email"] },
            "customer": { "message": "Please use my new address for the login." } })
    };
    let no_actions_shown = serde_json::json!({ "case": { "type": "item_not_received", "channel": "email" },
        "customer": { "message": "My parcel has not arrived." } });
    let cases: Vec<(serde_json::Value, &str, &str, bool)> = vec![
        // Art. 12(3): an extension only while the first month runs (received 10 and 40 days ago).
        (privacy_request("2026-11-15T10:00:00Z"), "extend_request", "dsr-extension-in-time", false),
        (privacy_request("2026-10-16T10:00:00Z"), "extend_request", "dsr-extension-in-time", true),
        // Art. 12(4): a refusal tells the reasons, the complaint and the judicial remedy.
        (privacy_request("2026-11-15T10:00:00Z"), "refuse_request", "dsr-refusal-notice", true),
        // A possible breach goes to the DPO whatever the outcome; hand-overs and questions never wait.
        (disclosed.clone(), "approve_refund", "breach-escalate", true),
        (disclosed.clone(), "close_no_breach", "breach-escalate", true),
        (disclosed.clone(), "escalate_legal", "breach-escalate", true),
        (disclosed.clone(), "escalate", "breach-escalate", false),
        (disclosed.clone(), "escalate_dpo", "breach-escalate", false),
        (disclosed, "request_information", "breach-escalate", false),
        // A CRM page without the Tier 2 actions does not put every outcome behind the DPO item.
        (no_actions_shown, "approve_refund", "breach-escalate", false),
        // The login e-mail or phone changes only for a verified requester.
        (account_change(false, "none"), "change_contact_data", "change-verified-only", true),
        (account_change(true, "session"), "change_contact_data", "change-verified-only", false),
    ];
    let mut wrong = Vec::new();
    for (number, (case, outcome, item, expected)) in cases.iter().enumerate() {
        let mut case = case.clone();
        case["now"] = "2026-11-25T10:00:00Z".into();
        let (facts, issues) = CaseFacts::from_json(&pack, &case);
        assert!(issues.is_empty(), "case {number}: {issues:?}");
        let report = assess(&pack, &facts);
        let index = pack.decision_policy.outcomes.iter().position(|candidate| candidate.id == *outcome).unwrap();
        let requirement = report.outcomes.iter().find(|requirement| requirement.outcome == index).unwrap();
        let blocks = report.indices(requirement.open_items).any(|open| pack.checklist[open].id == *item);
        if blocks != *expected {
            wrong.push(format!("case {number}: {item} blocks {outcome}: {blocks}, expected {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
