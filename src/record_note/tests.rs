//! Tests of the note format shared by the CRMs: template markup survives django-helpdesk's
//! rendering of follow-ups, and the authorship rules on plain notes. (Request Tracker's tests
//! cover the same rules through its comments.) The fixtures are shared with `django_helpdesk`'s
//! tests.

use super::*;
use crate::compile_source;
use crate::decision::{Role, ScoreSnapshot, User};

pub(crate) fn pack() -> RulePack {
    compile_source("care.toml", include_str!("../../pkg-config/rules/care.toml")).unwrap()
}

pub(crate) fn agent() -> User {
    User { id: "2".to_owned(), name: "Kim Berger".to_owned(), role: Role::Agent }
}

pub(crate) fn expert(id: &str) -> User {
    User { id: id.to_owned(), name: format!("Expert {id}"), role: Role::Expert }
}

pub(crate) fn pending(id: &str) -> Decision {
    Decision {
        id: id.to_owned(),
        case_id: "4".to_owned(),
        outcome: "deny_refund".to_owned(),
        reason_code: "EVIDENCE_OF_DELIVERY".to_owned(),
        note: "Carrier photo shows the parcel at the door.".to_owned(),
        maker: agent(),
        created_at: "2026-11-25T10:01:00Z".to_owned(),
        snapshot: ScoreSnapshot {
            score: 78,
            band: "high".to_owned(),
            hits: vec![("INR-001".to_owned(), 20), ("DSR-001".to_owned(), 10)],
        },
        pack_id: "care".to_owned(),
        pack_version: "1.0.0".to_owned(),
        pack_hash: "a".repeat(64),
        input_hash: "b".repeat(64),
        checklist_done: vec!["inr-evidence".to_owned()],
        requires_second_approval: true,
        confirmed_by: crate::rules::CheckerRole::Expert,
        reply_text: None,
        qa: None,
        band_override: None,
        reference: None,
        state: DecisionState::PendingConfirmation,
    }
}

pub(crate) fn confirmed(decision: &Decision, by: User) -> Decision {
    Decision {
        state: DecisionState::Confirmed { by, at: "2026-11-25T11:00:00Z".to_owned(), note_of_checker: "ok".to_owned() },
        ..decision.clone()
    }
}

#[test]
fn template_markup_in_notes_is_broken_up_and_the_record_still_round_trips() {
    let note = "Customer wrote {{ ticket.title }}, {% now %} and {# x #}; {{{ too".to_owned();
    let decision = Decision { note: note.clone(), ..pending("d-1") };
    let body = note_body(&pack(), &decision);
    for markup in ["{{", "{%", "{#"] {
        assert!(!body.contains(markup), "{markup} in {body}");
    }
    assert!(body.contains("Note: Customer wrote { { ticket.title }}, { % now %} and { # x #}; { { { too"), "{body}");
    let records = records_in(&body);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].note, note, "the note is the same text once the record is parsed");
}

#[test]
fn notes_count_by_their_authors() {
    let experts = Checkers { experts: ["7".to_owned()].into(), communications: ["8".to_owned()].into() };
    let proposal = pending("d-2");
    let proposed = note_body(&pack(), &proposal);
    let by_expert = note_body(&pack(), &confirmed(&proposal, expert("7")));
    let by_maker = note_body(&pack(), &confirmed(&proposal, Decision { ..proposal.clone() }.maker));
    let check = |notes: &[(&str, &str)]| {
        let notes: Vec<Note<'_>> = notes.iter().map(|&(author, content)| Note { author, content }).collect();
        decisions_from_notes(&notes, &experts)
            .into_iter()
            .map(|decision| state_value(&decision.state))
            .collect::<Vec<_>>()
    };
    assert_eq!(check(&[("2", &proposed), ("7", &by_expert)]), ["confirmed"]);
    assert_eq!(check(&[("3", &proposed)]), Vec::<&str>::new(), "a proposal in someone else's note is none");
    assert_eq!(check(&[("2", &proposed), ("2", &by_expert)]), ["pending_confirmation"], "the maker types the expert's");
    assert_eq!(check(&[("2", &proposed), ("2", &by_maker)]), ["pending_confirmation"], "the maker confirms");
}
