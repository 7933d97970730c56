//! Tests of the django-helpdesk mapping: which follow-ups are staff notes, the decisions read
//! back from a ticket as the REST API returns it, the ticket patch and what was not applied.

use super::*;
use crate::record_note::note_body;
use crate::record_note::tests::{confirmed, expert, pack, pending};
use crate::value::SmallMap;
use serde_json::json;

fn settings() -> HelpdeskSettings {
    HelpdeskSettings {
        island: "#riskpane-ticket".to_owned(),
        experts_pointer: "/riskExperts".to_owned(),
        communications_pointer: Some("/communications".to_owned()),
        user_pointer: "/currentUser".to_owned(),
        score_field: "risk_score".to_owned(),
        band_field: "risk_band".to_owned(),
        state_field: "decision_state".to_owned(),
        flags_field: "risk_flags".to_owned(),
        status: SmallMap::from([("deny_refund".to_owned(), "3".to_owned())]),
    }
}

fn followup(id: i64, user: &Value, public: bool, comment: &str) -> Value {
    json!({ "id": id, "ticket": 4, "user": user, "title": "t", "comment": comment, "public": public,
            "new_status": null, "message_id": null, "date": "2026-11-25T10:00:00Z" })
}

#[test]
fn only_internal_follow_ups_by_a_helpdesk_user_are_staff_notes() {
    let proposal = pending("d-1");
    let body = note_body(&pack(), &proposal);
    let mut mailed = followup(5, &json!(2), false, &body);
    mailed["message_id"] = json!("<abc@example.com>");
    let ticket = json!({ "id": 4, "followup_set": [
        followup(9, &json!(2), false, "later"),
        followup(3, &json!(2), true, &body),
        followup(4, &Value::Null, false, &body),
        mailed,
        followup(2, &json!(2), false, &body),
    ]});
    let notes = staff_notes(&ticket);
    assert_eq!(notes.iter().map(|note| note.id).collect::<Vec<_>>(), [9, 2], "staff notes only, in the API's order");
    assert_eq!(notes[0].author, "2");
}

#[test]
fn decisions_come_back_from_staff_notes_under_the_authorship_rules() {
    let proposal = pending("d-2");
    let experts = Checkers { experts: ["7".to_owned()].into(), communications: ["8".to_owned()].into() };
    let confirmation = note_body(&pack(), &confirmed(&proposal, expert("7")));
    let ticket = |confirmation_public: bool| {
        json!({ "id": 4, "followup_set": [
            followup(10, &json!(2), false, &note_body(&pack(), &proposal)),
            followup(11, &json!(7), confirmation_public, &confirmation),
        ]})
    };
    let states = |ticket: &Value| {
        decisions(ticket, &experts).iter().map(|decision| state_value(&decision.state)).collect::<Vec<_>>()
    };
    assert_eq!(states(&ticket(false)), ["confirmed"]);
    assert_eq!(states(&ticket(true)), ["pending_confirmation"], "a public follow-up confirms nothing");
}

#[test]
fn the_patch_carries_the_results_and_a_final_outcomes_status() {
    let proposal = pending("d-3");
    let patch = ticket_patch(&pack(), &settings(), &proposal, false);
    assert_eq!(patch["custom_risk_score"], json!(78));
    assert_eq!(patch["custom_risk_band"], json!("high"));
    assert!(patch["custom_risk_flags"].as_str().unwrap().split(',').any(|flag| flag == "four-eyes"), "{patch}");
    assert!(patch.get("custom_decision_state").is_none(), "only an expert's patch sets the state");
    assert!(patch.get("status").is_none(), "a pending decision leaves the status");
    let done = confirmed(&proposal, expert("7"));
    let patch = ticket_patch(&pack(), &settings(), &done, true);
    assert_eq!(patch["custom_decision_state"], json!("confirmed"));
    assert_eq!(patch["status"], json!("3"));
    assert!(!patch["custom_risk_flags"].as_str().unwrap().contains("four-eyes"));
    let no_hits =
        Decision { snapshot: crate::decision::ScoreSnapshot { hits: Vec::new(), ..done.snapshot.clone() }, ..done };
    assert_eq!(ticket_patch(&pack(), &settings(), &no_hits, true)["custom_risk_flags"], json!(NO_FLAGS));
}

#[test]
fn what_the_helpdesk_did_not_apply_is_named() {
    let patch = json!({ "custom_risk_score": 78, "custom_risk_band": "high", "status": 3 });
    let ticket = json!({ "custom_risk_score": 78, "custom_risk_band": "medium", "status": 1 });
    assert_eq!(
        unapplied(&patch, &ticket),
        ["custom_risk_band is \"medium\", not \"high\"", "status is \"1\", not \"3\""]
    );
    assert!(unapplied(&patch, &json!({ "custom_risk_score": 78, "custom_risk_band": "high", "status": 3 })).is_empty());
}
