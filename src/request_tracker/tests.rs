//! Tests of the Request Tracker mapping: comment format round trip, authorship rules when reading
//! decisions back, the ticket update, and RT's error messages.

use super::*;
use crate::compile_source;
use crate::decision::{DecisionState, Role, ScoreSnapshot, User};
use crate::profile::RtSettings;
use crate::value::{SmallMap, SmallSet};
use serde_json::json;

fn pack() -> RulePack {
    compile_source("care.toml", include_str!("../../pkg-config/rules/care.toml")).unwrap()
}

fn settings() -> RtSettings {
    RtSettings {
        island: "#riskpane-ticket".to_owned(),
        experts_pointer: "/riskExperts".to_owned(),
        communications_pointer: Some("/communications".to_owned()),
        score_field: "Risk Score".to_owned(),
        band_field: "Risk Band".to_owned(),
        state_field: "Decision State".to_owned(),
        flags_field: "Risk Flags".to_owned(),
        status: SmallMap::from([("deny_refund".to_owned(), "resolved".to_owned())]),
        history_contacts_fact: Some("case.contacts_7d".to_owned()),
    }
}

fn agent() -> User {
    User { id: "widget-agent".to_owned(), name: "Kim Berger".to_owned(), role: Role::Agent }
}

fn expert(id: &str) -> User {
    User { id: id.to_owned(), name: format!("Expert {id}"), role: Role::Expert }
}

fn pending(id: &str) -> Decision {
    Decision {
        id: id.to_owned(),
        case_id: "4".to_owned(),
        outcome: "deny_refund".to_owned(),
        reason_code: "EVIDENCE_OF_DELIVERY".to_owned(),
        note: "Carrier photo shows the parcel at the door.\nCustomer says <b>no</b>.".to_owned(),
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

fn confirmed(decision: &Decision, by: User) -> Decision {
    Decision {
        state: DecisionState::Confirmed { by, at: "2026-11-25T11:00:00Z".to_owned(), note_of_checker: "ok".to_owned() },
        ..decision.clone()
    }
}

fn comment(author: &str, decision: &Decision) -> RecordComment {
    // Transaction ids only need to differ; the decision id and author make one unique enough here.
    RecordComment {
        transaction: format!("{}-{author}-{}", decision.id, state_value(&decision.state)),
        author: author.to_owned(),
        content: comment_body(&pack(), decision),
    }
}

fn experts() -> Checkers {
    Checkers {
        experts: SmallSet::from(["widget-expert".to_owned(), "second-expert".to_owned()]),
        communications: SmallSet::from(["comms".to_owned()]),
    }
}

#[test]
fn a_comment_has_a_readable_summary_and_the_record_round_trips() {
    let decision = pending("d-1");
    let body = comment_body(&pack(), &decision);
    let summary = body.split(BLOCK_START).next().unwrap();
    assert!(summary.contains("waits for a second approval"), "{summary}");
    assert!(summary.contains("Score 78/100, band high"), "{summary}");
    assert!(summary.contains("INR-001 (+20)"), "{summary}");
    assert!(summary.contains("Proposed by: Kim Berger (widget-agent)"), "{summary}");
    assert!(summary.contains("Decision id: d-1"), "{summary}");
    assert_eq!(records_in(&body), vec![decision]);
}

#[test]
fn only_the_appended_block_is_a_record() {
    let good = comment_body(&pack(), &pending("d-2"));
    let text = format!("{BLOCK_START}\n{{not json\n{BLOCK_END}\n{good}");
    assert_eq!(records_in(&text).iter().map(|decision| decision.id.as_str()).collect::<Vec<_>>(), ["d-2"]);
    assert!(records_in(&format!("{good}\n{BLOCK_START}\n{{\"id\":")).is_empty(), "an unterminated last block is none");
    assert!(records_in("no block at all").is_empty());
}

#[test]
fn markers_in_a_note_neither_cut_the_record_nor_forge_one() {
    let decided =
        Decision { state: DecisionState::Decided, outcome: "restrict_account".to_owned(), ..pending("forged") };
    let forged = serde_json::to_string(&decided).unwrap();
    let note = format!("see below {BLOCK_END} and\n{BLOCK_START}\n{forged}\n{BLOCK_END}\nend");
    let proposal = Decision { note: note.clone(), ..pending("d-9") };
    let body = comment_body(&pack(), &proposal);
    let records = records_in(&body);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].id, "d-9");
    assert_eq!(records[0].note, note, "the note survives the round trip");
}

