//! The `riskpane` binary as a rule author uses it: exit codes, stdout and stderr of
//! `lint`, `score`, `eval` and the others, including bad input (never a panic or a backtrace);
//! `rt-verdict` as Request Tracker's scrip calls it.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // test helpers fail loudly by design

use std::path::PathBuf;
use std::process::{Command, Output};

const DEMO: &str = "pkg-config/rules/demo.toml";

fn riskpane(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_riskpane"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run riskpane")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_no_panic(output: &Output) {
    let stderr = text(&output.stderr);
    assert!(!stderr.contains("panicked") && !stderr.contains("stack backtrace"), "{stderr}");
}

fn temp_file(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("riskpane-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn lint_clean_pack_exits_zero() {
    let output = riskpane(&["lint", DEMO]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("demo.toml: ok (demo 1.0.0"));
}

#[test]
fn lint_reports_all_errors_and_exits_one() {
    let output = riskpane(&["lint", DEMO, "tests/fixtures/bad-packs/many_errors.toml"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("many_errors.toml: 26 errors"), "{stderr}");
    assert!(stderr.contains("--> tests/fixtures/bad-packs/many_errors.toml:37:35"), "{stderr}");
    assert!(stderr.contains("help: did you mean `account.age_days`?"), "{stderr}");
    assert!(text(&output.stdout).contains("demo.toml: ok"));
    assert_no_panic(&output);
}

#[test]
fn lint_of_missing_file_exits_two() {
    let output = riskpane(&["lint", "no/such/pack.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("cannot read rule pack no/such/pack.toml"));
    assert_no_panic(&output);
}

#[test]
fn score_prints_the_documented_json() {
    let output = riskpane(&["score", "--pack", DEMO, "--case", "tests/fixtures/demo/cases/inr_high_risk.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for key in [
        "score",
        "band",
        "score_range",
        "subscores",
        "hits",
        "not_evaluable",
        "completeness",
        "checklist",
        "pack_hash",
        "input_hash",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["score"], 100);
    assert_eq!(json["band"], "critical");
    assert_eq!(json["hits"][0]["rule"], "INR-001");
    assert_eq!(json["hits"][0]["points"], 30);
    assert_eq!(json["not_evaluable"][0]["missing"][0], "tier2.actions");
}

#[test]
fn score_text_in_german() {
    let output = riskpane(&[
        "score",
        "--pack",
        DEMO,
        "--case",
        "tests/fixtures/demo/cases/gdpr_erasure_de.json",
        "--format",
        "text",
        "--lang",
        "de",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = text(&output.stdout);
    assert!(stdout.starts_with("score 30/100, band medium (could be 30 to 80"), "{stdout}");
    assert!(stdout.contains("PRV-001  Betroffenenanfrage in der Nachricht"), "{stdout}");
    assert!(stdout.contains("keyword \"DSGVO\" (de)"), "{stdout}");
}

#[test]
fn score_with_bad_input_exits_two_with_one_clear_message() {
    let invalid_json = temp_file("invalid.json", "{\"order\": ");
    let not_object = temp_file("array.json", "[1, 2]");
    for (case, expected) in [
        (invalid_json.to_str().unwrap(), "is not valid JSON"),
        (not_object.to_str().unwrap(), "must hold a JSON object"),
        ("no/such/case.json", "cannot read case"),
    ] {
        let output = riskpane(&["score", "--pack", DEMO, "--case", case]);
        assert_eq!(output.status.code(), Some(2), "{case}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains(expected), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert_no_panic(&output);
    }
    let output = riskpane(&[
        "score",
        "--pack",
        "tests/fixtures/bad-packs/syntax_errors.toml",
        "--case",
        "tests/fixtures/demo/cases/inr_high_risk.json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("invalid TOML"));
    let output = riskpane(&["score", "--pack", DEMO]);
    assert_eq!(output.status.code(), Some(2));
    assert_no_panic(&output);
}

#[test]
fn eval_answers_true_false_unknown_or_a_value() {
    let case = "tests/fixtures/demo/cases/inr_high_risk.json";
    let run = |expr: &str, with_case: bool| {
        let mut args = vec!["eval", "--pack", DEMO, "--expr", expr];
        if with_case {
            args.extend(["--case", case]);
        }
        let output = riskpane(&args);
        assert_no_panic(&output);
        (output.status.code(), text(&output.stdout).trim().to_owned(), text(&output.stderr))
    };
    assert_eq!(run("order.total_eur > 400 and account.age_days < 14", true).1, "true");
    assert_eq!(run("order.total_eur > 400 and account.age_days < 14", false).1, "unknown");
    assert_eq!(run("order.total_eur > 1000 and account.age_days < 14", false).1, "unknown");
    assert_eq!(run("order.total_eur * 2", true).1, "1299.8");
    assert_eq!(run("8 / 12", false).1, "0.666666667");
    assert_eq!(run("order.delivered_at", true).1, "2026-11-24T07:45:00Z");
    let (_, stdout, stderr) = run("tier2.actions contains 'x'", true);
    assert_eq!(stdout, "unknown");
    assert!(stderr.contains("missing: tier2.actions"), "{stderr}");
    let (code, _, stderr) = run("order.totl_eur > 1", false);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("--> <expr>:1:1") && stderr.contains("did you mean `order.total_eur`?"), "{stderr}");
}

#[test]
fn compile_writes_browser_ready_json_for_packs_and_profiles() {
    let output = riskpane(&["compile", DEMO]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["format"], "riskpane-compiled-pack");
    assert_eq!(json["format_version"], 8);
    assert_eq!(json["id"], "demo");
    assert_eq!(json["hash"].as_str().unwrap().len(), 64);
    // The pack itself is base64 postcard (the widget's compact reader), read back to the same pack.
    let pack = riskpane::compiled::pack_from_json(&String::from_utf8(output.stdout.clone()).unwrap()).unwrap();
    assert_eq!(pack, riskpane::compile_source("demo.toml", &std::fs::read_to_string(DEMO).unwrap()).unwrap());
    let out = temp_file("profile.json", "");
    let output = riskpane(&["compile", "pkg-config/crm/demo.toml", "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let profile: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(profile["format"], "riskpane-compiled-profile");
    let output = riskpane(&["compile", "tests/fixtures/bad-packs/many_errors.toml"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("26 errors"));
    assert_no_panic(&output);
}

#[test]
fn replay_reproduces_a_recorded_decision_or_prints_the_differences() {
    use riskpane::decision::{DecisionDraft, Role, User, propose};
    let pack_path = "pkg-config/rules/care.toml";
    let pack = riskpane::compile_source(pack_path, &std::fs::read_to_string(pack_path).unwrap()).unwrap();
    let case = serde_json::json!({
        "now": "2026-11-25T10:00:00Z",
        "case": { "type": "item_not_received", "channel": "email", "received_at": "2026-11-24T09:30:00Z" },
        "order": { "proof_of_delivery": true, "delivered_at": "2026-11-24T08:45:00Z" },
        "claims": { "last_12_months": 3 }
    });
    let (facts, _) = riskpane::CaseFacts::from_json(&pack, &case);
    let report = riskpane::assess(&pack, &facts);
    let draft = DecisionDraft {
        id: "8d0c5e8e-1b61-4f7e-a1b3-0f5b0d6a1c22".to_owned(),
        case_id: "C-1".to_owned(),
        outcome: "escalate".to_owned(),
        reason_code: "NEEDS_EXPERT".to_owned(),
        note: "repeat INR with proof of delivery".to_owned(),
        band_override: None,
        reply_text: String::new(),
        qa: None,
        maker: User { id: "kim".to_owned(), name: "Kim".to_owned(), role: Role::Agent },
        created_at: "2026-11-25T10:01:00Z".to_owned(),
    };
    let decision = propose(&pack, &report, draft, &riskpane::value::SmallSet::new()).unwrap();
    let case_file = temp_file("replay-case.json", &case.to_string());
    let record = temp_file("replay-decision.json", &serde_json::to_string_pretty(&decision).unwrap());
    let output = riskpane(&[
        "replay",
        "--decision",
        record.to_str().unwrap(),
        "--case",
        case_file.to_str().unwrap(),
        "--pack",
        pack_path,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).starts_with("reproduced: decision 8d0c5e8e-1b61-4f7e-a1b3-0f5b0d6a1c22"),
        "{}",
        text(&output.stdout)
    );
    // A record whose score or fired rules differ from a re-computation is reported.
    let mut tampered = serde_json::to_value(&decision).unwrap();
    tampered["snapshot"]["score"] = 10.into();
    tampered["snapshot"]["hits"] = serde_json::json!([["INR-001", 30]]);
    let tampered_file = temp_file("replay-tampered.json", &tampered.to_string());
    let output = riskpane(&[
        "replay",
        "--decision",
        tampered_file.to_str().unwrap(),
        "--case",
        case_file.to_str().unwrap(),
        "--pack",
        pack_path,
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("score: recorded 10, now 60"), "{stderr}");
    assert!(stderr.contains("rule INR-002 (+20) fires now, not then"), "{stderr}");
    let output = riskpane(&[
        "replay",
        "--decision",
        case_file.to_str().unwrap(),
        "--case",
        case_file.to_str().unwrap(),
        "--pack",
        pack_path,
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("is not a decision record"));
    assert_no_panic(&output);
}

// (part, data-subject requests found at least, of, benign look-alikes fired at most)
// tune … test46 trained the word models of 1.24.0 (test45 and test46 were 1.23.0's held-out
// parts, each measured once; docs/evaluation.md). 1.21.0 added word models beside the keyword
// lists of product safety, legal threat, counterfeit and public escalation; 1.22.0 and 1.23.0
// revised by class (an authority as a reference, the record quoted back, invoice exports,
// quoted settled requests). 1.24.0 adds, by class from parts 45 and 46, the authorities,
// consumer programmes and legal steps of Switzerland, Austria, Belgium, Luxembourg, Malta
// and Ireland, a correction the writer already made themselves ("j'ai corrigé mon adresse moi
// même") as no request, and short marketing words ("promos", "promki"); the compiler now also
// gives each keyword its unaccented forms (commit bc0a74c). With the word models retrained,
// the training parts go from 3,186 to 3,192 of 3,199 requests (test13, test43 and test46 one
// more each, test45 three) and from 230 to 226 benign messages with any signal: test9,
// test13, test26 and test28 one more each, test32 two; test14, test22, test34, test46 one
// fewer each, test42 two, test45 four. Set here to the measured figures with that reason
// (1.16.0 had lowered test2's floor 82 → 81). test47 and test48 were 1.24.0's held-out
// parts, measured once on it (pack commit 3b4b8d9). 1.25.0 reads only the customer's own
// lines (`own_words`: no quoted or forwarded mail, notices under a signature, agents' and
// bots' lines in transcripts) and knows auto-replies: test47 25 → 7 benign messages with any
// signal, test33 and test34 one and two fewer; test24 loses one request whose only request
// words were in the forwarded reminder under it (71 → 70). test49 and test50 are 1.25.0's
// held-out parts, measured once on it (docs/evaluation.md), and so are test51 and test52.
// 1.26.0 revises by class from parts 49 to 52 (posts announced to groups and audiences,
// conditional threats, more legal steps, number porting, delivery texts, out-of-office
// replies), reads other users' quoted comments in a public thread as theirs, and retrains
// the word models on tune … test52 with `--own-words`: over all 53 parts 3,560 → 3,562 of
// 3,574 requests (test6, test13, test23 one fewer; test48 one more, test51 four more, now
// trained on) and 268 → 244 benign messages with any signal (test4, test8, test11, test17,
// test22, test40, test42, test44 one more each; test49, test51, test52 the most fewer). Set
// to the measured figures with that reason. test53 and test54 are 1.26.0's held-out parts,
// measured once on it (docs/evaluation.md). 1.27.0 revises by class from parts 53 and 54 (a
// friend's idea reported is not the writer's threat, police and creditors' agents asking for a
// customer's data are no request, objections in an app's words, injuries in chat shorthand),
// word models unchanged: test9 and test33 one look-alike fewer, test53 4 → 1 and test54 10 → 5
// look-alikes with any signal and 68 → 70 requests; no part loses a request.
// test55 and test56 are 1.27.0's held-out parts, measured once on it (docs/evaluation.md).
// 1.28.0 reads someone else's words in quotation marks as theirs (`own_words`' `quoted_by`:
// a quotation whose sentence names a friend, a relative, "someone", a forum) — from part 55:
// look-alikes with any signal there 22 → 4 and 280 → 259 over all 57 parts, no request lost.
// test57 and test58 are 1.28.0's held-out parts, measured once on it (docs/evaluation.md).
// 1.29.0 takes relatives out of `quoted_speaker` (part 57: they relay the data subject's own
// request): test57 49 → 57 requests, look-alikes with any signal 274 → 285 over all 59 parts
// (1.27.0: 298), requests as 1.27.0 (3,940 of 3,976). The word models, trained with
// `--own-words` on this pack, read its quotation rule too: retrained on the same parts
// (tune … test52), test58 one request fewer (59 → 58).
// test59 and test60 are 1.29.0's held-out parts, measured once on it (docs/evaluation.md).
// 1.30.0 revises by class from parts 29 to 60 (thanks for a fulfilled request with nothing
// asked on top, an item checked and found genuine, an objection to "this" after its target,
// call recording, taunts beside an announced post): over all 61 parts look-alikes with any
// signal 316 → 281 (test33 44 → 34, test36 15 → 9, test60 20 → 14), requests 4,062 → 4,064 of
// 4,104 (test56 two more), none lost; word models unchanged.
// test61 and test62 are 1.30.0's held-out parts, measured once on it (docs/evaluation.md).
// 1.31.0 revises by class from parts 61 and 62 (a thanks followed by a new ask, a set-aside
// request taken up again, "no longer arrives" beside another right, objections in an app's
// words) and retrains the word models on tune … test62 with `--own-words`: over all 63 parts
// requests 4,182 → 4,220 of 4,239, look-alikes with any signal 309 → 303, request look-alikes
// 91 → 80; counterfeit look-alikes 56 → 61; test33 34 → 39 and test30 3 → 6 look-alikes, test2,
// test20 and test22 one request fewer each. Set to the measured figures with that reason.
// test63 and test64 are 1.31.0's held-out parts, measured once on it (docs/evaluation.md).
// 1.32.0 revises by class from parts 63 and 64 (a thanks followed by "also" / "également" /
// "ook", thanks for a restored account beside a new request, no more sales calls or leaflets,
// set phrases for court and a lawyer, a reel or a story announced): over all 65 parts
// requests 4,326 → 4,332 of 4,358, legal threats 795 → 800, look-alikes with any signal 323
// both; word models unchanged.
// test65 and test66 are 1.32.0's held-out parts, measured once on it (docs/evaluation.md).
// 1.32.1 names Money Claim Online among the legal steps (tests/native.rs); no figure changes.
// test65 and test66 were measured once on 1.32.0 and are tuning parts since. 1.33.0 revises by
// class from them (agents' notes of a request carried out with its confirmation sent, or of a
// right explained with nothing asked; a criminal complaint for fraud threatened against the
// shop; an audience counted, a platform beside a legal threat, "viral", last-chance words)
// and retrains the word models on tune … test66 with `--own-words`: over all 67 parts requests
// 4,429 → 4,446 of 4,464 (the retrained word models; test58 two fewer, test30 one fewer),
// look-alikes with any signal 346 → 335 with the new lists (test65 15 → 4) and 339 with the
// retrained word models (fourteen parts one or two more, eight fewer). Set to the measured
// figures with that reason.
// test67 and test68 are 1.33.0's held-out parts, measured once on it (docs/evaluation.md).
// 1.34.0 revises by class from them (agents' notes that say no request was made, a letter
// from the authority about another customer, reminders and QA remarks with no customer, no
// incident; "je vous demande de retirer" is no withdrawal; SAR, "stop emailing me", "vos
// fichiers"), word models unchanged: test67 61 → 62 requests and 23 → 6 look-alikes with
// any signal, test68 58 → 59; no other part changes.
// test69 and test70 are 1.34.0's held-out parts, measured once on it (docs/evaluation.md).
// 1.35.0 reads what agents' notes say did not happen by the negation's scope
// (`matches_before`): look-alikes with any signal test60 11 → 10, test67 6 → 3, test69
// 22 → 17; requests unchanged on every part. test71 and test72 are 1.35.0's held-out parts,
// measured once on it (docs/evaluation.md).
// 1.36.0 revises by class from test71 (the negation before the right's own verb or noun, a
// denial, a disclaimer, "won't let it go"): look-alikes with any signal test71 27 → 11, test62
// 3 → 2; requests unchanged on every part.
// test73 and test74 are 1.36.0's held-out parts, measured once on it (docs/evaluation.md).
// 1.37.0 sets aside only the right a note negates (from test73): test73 requests 50 → 56,
// look-alikes with any signal 17 → 15; no other part changes.
// test75 and test76 are 1.37.0's held-out parts, measured once on it (docs/evaluation.md).
// 1.38.0 (from test75: the step per kind, the other right read by a word model): test75
// requests 50 → 54 and look-alikes with any signal 21 → 22 (a list declining two rights at
// once now keeps its erasure look-alike), test73 56 → 57, test71 look-alikes 11 → 9.
// test77 and test78 are 1.38.0's held-out parts, measured once on it (docs/evaluation.md).
// 1.39.0 (from test78: steps and requests dropped after the fact, false alarms, a worry about
// buying a fake): look-alikes with any signal test78 18 → 3, test61 21 → 19, test63 8 → 6,
// test33, test42 and test60 one fewer each; requests unchanged on every part.
// test79 and test80 are 1.39.0's held-out parts, measured once on it (docs/evaluation.md).
// 1.39.1 (from test79: "if you ignore this request again" is no request set aside): test79
// requests 56 → 57.
// test81 and test82 are 1.39.1's held-out parts, measured once on it (docs/evaluation.md).
// 1.39.2 (from test82: a CRM tag for a request set by mistake and taken off): test82
// look-alikes with any signal 24 → 17; nothing else changes.
const DETECTION_FLOORS: &[(&str, u64, u64, u64)] = &[
    ("tune", 57, 57, 0),
    ("test", 60, 60, 1),
    ("test2", 82, 83, 1),
    ("test3", 76, 76, 0),
    ("test4", 77, 77, 1),
    ("test5", 91, 91, 1),
    ("test6", 95, 96, 1),
    ("test7", 92, 92, 0),
    ("test8", 98, 98, 1),
    ("test9", 91, 91, 4),
    ("test10", 84, 84, 3),
    ("test11", 78, 78, 3),
    ("test12", 95, 95, 4),
    ("test13", 68, 69, 2),
    ("test14", 73, 73, 3),
    ("test15", 72, 72, 1),
    ("test16", 73, 73, 2),
    ("test17", 63, 63, 2),
    ("test18", 61, 61, 4),
    ("test19", 59, 59, 2),
    ("test20", 67, 68, 5),
    ("test21", 62, 62, 5),
    ("test22", 63, 65, 1),
    ("test23", 64, 64, 1),
    ("test24", 70, 71, 3),
    ("test25", 63, 63, 1),
    ("test26", 70, 70, 1),
    ("test27", 67, 68, 5),
    ("test28", 63, 63, 6),
    ("test29", 63, 63, 9),
    ("test30", 69, 70, 6),
    ("test31", 71, 71, 15),
    ("test32", 63, 63, 3),
    ("test33", 53, 53, 39),
    ("test34", 61, 61, 18),
    ("test35", 56, 56, 5),
    ("test36", 44, 44, 9),
    ("test37", 58, 58, 7),
    ("test38", 61, 61, 5),
    ("test39", 57, 57, 2),
    ("test40", 55, 55, 3),
    ("test41", 52, 52, 4),
    ("test42", 58, 59, 4),
    ("test43", 62, 62, 9),
    ("test44", 58, 58, 3),
    ("test45", 56, 56, 3),
    ("test46", 58, 58, 2),
    ("test47", 62, 62, 7),
    ("test48", 57, 57, 6),
    ("test49", 64, 64, 2),
    ("test50", 67, 67, 2),
    ("test51", 61, 61, 0),
    ("test52", 63, 64, 6),
    ("test53", 63, 63, 1),
    ("test54", 72, 72, 4),
    ("test55", 60, 60, 6),
    ("test56", 77, 77, 6),
    ("test57", 63, 63, 9),
    ("test58", 65, 67, 5),
    ("test59", 64, 64, 8),
    ("test60", 64, 64, 9),
    ("test61", 64, 67, 19),
    ("test62", 67, 68, 2),
    ("test63", 61, 61, 6),
    ("test64", 58, 58, 12),
    ("test65", 60, 61, 3),
    ("test66", 45, 45, 7),
    ("test67", 62, 62, 3),
    ("test68", 59, 59, 5),
    ("test69", 56, 56, 17),
    ("test70", 55, 55, 1),
    ("test71", 60, 62, 9),
    ("test72", 56, 56, 2),
    ("test73", 57, 59, 15),
    ("test74", 55, 57, 1),
    ("test75", 54, 55, 22),
    ("test76", 54, 55, 7),
    ("test77", 62, 65, 5),
    ("test78", 50, 50, 3),
    ("test79", 57, 59, 17),
    ("test80", 54, 56, 22),
    ("test81", 62, 64, 15),
    ("test82", 63, 63, 17),
];

/// The care pack's text detection on each frozen corpus part never falls below what
/// docs/evaluation.md records: a ratchet on data-subject-request recall and on benign look-alikes
/// that fire a signal. Raise the floors when the pack gets better; lowering one is a decision for
/// the pack's owners, made in its own commit.
#[test]
fn the_care_pack_holds_its_recorded_detection_figures() {
    for &(part, found_min, positives, benign_max) in DETECTION_FLOORS {
        let report = evaluate_care_pack(&format!("tests/fixtures/evaluation/{part}.ndjson"));
        let requests = report["signals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|signal| signal["signal"] == "data_subject_request")
            .unwrap();
        assert_eq!(requests["total"]["positives"], positives, "{part}: the corpus changed");
        let found = requests["total"]["found"].as_u64().unwrap();
        assert!(found >= found_min, "{part}: data-subject requests found {found} of {positives}, floor {found_min}");
        let fired = report["benign_fired_any"].as_u64().unwrap();
        assert!(
            fired <= benign_max,
            "{part}: {fired} benign look-alikes fired a signal, ceiling {benign_max}: {}",
            report["benign_fired_ids"]
        );
    }
}

/// How many positives of signal `name` an evaluation report found.
fn found_in(report: &serde_json::Value, name: &str) -> u64 {
    report["signals"].as_array().unwrap().iter().find(|signal| signal["signal"] == name).unwrap()["total"]["found"]
        .as_u64()
        .unwrap()
}

/// `riskpane evaluate` of the care pack on `corpus`, as JSON.
fn evaluate_care_pack(corpus: &str) -> serde_json::Value {
    let output =
        riskpane(&["evaluate", "--pack", "pkg-config/rules/care.toml", "--corpus", corpus, "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `evaluate_care_pack` of a fixture the pack must read without a miss: `benign` look-alikes, none
/// firing a signal, and every positive found.
fn evaluate_care_pack_clean(corpus: &str, benign: u64) -> serde_json::Value {
    let report = evaluate_care_pack(corpus);
    assert_eq!(report["benign"], benign);
    assert_eq!(report["benign_fired_any"], 0, "{}", report["benign_fired_ids"]);
    for signal in report["signals"].as_array().unwrap() {
        assert_eq!(signal["missed"], serde_json::json!([]), "{signal}");
    }
    report
}

/// Messages that use a request's words to ask for the opposite (restore a deleted account, a request
/// already answered, keep the newsletter, one parcel only, a saved card, a service notice) are not
/// data-subject requests (`signals.not_a_request`), and real requests that use the same words still
/// are: a right named in its own words, another right stated beside a saved card or a notice,
/// "not only this order". Care pack 1.9.0 flagged four of these seven look-alikes.
#[test]
fn a_request_in_words_that_ask_for_the_opposite_is_not_read_as_one() {
    let report = evaluate_care_pack("tests/fixtures/care/not-a-request.ndjson");
    let requests =
        report["signals"].as_array().unwrap().iter().find(|signal| signal["signal"] == "data_subject_request").unwrap();
    assert_eq!(requests["total"]["positives"], 5);
    assert_eq!(requests["total"]["found"], 5, "{requests}");
    assert_eq!(report["benign_fired_any"], 0, "{}", report["benign_fired_ids"]);
}

/// Someone else's words are not the writer's (care packs 1.26.0 to 1.28.0): a friend's idea quoted
/// and laughed off, a colleague's or a forum's words in quotation marks, another user's comment
/// quoted under a post, police and a creditor's agent asking for a customer's data, a phone number's
/// portability. The same words stay the writer's when the writer takes them up ("… so I'm making a
/// TikTok"), names a debt collector while asking for their own data, sets a deadline, quotes
/// their own earlier request, or types a relative's request for them in quotation marks (1.29.0).
/// Care pack 1.25.0 read four of the nine look-alikes as the class, 1.27.0 one (the forum's words
/// in quotation marks); 1.28.0 missed the relayed request.
#[test]
fn someone_elses_words_are_not_read_as_the_writers() {
    let report = evaluate_care_pack_clean("tests/fixtures/care/someone-elses-words.ndjson", 9);
    let found = |name: &str| found_in(&report, name);
    assert_eq!((found("public_escalation"), found("access"), found("counterfeit"), found("erasure")), (2, 2, 1, 2));
}

/// What agents write down and threats in few words (care pack 1.33.0): an agent's note of an
/// erasure carried out with its confirmation sent, or of a right explained with nothing asked, is
/// no request, while a customer asking for a confirmation once it is done still makes one; a
/// criminal complaint for fraud threatened against the shop is a legal threat, a victim's report
/// of someone else's fraud is not; an audience counted beside an ultimatum is public escalation,
/// a happy customer's followers are not. Care pack 1.32.1 read both notes as requests and missed
/// the complaint and the counted audience. A note that no request was made and a letter from the
/// authority about another customer are no signal, while a complaint about data shown to another
/// customer is one, and "je vous demande de retirer mon nom … de vos fichiers" is an erasure
/// request, not a withdrawal (1.34.0; 1.33.0 read the two notes and missed the letter).
#[test]
fn agents_notes_of_completed_requests_and_threats_in_few_words_are_read() {
    let report = evaluate_care_pack_clean("tests/fixtures/care/agents-notes.ndjson", 6);
    let found = |name: &str| found_in(&report, name);
    assert_eq!((found("erasure"), found("legal_threat"), found("public_escalation")), (2, 2, 2));
    assert_eq!((found("authority_complaint"), found("objection_marketing")), (1, 1));
}

/// A negation's scope in agents' notes (care pack 1.35.0, `matches_before`): "did not request a copy
/// of her data", "no quiso presentar ninguna solicitud", "zu keinem Zeitpunkt mit einer Klage
/// gedroht", "geen dreiging met een slechte review", "nessuna irritazione della pelle", "nie zgłasza
/// podróbki" are no signal, while a customer's own "I never asked for your newsletters … stop", "ik
/// heb nooit om dat profiel gevraagd … bezwaar", a note's "si no se resuelve, … demanda" and a
/// request made in the end after declining stay what they are. Care pack 1.34.0 read five of the
/// six notes as the class. Care pack 1.36.0 also reads the negation before the right's own verb or
/// noun ("wollte keinesfalls ihr Konto löschen", "vroeg niet om inzage"), a denial ("denies having
/// complained to the ICO") and a disclaimer in the writer's own words ("je dis pas que c'est une
/// contrefaçon"), while "nie odpuści i zawiadomi UODO" (won't let it go) stays a complaint and
/// "kan haar account niet verwijderen … wil dat wij … wissen" an erasure request; 1.35.0 read all
/// four look-alikes and missed the complaint. Care pack 1.37.0 sets aside only the right a note
/// negates: "will … als CSV-Datei … Kein Löschwunsch" stays a portability request and "si oppone …
/// Non è una richiesta di stop newsletter" an objection; "NON demandé : accès aux données" is no
/// request and "ne répond pas à sa demande" is an unanswered one (1.36.0 got all four wrong).
/// Care pack 1.38.0 reads the step per kind ("Non minaccia azioni legali" leaves the complaint to
/// the Garante and the Facebook post the note reports) and sees the other right in the word
/// models too ("formato CSV … NO pide supresión"); 1.37.0 missed both.
#[test]
fn a_note_that_says_what_did_not_happen_is_no_signal() {
    let report = evaluate_care_pack_clean("tests/fixtures/care/negated-in-notes.ndjson", 11);
    let found = |name: &str| found_in(&report, name);
    assert_eq!(
        (found("objection_marketing"), found("objection"), found("legal_threat"), found("erasure")),
        (1, 2, 1, 2)
    );
    assert_eq!((found("authority_complaint"), found("portability"), found("access")), (2, 2, 1));
    assert_eq!(found("public_escalation"), 1);
}

/// What was threatened or asked before and dropped now is no signal (care pack 1.39.0): a small
/// claim, a complaint to the authority or a review threatened earlier and given up in a note, an
/// erasure request cancelled by its writer (by the noun or by the verb: "aangevraagd, maar annuleer
/// dat"), a rash that came from a detergent ("scusate per l'allarme"), a worry about buying a fake,
/// a journalist relative when the customer "isn't going to the papers". The same words stay a
/// signal under an ultimatum ("unless the refund lands by Friday"), when an official dealer
/// confirms the fake, when the writer takes a dropped step up again, and when the rash did come
/// from the jumper. Care pack 1.38.1 read six of the eight look-alikes as a class. A request the
/// writer threatens to escalate "if you ignore it again" is no request set aside (1.39.1; 1.39.0
/// missed "Sollten Sie auch diese Anfrage ignorieren, wende ich mich an die Datenschutzbehörde").
/// A CRM tag for a request set by mistake and taken off names no request (1.39.2; 1.39.1 read both
/// such notes as requests); a note that tags a request it describes still is one.
#[test]
fn a_step_dropped_after_the_fact_is_no_signal() {
    let report = evaluate_care_pack_clean("tests/fixtures/care/dropped-after-the-fact.ndjson", 10);
    let found = |name: &str| found_in(&report, name);
    assert_eq!(
        (found("legal_threat"), found("counterfeit"), found("authority_complaint"), found("product_safety")),
        (1, 1, 2, 1)
    );
    assert_eq!((found("data_subject_request"), found("erasure"), found("access")), (3, 2, 1));
}

/// A request's life ends in thanks, and an item feared fake turns out genuine (care pack 1.30.0):
/// thanks for a copy received, an account deleted or a name corrected, with nothing asked on top,
/// are no request, and "checked the serial with the brand: it's genuine" is no counterfeit claim;
/// the same words stay a request when the thanks goes on ("… but I still get your newsletter"),
/// comes in advance or is a "merci de" (please), and a claim stays one when the writer says it is
/// not original. An objection whose target is in the sentence before ("Dem widerspreche ich
/// hiermit") is read. Care pack 1.29.0 read two of the five look-alikes as a class and missed the
/// objection.
#[test]
fn thanks_for_a_fulfilled_request_and_a_genuine_verdict_are_no_signal() {
    let report = evaluate_care_pack_clean("tests/fixtures/care/closing-the-loop.ndjson", 5);
    let found = |name: &str| found_in(&report, name);
    assert_eq!(
        (found("data_subject_request"), found("objection"), found("counterfeit"), found("public_escalation")),
        (4, 1, 1, 1)
    );
}

/// The care pack's classifiers are what `riskpane train` makes from the corpus parts they name,
/// to the last digit: nobody edits weights by hand, and anyone can retrain them and see the same.
#[test]
fn the_care_pack_classifiers_are_what_train_makes_from_their_parts() {
    let pack = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/pkg-config/rules/care.toml")).unwrap();
    let sections: Vec<&str> = pack.split("\n# riskpane train --class ").skip(1).collect();
    assert!(sections.len() >= 2, "the care pack has its classifiers, each after its command line");
    for section in sections {
        let command = section.lines().next().unwrap();
        // The options as written, up to "(each part of trained_on as --corpus)".
        let options: Vec<&str> = command.split_whitespace().take_while(|word| !word.starts_with('(')).collect();
        let class = options[0];
        assert_eq!(options.get(1), Some(&"--terms"), "{command}");
        assert_eq!(options.get(3), Some(&"--threshold"), "{command}");
        let mut args = vec!["train", "--class"];
        args.extend(&options);
        let shipped = format!("# riskpane train --class {section}");
        let shipped = shipped.split("\n\n# ").next().unwrap().trim_end();
        let parts_line = shipped.lines().find(|line| line.starts_with("trained_on = ")).unwrap();
        let parts: Vec<String> = serde_json::from_str(parts_line.trim_start_matches("trained_on = ")).unwrap();
        for part in &parts {
            args.extend(["--corpus", part.as_str()]);
        }
        let output = riskpane(&args);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let trained = text(&output.stdout);
        // A table, not a message: the smallest of the pack (200 terms) has over 200 lines.
        assert!(trained.lines().count() > 200, "{trained}");
        assert!(
            shipped == trained.trim_end(),
            "the care pack's `{class}` classifier differs from `riskpane {}`",
            args.join(" ")
        );
    }
}

/// A request only the word model reads is explained by the words that weighed for it, in one line.
#[test]
fn a_word_model_reading_is_explained_by_the_words_that_weighed() {
    let case = std::env::temp_dir().join(format!("riskpane-word-model-{}.json", std::process::id()));
    std::fs::write(
        &case,
        r#"{"customer": {"message": "Wat weten jullie eigenlijk allemaal over mij? Stuur me dat overzicht."}}"#,
    )
    .unwrap();
    let output = riskpane(&[
        "score",
        "--pack",
        "pkg-config/rules/care.toml",
        "--case",
        case.to_str().unwrap(),
        "--format",
        "text",
    ]);
    let _ = std::fs::remove_file(&case);
    let report = text(&output.stdout);
    let rule = report.lines().position(|line| line.contains("DSR-010")).expect(&report);
    let because = report.lines().nth(rule + 1).unwrap();
    assert!(because.contains("weighed for the word model: \""), "{because}");
    assert_eq!(because.matches("weighed for the word model").count(), 1, "{because}");
    let fired = report.split("fired rules:").nth(1).unwrap().split("\n\n").next().unwrap();
    assert!(!fired.contains("DSR-001"), "the keyword lists do not find this request: {fired}");
}

/// Leave-one-part-out figures come from training on the other parts: a part's own messages
/// never train the classifier that is measured on it.
#[test]
fn train_by_part_measures_each_part_on_a_classifier_trained_without_it() {
    let output = riskpane(&[
        "train",
        "--class",
        "data_subject_request",
        "--by-part",
        "--corpus",
        "tests/fixtures/evaluation/tune.ndjson",
        "--corpus",
        "tests/fixtures/evaluation/test.ndjson",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report = text(&output.stdout);
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 4, "{report}");
    assert!(lines[1].starts_with("tests/fixtures/evaluation/tune.ndjson") && lines[1].contains("/57"), "{report}");
    assert!(lines[2].starts_with("tests/fixtures/evaluation/test.ndjson") && lines[2].contains("/60"), "{report}");
    assert!(lines[3].starts_with("all parts") && lines[3].contains("/117"), "{report}");
    let missing = riskpane(&["train", "--class", "no_such_class", "--corpus", "tests/fixtures/evaluation/tune.ndjson"]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing.stderr));
    assert!(text(&missing.stderr).contains("messages of class `no_such_class`"), "{}", text(&missing.stderr));
}

fn rt_verdict(stdin: &str) -> Output {
    crm_verdict("rt-verdict", "pkg-config/crm/request-tracker.toml", stdin)
}

fn crm_verdict(command: &str, profile: &str, stdin: &str) -> Output {
    riskpane_with_stdin(&[command, "--pack", "pkg-config/rules/care.toml", "--profile", profile], stdin)
}

#[test]
fn rt_verdict_answers_rt_s_scrip_in_json_and_refuses_bad_input_with_exit_two() {
    // A social-media complaint with a legal threat and the press (the seeded RT ticket), and an
    // agent closing it without any decision: RT must put the status back.
    let evidence = r#"{"now": 1800000000,
        "ticket": {"id": 3, "created": "2027-01-15T08:00:00Z",
            "message": "@zalando seit 3 Wochen keine Erstattung! Mein Anwalt wird sich melden, und die Presse erfährt davon.",
            "customFields": {"Case Type": ["complaint"], "Channel": ["social_media"], "Followers": ["48200"]}},
        "experts": ["widget-expert"],
        "change": {"field": "Status", "old": "new", "new": "resolved", "author": "widget-agent", "closing": true}}"#;
    let output = rt_verdict(evidence);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let verdict: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(verdict["score"].as_i64().unwrap() > 0, "{verdict}");
    assert_eq!(verdict["refused"], serde_json::json!([]));
    assert!(verdict["change_refused"].as_str().unwrap().contains("no accepted decision"), "{verdict}");

    let bad = rt_verdict("{not json");
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("not RT's ticket evidence"), "{}", text(&bad.stderr));
    assert_no_panic(&bad);
}

/// `riskpane reports` on tests/fixtures/care/internal-reports.ndjson, computed by hand from the care
/// pack: IR-2 names an employee (INT-001 60), links 6 cases (INT-004 20) and 2,400 EUR (INT-005 15):
/// 95, critical; IR-4 is a payments pattern (INT-003 30) across 3 cases (INT-004 20): 50, medium, its
/// status unknown so it counts as open and says what is missing; IR-1 is the warehouse's empty box
/// (INT-002 35): medium; IR-6 a store's vague note: 0. IR-3 is closed, C-77 a customer's return, line
/// 6 broken JSON.
#[test]
fn open_internal_reports_are_listed_scored_highest_first() {
    let args =
        ["reports", "--pack", "pkg-config/rules/care.toml", "--cases", "tests/fixtures/care/internal-reports.ndjson"];
    let output = riskpane(&args);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report = text(&output.stdout);
    assert!(report.starts_with("4 open internal reports (5 internal reports, 1 closed, in 6 cases)\n"), "{report}");
    assert!(report.contains("line 6: invalid JSON"), "{report}");
    let rows: Vec<&str> = report.lines().skip_while(|line| !line.starts_with("score")).skip(1).collect();
    assert_eq!(rows.len(), 4, "{report}");
    assert!(
        rows[0].trim_start().starts_with("95 critical IR-2") && rows[0].ends_with("INT-001, INT-004, INT-005"),
        "{report}"
    );
    assert!(rows[1].trim_start().starts_with("50 medium   IR-4               unknown"), "{report}");
    assert!(
        rows[1].ends_with("INT-003, INT-004 (missing: report.amount_eur, report.evidence_attached, report.status)"),
        "{report}"
    );
    assert!(rows[2].trim_start().starts_with("35 medium   IR-1") && rows[2].ends_with("INT-002"), "{report}");
    assert!(rows[3].trim_start().starts_with("0 low      IR-6"), "{report}");
    let json = riskpane(&[&args[..], &["--format", "json"]].concat());
    let view: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(view["open"][0]["id"], "IR-2");
    assert_eq!(view["open"][0]["score"], 95);
    assert_eq!(view["closed"], 1);
    assert_eq!(view["bad_lines"], 1);
}

#[test]
fn helpdesk_verdict_judges_django_helpdesk_s_evidence_with_its_profile() {
    // The seeded django-helpdesk complaint (custom fields by their slug names, one value each), an
    // agent (user 2) setting the decision state without any decision: the helpdesk must refuse it.
    let evidence = r#"{"now": 1800000000,
        "ticket": {"id": 3, "created": "2027-01-15T08:00:00Z",
            "message": "@zalando seit 3 Wochen keine Erstattung! Mein Anwalt wird sich melden, und die Presse erfährt davon.",
            "customFields": {"case_type": "complaint", "channel": "social_media", "followers": "48200"}},
        "experts": ["3"],
        "change": {"field": "decision_state", "old": "", "new": "confirmed", "author": "2", "closing": false}}"#;
    let output = crm_verdict("helpdesk-verdict", "pkg-config/crm/django-helpdesk.toml", evidence);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let verdict: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(verdict["score"].as_i64().unwrap() > 0, "{verdict}");
    assert!(
        verdict["change_refused"].as_str().unwrap().contains("decision_state `confirmed` without an accepted decision"),
        "{verdict}"
    );
    // Request Tracker's profile has no django-helpdesk section: a usage error, not a verdict.
    let wrong = crm_verdict("helpdesk-verdict", "pkg-config/crm/request-tracker.toml", evidence);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(text(&wrong.stderr).contains("no [profile.api.django_helpdesk] section"), "{}", text(&wrong.stderr));
    assert_no_panic(&wrong);
}

fn riskpane_with_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_riskpane"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run riskpane");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn qa_export_says_which_line_does_not_read_and_goes_on() {
    let quiet = riskpane_with_stdin(&["qa-export"], "{\"ticket\":\"1\",\"comments\":[]}\n\n");
    assert_eq!(
        (quiet.status.code(), text(&quiet.stdout), text(&quiet.stderr)),
        (Some(0), String::new(), String::new())
    );
    let bad =
        riskpane_with_stdin(&["qa-export"], "{\"ticket\":\"1\",\"comments\":[]}\n{\"ticket\": 2,\n{\"comments\":[]}\n");
    assert_no_panic(&bad);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = text(&bad.stderr);
    assert!(stderr.contains("line 2: not a ticket of a QA export script"), "{stderr}");
    assert!(stderr.contains("line 3: not a ticket of a QA export script: missing field `ticket`"), "{stderr}");
    assert!(stderr.contains("qa-export: 2 ticket(s) or review(s) need a look"), "{stderr}");
}
