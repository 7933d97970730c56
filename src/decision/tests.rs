//! Tests of the decision rules: policy checks, required checklist items, four-eye confirmation
//! (maker ≠ checker, experts only, pending only), band overrides, replay.

use super::*;
use crate::case::CaseFacts;
use crate::{assess, compile_source};

fn pack() -> RulePack {
    compile_source("care.toml", include_str!("../../pkg-config/rules/care.toml")).unwrap()
}

fn user(id: &str, role: Role) -> User {
    User { id: id.to_owned(), name: format!("User {id}"), role }
}

/// An account-takeover case: critical, with open checklist items.
fn ato_case() -> serde_json::Value {
    serde_json::json!({
        "now": "2026-11-25T10:00:00Z",
        "case": { "type": "account", "channel": "chat", "received_at": "2026-11-25T09:55:00Z" },
        "account": { "last_credential_change": "2026-11-23T22:10:00Z", "new_device": true, "failed_verifications_24h": 3 },
        "customer": { "sender_email": "p.help@example.com", "email_on_file": "paul@example.fr",
                      "message": "I lost my phone, refund to this other card immediately." },
        "refund": { "to_new_instrument": true, "requested_eur": 310 },
        "identity": { "verified": false }
    })
}

fn ato_report(pack: &RulePack) -> ScoreReport {
    let (facts, issues) = CaseFacts::from_json(pack, &ato_case());
    assert!(issues.is_empty(), "{issues:?}");
    assess(pack, &facts)
}

fn draft(outcome: &str, reason: &str, maker: User) -> DecisionDraft {
    DecisionDraft {
        id: "3f2b8c1e-0d6a-4e0f-9a43-5b1f2a9c7d10".to_owned(),
        case_id: "C-2026-4711".to_owned(),
        outcome: outcome.to_owned(),
        reason_code: reason.to_owned(),
        note: "checked with the customer on the old phone number".to_owned(),
        band_override: None,
        reply_text: String::new(),
        qa: None,
        maker,
        created_at: "2026-11-25T10:01:00Z".to_owned(),
    }
}

/// Every checklist item the account-takeover case asks for, ticked.
fn ato_items_done() -> SmallSet<String> {
    ticked(&[
        "ato-freeze",
        "contact-old-channel",
        "se-stop",
        "verify-requester",
        "promo-cluster",
        "returns-review",
        "graduated-measures",
        "address-cluster",
    ])
}

fn ticked(items: &[&str]) -> SmallSet<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

#[test]
fn outcome_and_reason_code_come_from_the_policy() {
    let pack = pack();
    let report = ato_report(&pack);
    let agent = user("kim", Role::Agent);
    let error = propose(&pack, &report, draft("give_voucher", "GOODWILL", agent.clone()), &ticked(&[])).unwrap_err();
    assert_eq!(error, DecisionError::UnknownOutcome("give_voucher".to_owned()));
    let error = propose(&pack, &report, draft("escalate", "GOODWILL", agent), &ticked(&[])).unwrap_err();
    assert_eq!(error.to_string(), "reason code `GOODWILL` is not allowed for `escalate`");
}

#[test]
fn required_checklist_items_block_the_outcome_until_done() {
    let pack = pack();
    let report = ato_report(&pack);
    let agent = user("kim", Role::Agent);
    let error =
        propose(&pack, &report, draft("approve_refund", "VERIFIED_OWNER", agent.clone()), &ticked(&[])).unwrap_err();
    let DecisionError::ChecklistOpen(open) = &error else { panic!("{error}") };
    assert!(open.contains(&"ato-freeze".to_owned()) && open.contains(&"contact-old-channel".to_owned()), "{open:?}");
    let all = ticked(&open.iter().map(String::as_str).collect::<Vec<_>>());
    let decision = propose(&pack, &report, draft("approve_refund", "VERIFIED_OWNER", agent), &all).unwrap();
    assert!(decision.requires_second_approval, "critical band and 310 EUR need four eyes");
    assert_eq!(decision.state, DecisionState::PendingConfirmation);
    assert!(decision.checklist_done.contains(&"ato-freeze".to_owned()));
    assert_eq!(decision.snapshot.score, report.score);
    assert_eq!(decision.pack_hash.len(), 64);
}