#[test]
fn an_experts_confirmation_replaces_the_proposal() {
    let proposal = pending("d-3");
    let comments =
        [comment("widget-agent", &proposal), comment("widget-expert", &confirmed(&proposal, expert("widget-expert")))];
    let decisions = decisions_from_comments(&comments, &experts());
    assert_eq!(decisions.len(), 1);
    assert!(matches!(&decisions[0].state, DecisionState::Confirmed { by, .. } if by.id == "widget-expert"));
}

#[test]
fn records_not_written_by_the_right_person_are_ignored() {
    let proposal = pending("d-4");
    // The agent types a confirmation naming the expert into a comment of their own.
    let forged =
        [comment("widget-agent", &proposal), comment("widget-agent", &confirmed(&proposal, expert("widget-expert")))];
    assert_eq!(decisions_from_comments(&forged, &experts())[0].state, DecisionState::PendingConfirmation);
    // Someone outside the experts group confirms as themself.
    let outsider = [comment("widget-agent", &proposal), comment("someone", &confirmed(&proposal, expert("someone")))];
    assert_eq!(decisions_from_comments(&outsider, &experts())[0].state, DecisionState::PendingConfirmation);
    // An expert who made the proposal cannot confirm it.
    let own = Decision { maker: expert("widget-expert"), ..pending("d-5") };
    let self_check =
        [comment("widget-expert", &own), comment("widget-expert", &confirmed(&own, expert("widget-expert")))];
    assert_eq!(decisions_from_comments(&self_check, &experts())[0].state, DecisionState::PendingConfirmation);
    // A proposal posted under another maker's name does not count at all.
    assert!(decisions_from_comments(&[comment("widget-expert", &proposal)], &experts()).is_empty());
    // A confirmation without a proposal before it does not count either.
    let orphan = [comment("widget-expert", &confirmed(&proposal, expert("widget-expert")))];
    assert!(decisions_from_comments(&orphan, &experts()).is_empty());
}

#[test]
fn a_changed_outcome_in_a_confirmation_is_ignored() {
    let proposal = pending("d-6");
    let changed = Decision { outcome: "approve_refund".to_owned(), ..confirmed(&proposal, expert("widget-expert")) };
    let comments = [comment("widget-agent", &proposal), comment("widget-expert", &changed)];
    assert_eq!(decisions_from_comments(&comments, &experts())[0].outcome, "deny_refund");
}

#[test]
fn a_confirmation_that_changes_the_note_or_override_is_ignored() {
    let proposal = pending("d-10");
    let rewritten = Decision { note: "refund approved".to_owned(), ..confirmed(&proposal, expert("widget-expert")) };
    let comments = [comment("widget-agent", &proposal), comment("widget-expert", &rewritten)];
    assert_eq!(decisions_from_comments(&comments, &experts())[0].state, DecisionState::PendingConfirmation);
}

#[test]
fn records_rt_refused_do_not_count_and_only_rt_can_refuse() {
    let forged = Decision { state: DecisionState::Decided, ..pending("d-11") };
    let record = comment("widget-agent", &forged);
    let refusal = verdict::RefusedRecord {
        transaction: record.transaction.clone(),
        decision: "d-11".to_owned(),
        reason: "needs a second approval".to_owned(),
    };
    let note = |author: &str| RecordComment {
        transaction: format!("note-{author}"),
        author: author.to_owned(),
        content: refusal_note(&refusal),
    };
    assert!(!refusal_note(&refusal).contains(BLOCK_START));
    assert!(decisions_from_comments(&[record.clone(), note(RT_SYSTEM)], &experts()).is_empty());
    assert_eq!(refusal_reason(&[record.clone(), note(RT_SYSTEM)], "d-11").as_deref(), Some("needs a second approval"));
    assert_eq!(refusal_reason(&[record.clone(), note(RT_SYSTEM)], "d-1"), None, "another decision's refusal");
    assert_eq!(refusal_reason(&[record.clone(), note("widget-agent")], "d-11"), None);
    // Anyone else writing the same line (to hide a rival's decision) is ignored.
    assert_eq!(decisions_from_comments(&[record, note("widget-agent")], &experts()).len(), 1);
}

