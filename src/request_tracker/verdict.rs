//! The CRM's side of the four-eye rule, without I/O, for Request Tracker and django-helpdesk
//! alike (django-helpdesk's riskpane app hands over the same evidence through
//! `riskpane helpdesk-verdict`; its "transactions" are follow-up ids, "privileged" is staff).
//! Request Tracker's side: RT's scrip (`RT::Action::
//! RiskpaneFourEyes`, through `riskpane rt-verdict`) hands over what RT itself knows about a
//! ticket (its custom fields and first message in the island's shape, its history, the staff
//! comments that carry decision records with their RT authors, the experts group) and the change
//! it is about to keep; this module re-derives each record against the ticket's own data with the
//! pure core (facts through the CRM profile, `assess`, `decision::propose` / `confirm` /
//! `reject`) and says which records RT accepts and whether the change stands.
//!
//! Trusted are only RT's facts: a comment's author, whether they are staff (privileged) and an
//! expert, the transaction order and RT's clock. Nothing in a record counts unless RT's data
//! reproduces it: the maker is the comment's author, the policy (needs a second approval?) and
//! the band come from the ticket's facts, a confirmation must leave the proposal as it was.
//! The input hash covers the assessment time (the `now` fact), so it cannot be reproduced at
//! another moment; score, band and fired rules are compared instead.

use crate::case::CaseFacts;
use crate::decision::{self, Checkers, Decision, DecisionDraft, DecisionState, User};
use crate::engine::assess;
use crate::profile::{CrmProfile, HelpdeskSettings, RawCaseFields, RawValue, RtSettings};
use crate::record_note::{records_in, state_value};
use crate::rules::RulePack;
use crate::value::SmallSet;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The CRM's field names the verdict needs: the guarded fields (decision state, band) and the
/// fact read from the ticket's history, if any.
#[derive(Clone, Copy, Debug)]
pub struct VerdictFields<'a> {
    /// Custom field holding the decision state.
    pub state_field: &'a str,
    /// Custom field holding the band.
    pub band_field: &'a str,
    /// Fact filled with the contacts in the last 7 days from the evidence's history.
    pub history_contacts_fact: Option<&'a str>,
}

impl<'a> VerdictFields<'a> {
    /// Request Tracker's fields.
    #[must_use]
    pub fn of_rt(settings: &'a RtSettings) -> VerdictFields<'a> {
        VerdictFields {
            state_field: &settings.state_field,
            band_field: &settings.band_field,
            history_contacts_fact: settings.history_contacts_fact.as_deref(),
        }
    }

    /// django-helpdesk's fields (no history fact: its evidence carries no history).
    #[must_use]
    pub fn of_helpdesk(settings: &'a HelpdeskSettings) -> VerdictFields<'a> {
        VerdictFields {
            state_field: &settings.state_field,
            band_field: &settings.band_field,
            history_contacts_fact: None,
        }
    }
}

/// What RT knows about a ticket, as the scrip collects it (the JSON `riskpane rt-verdict` reads).
#[derive(Clone, Debug, Deserialize)]
pub struct TicketEvidence {
    /// RT's clock (UTC seconds).
    pub now: i64,
    /// The ticket in the shape of the Mason callback's island (`id`, `created`, `customFields`,
    /// `message`, ...), so the CRM profile's sources apply unchanged.
    pub ticket: Value,
    /// The ticket's transactions as `{"Type", "Created"}` (for the contacts fact).
    #[serde(default)]
    pub history: Vec<Value>,
    /// RT user names of the experts group's members.
    #[serde(default)]
    pub experts: SmallSet<String>,
    /// RT user names of the Communications group's members (they confirm public replies).
    #[serde(default)]
    pub communications: SmallSet<String>,
    /// The ticket's comment transactions (never correspondence) that carry a decision block,
    /// oldest first.
    #[serde(default)]
    pub comments: Vec<EvidenceComment>,
    /// The change RT is about to keep, if the verdict is about one.
    #[serde(default)]
    pub change: Option<Change>,
}

/// A comment transaction with a decision block, as RT stored it.
#[derive(Clone, Debug, Deserialize)]
pub struct EvidenceComment {
    /// RT's transaction id.
    pub transaction: String,
    /// The author's RT user name.
    pub author: String,
    /// The author's real name in RT (their user name when empty).
    #[serde(default)]
    pub author_name: String,
    /// Whether the author is staff (a privileged RT user); customers never are.
    pub privileged: bool,
    /// The comment's text.
    pub content: String,
}

/// A change of the ticket: its status or one of its custom fields.
#[derive(Clone, Debug, Deserialize)]
pub struct Change {
    /// `Status` or the custom field's name.
    pub field: String,
    /// The value before (empty when there was none).
    #[serde(default)]
    pub old: String,
    /// The value after (empty when removed).
    #[serde(default)]
    pub new: String,
    /// The RT user name of whoever made it.
    pub author: String,
    /// For a status: whether it is one of the lifecycle's inactive (closing) statuses.
    #[serde(default)]
    pub closing: bool,
}

/// A decision record RT does not accept, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RefusedRecord {
    /// The comment's transaction.
    pub transaction: String,
    /// The decision id the record names.
    pub decision: String,
    /// Why, in words.
    pub reason: String,
}

/// A record that repeats, word for word, what an earlier comment already recorded: a resend whose
/// first copy landed although its answer was lost. It changes nothing and counts once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RepeatedRecord {
    /// The repeating comment's transaction.
    pub transaction: String,
    /// The decision id the record names.
    pub decision: String,
    /// The transaction that recorded it first.
    pub first: String,
}

