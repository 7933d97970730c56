//! QA reviews out of a note-based CRM (`riskpane qa-export`). Request Tracker and django-helpdesk
//! keep a review as a decision record in a staff comment, like every decision; their export
//! scripts (RT: `pkg-config/crm/request-tracker/bin/rt-qa-export`; django-helpdesk: the
//! `riskpane_qa_export` command) hand over, one ticket per line, the comments that carry records
//! or the CRM's notes on them, the Risk Experts and Communications groups and each author's
//! service provider from the CRM's own directory; this turns the reviews the CRM kept into
//! `riskpane.qa_review` records for `riskpane qa`.
//!
//! Only the CRM's facts count, never what the browser wrote: a record RT refused does not count
//! (the read-back's rules, [`decisions_from_comments`]; django-helpdesk never stores one); the
//! reviewer must be in Risk Experts now and the reviewed agent must have made an accepted decision
//! on the ticket; the case is the CRM's ticket, the time the CRM's time of the comment, the
//! provider the CRM's directory's.

use super::qa::{FORMAT, HandledBy, QaReview};
use crate::decision::{Checkers, Role};
use crate::request_tracker::{RecordComment, decisions_from_comments, records_in};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// One ticket as an export script collects it (one JSON object per line).
#[derive(Clone, Debug, Deserialize)]
pub struct TicketComments {
    /// The CRM's ticket id.
    pub ticket: String,
    /// The ticket's staff comments that carry decision records or RT's notes on them, oldest
    /// first (never correspondence or public follow-ups).
    #[serde(default)]
    pub comments: Vec<StaffComment>,
    /// CRM user ids of the Risk Experts group's members.
    #[serde(default)]
    pub experts: BTreeSet<String>,
    /// CRM user ids of the Communications group's members.
    #[serde(default)]
    pub communications: BTreeSet<String>,
    /// Service provider per CRM user id, from the CRM's directory (RT: the user custom field
    /// "Service Provider"; django-helpdesk: a group named "Service Provider: …").
    #[serde(default)]
    pub providers: BTreeMap<String, String>,
}

/// A staff comment as the CRM stored it.
#[derive(Clone, Debug, Deserialize)]
pub struct StaffComment {
    /// The CRM's id of the comment (RT's transaction, django-helpdesk's follow-up).
    pub transaction: String,
    /// The author's CRM user id (RT's user name, django-helpdesk's user id).
    pub author: String,
    /// The author's name in the CRM (their id when empty).
    #[serde(default)]
    pub author_name: String,
    /// The CRM's time of the comment (RFC 3339).
    pub created: String,
    /// The comment's text.
    pub content: String,
}

/// What the export found in one ticket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TicketReviews {
    /// The reviews RT kept, oldest first.
    pub reviews: Vec<QaReview>,
    /// Why other QA records of the ticket are left out, or what a review lacks, in words.
    pub warnings: Vec<String>,
}

