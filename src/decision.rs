//! Decisions: what an agent or expert decides on a case, checked against the pack's decision
//! policy, and the four-eye flow (one person proposes, a different person confirms or rejects).
//!
//! Pure: ids and timestamps are passed in (the host makes UUIDs and reads the clock). A `Decision`
//! carries everything an auditor needs to re-compute its score: the score snapshot, the pack's id,
//! version and hash, the input hash and the checklist state at decision time. Its JSON form is the
//! decision record (docs/decision-record.md) that `riskpane replay` verifies.

use crate::engine::{ChecklistStatus, RiskBand, ScoreReport};
use crate::rules::{CheckerRole, RulePack};
use crate::value::SmallSet;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who works with the widget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Handles cases.
    Agent,
    /// Risk mitigation expert: confirms, rejects, overrides bands.
    Expert,
    /// Communications: confirms or rejects what is said in public (`confirmed_by = "communications"`
    /// outcomes); proposes nothing.
    Communications,
}

impl Role {
    /// The name in records and reports (`agent`, `expert`, `communications`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Expert => "expert",
            Role::Communications => "communications",
        }
    }

    /// Whether someone in this role may confirm or reject a decision that `needed` must check.
    #[must_use]
    pub fn checks(self, needed: CheckerRole) -> bool {
        matches!(
            (self, needed),
            (Role::Expert, CheckerRole::Expert) | (Role::Communications, CheckerRole::Communications)
        )
    }
}

/// Who checks decisions, as a CRM's groups say: the members (CRM user names or ids) of the
/// experts group and of the Communications group. Everyone else is an agent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checkers {
    /// Risk experts.
    pub experts: SmallSet<String>,
    /// Communications (approvers of public replies).
    pub communications: SmallSet<String>,
}

impl Checkers {
    /// The role of the CRM user `id` (an expert who is also in Communications is an expert).
    #[must_use]
    pub fn role_of(&self, id: &str) -> Role {
        if self.experts.contains(id) {
            Role::Expert
        } else if self.communications.contains(id) {
            Role::Communications
        } else {
            Role::Agent
        }
    }
}

/// A person, as the CRM identifies them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Stable id from the CRM.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// The score a decision was made on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreSnapshot {
    /// 0..=100.
    pub score: i64,
    /// Band name.
    pub band: String,
    /// Fired rules: `(rule id, points)`, in pack order.
    pub hits: Vec<(String, i64)>,
}

/// An expert's change of the band, with the reason; later backtests use it as the label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BandOverride {
    /// The band the score gave.
    pub from: String,
    /// The band the expert sets.
    pub to: String,
    /// Reason code from the pack's decision policy.
    pub reason_code: String,
    /// Why, in words (required).
    pub note: String,
}

/// The outcomes of an expert's quality review of earlier handling (the care pack's QA outcomes);
/// a decision with one of them carries its [`QaFindings`].
pub const QA_OUTCOMES: [&str; 3] = ["qa_ok", "qa_coaching", "qa_reopen"];

/// How bad a QA finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Nothing wrong.
    None,
    /// A step done late or incompletely, no harm.
    Minor,
    /// A step missed that could have cost money or data.
    Major,
    /// Money or data lost, or a legal deadline missed.
    Critical,
}

impl Severity {
    /// All, in report order.
    pub const ALL: [Severity; 4] = [Severity::None, Severity::Minor, Severity::Major, Severity::Critical];

    /// The name in records and reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Critical => "critical",
        }
    }

    /// By name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|severity| severity.name() == name)
    }
}

/// An expert's quality review of how an earlier tier handled the case (issue 17,
/// docs/qa-review.md), carried by a decision with a QA outcome; the feedback is the decision's note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QaFindings {
    /// Whose handling was reviewed: the CRM id of the maker of an earlier decision on the case.
    pub agent: String,
    /// The agent's service provider, set by the CRM from its own directory (never by the browser;
    /// empty where the CRM keeps none).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub provider: String,
    /// How bad.
    pub severity: Severity,
    /// Checklist item ids of the pack the handling missed.
    pub missed_steps: Vec<String>,
    /// Rule ids of the pack whose risk the handling ignored.
    pub ignored_risks: Vec<String>,
}