#[test]
fn the_ticket_update_sets_fields_flags_and_the_final_status() {
    let pack = pack();
    let proposal = pending("d-7");
    let update = ticket_update(&pack, &settings(), &proposal, false);
    assert_eq!(
        update,
        json!({ "CustomFields": { "Risk Score": "78", "Risk Band": "high", "Risk Flags": ["four-eyes", "fraud", "privacy"] } }),
        "an agent's pending decision: no state field (RT lets only experts set it), no status yet"
    );
    let done = confirmed(&proposal, expert("widget-expert"));
    let update = ticket_update(&pack, &settings(), &done, true);
    assert_eq!(update["CustomFields"]["Decision State"], "confirmed");
    assert_eq!(update["CustomFields"]["Risk Flags"], json!(["fraud", "privacy"]));
    assert_eq!(update["Status"], "resolved");
    let other = Decision { outcome: "escalate".to_owned(), state: DecisionState::Decided, ..proposal };
    assert!(ticket_update(&pack, &settings(), &other, false).get("Status").is_none(), "unmapped outcome: status stays");
}

#[test]
fn rt_error_messages_in_a_200_answer_are_failures() {
    let messages = |texts: &[&str]| texts.iter().map(|text| (*text).to_owned()).collect::<Vec<_>>();
    assert!(
        failures(&messages(&["Comments added", "Risk Score 78 added", "Risk Band high changed to critical"]))
            .is_empty()
    );
    assert!(
        failures(&messages(&[
            "Ticket 4: Status changed from 'new' to 'resolved'",
            "four-eyes added as a value for Risk Flags"
        ]))
        .is_empty()
    );
    assert_eq!(
        failures(&messages(&["Comments added", "Invalid value for custom field"])),
        ["Invalid value for custom field"]
    );
    assert_eq!(failures(&messages(&["Ticket 1: Status 'bogus' isn't a valid status for this ticket."])).len(), 1);
    assert_eq!(failures(&messages(&["Permission Denied"])).len(), 1);
}

#[test]
fn an_update_rt_did_not_apply_is_found_by_reading_the_ticket_back() {
    let update = json!({ "CustomFields": { "Risk Score": "78", "Risk Flags": ["fraud", "four-eyes"], "Decision State": "confirmed" }, "Status": "resolved" });
    let ticket = |state: &[&str], status: &str| {
        json!({ "Status": status, "CustomFields": [
            { "id": "13", "name": "Risk Score", "values": ["78"] },
            { "id": "16", "name": "Risk Flags", "values": ["four-eyes", "fraud"] },
            { "id": "15", "name": "Decision State", "values": state },
        ] })
    };
    assert!(unapplied(&update, &ticket(&["confirmed"], "resolved")).is_empty(), "flags compare as sets");
    let problems = unapplied(&update, &ticket(&[], "new"));
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("Decision State is"), "{problems:?}");
    assert_eq!(problems[1], "status is not resolved");
    let missing = unapplied(&json!({ "CustomFields": { "Risk Band": "high" } }), &ticket(&[], "new"));
    assert_eq!(missing, ["Risk Band is not a custom field of this ticket (or not visible)"]);
}

#[test]
fn contacts_are_create_and_correspond_transactions_of_the_last_days() {
    let now = crate::value::time::parse_datetime("2026-11-25T12:00:00Z").unwrap();
    let history = [
        json!({ "Type": "Create", "Created": "2026-11-20T09:00:00Z" }),
        json!({ "Type": "Correspond", "Created": "2026-11-24T09:00:00Z" }),
        json!({ "Type": "Comment", "Created": "2026-11-24T10:00:00Z" }),
        json!({ "Type": "Correspond", "Created": "2026-11-10T09:00:00Z" }),
        json!({ "Type": "Correspond", "Created": "not a time" }),
        json!({ "Type": "CustomField", "Created": "2026-11-25T09:00:00Z" }),
    ];
    assert_eq!(contacts_within(&history, now, 7), 2);
    assert_eq!(contacts_within(&history, now, 30), 3);
    assert_eq!(contacts_within(&[], now, 7), 0);
}

mod verdicts {
    //! RT's server-side verdict over a realistic ticket: the seeded item-not-received case.

    use super::*;
    use crate::decision::{DecisionDraft, propose};
    use crate::profile::CrmProfile;
    use crate::request_tracker::verdict::{Change, EvidenceComment, TicketEvidence, VerdictFields, verdict};