/// The QA reviews the CRM kept on `ticket`.
#[must_use]
pub fn reviews_of(ticket: &TicketComments) -> TicketReviews {
    let comments: Vec<RecordComment> = ticket
        .comments
        .iter()
        .map(|comment| RecordComment {
            transaction: comment.transaction.clone(),
            author: comment.author.clone(),
            content: comment.content.clone(),
        })
        .collect();
    let checkers = Checkers {
        experts: ticket.experts.iter().cloned().collect(),
        communications: ticket.communications.iter().cloned().collect(),
    };
    let decisions = decisions_from_comments(&comments, &checkers);
    let makers: BTreeSet<&str> =
        decisions.iter().filter(|decision| decision.qa.is_none()).map(|decision| decision.maker.id.as_str()).collect();
    let mut found = TicketReviews::default();
    for decision in &decisions {
        let Some(qa) = &decision.qa else { continue };
        let left_out = |why: String| format!("ticket {}: review {} left out: {why}", ticket.ticket, decision.id);
        if checkers.role_of(&decision.maker.id) != Role::Expert {
            found.warnings.push(left_out(format!("{} is not in Risk Experts", decision.maker.id)));
            continue;
        }
        if !makers.contains(qa.agent.as_str()) {
            found.warnings.push(left_out(format!("{} made no decision on this ticket", qa.agent)));
            continue;
        }
        // The comment that recorded it: its maker's, the first that carries it (a later repeat
        // says the same).
        let Some(comment) = ticket.comments.iter().find(|comment| {
            comment.author == decision.maker.id
                && records_in(&comment.content).iter().any(|record| record.id == decision.id)
        }) else {
            continue;
        };
        let provider = ticket.providers.get(&qa.agent).map(|provider| provider.trim()).unwrap_or_default();
        if provider.is_empty() {
            found.warnings.push(format!(
                "ticket {}: review {}: {} has no service provider in the CRM's directory (riskpane qa lists the review as a bad line until they have one)",
                ticket.ticket, decision.id, qa.agent
            ));
        }
        let mut reviewer = decision.maker.clone();
        reviewer.role = Role::Expert;
        if !comment.author_name.trim().is_empty() {
            reviewer.name.clone_from(&comment.author_name);
        }
        found.reviews.push(QaReview {
            format: FORMAT.to_owned(),
            id: decision.id.clone(),
            case_id: ticket.ticket.clone(),
            reviewed_at: comment.created.clone(),
            reviewer,
            handled_by: HandledBy { agent: qa.agent.clone(), provider: provider.to_owned() },
            verdict: decision.outcome.clone(),
            severity: qa.severity,
            missed_steps: qa.missed_steps.clone(),
            ignored_risks: qa.ignored_risks.clone(),
            feedback: decision.note.clone(),
        });
    }
    found
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::{StaffComment, TicketComments, reviews_of};
    use crate::decision::{Decision, DecisionState, QaFindings, Role, ScoreSnapshot, Severity, User};
    use crate::request_tracker::{REFUSAL_MARK, RT_SYSTEM, comment_body};
    use crate::rules::{CheckerRole, RulePack};
    use std::collections::{BTreeMap, BTreeSet};

    fn pack() -> RulePack {
        crate::compile_source("care.toml", include_str!("../../pkg-config/rules/care.toml")).unwrap()
    }

    fn user(id: &str, role: Role) -> User {
        User { id: id.to_owned(), name: format!("Name of {id}"), role }
    }

    fn decision(id: &str, outcome: &str, maker: User, qa: Option<QaFindings>) -> Decision {
        Decision {
            id: id.to_owned(),
            case_id: "forged-case".to_owned(),
            outcome: outcome.to_owned(),
            reason_code: "R".to_owned(),
            note: format!("note of {id}"),
            maker,
            created_at: "2001-01-01T00:00:00Z".to_owned(),
            snapshot: ScoreSnapshot { score: 40, band: "medium".to_owned(), hits: Vec::new() },
            pack_id: "care".to_owned(),
            pack_version: "1".to_owned(),
            pack_hash: "a".repeat(64),
            input_hash: "b".repeat(64),
            checklist_done: Vec::new(),
            requires_second_approval: false,
            confirmed_by: CheckerRole::Expert,
            reply_text: None,
            qa,
            band_override: None,
            reference: None,
            state: DecisionState::Decided,
        }
    }

    fn findings(agent: &str, provider: &str) -> QaFindings {
        QaFindings {
            agent: agent.to_owned(),
            provider: provider.to_owned(),
            severity: Severity::Major,
            missed_steps: vec!["inr-evidence".to_owned()],
            ignored_risks: vec!["INR-001".to_owned()],
        }
    }

    fn comment(transaction: &str, author: &str, created: &str, decision: &Decision) -> StaffComment {
        StaffComment {
            transaction: transaction.to_owned(),
            author: author.to_owned(),
            author_name: String::new(),
            created: created.to_owned(),
            content: comment_body(&pack(), decision),
        }
    }

    fn ticket(comments: Vec<StaffComment>) -> TicketComments {
        TicketComments {
            ticket: "42".to_owned(),
            comments,
            experts: BTreeSet::from(["eva".to_owned()]),
            communications: BTreeSet::new(),
            providers: BTreeMap::from([("kim".to_owned(), "Atlas Care".to_owned())]),
        }
    }

    #[test]
    fn a_kept_review_takes_case_time_and_provider_from_request_tracker() {
        let handling = decision("d1", "approve_refund", user("kim", Role::Agent), None);
        let review = decision("r1", "qa_coaching", user("eva", Role::Expert), Some(findings("kim", "Forged Ltd")));
        let found = reviews_of(&ticket(vec![
            comment("10", "kim", "2026-11-02T09:00:00Z", &handling),
            comment("11", "eva", "2026-11-03T10:00:00Z", &review),
        ]));
        assert_eq!(found.warnings, Vec::<String>::new());
        assert_eq!(found.reviews.len(), 1);
        let kept = &found.reviews[0];
        assert_eq!((kept.case_id.as_str(), kept.reviewed_at.as_str()), ("42", "2026-11-03T10:00:00Z"));
        assert_eq!((kept.handled_by.agent.as_str(), kept.handled_by.provider.as_str()), ("kim", "Atlas Care"));
        assert_eq!((kept.verdict.as_str(), kept.severity), ("qa_coaching", Severity::Major));
        assert_eq!(
            (kept.missed_steps.clone(), kept.ignored_risks.clone()),
            (vec!["inr-evidence".to_owned()], vec!["INR-001".to_owned()])
        );
        assert_eq!((kept.reviewer.id.as_str(), kept.feedback.as_str()), ("eva", "note of r1"));
        // What riskpane qa reads back.
        let line = serde_json::to_string(kept).unwrap();
        assert_eq!(super::super::qa::read_review(&line).unwrap(), kept.clone());
    }

    #[test]
    fn reviews_request_tracker_did_not_keep_are_left_out() {
        let handling = decision("d1", "approve_refund", user("kim", Role::Agent), None);
        let review = decision("r1", "qa_reopen", user("eva", Role::Expert), Some(findings("kim", "")));
        let refusal = StaffComment {
            transaction: "12".to_owned(),
            author: RT_SYSTEM.to_owned(),
            author_name: String::new(),
            created: "2026-11-03T10:00:01Z".to_owned(),
            content: format!("riskpane: refused\n\n{REFUSAL_MARK}11, decision r1\n"),
        };
        let kept = |comments| reviews_of(&ticket(comments)).reviews.len();
        // Refused by RT's scrip.
        let refused = vec![
            comment("10", "kim", "2026-11-02T09:00:00Z", &handling),
            comment("11", "eva", "2026-11-03T10:00:00Z", &review),
            refusal.clone(),
        ];
        assert_eq!(kept(refused), 0);
        // The same refusal line from anyone but RT itself means nothing.
        let forged_refusal = StaffComment { author: "kim".to_owned(), ..refusal };
        assert_eq!(
            kept(vec![
                comment("10", "kim", "2026-11-02T09:00:00Z", &handling),
                comment("11", "eva", "2026-11-03T10:00:00Z", &review),
                forged_refusal,
            ]),
            1
        );
        // Written under another user's name: the record's maker is not the comment's author.
        assert_eq!(
            kept(vec![
                comment("10", "kim", "2026-11-02T09:00:00Z", &handling),
                comment("11", "kim", "2026-11-03T10:00:00Z", &review),
            ]),
            0
        );
        // By someone not in Risk Experts (RT's note missing, e.g. a scrip that was off).
        let by_agent = decision("r2", "qa_ok", user("kim", Role::Expert), Some(findings("kim", "")));
        let found = reviews_of(&ticket(vec![
            comment("10", "kim", "2026-11-02T09:00:00Z", &handling),
            comment("11", "kim", "2026-11-03T10:00:00Z", &by_agent),
        ]));
        assert_eq!(found.reviews.len(), 0);
        assert!(found.warnings[0].contains("kim is not in Risk Experts"), "{:?}", found.warnings);
        // Of someone who made no decision on the ticket.
        let found = reviews_of(&ticket(vec![comment("11", "eva", "2026-11-03T10:00:00Z", &review)]));
        assert_eq!(found.reviews.len(), 0);
        assert!(found.warnings[0].contains("kim made no decision on this ticket"), "{:?}", found.warnings);
    }

    #[test]
    fn an_agent_without_a_provider_in_request_tracker_is_said_plainly() {
        let handling = decision("d1", "approve_refund", user("lou", Role::Agent), None);
        let review = decision("r1", "qa_ok", user("eva", Role::Expert), Some(findings("lou", "Sent By Browser")));
        let found = reviews_of(&ticket(vec![
            comment("10", "lou", "2026-11-02T09:00:00Z", &handling),
            comment("11", "eva", "2026-11-03T10:00:00Z", &review),
        ]));
        assert_eq!(found.reviews[0].handled_by.provider, "");
        assert!(found.warnings[0].contains("lou has no service provider in the CRM"), "{:?}", found.warnings);
    }
}