#[test]
fn an_outcome_without_four_eye_rule_is_decided_at_once() {
    let pack = pack();
    let report = ato_report(&pack);
    let decision =
        propose(&pack, &report, draft("escalate", "ATO_SUSPECTED", user("kim", Role::Agent)), &ticked(&[])).unwrap();
    assert!(!decision.requires_second_approval);
    assert_eq!(decision.state, DecisionState::Decided);
    assert_eq!(
        confirm(&decision, user("eva", Role::Expert), "t".to_owned(), String::new()).unwrap_err(),
        DecisionError::NotPending
    );
}

#[test]
fn four_eyes_maker_never_checks_only_experts_check_pending_only() {
    let pack = pack();
    let report = ato_report(&pack);
    let expert = user("eva", Role::Expert);
    let items = ato_items_done();
    let pending = propose(&pack, &report, draft("restrict_account", "ATO_SUSPECTED", expert.clone()), &items).unwrap();
    assert_eq!(pending.state, DecisionState::PendingConfirmation, "restricting an account always needs four eyes");
    let at = "2026-11-25T11:00:00Z".to_owned();
    assert_eq!(confirm(&pending, expert.clone(), at.clone(), String::new()).unwrap_err(), DecisionError::SameUser);
    let same_id_other_name = User { name: "Eva (other tab)".to_owned(), ..expert.clone() };
    assert_eq!(confirm(&pending, same_id_other_name, at.clone(), String::new()).unwrap_err(), DecisionError::SameUser);
    assert_eq!(
        confirm(&pending, user("kim", Role::Agent), at.clone(), String::new()).unwrap_err(),
        DecisionError::WrongChecker(CheckerRole::Expert)
    );
    assert_eq!(
        reject(&pending, user("max", Role::Expert), at.clone(), "  ".to_owned()).unwrap_err(),
        DecisionError::NoteRequired
    );
    let confirmed = confirm(&pending, user("max", Role::Expert), at.clone(), "agreed".to_owned()).unwrap();
    assert!(matches!(&confirmed.state, DecisionState::Confirmed { by, .. } if by.id == "max"));
    assert_eq!(
        confirm(&confirmed, user("lea", Role::Expert), at.clone(), String::new()).unwrap_err(),
        DecisionError::NotPending
    );
    let rejected =
        reject(&pending, user("max", Role::Expert), at, "customer verified, no takeover".to_owned()).unwrap();
    assert!(matches!(rejected.state, DecisionState::Rejected { .. }));
}