/// Where a decision stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DecisionState {
    /// Final: no second approval needed.
    Decided,
    /// Waits for a different person to confirm or reject.
    PendingConfirmation,
    /// Confirmed by a second person.
    Confirmed {
        /// The checker.
        by: User,
        /// When (RFC 3339).
        at: String,
        /// Their note.
        note_of_checker: String,
    },
    /// Rejected by a second person.
    Rejected {
        /// The checker.
        by: User,
        /// When (RFC 3339).
        at: String,
        /// Why (required).
        note_of_checker: String,
    },
}

/// A decision on a case. Read by hand (`read.rs`), written by serde.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// UUID, made by the host; also the idempotency key towards the CRM.
    pub id: String,
    /// The CRM's case id.
    pub case_id: String,
    /// Outcome id from the pack's decision policy.
    pub outcome: String,
    /// Reason code allowed for the outcome.
    pub reason_code: String,
    /// Free text.
    pub note: String,
    /// Who proposed it.
    pub maker: User,
    /// When (RFC 3339, passed in).
    pub created_at: String,
    /// The score it was made on.
    pub snapshot: ScoreSnapshot,
    /// Pack id.
    pub pack_id: String,
    /// Pack version.
    pub pack_version: String,
    /// SHA-256 of the pack's canonical form.
    pub pack_hash: String,
    /// SHA-256 of the case's canonical facts.
    pub input_hash: String,
    /// Checklist items done at decision time (by the case data or ticked).
    pub checklist_done: Vec<String>,
    /// The four-eye rule applied.
    pub requires_second_approval: bool,
    /// Which role the second person must hold (the outcome's `confirmed_by`; absent: expert).
    #[serde(default, skip_serializing_if = "CheckerRole::is_expert")]
    pub confirmed_by: CheckerRole,
    /// The text to publish, for outcomes that carry one (a public reply); the checker sees it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_text: Option<String>,
    /// An expert's band override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub band_override: Option<BandOverride>,
    /// An expert's quality review of earlier handling (QA outcomes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qa: Option<QaFindings>,
    /// The CRM's reference, once stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Where it stands.
    #[serde(flatten)]
    pub state: DecisionState,
}

/// What a user fills in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionDraft {
    /// Decision id (UUID from the host).
    pub id: String,
    /// The CRM's case id.
    pub case_id: String,
    /// Outcome id.
    pub outcome: String,
    /// Reason code.
    pub reason_code: String,
    /// Note.
    pub note: String,
    /// Band override: target band name, reason code and note.
    pub band_override: Option<(String, String, String)>,
    /// The text to publish (outcomes with `reply_text`; ignored by the others).
    pub reply_text: String,
    /// The quality review's findings (QA outcomes need them, the others take none).
    pub qa: Option<QaFindings>,
    /// Who.
    pub maker: User,
    /// When (RFC 3339).
    pub created_at: String,
}

impl DecisionDraft {
    /// The draft a received decision record claims to come from, as `maker` (whom the CRM knows
    /// as its author) at `created_at`: a CRM re-derives the record from it with [`propose`].
    #[must_use]
    pub fn of_record(record: &Decision, maker: User, created_at: String) -> DecisionDraft {
        DecisionDraft {
            id: record.id.clone(),
            case_id: record.case_id.clone(),
            outcome: record.outcome.clone(),
            reason_code: record.reason_code.clone(),
            note: record.note.clone(),
            band_override: record
                .band_override
                .as_ref()
                .map(|band| (band.to.clone(), band.reason_code.clone(), band.note.clone())),
            reply_text: record.reply_text.clone().unwrap_or_default(),
            qa: record.qa.clone(),
            maker,
            created_at,
        }
    }
}

