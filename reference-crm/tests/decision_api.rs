//! The decision API attacked the way an agent with the browser's devtools would: over real HTTP
//! against the `reference-crm` binary on 127.0.0.1, with the demo users' tokens. The CRM must
//! re-derive every decision itself (four-eye policy, band, score, input hash), take identity from
//! the token and times from its own clock, and hold idempotency across restarts.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod running;

use running::{Running, database, decision_id, honest, now};
use serde_json::{Value, json};

const CASE: &str = "C-2026-4711";

fn differences(body: &Value) -> String {
    body["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn an_agents_four_eye_outcome_posted_as_decided_is_refused_or_stored_pending() {
    let server = Running::start(&database("four-eyes-forged"));
    let cases = server.cases();
    // Forged: the policy's second approval switched off and the state set to decided.
    let mut forged = honest(&cases, &decision_id(1), CASE, "restrict_account", "ATO_SUSPECTED", "kim", now(), None);
    assert_eq!(forged["requires_second_approval"], true, "the care pack always asks for four eyes here");
    forged["requires_second_approval"] = json!(false);
    forged["state"] = json!("decided");
    let (status, refused) = server.propose("demo-agent-kim", &forged);
    assert_eq!(status, 422, "{refused}");
    assert!(differences(&refused).contains("requires_second_approval: sent false"), "{refused}");
    // Only the state forged: stored, but as the server derives it.
    let mut decided = honest(&cases, &decision_id(2), CASE, "restrict_account", "ATO_SUSPECTED", "kim", now(), None);
    decided["state"] = json!("decided");
    let (status, stored) = server.propose("demo-agent-kim", &decided);
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["decision"]["state"], "pending_confirmation");
    // And an honest proposal of an outcome without four eyes is decided at once.
    let direct = honest(&cases, &decision_id(3), CASE, "escalate", "NEEDS_EXPERT", "kim", now(), None);
    let (status, stored) = server.propose("demo-agent-kim", &direct);
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["decision"]["state"], "decided");
    server.stop();
}

#[test]
fn only_experts_override_a_band_and_the_maker_comes_from_the_token() {
    let server = Running::start(&database("override"));
    let cases = server.cases();
    let overriding = Some(("low", "NEEDS_EXPERT", "known customer, explained on the phone"));
    // The core refuses an agent's override, so the forged body is built as an expert's and sent with Kim's token.
    let forged = honest(&cases, &decision_id(1), CASE, "escalate", "NEEDS_EXPERT", "eva", now(), overriding);
    let (status, refused) = server.propose("demo-agent-kim", &forged);
    assert_eq!(status, 403, "{refused}");
    assert_eq!(
        server.call("GET", &format!("/api/decisions/{}", decision_id(1)), Some("demo-expert-eva"), None, b"").0,
        404
    );
    // A body claiming Eva as maker, sent with Kim's token, is stored as Kim's.
    let claimed = honest(&cases, &decision_id(2), CASE, "escalate", "NEEDS_EXPERT", "eva", now(), None);
    let (status, stored) = server.propose("demo-agent-kim", &claimed);
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["decision"]["maker"], json!({ "id": "kim", "name": "Kim Berger", "role": "agent" }));
    // An expert's override is stored with the band the score gave.
    let expert = honest(&cases, &decision_id(3), CASE, "escalate", "NEEDS_EXPERT", "eva", now(), overriding);
    let (status, stored) = server.propose("demo-expert-eva", &expert);
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["decision"]["band_override"]["to"], "low");
    assert_eq!(stored["decision"]["band_override"]["from"], "critical");
    server.stop();
}