    const NOW: i64 = 1_800_000_000;

    fn profile() -> CrmProfile {
        CrmProfile::from_toml("request-tracker.toml", include_str!("../../pkg-config/crm/request-tracker.toml"))
            .unwrap()
    }

    fn rt_settings() -> RtSettings {
        profile().api.unwrap().request_tracker.unwrap()
    }

    fn iso(seconds: i64) -> String {
        crate::value::time::format_datetime(seconds)
    }

    fn ticket() -> Value {
        json!({ "id": 7, "created": iso(NOW - 60), "message": "My parcel never arrived. I need the refund RIGHT NOW.",
            "customFields": { "Case Type": ["item_not_received"], "Channel": ["email"], "Order Total (EUR)": ["649.90"],
                "Median Basket (EUR)": ["89.95"], "Account Age (days)": ["12"], "Delivered At": [iso(NOW - 25 * 3600)],
                "Proof of Delivery": ["yes"], "Claims (12 months)": ["3"], "Identity Verified": ["no"],
                "Refund To New Instrument": ["yes"] } })
    }

    fn evidence(comments: Vec<EvidenceComment>, change: Option<Change>) -> TicketEvidence {
        TicketEvidence {
            now: NOW,
            ticket: ticket(),
            history: vec![json!({ "Type": "Create", "Created": iso(NOW - 60) })],
            experts: experts().experts,
            communications: experts().communications,
            comments,
            change,
        }
    }

    fn rt_comment(transaction: &str, author: &str, name: &str, decision: &Decision) -> EvidenceComment {
        EvidenceComment {
            transaction: transaction.to_owned(),
            author: author.to_owned(),
            author_name: name.to_owned(),
            privileged: true,
            content: comment_body(&pack(), decision),
        }
    }

    /// The ticket's score report, as the widget and RT's verdict compute it.
    fn ticket_report(pack: &RulePack) -> crate::engine::ScoreReport {
        let facts =
            verdict::ticket_facts(pack, &profile(), &VerdictFields::of_rt(&rt_settings()), &evidence(Vec::new(), None));
        crate::assess(pack, &facts)
    }

    /// What the widget proposes for this ticket as `maker`, from the same facts.
    fn proposal(outcome: &str, reason: &str, maker: User) -> Decision {
        let pack = pack();
        let report = ticket_report(&pack);
        let ticked: SmallSet<String> = pack.checklist.iter().map(|item| item.id.clone()).collect();
        let draft = DecisionDraft {
            id: format!("d-{outcome}"),
            case_id: "7".to_owned(),
            outcome: outcome.to_owned(),
            reason_code: reason.to_owned(),
            note: "seen".to_owned(),
            band_override: None,
            // Kept only by outcomes that publish a text (`reply_publicly`).
            reply_text: "We're sorry to read this. We've sent you a direct message to sort it out.".to_owned(),
            qa: None,
            maker,
            created_at: iso(NOW),
        };
        propose(&pack, &report, draft, &ticked).unwrap()
    }

    fn eva() -> User {
        User { id: "widget-expert".to_owned(), name: "Eva Lindqvist".to_owned(), role: Role::Expert }
    }

    fn change(field: &str, new: &str, author: &str, closing: bool) -> Change {
        Change { field: field.to_owned(), old: String::new(), new: new.to_owned(), author: author.to_owned(), closing }
    }

    fn check(comments: Vec<EvidenceComment>, change: Change) -> verdict::Verdict {
        verdict(&pack(), &profile(), &VerdictFields::of_rt(&rt_settings()), &evidence(comments, Some(change)))
    }