/// RT's verdict on a ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Records RT does not accept.
    pub refused: Vec<RefusedRecord>,
    /// Records RT accepted before, repeated by a later comment.
    pub repeated: Vec<RepeatedRecord>,
    /// The accepted decisions, each in its latest accepted state.
    pub decisions: Vec<Decision>,
    /// The score the ticket's data gives now.
    pub score: i64,
    /// The band the ticket's data gives now.
    pub band: String,
    /// Why the change may not stand; `None` when it may (or there is none).
    pub change_refused: Option<String>,
}

/// The verdict on a ticket and, if given, the change about to be kept.
#[must_use]
pub fn verdict(
    pack: &RulePack,
    profile: &CrmProfile,
    fields: &VerdictFields<'_>,
    evidence: &TicketEvidence,
) -> Verdict {
    let facts = ticket_facts(pack, profile, fields, evidence);
    let report = assess(pack, &facts);
    let case_id = value_text(evidence.ticket.get("id"));
    let mut accepted: Vec<Decision> = Vec::new();
    // The transaction that recorded each accepted decision's current state.
    let mut recorded_in: Vec<String> = Vec::new();
    // Index of the decision changed last, so "the ticket's current decision" follows RT's order.
    let mut latest: Option<usize> = None;
    let (mut refused, mut repeated) = (Vec::new(), Vec::new());
    let checkers = evidence.checkers();
    for comment in &evidence.comments {
        for record in records_in(&comment.content) {
            let id = record.id.clone();
            let transaction = comment.transaction.clone();
            match accept(pack, &report, &case_id, &checkers, comment, &record, &mut accepted) {
                Ok(Accepted::Changed(index)) => {
                    recorded_in.resize(accepted.len(), String::new());
                    recorded_in[index] = transaction;
                    latest = Some(index);
                }
                Ok(Accepted::Repeated(index)) => {
                    repeated.push(RepeatedRecord { transaction, decision: id, first: recorded_in[index].clone() });
                }
                Err(reason) => refused.push(RefusedRecord { transaction, decision: id, reason }),
            }
        }
    }
    let current = latest.map(|index| &accepted[index]);
    let band = report.band.name().to_owned();
    let change_refused =
        evidence.change.as_ref().and_then(|change| judge_change(fields, evidence, current, &band, change));
    Verdict { refused, repeated, decisions: accepted, score: report.score, band, change_refused }
}

/// The facts RT's own data gives: the island through the profile's JSON sources, the contacts in
/// the last 7 days from the history, and RT's clock as `now`.
#[must_use]
pub fn ticket_facts(
    pack: &RulePack,
    profile: &CrmProfile,
    fields: &VerdictFields<'_>,
    evidence: &TicketEvidence,
) -> CaseFacts {
    let mut raw = RawCaseFields::default();
    for (fact, source) in &profile.sources {
        if source.json.is_some()
            && let Some(value) = evidence.ticket.pointer(source.pointer.as_deref().unwrap_or(""))
        {
            raw.values.insert(fact.clone(), RawValue::Json(value.clone()));
        }
    }
    if let Some(fact) = fields.history_contacts_fact {
        let contacts = super::contacts_within(&evidence.history, evidence.now, 7);
        raw.merge_json(pack, &json!({ fact: contacts }));
    }
    CaseFacts::from_raw(pack, profile, &raw, evidence.now).0
}