#[test]
fn a_wrong_band_score_input_hash_or_rule_list_is_refused_with_the_differences() {
    let server = Running::start(&database("differences"));
    let cases = server.cases();
    let base = honest(&cases, &decision_id(1), CASE, "escalate", "NEEDS_EXPERT", "kim", now(), None);
    let forge = |change: &dyn Fn(&mut Value)| {
        let mut record = base.clone();
        change(&mut record);
        server.propose("demo-agent-kim", &record)
    };
    let (status, body) = forge(&|record| record["snapshot"]["band"] = json!("low"));
    assert_eq!(status, 422, "{body}");
    assert!(differences(&body).contains("band: recorded low, now critical"), "{body}");
    let (status, body) = forge(&|record| record["snapshot"]["score"] = json!(12));
    assert_eq!(status, 422, "{body}");
    assert!(differences(&body).contains("score: recorded 12"), "{body}");
    let (status, body) = forge(&|record| record["input_hash"] = json!("0".repeat(64)));
    assert_eq!(status, 422, "{body}");
    assert!(differences(&body).contains("input hash: recorded 0000"), "{body}");
    let (status, body) = forge(&|record| record["snapshot"]["hits"] = json!([]));
    assert_eq!(status, 422, "{body}");
    assert!(differences(&body).contains("fires now, not then"), "{body}");
    let (status, body) = forge(&|record| record["reason_code"] = json!("POD_CONFIRMED"));
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].as_str().unwrap().contains("not allowed for `escalate`"), "{body}");
    // Required checklist items are re-checked: restricting an account needs `ato-freeze` done.
    let mut unticked = honest(&cases, &decision_id(2), CASE, "restrict_account", "ATO_SUSPECTED", "kim", now(), None);
    unticked["checklist_done"] = json!([]);
    let (status, body) = server.propose("demo-agent-kim", &unticked);
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].as_str().unwrap().contains("checklist items still open"), "{body}");
    // None of them was stored; the honest one is.
    assert_eq!(
        server.call("GET", &format!("/api/cases/{CASE}/decisions"), Some("demo-expert-eva"), None, b"").1["decisions"],
        json!([])
    );
    assert_eq!(server.propose("demo-agent-kim", &base).0, 201);
    server.stop();
}