/// A public reply carries its text, and only Communications (never the maker, never an expert)
/// confirms or rejects it; Communications itself proposes nothing.
#[test]
fn a_public_reply_needs_its_text_and_communications_as_checker() {
    let pack = pack();
    let report = ato_report(&pack);
    let all_done: SmallSet<String> = pack.checklist.iter().map(|item| item.id.clone()).collect();
    let agent = user("kim", Role::Agent);
    assert_eq!(
        propose(&pack, &report, draft("reply_publicly", "PUBLIC_REPLY", agent.clone()), &all_done).unwrap_err(),
        DecisionError::ReplyTextRequired
    );
    let mut with_text = draft("reply_publicly", "PUBLIC_REPLY", agent.clone());
    with_text.reply_text = "Sorry to hear that! We have sent you a DM.".to_owned();
    let pending = propose(&pack, &report, with_text.clone(), &all_done).unwrap();
    assert_eq!(pending.state, DecisionState::PendingConfirmation);
    assert_eq!(pending.confirmed_by, CheckerRole::Communications);
    assert_eq!(pending.reply_text.as_deref(), Some("Sorry to hear that! We have sent you a DM."));
    let at = "2026-11-25T11:00:00Z".to_owned();
    assert_eq!(
        confirm(&pending, user("eva", Role::Expert), at.clone(), String::new()).unwrap_err(),
        DecisionError::WrongChecker(CheckerRole::Communications)
    );
    let kim_in_comms = user("kim", Role::Communications);
    assert_eq!(confirm(&pending, kim_in_comms, at.clone(), String::new()).unwrap_err(), DecisionError::SameUser);
    let confirmed = confirm(&pending, user("chris", Role::Communications), at.clone(), "ok".to_owned()).unwrap();
    assert!(matches!(&confirmed.state, DecisionState::Confirmed { by, .. } if by.role == Role::Communications));
    // Communications does not check what experts check.
    let restrict =
        propose(&pack, &report, draft("restrict_account", "ATO_SUSPECTED", agent), &ato_items_done()).unwrap();
    assert_eq!(
        confirm(&restrict, user("chris", Role::Communications), at, String::new()).unwrap_err(),
        DecisionError::WrongChecker(CheckerRole::Expert)
    );
    with_text.maker = user("chris", Role::Communications);
    assert_eq!(propose(&pack, &report, with_text, &all_done).unwrap_err(), DecisionError::NotAMaker);
    // Other outcomes carry no reply text, whatever the form held.
    let mut escalate = draft("escalate", "ATO_SUSPECTED", user("kim", Role::Agent));
    escalate.reply_text = "stray".to_owned();
    assert_eq!(propose(&pack, &report, escalate, &ticked(&[])).unwrap().reply_text, None);
    // The record round-trips with its checker role and text.
    let json = serde_json::to_value(&pending).unwrap();
    assert_eq!(json["confirmed_by"], "communications");
    assert_eq!(serde_json::from_value::<Decision>(json).unwrap(), pending);
}