fn value_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => String::new(),
    }
}

impl TicketEvidence {
    /// Who checks decisions, by the CRM's groups.
    #[must_use]
    pub fn checkers(&self) -> Checkers {
        Checkers { experts: self.experts.clone(), communications: self.communications.clone() }
    }
}

/// The RT user behind a comment, as the widget names them (real name, else user name).
fn author_of(comment: &EvidenceComment, checkers: &Checkers) -> User {
    let name = if comment.author_name.trim().is_empty() { comment.author.clone() } else { comment.author_name.clone() };
    User { id: comment.author.clone(), name, role: checkers.role_of(&comment.author) }
}

/// What an accepted record did to the decisions, by index into them.
enum Accepted {
    /// It made the decision or moved it to a new state.
    Changed(usize),
    /// It says word for word what the decision already says.
    Repeated(usize),
}

/// Accepts one record into `accepted` (saying which decision it made, changed or repeated), or
/// says why RT refuses it.
fn accept(
    pack: &RulePack,
    report: &crate::engine::ScoreReport,
    case_id: &str,
    checkers: &Checkers,
    comment: &EvidenceComment,
    record: &Decision,
    accepted: &mut Vec<Decision>,
) -> Result<Accepted, String> {
    if !comment.privileged {
        return Err(format!("{} is not staff: only staff comments carry decisions", comment.author));
    }
    if record.case_id != case_id {
        return Err(format!("the record is for ticket {}, not this ticket {case_id}", record.case_id));
    }
    let author = author_of(comment, checkers);
    let known = accepted.iter().position(|decision| decision.id == record.id);
    match (&record.state, known) {
        (DecisionState::Decided | DecisionState::PendingConfirmation, None) => {
            // A quality review reviews the handling of someone who decided on this ticket.
            if let Some(qa) = &record.qa
                && !accepted.iter().any(|earlier| earlier.maker.id == qa.agent)
            {
                return Err(format!("the quality review names {}, who made no decision on this ticket", qa.agent));
            }
            let expected = reproduce(pack, report, record, author)?;
            accepted.push(expected);
            Ok(Accepted::Changed(accepted.len() - 1))
        }
        (_, Some(index)) if without_reference(record) == without_reference(&accepted[index]) => {
            // The same author's resend after a lost answer (the author must be the one the
            // accepted state names: a copy posted by someone else is no repeat of theirs).
            let author_id = &author.id;
            let by = match &accepted[index].state {
                DecisionState::Confirmed { by, .. } | DecisionState::Rejected { by, .. } => &by.id,
                DecisionState::Decided | DecisionState::PendingConfirmation => &accepted[index].maker.id,
            };
            if by == author_id {
                Ok(Accepted::Repeated(index))
            } else {
                Err(format!("decision {} was recorded by {by}; {author_id} cannot record it again", record.id))
            }
        }
        (DecisionState::Decided | DecisionState::PendingConfirmation, Some(_)) => {
            Err(format!("decision {} was already recorded; a record cannot change it", record.id))
        }
        (
            DecisionState::Confirmed { at, note_of_checker, .. } | DecisionState::Rejected { at, note_of_checker, .. },
            Some(index),
        ) => {
            let proposal = &accepted[index];
            let check = if matches!(record.state, DecisionState::Confirmed { .. }) {
                decision::Check::Confirm
            } else {
                decision::Check::Reject
            };
            let checked = check
                .apply(proposal, author, at.clone(), note_of_checker.clone())
                .map_err(|error| error.to_string())?;
            if without_reference(record) != without_reference(&checked) {
                return Err(
                    "a confirmation or rejection must leave the proposal as it was (only the checker's note is new)"
                        .to_owned(),
                );
            }
            accepted[index] = checked;
            Ok(Accepted::Changed(index))
        }
        (DecisionState::Confirmed { .. } | DecisionState::Rejected { .. }, None) => {
            Err(format!("decision {} has no accepted proposal to confirm or reject", record.id))
        }
    }
}

fn without_reference(decision: &Decision) -> Decision {
    Decision { reference: None, ..decision.clone() }
}