/// Why a decision cannot be made or changed. Messages are for the UI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecisionError {
    /// The outcome is not in the pack's policy.
    UnknownOutcome(String),
    /// The reason code is not allowed for the outcome.
    ReasonNotAllowed {
        /// The outcome.
        outcome: String,
        /// The code given.
        reason_code: String,
    },
    /// Required checklist items are not done.
    ChecklistOpen(Vec<String>),
    /// A band override needs an expert, a valid band, a reason code and a note.
    InvalidOverride(String),
    /// Only a pending decision can be confirmed or rejected.
    NotPending,
    /// The maker can never confirm or reject their own decision.
    SameUser,
    /// Only the role the outcome names (`confirmed_by`) confirms or rejects.
    WrongChecker(CheckerRole),
    /// Rejecting needs a note.
    NoteRequired,
    /// The outcome publishes a text, and none was given.
    ReplyTextRequired,
    /// Communications confirms public replies; it proposes no decisions.
    NotAMaker,
    /// A quality review's findings are missing, not allowed or not valid; the text says which.
    InvalidQa(String),
}

impl fmt::Display for DecisionError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecisionError::UnknownOutcome(outcome) => write!(formatter, "unknown outcome `{outcome}`"),
            DecisionError::ReasonNotAllowed { outcome, reason_code } => {
                write!(formatter, "reason code `{reason_code}` is not allowed for `{outcome}`")
            }
            DecisionError::ChecklistOpen(items) => {
                write!(formatter, "checklist items still open: {}", items.join(", "))
            }
            DecisionError::InvalidOverride(why) => write!(formatter, "band override rejected: {why}"),
            DecisionError::NotPending => {
                write!(formatter, "only a decision pending confirmation can be confirmed or rejected")
            }
            DecisionError::SameUser => {
                write!(formatter, "the maker of a decision cannot confirm or reject it (four-eye rule)")
            }
            DecisionError::WrongChecker(CheckerRole::Expert) => {
                write!(formatter, "only an expert can confirm or reject a decision")
            }
            DecisionError::WrongChecker(CheckerRole::Communications) => {
                write!(formatter, "only Communications can confirm or reject a public reply (four-eye rule)")
            }
            DecisionError::NoteRequired => write!(formatter, "a rejection needs a note"),
            DecisionError::ReplyTextRequired => write!(formatter, "this outcome needs the text of the reply"),
            DecisionError::NotAMaker => {
                write!(formatter, "Communications confirms or rejects public replies; it does not propose decisions")
            }
            DecisionError::InvalidQa(why) => write!(formatter, "quality review rejected: {why}"),
        }
    }
}

impl std::error::Error for DecisionError {}