#[test]
fn four_eyes_a_different_expert_confirms_only_pending_decisions_and_only_with_a_note() {
    let server = Running::start(&database("confirm"));
    let cases = server.cases();
    let id = decision_id(1);
    let record = honest(&cases, &id, CASE, "restrict_account", "ATO_SUSPECTED", "eva", now(), None);
    assert_eq!(server.propose("demo-expert-eva", &record).0, 201);
    let check = |token: &str, action: &str, body: &str| {
        server.call("POST", &format!("/api/decisions/{id}/{action}"), Some(token), None, body.as_bytes())
    };
    assert_eq!(check("demo-expert-eva", "confirm", r#"{"note":"mine"}"#).0, 403, "the maker cannot confirm");
    assert_eq!(check("demo-agent-kim", "confirm", r#"{"note":"ok"}"#).0, 403, "agents cannot confirm");
    let (status, body) = check(
        "demo-expert-max",
        "confirm",
        r#"{"note":"ok","outcome":"escalate","snapshot":{"score":1,"band":"low"}}"#,
    );
    assert_eq!(status, 422, "a confirmation cannot change the decision: {body}");
    assert!(differences(&body).contains("`outcome` cannot be set"), "{body}");
    let (status, body) = check("demo-expert-max", "confirm", r#"{"note":"ok","at":"2000-01-01T00:00:00Z"}"#);
    assert_eq!(status, 422, "nor its time: {body}");
    assert_eq!(check("demo-expert-max", "reject", r#"{"note":" "}"#).0, 400, "a rejection needs a note");
    let before = now();
    let (status, confirmed) = check("demo-expert-max", "confirm", r#"{"note":"agreed"}"#);
    assert_eq!(status, 200, "{confirmed}");
    let decision = &confirmed["decision"];
    assert_eq!((decision["state"].as_str(), decision["by"]["id"].as_str()), (Some("confirmed"), Some("max")));
    assert_eq!(decision["outcome"], "restrict_account");
    let at = riskpane::value::time::parse_datetime(decision["at"].as_str().unwrap()).unwrap();
    assert!((before..=now()).contains(&at), "the checker's time is the server's clock");
    assert_eq!(check("demo-expert-max", "confirm", r#"{"note":"again"}"#).0, 409, "only pending decisions");
    server.stop();
}

/// A public reply on the Instagram case: its text travels with the decision, and only
/// Communications confirms it — not an expert, not the maker; Communications proposes nothing;
/// a record rewritten in devtools so that an expert may confirm it is refused.
#[test]
fn a_public_reply_is_confirmed_only_by_communications() {
    let server = Running::start(&database("public-reply"));
    let cases = server.cases();
    let id = decision_id(1);
    let record = honest(&cases, &id, "C-2026-4713", "reply_publicly", "PUBLIC_REPLY", "kim", now(), None);
    let mut forged = record.clone();
    forged["id"] = json!(decision_id(2));
    forged.as_object_mut().unwrap().remove("confirmed_by");
    let (status, refused) = server.propose("demo-agent-kim", &forged);
    assert_eq!(status, 422, "{refused}");
    assert!(differences(&refused).contains("confirmed_by: sent expert, the pack's policy says communications"));
    let mut no_text = record.clone();
    no_text["id"] = json!(decision_id(3));
    no_text["reply_text"] = json!("   ");
    assert_eq!(server.propose("demo-agent-kim", &no_text).0, 422, "a public reply needs its text");
    let mut by_comms = record.clone();
    by_comms["id"] = json!(decision_id(4));
    assert_eq!(server.propose("demo-comms-chris", &by_comms).0, 403, "Communications proposes nothing");

    let (status, stored) = server.propose("demo-agent-kim", &record);
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["decision"]["state"], "pending_confirmation");
    assert_eq!(stored["decision"]["reply_text"], running::REPLY);
    let check = |token: &str| {
        server.call("POST", &format!("/api/decisions/{id}/confirm"), Some(token), None, br#"{"note":"ok"}"#)
    };
    let (status, body) = check("demo-expert-max");
    assert_eq!(status, 403, "an expert does not approve what is said in public: {body}");
    assert!(body.to_string().contains("only Communications"), "{body}");
    assert_eq!(check("demo-agent-kim").0, 403);
    let (status, confirmed) = check("demo-comms-chris");
    assert_eq!(status, 200, "{confirmed}");
    let decision = &confirmed["decision"];
    assert_eq!(
        (decision["state"].as_str(), decision["by"]["role"].as_str()),
        (Some("confirmed"), Some("communications"))
    );
    assert_eq!(decision["reply_text"], running::REPLY);
    // Communications cannot confirm what experts check.
    let restrict = honest(&cases, &decision_id(5), CASE, "restrict_account", "ATO_SUSPECTED", "kim", now(), None);
    assert_eq!(server.propose("demo-agent-kim", &restrict).0, 201);
    let (status, body) = server.call(
        "POST",
        &format!("/api/decisions/{}/confirm", decision_id(5)),
        Some("demo-comms-chris"),
        None,
        br#"{"note":"ok"}"#,
    );
    assert_eq!(status, 403, "{body}");
    server.stop();
}

#[test]
fn audit_times_come_from_the_server_clock_not_from_the_body() {
    let server = Running::start(&database("times"));
    let cases = server.cases();
    for (n, scored_at) in [(1, now() - 3 * 86_400), (2, now() + 86_400)] {
        let record = honest(&cases, &decision_id(n), CASE, "escalate", "NEEDS_EXPERT", "kim", scored_at, None);
        let (status, body) = server.propose("demo-agent-kim", &record);
        assert_eq!(status, 422, "{body}");
        assert!(differences(&body).contains("created_at"), "{body}");
    }
    // A score from two minutes ago (a resend after a short outage) is accepted; the audit time is
    // the moment it was stored, the score's time is kept apart.
    let scored_at = now() - 120;
    let record = honest(&cases, &decision_id(3), CASE, "escalate", "NEEDS_EXPERT", "kim", scored_at, None);
    let before = now();
    let (status, body) = server.propose("demo-agent-kim", &record);
    assert_eq!(status, 201, "{body}");
    let created = riskpane::value::time::parse_datetime(body["decision"]["created_at"].as_str().unwrap()).unwrap();
    assert!((before..=now()).contains(&created), "created_at {created} is the server's clock");
    assert_eq!(body["decision"]["scored_at"], record["created_at"]);
    server.stop();
}

#[test]
fn create_is_idempotent_and_survives_a_restart() {
    let path = database("idempotent");
    let server = Running::start(&path);
    let cases = server.cases();
    let id = decision_id(1);
    let record = honest(&cases, &id, CASE, "restrict_account", "ATO_SUSPECTED", "kim", now(), None);
    let (status, first) = server.propose("demo-agent-kim", &record);
    assert_eq!(status, 201, "{first}");
    let (status, again) = server.propose("demo-agent-kim", &record);
    assert_eq!((status, &again["replayed"], &again["reference"]), (200, &json!(true), &first["reference"]));
    let mut changed = record.clone();
    changed["note"] = json!("something else");
    assert_eq!(server.propose("demo-agent-kim", &changed).0, 409, "same id, different decision");
    server.stop();
    let restarted = Running::start(&path);
    let (status, list) =
        restarted.call("GET", &format!("/api/cases/{CASE}/decisions"), Some("demo-expert-eva"), None, b"");
    assert_eq!(status, 200);
    assert_eq!(list["decisions"].as_array().unwrap().len(), 1);
    assert_eq!(list["decisions"][0]["state"], "pending_confirmation");
    assert_eq!(restarted.propose("demo-agent-kim", &record).0, 200, "idempotency holds across restarts");
    restarted.stop();
}

#[test]
fn malformed_oversized_unknown_and_unauthenticated_requests_are_rejected() {
    let server = Running::start(&database("malformed"));
    let cases = server.cases();
    let id = decision_id(1);
    let record = honest(&cases, &id, CASE, "escalate", "NEEDS_EXPERT", "kim", now(), None);
    let post = |body: &[u8], key: Option<&str>, token: Option<&str>| {
        server.call("POST", &format!("/api/cases/{CASE}/decisions"), token, key, body)
    };
    assert_eq!(post(b"{}", Some(&id), None).0, 401);
    assert_eq!(post(b"{}", Some(&id), Some("forged-token")).0, 401);
    let (status, problem) = post(b"{not json", Some(&id), Some("demo-agent-kim"));
    assert_eq!((status, problem["error"].as_str().unwrap()), (400, "body is not valid JSON"));
    let mut bad = record.clone();
    bad["pack_hash"] = json!("short");
    assert_eq!(post(bad.to_string().as_bytes(), Some(&id), Some("demo-agent-kim")).0, 400);
    let mut confirmed = record.clone();
    confirmed["state"] = json!("confirmed");
    assert_eq!(post(confirmed.to_string().as_bytes(), Some(&id), Some("demo-agent-kim")).0, 400);
    assert_eq!(post(record.to_string().as_bytes(), Some("another-key"), Some("demo-agent-kim")).0, 400);
    let mut elsewhere = record.clone();
    elsewhere["case_id"] = json!("NO-SUCH-CASE");
    let (status, _) = server.call(
        "POST",
        "/api/cases/NO-SUCH-CASE/decisions",
        Some("demo-agent-kim"),
        Some(&id),
        elsewhere.to_string().as_bytes(),
    );
    assert_eq!(status, 404, "the CRM decides only on cases it holds");
    let huge = vec![b' '; 64 * 1024 + 10];
    let (status, problem) = post(&huge, Some(&id), Some("demo-agent-kim"));
    assert_eq!(status, 413, "{problem}");
    assert!(problem["error"].as_str().unwrap().contains("larger than"));
    server.stop();
}

#[test]
fn case_ids_in_paths_are_percent_decoded() {
    let server = Running::start(&database("percent"));
    let cases = server.cases();
    let record = honest(&cases, &decision_id(1), CASE, "escalate", "NEEDS_EXPERT", "kim", now(), None);
    let (status, body) = server.call(
        "POST",
        "/api/cases/C%2D2026%2D4711/decisions",
        Some("demo-agent-kim"),
        Some(&decision_id(1)),
        record.to_string().as_bytes(),
    );
    assert_eq!(status, 201, "{body}");
    let (status, list) = server.call("GET", "/api/cases/C-2026%2d4711/decisions", Some("demo-agent-kim"), None, b"");
    assert_eq!((status, list["decisions"].as_array().unwrap().len()), (200, 1));
    let (status, list) =
        server.call("GET", "/api/cases/K%C3%A4se%20%2F%201/decisions", Some("demo-agent-kim"), None, b"");
    assert_eq!((status, &list["decisions"]), (200, &json!([])), "an id needing escapes (`Käse / 1`) is an id");
    assert_eq!(server.call("GET", "/api/cases/bad%zz/decisions", Some("demo-agent-kim"), None, b"").0, 400);
    server.stop();
}

/// An expert's pattern report (issue 17) is stored only as the CRM re-derives it: experts only,
/// the draft rule the marked elements make, no case text; idempotent on its id.
#[test]
fn pattern_reports_are_checked_by_the_crm_and_stored_once() {
    use riskpane::pattern::{PackRef, PatternElement, PatternReport, draft_rule};
    let server = Running::start(&database("pattern-reports"));
    let knowledge = reference_crm::knowledge(0).unwrap();
    let elements = vec![
        PatternElement::Fact { fact: "case.type".to_owned(), op: "=".to_owned(), value: json!("item_not_received") },
        PatternElement::Fact { fact: "account.age_days".to_owned(), op: "<=".to_owned(), value: json!(12) },
    ];
    let report = PatternReport {
        format: riskpane::pattern::FORMAT.to_owned(),
        id: decision_id(1),
        case_id: CASE.to_owned(),
        created_at: "2000-01-01T00:00:00Z".to_owned(),
        author: running::user("kim"),
        pack: PackRef {
            id: knowledge.pack.id.clone(),
            version: knowledge.pack.version.clone(),
            hash: knowledge.pack.hash.to_string(),
        },
        input_hash: "0".repeat(64),
        category: "fraud".to_owned(),
        draft_rule: draft_rule(&knowledge.pack, &elements).unwrap(),
        elements,
        note: "Three new accounts, locker delivery, claim on the day.".to_owned(),
    };
    let post = |token: &str, report: &PatternReport| {
        let body = serde_json::to_string(report).unwrap();
        server.call(
            "POST",
            &format!("/api/cases/{CASE}/pattern-reports"),
            Some(token),
            Some(&report.id),
            body.as_bytes(),
        )
    };
    assert_eq!(post("demo-agent-kim", &report).0, 403, "only experts report patterns");
    let forged = PatternReport { draft_rule: "true".to_owned(), ..report.clone() };
    let (status, body) = post("demo-expert-eva", &forged);
    assert_eq!(status, 422, "{body}");
    assert!(differences(&body).contains("draft_rule: sent `true`"), "{body}");
    let mut with_text = report.clone();
    with_text.id = decision_id(2);
    with_text.elements.push(PatternElement::Fact {
        fact: "customer.message".to_owned(),
        op: "=".to_owned(),
        value: json!("Anna Schmidt, Hauptstr. 5"),
    });
    let (status, body) = post("demo-expert-eva", &with_text);
    assert_eq!(status, 422, "{body}");
    assert!(differences(&body).contains("is case text"), "{body}");
    let (status, stored) = post("demo-expert-eva", &report);
    assert_eq!(status, 201, "{stored}");
    let stored = &stored["pattern_report"];
    assert_eq!(stored["reference"], "P-000001");
    assert_eq!(stored["author"]["id"], "eva", "the author comes from the token");
    assert_ne!(stored["created_at"], "2000-01-01T00:00:00Z", "the time is the CRM's");
    assert_eq!(post("demo-expert-eva", &report).0, 200, "a resend is a replay");
    let (status, listed) =
        server.call("GET", &format!("/api/cases/{CASE}/pattern-reports"), Some("demo-expert-max"), None, b"");
    assert_eq!(status, 200);
    assert_eq!(listed["pattern_reports"].as_array().unwrap().len(), 1);
    assert_eq!(
        listed["pattern_reports"][0]["draft_rule"],
        "case.type = 'item_not_received' and account.age_days <= 12"
    );
    server.stop();
}