    #[test]
    fn a_quality_review_must_name_someone_who_decided_on_the_ticket() {
        let pack = pack();
        let report = ticket_report(&pack);
        let ticked: SmallSet<String> = pack.checklist.iter().map(|item| item.id.clone()).collect();
        let review = |agent: &str| {
            let draft = DecisionDraft {
                id: format!("qa-{agent}"),
                case_id: "7".to_owned(),
                outcome: "qa_coaching".to_owned(),
                reason_code: "QA_COACHING".to_owned(),
                note: "Restricting needed the owner's confirmation first.".to_owned(),
                band_override: None,
                reply_text: String::new(),
                qa: Some(crate::decision::QaFindings {
                    agent: agent.to_owned(),
                    provider: String::new(),
                    severity: crate::decision::Severity::Minor,
                    missed_steps: vec![pack.checklist[0].id.clone()],
                    ignored_risks: Vec::new(),
                }),
                maker: eva(),
                created_at: iso(NOW),
            };
            propose(&pack, &report, draft, &ticked).unwrap()
        };
        let proposed = proposal("restrict_account", "ABUSE_PATTERN", agent());
        let reviewed = |agent: &str, with_proposal: bool| {
            let mut comments = Vec::new();
            if with_proposal {
                comments.push(rt_comment("10", "widget-agent", "Kim Berger", &proposed));
            }
            comments.push(rt_comment("12", "widget-expert", "Eva Lindqvist", &review(agent)));
            verdict(&pack, &profile(), &VerdictFields::of_rt(&rt_settings()), &evidence(comments, None))
        };
        assert_eq!(reviewed("widget-agent", true).refused, []);
        let stranger = reviewed("widget-agent", false);
        assert_eq!(stranger.refused.len(), 1, "{:?}", stranger.refused);
        assert!(stranger.refused[0].reason.contains("widget-agent, who made no decision on this ticket"));
        let nobody = reviewed("someone-else", true);
        assert_eq!(nobody.refused.len(), 1, "{:?}", nobody.refused);
    }

    #[test]
    fn an_honest_proposal_and_its_confirmation_are_accepted_and_resolve() {
        let proposed = proposal("restrict_account", "ABUSE_PATTERN", agent());
        assert_eq!(proposed.state, DecisionState::PendingConfirmation);
        let confirmation = confirmed(&proposed, eva());
        let comments = vec![
            rt_comment("10", "widget-agent", "Kim Berger", &proposed),
            rt_comment("12", "widget-expert", "Eva Lindqvist", &confirmation),
        ];
        let result = check(comments.clone(), change("Decision State", "confirmed", "widget-expert", false));
        assert_eq!(result.refused, []);
        assert_eq!(result.band, "critical");
        assert_eq!(result.change_refused, None);
        assert!(check(comments.clone(), change("Status", "resolved", "widget-expert", true)).change_refused.is_none());
        assert!(
            check(comments[..1].to_vec(), change("Status", "resolved", "widget-agent", true)).change_refused.is_some()
        );
    }

    #[test]
    fn a_resent_record_is_a_repeat_that_counts_once_but_not_from_someone_else() {
        let proposed = proposal("restrict_account", "ABUSE_PATTERN", agent());
        let confirmation = confirmed(&proposed, eva());
        let comments = vec![
            rt_comment("10", "widget-agent", "Kim Berger", &proposed),
            rt_comment("11", "widget-agent", "Kim Berger", &proposed),
            rt_comment("12", "widget-expert", "Eva Lindqvist", &confirmation),
            rt_comment("13", "widget-expert", "Eva Lindqvist", &confirmation),
        ];
        let result = check(comments.clone(), change("Decision State", "confirmed", "widget-expert", false));
        assert_eq!(result.refused, []);
        let repeats: Vec<(&str, &str)> =
            result.repeated.iter().map(|repeat| (repeat.transaction.as_str(), repeat.first.as_str())).collect();
        assert_eq!(repeats, [("11", "10"), ("13", "12")]);
        assert_eq!(result.decisions.len(), 1);
        assert_eq!(result.change_refused, None);
        let note = crate::request_tracker::repeat_note(&result.repeated[0]);
        assert!(
            note.contains("RISKPANE DECISION REPEATED: transaction 11, decision d-restrict_account, first 10"),
            "{note}"
        );
        assert!(!note.contains(BLOCK_START) && !note.contains(crate::request_tracker::REFUSAL_MARK));
        // Another expert copying the confirmation is no repeat: it is refused.
        let mut copied = vec![comments[0].clone(), comments[2].clone()];
        copied.push(rt_comment("14", "second-expert", "Sam Second", &confirmation));
        let result = check(copied, change("Decision State", "confirmed", "widget-expert", false));
        assert!(result.repeated.is_empty());
        assert_eq!(result.refused.len(), 1, "{:?}", result.refused);
        assert!(result.refused[0].reason.contains("was recorded by widget-expert"), "{:?}", result.refused);
    }