/// Checks a draft against the pack's policy and the case's report, and makes the decision.
/// `ticked` holds the checklist items the user ticked; items the case data shows done count too.
///
/// # Errors
/// Unknown outcome, a reason code not allowed for it, required checklist items still open, an
/// invalid band override, a missing reply text, or a maker who may not propose (Communications).
pub fn propose(
    pack: &RulePack,
    report: &ScoreReport,
    draft: DecisionDraft,
    ticked: &SmallSet<String>,
) -> Result<Decision, DecisionError> {
    if draft.maker.role == Role::Communications {
        return Err(DecisionError::NotAMaker);
    }
    let Some((outcome_index, outcome)) = pack.decision_policy.outcome(&draft.outcome) else {
        return Err(DecisionError::UnknownOutcome(draft.outcome));
    };
    check_qa(pack, &draft)?;
    let reply_text = match (outcome.reply_text, draft.reply_text.trim()) {
        (false, _) => None,
        (true, "") => return Err(DecisionError::ReplyTextRequired),
        (true, _) => Some(draft.reply_text),
    };
    let allowed =
        outcome.reason_codes.iter().any(|&code| pack.decision_policy.reason_codes[code].code == draft.reason_code);
    if !allowed {
        return Err(DecisionError::ReasonNotAllowed { outcome: draft.outcome, reason_code: draft.reason_code });
    }
    let band_override = match draft.band_override {
        None => None,
        Some((to, reason_code, note)) => {
            if draft.maker.role != Role::Expert {
                return Err(DecisionError::InvalidOverride("only experts may override the band".to_owned()));
            }
            if RiskBand::from_name(&to).is_none() {
                return Err(DecisionError::InvalidOverride(format!("`{to}` is not a band")));
            }
            if !pack.decision_policy.reason_codes.iter().any(|code| code.code == reason_code) {
                return Err(DecisionError::InvalidOverride(format!("unknown reason code `{reason_code}`")));
            }
            if note.trim().is_empty() {
                return Err(DecisionError::InvalidOverride("a note saying why is required".to_owned()));
            }
            Some(BandOverride { from: report.band.name().to_owned(), to, reason_code, note })
        }
    };
    let requirement = report.outcomes.iter().find(|requirement| requirement.outcome == outcome_index);
    if let Some(requirement) = requirement {
        let open: Vec<String> = report
            .indices(requirement.open_items)
            .map(|item| pack.checklist[item].id.clone())
            .filter(|id| !ticked.contains(id))
            .collect();
        if !open.is_empty() {
            return Err(DecisionError::ChecklistOpen(open));
        }
    }
    let requires_second_approval = requirement.is_none_or(|requirement| requirement.second_approval.is_required());
    let checklist_done = report
        .checklist
        .iter()
        .filter(|entry| entry.status == ChecklistStatus::Done || ticked.contains(&pack.checklist[entry.item].id))
        .map(|entry| pack.checklist[entry.item].id.clone())
        .collect();
    Ok(Decision {
        id: draft.id,
        case_id: draft.case_id,
        outcome: draft.outcome,
        reason_code: draft.reason_code,
        note: draft.note,
        maker: draft.maker,
        created_at: draft.created_at,
        snapshot: snapshot_of(pack, report),
        pack_id: pack.id.clone(),
        pack_version: pack.version.clone(),
        pack_hash: String::from(&*report.pack_hash),
        input_hash: String::from(&*report.input_hash),
        checklist_done,
        requires_second_approval,
        confirmed_by: outcome.confirmed_by,
        reply_text,
        band_override,
        qa: draft.qa,
        reference: None,
        state: if requires_second_approval { DecisionState::PendingConfirmation } else { DecisionState::Decided },
    })
}

/// A QA outcome carries findings, no other outcome does; the reviewer is an expert reviewing
/// someone else's handling; the steps and risks are the pack's; findings need feedback (the note).
fn check_qa(pack: &RulePack, draft: &DecisionDraft) -> Result<(), DecisionError> {
    let invalid = |why: String| Err(DecisionError::InvalidQa(why));
    let is_qa_outcome = QA_OUTCOMES.contains(&draft.outcome.as_str());
    let Some(qa) = &draft.qa else {
        return if is_qa_outcome { invalid("say whose handling was reviewed".to_owned()) } else { Ok(()) };
    };
    if !is_qa_outcome {
        return invalid(format!("`{}` is no quality review outcome", draft.outcome));
    }
    if draft.maker.role != Role::Expert {
        return invalid("only experts review earlier handling".to_owned());
    }
    if qa.agent.trim().is_empty() {
        return invalid("say whose handling was reviewed".to_owned());
    }
    if qa.agent == draft.maker.id {
        return invalid("an expert does not review their own handling (four-eye rule)".to_owned());
    }
    if let Some(step) = qa.missed_steps.iter().find(|step| !pack.checklist.iter().any(|item| &item.id == *step)) {
        return invalid(format!("`{step}` is no checklist item of the pack"));
    }
    if let Some(rule) = qa.ignored_risks.iter().find(|rule| !pack.rules.iter().any(|known| &known.id == *rule)) {
        return invalid(format!("`{rule}` is no rule of the pack"));
    }
    let has_finding = qa.severity > Severity::None || !qa.missed_steps.is_empty() || !qa.ignored_risks.is_empty();
    if has_finding && draft.note.trim().is_empty() {
        return invalid("a finding needs feedback for the agent (the note)".to_owned());
    }
    Ok(())
}

/// The score snapshot of a report.
#[must_use]
pub fn snapshot_of(pack: &RulePack, report: &ScoreReport) -> ScoreSnapshot {
    ScoreSnapshot {
        score: report.score,
        band: report.band.name().to_owned(),
        hits: report.hits.iter().map(|hit| (pack.rules[hit.rule].id.clone(), hit.points)).collect(),
    }
}