/// Every state, a band override and a CRM reference read back from the record's JSON (the hand
/// reader of `read.rs`); a damaged record names the place.
#[test]
fn records_in_every_state_read_back_and_damage_is_named() {
    let pack = pack();
    let report = ato_report(&pack);
    let items = ato_items_done();
    let mut with_override = draft("restrict_account", "ATO_SUSPECTED", user("eva", Role::Expert));
    with_override.band_override =
        Some(("low".to_owned(), "VERIFIED_OWNER".to_owned(), "owner confirmed on the old number".to_owned()));
    let mut pending = propose(&pack, &report, with_override, &items).unwrap();
    pending.reference = Some("CRM-7".to_owned());
    let at = "2026-11-25T11:00:00Z".to_owned();
    let confirmed = confirm(&pending, user("max", Role::Expert), at.clone(), "agreed".to_owned()).unwrap();
    let rejected = reject(&pending, user("max", Role::Expert), at, "verified".to_owned()).unwrap();
    let decided =
        propose(&pack, &report, draft("escalate", "ATO_SUSPECTED", user("kim", Role::Agent)), &ticked(&[])).unwrap();
    assert!(pending.band_override.is_some() && !pending.snapshot.hits.is_empty());
    let mut public_reply = decided.clone();
    public_reply.confirmed_by = crate::rules::CheckerRole::Communications;
    public_reply.reply_text = Some("Sorry \"Lena\" \\ we sent you a DM\n\u{1}".to_owned());
    let mut review = decided.clone();
    review.qa = Some(QaFindings {
        agent: "kim".to_owned(),
        provider: String::new(),
        severity: Severity::Major,
        missed_steps: vec!["ato-verify".to_owned()],
        ignored_risks: vec![],
    });
    let mut review_with_provider = review.clone();
    if let Some(qa) = review_with_provider.qa.as_mut() {
        qa.provider = "Atlas Care".to_owned();
    }
    for decision in [&pending, &confirmed, &rejected, &decided, &public_reply, &review, &review_with_provider] {
        let json = serde_json::to_string(decision).unwrap();
        assert_eq!(&serde_json::from_str::<Decision>(&json).unwrap(), decision, "{json}");
        // The widget's hand-written record is byte for byte what serde writes.
        assert_eq!(decision.record_text(), json);
    }
    let json = serde_json::to_string(&confirmed).unwrap();
    let error = serde_json::from_str::<Decision>(&json.replacen(r#""role":"expert""#, r#""role":"boss""#, 1))
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("not a decision record: at decision.maker.role: unknown value `boss`"), "{error}");
    let error = serde_json::from_str::<Decision>(&json.replacen(r#""state":"confirmed""#, r#""state":"done""#, 1))
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("not a decision record: at decision.state: unknown state `done`"), "{error}");
    let error = serde_json::from_str::<Decision>(&json.replacen(r#""at":"#, r#""when":"#, 1)).unwrap_err().to_string();
    assert!(error.starts_with("not a decision record: at decision: `at` is missing"), "{error}");
}

#[test]
fn only_experts_override_the_band_and_only_with_reason_and_note() {
    let pack = pack();
    let report = ato_report(&pack);
    let mut by_agent = draft("escalate", "NEEDS_EXPERT", user("kim", Role::Agent));
    by_agent.band_override = Some(("low".to_owned(), "VERIFIED_OWNER".to_owned(), "owner confirmed".to_owned()));
    assert!(matches!(propose(&pack, &report, by_agent, &ticked(&[])), Err(DecisionError::InvalidOverride(_))));
    let mut no_note = draft("escalate", "NEEDS_EXPERT", user("eva", Role::Expert));
    no_note.band_override = Some(("low".to_owned(), "VERIFIED_OWNER".to_owned(), String::new()));
    assert!(matches!(propose(&pack, &report, no_note, &ticked(&[])), Err(DecisionError::InvalidOverride(_))));
    let mut good = draft("escalate", "NEEDS_EXPERT", user("eva", Role::Expert));
    good.band_override = Some((
        "low".to_owned(),
        "VERIFIED_OWNER".to_owned(),
        "owner confirmed on the old number; new card is hers".to_owned(),
    ));
    let decision = propose(&pack, &report, good, &ticked(&[])).unwrap();
    let band_override = decision.band_override.unwrap();
    assert_eq!((band_override.from.as_str(), band_override.to.as_str()), ("critical", "low"));
}

#[test]
fn records_round_trip_and_replay_reports_differences() {
    let pack = pack();
    let report = ato_report(&pack);
    let decision =
        propose(&pack, &report, draft("escalate", "ATO_SUSPECTED", user("kim", Role::Agent)), &ticked(&[])).unwrap();
    let json = serde_json::to_string(&decision).unwrap();
    assert!(json.contains(r#""state":"decided""#), "{json}");
    let back: Decision = serde_json::from_str(&json).unwrap();
    assert_eq!(back, decision);
    assert!(replay_differences(&pack, &report, &decision).is_empty());
    let source = include_str!("../../pkg-config/rules/care.toml");
    let changed = compile_source(
        "care.toml",
        &source.replacen(
            "points = 25\nwhen = \"days_between(account.last_credential_change",
            "points = 20\nwhen = \"days_between(account.last_credential_change",
            1,
        ),
    )
    .unwrap();
    let changed_report = assess(&changed, &CaseFacts::from_json(&changed, &ato_case()).0);
    let differences = replay_differences(&changed, &changed_report, &decision);
    assert!(differences.iter().any(|difference| difference.starts_with("pack hash")), "{differences:?}");
    assert!(
        differences.iter().any(|difference| difference == "rule ATO-001: recorded +25, now +20"),
        "{differences:?}"
    );
}

#[test]
fn an_item_that_only_may_apply_blocks_only_if_the_pack_says_so() {
    let source = |blocks: &str| {
        format!(
            r#"
schema_version = 1
[pack]
id = "t"
version = "1"
[score]
combine = "sum"
[bands]
medium = 30
high = 60
critical = 85
[facts]
"order.total_eur" = {{ type = "money" }}
[[checklist]]
id = "check-value"
text = "Check the order value"
when = "order.total_eur > 100"
required_for = ["close"]
{blocks}
[decisions.reason_codes]
OK = "ok"
[[decisions.outcomes]]
id = "close"
label = "Close"
reason_codes = ["OK"]
requires_second_approval = false
"#
        )
    };
    let maker = user("kim", Role::Agent);
    for (blocks, blocked) in
        [("", true), ("blocks_while_unknown = true", true), ("blocks_while_unknown = false", false)]
    {
        let pack = compile_source("t.toml", &source(blocks)).unwrap();
        // The order value is missing: whether the item applies is unknown.
        let (facts, _) = CaseFacts::from_json(&pack, &serde_json::json!({}));
        let report = assess(&pack, &facts);
        let requirement = &report.outcomes[0];
        assert_eq!(report.indices(requirement.open_items).count(), usize::from(blocked), "{blocks}");
        assert_eq!(report.indices(requirement.unsure_items).count(), usize::from(!blocked), "{blocks}");
        let proposed = propose(&pack, &report, draft("close", "OK", maker.clone()), &ticked(&[]));
        assert_eq!(proposed.is_err(), blocked, "{blocks}: {proposed:?}");
    }
}

#[test]
fn a_quality_review_names_someone_elses_handling_with_the_packs_steps_and_rules_and_feedback() {
    let pack = pack();
    let report = ato_report(&pack);
    let all: SmallSet<String> = pack.checklist.iter().map(|item| item.id.clone()).collect();
    let expert = user("eva", Role::Expert);
    let findings = |agent: &str, steps: &[&str], rules: &[&str], severity| QaFindings {
        agent: agent.to_owned(),
        provider: String::new(),
        severity,
        missed_steps: steps.iter().map(|step| (*step).to_owned()).collect(),
        ignored_risks: rules.iter().map(|rule| (*rule).to_owned()).collect(),
    };
    let review = |qa: Option<QaFindings>, maker: User, note: &str| {
        let mut draft = draft("qa_coaching", "QA_COACHING", maker);
        draft.qa = qa;
        draft.note = note.to_owned();
        propose(&pack, &report, draft, &all)
    };
    let why = |result: Result<Decision, DecisionError>| match result.unwrap_err() {
        DecisionError::InvalidQa(why) => why,
        other => panic!("{other}"),
    };
    let good = findings("kim", &["ato-freeze"], &["ATO-001"], Severity::Major);
    let decision = review(Some(good.clone()), expert.clone(), "freeze first, then talk").unwrap();
    assert_eq!(decision.qa, Some(good.clone()));
    // The record round-trips through its JSON with the findings.
    let json = serde_json::to_value(&decision).unwrap();
    assert_eq!(json["qa"]["missed_steps"], serde_json::json!(["ato-freeze"]));
    assert_eq!(from_value(&json).unwrap(), decision);
    assert_eq!(why(review(None, expert.clone(), "x")), "say whose handling was reviewed");
    assert!(why(review(Some(good.clone()), user("kim2", Role::Agent), "x")).contains("only experts"));
    assert!(why(review(Some(findings("eva", &[], &[], Severity::None)), expert.clone(), "")).contains("own handling"));
    assert!(
        why(review(Some(findings("kim", &["no-such-step"], &[], Severity::Minor)), expert.clone(), "x"))
            .contains("`no-such-step` is no checklist item")
    );
    assert!(
        why(review(Some(findings("kim", &[], &["XYZ-999"], Severity::Minor)), expert.clone(), "x"))
            .contains("`XYZ-999` is no rule")
    );
    assert!(why(review(Some(good.clone()), expert.clone(), "  ")).contains("needs feedback"));
    // Nothing found, nothing to say: an ok review needs no note.
    assert!(review(Some(findings("kim", &[], &[], Severity::None)), expert.clone(), "").is_ok());
    // Findings ride only on QA outcomes.
    let mut refund = draft("escalate", "NEEDS_EXPERT", expert);
    refund.qa = Some(good);
    assert!(matches!(propose(&pack, &report, refund, &all), Err(DecisionError::InvalidQa(_))));
}