    #[test]
    fn a_decided_record_for_an_outcome_that_needs_four_eyes_is_refused() {
        let forged = Decision {
            requires_second_approval: false,
            confirmed_by: crate::rules::CheckerRole::Expert,
            reply_text: None,
            state: DecisionState::Decided,
            ..proposal("restrict_account", "ABUSE_PATTERN", agent())
        };
        let result = check(
            vec![rt_comment("10", "widget-agent", "Kim Berger", &forged)],
            change("Status", "resolved", "widget-agent", true),
        );
        assert_eq!(result.refused.len(), 1);
        assert!(result.refused[0].reason.contains("needs a second approval"), "{:?}", result.refused);
        assert!(result.decisions.is_empty());
        assert!(result.change_refused.unwrap().contains("no accepted decision"));
    }

    #[test]
    fn records_from_customers_or_under_someone_elses_name_are_refused() {
        let proposed = proposal("approve_refund", "GOODWILL", agent());
        let mut customer = rt_comment("10", "anna.schmidt@example.com", "", &proposed);
        customer.privileged = false;
        assert!(
            verdict(&pack(), &profile(), &VerdictFields::of_rt(&rt_settings()), &evidence(vec![customer], None))
                .refused[0]
                .reason
                .contains("not staff")
        );
        let impostor = rt_comment("10", "widget-agent", "Someone Else", &proposed);
        assert!(
            verdict(&pack(), &profile(), &VerdictFields::of_rt(&rt_settings()), &evidence(vec![impostor], None))
                .refused[0]
                .reason
                .contains("maker")
        );
    }

    #[test]
    fn an_expert_cannot_confirm_her_own_proposal() {
        let own = proposal("restrict_account", "ABUSE_PATTERN", eva());
        let comments = vec![
            rt_comment("10", "widget-expert", "Eva Lindqvist", &own),
            rt_comment("11", "widget-expert", "Eva Lindqvist", &confirmed(&own, eva())),
        ];
        let result = check(comments, change("Decision State", "confirmed", "widget-expert", false));
        assert_eq!(result.refused.len(), 1);
        assert!(result.refused[0].reason.contains("maker"), "{:?}", result.refused);
        assert!(result.change_refused.unwrap().contains("pending_confirmation"));
    }

    #[test]
    fn a_confirmation_that_rewrites_the_proposal_is_refused() {
        let proposed = proposal("restrict_account", "ABUSE_PATTERN", agent());
        let rewritten = Decision { note: "approve the refund instead".to_owned(), ..confirmed(&proposed, eva()) };
        let comments = vec![
            rt_comment("10", "widget-agent", "Kim Berger", &proposed),
            rt_comment("11", "widget-expert", "Eva Lindqvist", &rewritten),
        ];
        let result = check(comments, change("Status", "resolved", "widget-expert", true));
        assert!(result.refused[0].reason.contains("leave the proposal as it was"), "{:?}", result.refused);
        assert!(result.change_refused.unwrap().contains("waits for a second approval"));
    }

    #[test]
    fn agents_cannot_override_the_band() {
        let mut overridden = proposal("restrict_account", "ABUSE_PATTERN", agent());
        overridden.band_override = Some(crate::decision::BandOverride {
            from: "critical".to_owned(),
            to: "low".to_owned(),
            reason_code: "ABUSE_PATTERN".to_owned(),
            note: "looks fine".to_owned(),
        });
        let result = check(
            vec![rt_comment("10", "widget-agent", "Kim Berger", &overridden)],
            change("Risk Band", "low", "widget-agent", false),
        );
        assert!(result.refused[0].reason.contains("only experts may override"), "{:?}", result.refused);
        assert!(result.change_refused.unwrap().contains("only experts override the band"));
        assert!(check(Vec::new(), change("Risk Band", "critical", "widget-agent", false)).change_refused.is_none());
        assert!(check(Vec::new(), change("Risk Band", "low", "widget-expert", false)).change_refused.is_none());
    }

    fn comms() -> User {
        User { id: "comms".to_owned(), name: "Chris Ahn".to_owned(), role: Role::Communications }
    }