fn check_checker(decision: &Decision, checker: &User) -> Result<(), DecisionError> {
    if decision.state != DecisionState::PendingConfirmation {
        return Err(DecisionError::NotPending);
    }
    if checker.id == decision.maker.id {
        return Err(DecisionError::SameUser);
    }
    if !checker.role.checks(decision.confirmed_by) {
        return Err(DecisionError::WrongChecker(decision.confirmed_by));
    }
    Ok(())
}

/// What a checker does with a pending decision under the four-eye rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Confirm it ([`confirm`]).
    Confirm,
    /// Reject it, saying why ([`reject`]).
    Reject,
}

impl Check {
    /// Confirms or rejects `decision` as `checker`.
    ///
    /// # Errors
    /// As [`confirm`] and [`reject`].
    pub fn apply(
        self,
        decision: &Decision,
        checker: User,
        at: String,
        note: String,
    ) -> Result<Decision, DecisionError> {
        match self {
            Check::Confirm => confirm(decision, checker, at, note),
            Check::Reject => reject(decision, checker, at, note),
        }
    }
}

/// A different person in the role the outcome names (an expert, or Communications for a public
/// reply) confirms a pending decision.
///
/// # Errors
/// Not pending, the maker themself, or not in that role.
pub fn confirm(decision: &Decision, checker: User, at: String, note: String) -> Result<Decision, DecisionError> {
    check_checker(decision, &checker)?;
    Ok(Decision { state: DecisionState::Confirmed { by: checker, at, note_of_checker: note }, ..decision.clone() })
}

/// A different person in the role the outcome names rejects a pending decision, saying why.
///
/// # Errors
/// Not pending, the maker themself, not in that role, or no note.
pub fn reject(decision: &Decision, checker: User, at: String, note: String) -> Result<Decision, DecisionError> {
    check_checker(decision, &checker)?;
    if note.trim().is_empty() {
        return Err(DecisionError::NoteRequired);
    }
    Ok(Decision { state: DecisionState::Rejected { by: checker, at, note_of_checker: note }, ..decision.clone() })
}

/// Differences between a decision's recorded score and a re-computation (empty when identical).
#[must_use]
pub fn replay_differences(pack: &RulePack, report: &ScoreReport, decision: &Decision) -> Vec<String> {
    let mut differences = Vec::new();
    if decision.pack_hash != *report.pack_hash {
        differences.push(format!("pack hash: recorded {}, now {}", decision.pack_hash, report.pack_hash));
    }
    if decision.input_hash != *report.input_hash {
        differences.push(format!("input hash: recorded {}, now {}", decision.input_hash, report.input_hash));
    }
    let now = snapshot_of(pack, report);
    if decision.snapshot.score != now.score {
        differences.push(format!("score: recorded {}, now {}", decision.snapshot.score, now.score));
    }
    if decision.snapshot.band != now.band {
        differences.push(format!("band: recorded {}, now {}", decision.snapshot.band, now.band));
    }
    for (rule, points) in &decision.snapshot.hits {
        match now.hits.iter().find(|(id, _)| id == rule) {
            None => differences.push(format!("rule {rule} ({points:+}) fired then, not now")),
            Some((_, now_points)) if now_points != points => {
                differences.push(format!("rule {rule}: recorded {points:+}, now {now_points:+}"));
            }
            Some(_) => {}
        }
    }
    for (rule, points) in &now.hits {
        if !decision.snapshot.hits.iter().any(|(id, _)| id == rule) {
            differences.push(format!("rule {rule} ({points:+}) fires now, not then"));
        }
    }
    differences
}

/// A decision record out of a parsed JSON tree (docs/decision-record.md), the way every reader
/// of records goes: the widget (its JSON parsed by the browser, `json::parse`) and, through
/// `Deserialize`, serde.
///
/// # Errors
/// What is missing or wrong, and where (`not a decision record: at decision.snapshot.score: …`).
pub fn from_value(value: &serde_json::Value) -> Result<Decision, String> {
    read::decision(value).map_err(|error| format!("not a decision record: at decision{error}"))
}

impl<'de> Deserialize<'de> for Decision {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Decision, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        from_value(&value).map_err(serde::de::Error::custom)
    }
}

mod read;
mod write;
#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests;