/// The proposal as the ticket's data and the pack's policy make it for this author; the record
/// must say the same.
fn reproduce(
    pack: &RulePack,
    report: &crate::engine::ScoreReport,
    record: &Decision,
    author: User,
) -> Result<Decision, String> {
    if record.maker != author {
        return Err(format!(
            "the record names {} ({}, {:?}) as its maker; RT says the comment is by {} ({}, {:?})",
            record.maker.name, record.maker.id, record.maker.role, author.name, author.id, author.role
        ));
    }
    if record.pack_hash != *report.pack_hash {
        return Err(format!("the record was made with another rule pack ({} {})", record.pack_id, record.pack_version));
    }
    // The data first: a record scored on other facts is refused for that, whatever else it says.
    let now = decision::snapshot_of(pack, report);
    if record.snapshot.band != now.band || record.snapshot.score != now.score {
        return Err(format!(
            "the record says score {} band {}; the ticket's data gives score {} band {}",
            record.snapshot.score, record.snapshot.band, now.score, now.band
        ));
    }
    let draft = DecisionDraft::of_record(record, author, record.created_at.clone());
    let ticked: SmallSet<String> = record.checklist_done.iter().cloned().collect();
    let expected = decision::propose(pack, report, draft, &ticked).map_err(|error| error.to_string())?;
    if expected.confirmed_by != record.confirmed_by || expected.reply_text != record.reply_text {
        return Err(format!(
            "the record says `{}` is confirmed by {} with {}; the pack's policy says {} with {}",
            record.outcome,
            record.confirmed_by.name(),
            if record.reply_text.is_some() { "a reply text" } else { "no reply text" },
            expected.confirmed_by.name(),
            if expected.reply_text.is_some() { "a reply text" } else { "no reply text" },
        ));
    }
    if expected.requires_second_approval && record.state == DecisionState::Decided {
        return Err(format!(
            "`{}` needs a second approval here (four-eye rule); the record says it is decided",
            record.outcome
        ));
    }
    // The record as written is what a confirmation must repeat; a record may ask for four eyes
    // where the policy does not, and then waits like any proposal.
    Ok(without_reference(record))
}

/// Why `change` may not stand, given the ticket's current accepted decision.
fn judge_change(
    fields: &VerdictFields<'_>,
    evidence: &TicketEvidence,
    current: Option<&Decision>,
    band: &str,
    change: &Change,
) -> Option<String> {
    let by_expert = evidence.experts.contains(&change.author);
    if change.field == fields.state_field {
        let expected = current.map_or("", |decision| state_value(&decision.state));
        if change.new.is_empty() || change.new == expected {
            let checker = match current.map(|decision| &decision.state) {
                Some(DecisionState::Confirmed { by, .. } | DecisionState::Rejected { by, .. }) => Some(&by.id),
                _ => None,
            };
            return match checker {
                Some(checker) if !change.new.is_empty() && *checker != change.author => Some(format!(
                    "{} is not the checker of the decision ({checker} is): only the checker sets {}",
                    change.author, fields.state_field
                )),
                _ => None,
            };
        }
        return Some(match current {
            None => format!("{} `{}` without an accepted decision record", fields.state_field, change.new),
            Some(decision) => {
                format!("the accepted decision {} is {}, not {}", decision.id, state_value(&decision.state), change.new)
            }
        });
    }
    if change.field == "Status" && change.closing {
        return match current.map(|decision| &decision.state) {
            Some(DecisionState::Decided | DecisionState::Confirmed { .. }) => None,
            Some(DecisionState::PendingConfirmation) => Some(format!(
                "decision {} waits for a second approval (four-eye rule): the ticket stays open",
                current.map(|decision| decision.id.as_str()).unwrap_or_default()
            )),
            Some(DecisionState::Rejected { .. }) | None if by_expert => None,
            Some(DecisionState::Rejected { .. }) => {
                Some("the decision was rejected: only an expert closes the ticket now".to_owned())
            }
            None => Some("no accepted decision: only an expert closes a risk ticket without one".to_owned()),
        };
    }
    if change.field == fields.band_field && !by_expert && !change.new.is_empty() {
        let decided_band = current.map(|decision| {
            decision
                .band_override
                .as_ref()
                .map_or(decision.snapshot.band.as_str(), |band_override| band_override.to.as_str())
        });
        if change.new != band && Some(change.new.as_str()) != decided_band {
            return Some(format!("only experts override the band: the ticket's data gives {band}, not {}", change.new));
        }
    }
    None
}