    /// A public reply needs Communications: an expert's confirmation is refused, a confirmation by
    /// Communications stands, and a record that claims an expert may confirm it (or drops the reply
    /// text) is refused because the pack's policy says otherwise.
    #[test]
    fn a_public_reply_is_confirmed_by_communications_not_by_an_expert() {
        let reply = proposal("reply_publicly", "PUBLIC_REPLY", agent());
        assert_eq!(reply.state, DecisionState::PendingConfirmation);
        assert_eq!(reply.confirmed_by, crate::rules::CheckerRole::Communications);
        assert!(reply.reply_text.as_deref().is_some_and(|text| text.contains("direct message")));

        let by_expert = vec![
            rt_comment("10", "widget-agent", "Kim Berger", &reply),
            rt_comment("11", "widget-expert", "Eva Lindqvist", &confirmed(&reply, eva())),
        ];
        let result = check(by_expert, change("Decision State", "confirmed", "widget-expert", false));
        assert_eq!(result.refused.len(), 1, "{:?}", result.refused);
        assert!(result.refused[0].reason.contains("only Communications"), "{:?}", result.refused);
        assert!(result.change_refused.unwrap().contains("pending_confirmation"));

        let by_comms = vec![
            rt_comment("10", "widget-agent", "Kim Berger", &reply),
            rt_comment("11", "comms", "Chris Ahn", &confirmed(&reply, comms())),
        ];
        let result = check(by_comms.clone(), change("Decision State", "confirmed", "comms", false));
        assert_eq!(result.refused, []);
        assert_eq!(result.change_refused, None);
        assert!(matches!(&result.decisions[0].state, DecisionState::Confirmed { by, .. } if by.id == "comms"));
        // Someone else setting the state the checker set is still refused.
        assert!(
            check(by_comms, change("Decision State", "confirmed", "widget-expert", false)).change_refused.is_some()
        );

        // Devtools: the maker rewrites the record so that an expert may confirm, or drops the text.
        for (forged, why) in [
            (
                Decision { confirmed_by: crate::rules::CheckerRole::Expert, ..reply.clone() },
                "policy says communications",
            ),
            (Decision { reply_text: None, ..reply.clone() }, "needs the text of the reply"),
        ] {
            let result = check(
                vec![rt_comment("10", "widget-agent", "Kim Berger", &forged)],
                change("Decision State", "pending_confirmation", "widget-agent", false),
            );
            assert!(result.refused[0].reason.contains(why), "{:?}", result.refused);
        }
        // Communications proposes nothing.
        let by_comms_maker = Decision { maker: comms(), ..reply };
        let result = check(
            vec![rt_comment("10", "comms", "Chris Ahn", &by_comms_maker)],
            change("Decision State", "pending_confirmation", "comms", false),
        );
        assert!(result.refused[0].reason.contains("does not propose"), "{:?}", result.refused);
    }
}

fn pattern_report(id: &str) -> crate::pattern::PatternReport {
    crate::pattern::PatternReport {
        format: crate::pattern::FORMAT.to_owned(),
        id: id.to_owned(),
        case_id: "42".to_owned(),
        created_at: "2026-11-25T10:00:00Z".to_owned(),
        author: expert("widget-expert"),
        pack: crate::pattern::PackRef { id: "care".to_owned(), version: "1".to_owned(), hash: "h".to_owned() },
        input_hash: "i".to_owned(),
        category: "fraud".to_owned(),
        elements: Vec::new(),
        draft_rule: "account.age_days <= 12".to_owned(),
        note: "new".to_owned(),
    }
}

/// A pattern report's ticket carries its id in the subject, and the widget asks RT for that
/// subject before filing, so a resend after a lost answer finds the first ticket; an id that is
/// not a plain UUID is never quoted into TicketSQL.
#[test]
fn a_pattern_tickets_subject_names_its_report_and_the_query_finds_only_that() {
    let id = "0f8c2a4e-9b1d-4c3e-8a7f-2d6b5e4c3a21";
    let ticket = pattern_ticket(&pattern_report(id));
    let subject = ticket["Subject"].as_str().unwrap();
    assert!(subject.starts_with(&format!("Pattern report {id} from ticket #42: account.age_days")), "{subject}");
    assert_eq!(
        pattern_ticket_query(&pattern_report(id)).unwrap(),
        format!("Queue = 'Fraud Advisory' AND Subject LIKE 'Pattern report {id} from'")
    );
    for forged in ["x' OR Queue = 'Risk Review", "", "0f8c 2a4e"] {
        assert_eq!(pattern_ticket_query(&pattern_report(forged)), None, "{forged}");
    }
}
