//! The widget's state machine: `WidgetState::apply(event) -> WidgetState`, pure and tested
//! natively. The Yew components only render a state and emit intents; `host/` turns page and
//! network happenings into events. Scoring happens here (`assess` is pure), so every state that
//! shows a score also holds the report that explains it.

use crate::case::{CaseFacts, FieldIssue};
use crate::decision::{Decision, User};
use crate::engine::{ChecklistStatus, ScoreReport, assess};
use crate::profile::CrmProfile;
use crate::rules::RulePack;
use crate::value::{SmallMap, SmallSet};
use std::rc::Rc;

/// Language of everything the widget itself says (rule texts come from the pack).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Language {
    /// English.
    #[default]
    En,
    /// German.
    De,
}

impl Language {
    /// `de…` is German, anything else English.
    #[must_use]
    pub fn from_tag(tag: &str) -> Language {
        if tag.trim().to_ascii_lowercase().starts_with("de") { Language::De } else { Language::En }
    }

    /// `en` or `de`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::De => "de",
        }
    }
}

/// A case that has been read and scored.
#[derive(Debug, PartialEq)]
pub struct ScoredCase {
    /// The typed facts.
    pub facts: CaseFacts,
    /// Values that could not be used.
    pub issues: Vec<FieldIssue>,
    /// The score report.
    pub report: ScoreReport,
    /// The case's identity (checklist ticks are kept per case).
    pub case_key: String,
}

/// A decision the CRM refused for good (4xx, not a fault to retry): shown to its maker until they
/// dismiss it or [`REFUSED_RETENTION_MS`] has passed. The free-text note is not kept.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RefusedDecision {
    /// The decision's id.
    pub id: String,
    /// The case it was for.
    pub case_id: String,
    /// The outcome it proposed.
    pub outcome: String,
    /// Why the CRM refused it, in the CRM's words.
    pub reason: String,
    /// When it was refused (ms since the epoch).
    pub refused_at_ms: f64,
}

/// How long a refused decision is shown to its maker if they never dismiss it: seven days.
pub const REFUSED_RETENTION_MS: f64 = 7.0 * 24.0 * 3_600_000.0;

impl RefusedDecision {
    /// The record kept of `decision` after the CRM refused it with `reason`.
    #[must_use]
    pub fn of(decision: &Decision, reason: &str, now_ms: f64) -> RefusedDecision {
        RefusedDecision {
            id: decision.id.clone(),
            case_id: decision.case_id.clone(),
            outcome: decision.outcome.clone(),
            reason: reason.chars().take(300).collect(),
            refused_at_ms: now_ms,
        }
    }

    /// One kept in the browser's storage, read back (the derived `Deserialize` is for native
    /// callers; the widget reads by hand, issue 15).
    ///
    /// # Errors
    /// What is missing or wrong.
    pub fn from_value(value: &serde_json::Value) -> Result<RefusedDecision, String> {
        use crate::json::{field, object, string};
        let entry = object(value)?;
        Ok(RefusedDecision {
            id: field(entry, "id", string)?,
            case_id: field(entry, "case_id", string)?,
            outcome: field(entry, "outcome", string)?,
            reason: field(entry, "reason", string)?,
            refused_at_ms: field(entry, "refused_at_ms", |value| {
                value.as_f64().ok_or_else(|| ": expected a number".to_owned())
            })?,
        })
    }

    /// The entry as JSON text, byte for byte what its derived `Serialize` writes (the widget
    /// writes it by hand, issue 15).
    #[must_use]
    pub fn record_text(&self) -> String {
        use crate::json::write::{push_key, push_text_fields};
        let mut out = String::from("{");
        push_text_fields(
            &mut out,
            &[("id", &self.id), ("case_id", &self.case_id), ("outcome", &self.outcome), ("reason", &self.reason)],
        );
        push_key(&mut out, "refused_at_ms");
        match serde_json::Number::from_f64(self.refused_at_ms) {
            Some(number) => out.push_str(&number.to_string()),
            None => out.push_str("null"),
        }
        out.push('}');
        out
    }

    /// Whether it is still shown at `now_ms`.
    #[must_use]
    pub fn is_current(&self, now_ms: f64) -> bool {
        now_ms - self.refused_at_ms < REFUSED_RETENTION_MS
    }
}

/// Where the widget is.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Waiting for the rule pack and CRM profile.
    Loading,
    /// The pack or profile could not be loaded; the message says why.
    Failed(String),
    /// Configured, waiting for the first reading of the case.
    Ready,
    /// The case on the page, scored.
    Scored(Rc<ScoredCase>),
}

/// Where the agent's decision is.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum SubmitState {
    /// Nothing submitted yet.
    #[default]
    Idle,
    /// The draft breaks the decision policy; the message says how (e.g. which items are open).
    Invalid(String),
    /// Being sent to the CRM (it waits in the outbox meanwhile).
    Sending,
    /// The CRM stored it under this reference.
    Sent(String),
    /// Sending failed; it stays in the outbox and is retried.
    Failed(String),
    /// The CRM refused it for good; it left the outbox (see [`WidgetState::refused`]).
    Refused(String),
}

/// The decision form as the user filled it in: the widget's state, not the page's DOM, so the host
/// proposes exactly what the form shows.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DecisionForm {
    /// The chosen outcome's id.
    pub outcome: Option<String>,
    /// The chosen reason code (the outcome's first until another is chosen).
    pub reason_code: String,
    /// The agent's note.
    pub note: String,
    /// An expert's band override (a band name), `None` to keep the score's band.
    pub band_override: Option<String>,
    /// Why the band is overridden.
    pub override_note: String,
    /// The text to publish, for outcomes that carry one (a public reply for Communications).
    pub reply_text: String,
    /// Notes typed next to pending decisions, by decision id (the checker's note).
    pub check_notes: SmallMap<String, String>,
    /// A quality review (QA outcomes): whose handling (a maker's CRM id; empty: not chosen).
    pub qa_agent: String,
    /// The review's severity (`none`, `minor`, `major`, `critical`; empty: none).
    pub qa_severity: String,
    /// Checklist item ids the handling missed, in the order ticked (a `Vec`: no B-tree code).
    pub qa_missed: Vec<String>,
    /// Rule ids whose risk the handling ignored, in the order ticked.
    pub qa_ignored: Vec<String>,
}

impl DecisionForm {
    /// Forgets the quality review's findings (another case, another user).
    fn clear_qa(&mut self) {
        self.qa_agent.clear();
        self.qa_severity.clear();
        self.qa_missed.clear();
        self.qa_ignored.clear();
    }

    /// The checker's note typed next to decision `id` (empty if none).
    #[must_use]
    pub fn check_note(&self, id: &str) -> &str {
        self.check_notes.get(id).map_or("", String::as_str)
    }
}

/// One edit of the decision form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormEdit {
    /// An outcome was chosen (`""`: none).
    Outcome(String),
    /// A reason code was chosen.
    ReasonCode(String),
    /// The note changed.
    Note(String),
    /// The band override changed (`None`: keep the score's band).
    BandOverride(Option<String>),
    /// The override's note changed.
    OverrideNote(String),
    /// The text to publish changed.
    ReplyText(String),
    /// The quality review's reviewed agent was chosen.
    QaAgent(String),
    /// The quality review's severity was chosen.
    QaSeverity(String),
    /// A checklist item was ticked or unticked as missed by the reviewed handling.
    QaMissed(String),
    /// A rule was ticked or unticked as ignored by the reviewed handling.
    QaIgnored(String),
    /// The checker's note next to a pending decision changed.
    CheckNote {
        /// The decision's id.
        decision: String,
        /// The note.
        note: String,
    },
}

/// An expert's pattern report in the making (issue 17): which of the case's offered marks
/// (`pattern::candidates`, by index) are chosen, the category and the note; and how sending went.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PatternForm {
    /// The case the marks belong to (marks never carry over to another case).
    pub case_key: String,
    /// Indices into the case's `pattern::candidates`, in the order they were marked (a `Vec`: a
    /// set of `usize` would bring its own B-tree code into the wasm).
    pub marked: Vec<usize>,
    /// `fraud`, `privacy`, `brand` or `quality` (empty: fraud).
    pub category: String,
    /// What is new, in the expert's words.
    pub note: String,
    /// Sending: idle, on its way, stored (the CRM's reference), or why not.
    pub status: SubmitState,
    /// The report last sent and not yet stored: sent again as it is (same id, same time), so a
    /// send repeated after a lost answer is the same report to the CRM, which stores it once.
    /// Any edit of the form makes it a new report.
    pub pending: Option<crate::pattern::PatternReport>,
}

/// One edit of the pattern report form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternEdit {
    /// The offered mark with this index was chosen or unchosen.
    Mark(usize),
    /// The category changed.
    Category(String),
    /// The note changed.
    Note(String),
}

/// Adds `id` to `ids`, or removes it if it is there.
fn toggle(ids: &mut Vec<String>, id: String) {
    match ids.iter().position(|known| *known == id) {
        Some(at) => {
            ids.remove(at);
        }
        None => ids.push(id),
    }
}

/// Ticks `item` on the case `case_key`, or unticks it if it is ticked.
fn toggle_tick(ticks: &mut SmallMap<String, SmallSet<String>>, case_key: &str, item: String) {
    match ticks.get_mut(case_key) {
        Some(ticked) => {
            if !ticked.remove(&item) {
                ticked.insert(item);
            }
        }
        None => {
            ticks.insert(case_key.to_owned(), SmallSet::from([item]));
        }
    }
}

/// Everything the widget shows.
#[derive(Clone, Debug, PartialEq)]
pub struct WidgetState {
    /// Language of the widget's own texts.
    pub language: Language,
    /// The loaded rule pack.
    pub pack: Option<Rc<RulePack>>,
    /// The loaded CRM profile.
    pub profile: Option<Rc<CrmProfile>>,
    /// The phase.
    pub phase: Phase,
    /// Checklist items the agent ticked, per case key.
    pub ticks: SmallMap<String, SmallSet<String>>,
    /// Decisions on the current case, as the CRM has them.
    pub decisions: Vec<Decision>,
    /// The decision form.
    pub form: DecisionForm,
    /// The agent's latest submission.
    pub submit: SubmitState,
    /// Who is working with the widget (decisions need one).
    pub user: Option<User>,
    /// This user's decisions the CRM refused, not yet dismissed.
    pub refused: Vec<RefusedDecision>,
    /// The expert's pattern report for the Fraud Advisory Team.
    pub pattern: PatternForm,
    /// Increases with every change, so views can compare states cheaply.
    pub revision: u64,
}

/// Something that happened.
#[derive(Debug)]
pub enum WidgetEvent {
    /// The pack and profile are loaded.
    Configured {
        /// The pack.
        pack: Rc<RulePack>,
        /// The profile.
        profile: Rc<CrmProfile>,
    },
    /// Loading failed.
    LoadFailed(String),
    /// The case was (re-)read from the page.
    CaseRead {
        /// Typed facts.
        facts: CaseFacts,
        /// Problems with the page's values.
        issues: Vec<FieldIssue>,
        /// The case's identity, if the page shows one.
        case_key: Option<String>,
    },
    /// The agent ticked or unticked a checklist item.
    ChecklistToggled {
        /// The item's id.
        item: String,
    },
    /// The host changed the language.
    LanguageChanged(Language),
    /// The host set who is working with the widget.
    UserChanged(Option<User>),
    /// The decision form was edited.
    FormEdited(FormEdit),
    /// The draft breaks the policy.
    DecisionInvalid(String),
    /// A decision is being sent.
    DecisionSending,
    /// The CRM stored a decision (or a confirmation / rejection of one).
    DecisionStored(Box<Decision>),
    /// Sending failed (the decision stays in the outbox).
    DecisionFailed(String),
    /// The CRM refused a decision for good (it left the outbox).
    DecisionRefused(RefusedDecision),
    /// The signed-in user's refused decisions, as the outbox keeps them.
    RefusedLoaded(Vec<RefusedDecision>),
    /// The pattern report form was edited.
    PatternEdited(PatternEdit),
    /// A pattern report is on its way, was stored (the CRM's reference) or failed (why).
    PatternStatus(SubmitState),
    /// This pattern report is on its way to the CRM (kept until stored or the form changes).
    PatternSending(Box<crate::pattern::PatternReport>),
    /// The CRM's decisions on a case.
    DecisionsLoaded {
        /// The case they belong to.
        case_key: String,
        /// The decisions.
        decisions: Vec<Decision>,
    },
}

impl WidgetState {
    /// A widget waiting for its pack and profile.
    #[must_use]
    pub fn new(language: Language) -> WidgetState {
        WidgetState {
            language,
            pack: None,
            profile: None,
            phase: Phase::Loading,
            ticks: SmallMap::new(),
            decisions: Vec::new(),
            form: DecisionForm::default(),
            submit: SubmitState::Idle,
            user: None,
            refused: Vec::new(),
            pattern: PatternForm::default(),
            revision: 0,
        }
    }

    /// The next state.
    #[must_use]
    pub fn apply(mut self, event: WidgetEvent) -> WidgetState {
        self.revision += 1;
        match event {
            WidgetEvent::Configured { pack, profile } => {
                self.pack = Some(pack);
                self.profile = Some(profile);
                self.phase = Phase::Ready;
            }
            WidgetEvent::LoadFailed(message) => {
                self.phase = Phase::Failed(message);
            }
            WidgetEvent::CaseRead { facts, issues, case_key } => {
                if let Some(pack) = &self.pack {
                    let report = assess(pack, &facts);
                    let case_key = case_key.unwrap_or_default();
                    if self.case_key() != Some(case_key.as_str()) {
                        self.decisions.clear();
                        self.submit = SubmitState::Idle;
                        // A quality review's findings are about this case's handling.
                        self.form.clear_qa();
                    }
                    self.phase = Phase::Scored(Rc::new(ScoredCase { facts, issues, report, case_key }));
                }
            }
            WidgetEvent::UserChanged(user) => {
                // Another user's submission status is not this user's business.
                // Nor is the band override they chose.
                if self.user.as_ref().map(|known| &known.id) != user.as_ref().map(|user| &user.id) {
                    self.submit = SubmitState::Idle;
                    self.form.band_override = None;
                    self.form.override_note.clear();
                    self.form.clear_qa();
                }
                self.user = user;
            }
            WidgetEvent::FormEdited(edit) => self.edit_form(edit),
            WidgetEvent::DecisionInvalid(message) => self.submit = SubmitState::Invalid(message),
            WidgetEvent::DecisionSending => self.submit = SubmitState::Sending,
            WidgetEvent::DecisionFailed(message) => self.submit = SubmitState::Failed(message),
            WidgetEvent::DecisionRefused(refused) => {
                if self.case_key() == Some(refused.case_id.as_str()) {
                    self.submit = SubmitState::Refused(refused.reason.clone());
                }
                self.refused.retain(|known| known.id != refused.id);
                self.refused.push(refused);
            }
            WidgetEvent::RefusedLoaded(refused) => self.refused = refused,
            WidgetEvent::DecisionStored(decision) => {
                let decision = *decision;
                if self.case_key() == Some(decision.case_id.as_str()) {
                    self.submit = SubmitState::Sent(decision.reference.clone().unwrap_or_default());
                    match self.decisions.iter_mut().find(|known| known.id == decision.id) {
                        Some(known) => *known = decision,
                        None => self.decisions.push(decision),
                    }
                }
            }
            WidgetEvent::DecisionsLoaded { case_key, decisions } => {
                if self.case_key() == Some(case_key.as_str()) {
                    self.decisions = decisions;
                }
            }
            WidgetEvent::ChecklistToggled { item } => {
                if let Phase::Scored(scored) = &self.phase {
                    toggle_tick(&mut self.ticks, &scored.case_key, item);
                }
            }
            WidgetEvent::LanguageChanged(language) => self.language = language,
            WidgetEvent::PatternEdited(edit) => {
                let case_key = self.case_key().unwrap_or_default().to_owned();
                let pattern = &mut self.pattern;
                if pattern.case_key != case_key {
                    *pattern = PatternForm { case_key, ..PatternForm::default() };
                }
                pattern.status = SubmitState::Idle;
                pattern.pending = None;
                match edit {
                    PatternEdit::Mark(index) => match pattern.marked.iter().position(|&known| known == index) {
                        Some(at) => {
                            pattern.marked.remove(at);
                        }
                        None => pattern.marked.push(index),
                    },
                    PatternEdit::Category(category) => pattern.category = category,
                    PatternEdit::Note(note) => pattern.note = note,
                }
            }
            WidgetEvent::PatternStatus(status) => {
                // Stored: the form starts over (the marks are in the CRM now).
                if matches!(status, SubmitState::Sent(_)) {
                    self.pattern.marked.clear();
                    self.pattern.note.clear();
                    self.pattern.pending = None;
                }
                self.pattern.status = status;
            }
            WidgetEvent::PatternSending(report) => {
                self.pattern.pending = Some(*report);
                self.pattern.status = SubmitState::Sending;
            }
        }
        self
    }

    fn edit_form(&mut self, edit: FormEdit) {
        let form = &mut self.form;
        match edit {
            FormEdit::Outcome(outcome) => {
                // A new outcome offers its own reason codes: its first is chosen.
                form.reason_code = self
                    .pack
                    .as_ref()
                    .and_then(|pack| Some(pack.decision_policy.reason_codes_of(&outcome).next()?.code.clone()))
                    .unwrap_or_default();
                form.outcome = (!outcome.is_empty()).then_some(outcome);
            }
            FormEdit::ReasonCode(code) => form.reason_code = code,
            FormEdit::Note(note) => form.note = note,
            FormEdit::BandOverride(band) => form.band_override = band,
            FormEdit::OverrideNote(note) => form.override_note = note,
            FormEdit::ReplyText(text) => form.reply_text = text,
            FormEdit::QaAgent(agent) => form.qa_agent = agent,
            FormEdit::QaSeverity(severity) => form.qa_severity = severity,
            FormEdit::QaMissed(id) => toggle(&mut form.qa_missed, id),
            FormEdit::QaIgnored(id) => toggle(&mut form.qa_ignored, id),
            FormEdit::CheckNote { decision, note } => {
                form.check_notes.insert(decision, note);
            }
        }
    }

    /// The current case's key, once scored.
    #[must_use]
    pub fn case_key(&self) -> Option<&str> {
        match &self.phase {
            Phase::Scored(scored) => Some(scored.case_key.as_str()),
            _ => None,
        }
    }

    /// The items ticked on the current case.
    #[must_use]
    pub fn ticked(&self) -> SmallSet<String> {
        self.case_key().and_then(|key| self.ticks.get(key)).cloned().unwrap_or_default()
    }

    /// Whether the agent ticked `item` on the current case.
    #[must_use]
    pub fn is_ticked(&self, item: &str) -> bool {
        match &self.phase {
            Phase::Scored(scored) => self.ticks.get(&scored.case_key).is_some_and(|ticked| ticked.contains(item)),
            _ => false,
        }
    }

    /// The status shown for a checklist entry: the case data's status, or done when ticked.
    #[must_use]
    pub fn item_status(&self, item_id: &str, data_status: ChecklistStatus) -> ChecklistStatus {
        if data_status != ChecklistStatus::Done && self.is_ticked(item_id) {
            ChecklistStatus::Done
        } else {
            data_status
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::*;
    use crate::compile_source;

    fn configured() -> WidgetState {
        let pack = compile_source("demo.toml", include_str!("../pkg-config/rules/demo.toml")).unwrap();
        let profile = CrmProfile::from_toml("demo.toml", include_str!("../pkg-config/crm/demo.toml")).unwrap();
        WidgetState::new(Language::En).apply(WidgetEvent::Configured { pack: Rc::new(pack), profile: Rc::new(profile) })
    }

    fn read(state: WidgetState, case: &serde_json::Value, key: &str) -> WidgetState {
        let pack = state.pack.clone().unwrap();
        let (facts, issues) = CaseFacts::from_json(&pack, case);
        state.apply(WidgetEvent::CaseRead { facts, issues, case_key: Some(key.to_owned()) })
    }

    #[test]
    fn loading_then_scored_then_rescored() {
        let state = WidgetState::new(Language::from_tag("de-DE"));
        assert_eq!(state.phase, Phase::Loading);
        assert_eq!(state.language, Language::De);
        let state = configured();
        assert_eq!(state.phase, Phase::Ready);
        let state = read(state, &serde_json::json!({"order": {"total_eur": 500}, "account": {"age_days": 3}}), "A-1");
        let Phase::Scored(first) = &state.phase else { panic!("not scored") };
        assert_eq!(first.report.score, 20);
        let state = read(state, &serde_json::json!({"order": {"total_eur": 50}}), "A-1");
        let Phase::Scored(second) = &state.phase else { panic!("not scored") };
        assert_eq!(second.report.score, 0);
    }

    #[test]
    fn failures_are_states_not_panics() {
        let state = WidgetState::new(Language::En).apply(WidgetEvent::LoadFailed("rule pack: 404".to_owned()));
        assert_eq!(state.phase, Phase::Failed("rule pack: 404".to_owned()));
        // A case read before configuration is ignored rather than scored against nothing.
        let pack = compile_source("demo.toml", include_str!("../pkg-config/rules/demo.toml")).unwrap();
        let (facts, issues) = CaseFacts::from_json(&pack, &serde_json::json!({}));
        let state = state.apply(WidgetEvent::CaseRead { facts, issues, case_key: None });
        assert!(matches!(state.phase, Phase::Failed(_)));
    }

    #[test]
    fn decisions_belong_to_their_case_and_submission_states_follow_the_crm() {
        use crate::decision::{DecisionState, Role, ScoreSnapshot, User};
        let state = read(configured(), &serde_json::json!({}), "A-1");
        let decision = |id: &str, case_id: &str| Decision {
            id: id.to_owned(),
            case_id: case_id.to_owned(),
            outcome: "escalate".to_owned(),
            reason_code: "NEEDS_EXPERT".to_owned(),
            note: String::new(),
            maker: User { id: "kim".to_owned(), name: "Kim".to_owned(), role: Role::Agent },
            created_at: "2026-11-25T10:00:00Z".to_owned(),
            snapshot: ScoreSnapshot { score: 0, band: "low".to_owned(), hits: Vec::new() },
            pack_id: "demo".to_owned(),
            pack_version: "1".to_owned(),
            pack_hash: String::new(),
            input_hash: String::new(),
            checklist_done: Vec::new(),
            requires_second_approval: false,
            confirmed_by: crate::rules::CheckerRole::Expert,
            reply_text: None,
            qa: None,
            band_override: None,
            reference: Some("D-1".to_owned()),
            state: DecisionState::Decided,
        };
        let state = state.apply(WidgetEvent::DecisionSending);
        assert_eq!(state.submit, SubmitState::Sending);
        let state = state.apply(WidgetEvent::DecisionFailed("no answer".to_owned()));
        assert_eq!(state.submit, SubmitState::Failed("no answer".to_owned()));
        let state = state.apply(WidgetEvent::DecisionStored(Box::new(decision("d1", "A-1"))));
        assert_eq!(state.submit, SubmitState::Sent("D-1".to_owned()));
        assert_eq!(state.decisions.len(), 1);
        // Stored again (e.g. confirmed): replaced, not duplicated; another case's decision is ignored.
        let state = state.apply(WidgetEvent::DecisionStored(Box::new(decision("d1", "A-1"))));
        let state = state.apply(WidgetEvent::DecisionStored(Box::new(decision("d2", "B-2"))));
        assert_eq!(state.decisions.len(), 1);
        let state = state
            .apply(WidgetEvent::DecisionsLoaded { case_key: "B-2".to_owned(), decisions: vec![decision("d2", "B-2")] });
        assert_eq!(state.decisions[0].id, "d1", "a list for another case does not replace this one");
        // Another case on the page clears the list and the form state.
        let state = read(state, &serde_json::json!({}), "B-2");
        assert!(state.decisions.is_empty());
        assert_eq!(state.submit, SubmitState::Idle);
        // Refused for good: shown with the CRM's reason, kept without the note, for seven days.
        let mut noted = decision("d3", "B-2");
        noted.note = "customer's phone number 0170 1234567".to_owned();
        let refused = RefusedDecision::of(&noted, "second approval required", 1_000.0);
        let state = state.apply(WidgetEvent::DecisionRefused(refused.clone()));
        assert_eq!(state.submit, SubmitState::Refused("second approval required".to_owned()));
        assert_eq!(state.refused, vec![refused.clone()]);
        assert!(!serde_json::to_string(&refused).unwrap().contains("0170"), "no free text is kept");
        // The widget's hand-written entry is what serde writes, and reads back.
        for entry in [
            refused.clone(),
            RefusedDecision {
                refused_at_ms: 1_764_700_000_123.0,
                reason: "\"quoted\"\n".to_owned(),
                ..refused.clone()
            },
        ] {
            assert_eq!(entry.record_text(), serde_json::to_string(&entry).unwrap());
            assert_eq!(RefusedDecision::from_value(&crate::json::parse(&entry.record_text()).unwrap()).unwrap(), entry);
        }
        assert!(refused.is_current(1_000.0 + REFUSED_RETENTION_MS - 1.0));
        assert!(!refused.is_current(1_000.0 + REFUSED_RETENTION_MS));
        let state = state.apply(WidgetEvent::DecisionRefused(refused));
        assert_eq!(state.refused.len(), 1, "the same refusal twice is one entry");
        let state = state.apply(WidgetEvent::RefusedLoaded(Vec::new()));
        assert!(state.refused.is_empty());
        // Another user signs in: the previous user's submission status goes.
        let kim = User { id: "kim".to_owned(), name: "Kim".to_owned(), role: Role::Agent };
        let state = state.apply(WidgetEvent::UserChanged(Some(kim.clone())));
        let state = state.apply(WidgetEvent::DecisionFailed("no answer".to_owned()));
        let state = state.apply(WidgetEvent::UserChanged(Some(kim)));
        assert_eq!(state.submit, SubmitState::Failed("no answer".to_owned()), "the same user keeps it");
        let eva = User { id: "eva".to_owned(), name: "Eva".to_owned(), role: Role::Expert };
        let state = state.apply(WidgetEvent::UserChanged(Some(eva)));
        assert_eq!(state.submit, SubmitState::Idle);
    }

    #[test]
    fn the_decision_form_is_state_edited_by_intents() {
        use crate::decision::{Role, User};
        let edit = |state: WidgetState, edit: FormEdit| state.apply(WidgetEvent::FormEdited(edit));
        let state = read(configured(), &serde_json::json!({}), "A-1");
        assert_eq!(state.form, DecisionForm::default());
        // An outcome brings its first reason code; another outcome, its own.
        let state = edit(state, FormEdit::Outcome("approve_refund".to_owned()));
        assert_eq!(
            (state.form.outcome.as_deref(), state.form.reason_code.as_str()),
            (Some("approve_refund"), "CARRIER_LOSS")
        );
        let state = edit(state, FormEdit::ReasonCode("GOODWILL".to_owned()));
        assert_eq!(state.form.reason_code, "GOODWILL");
        let state = edit(state, FormEdit::Outcome("deny_refund".to_owned()));
        assert_eq!(state.form.reason_code, "POD_CONFIRMED");
        let state = edit(state, FormEdit::Note("photo of the parcel checked".to_owned()));
        let state = edit(state, FormEdit::ReplyText("Sorry! We've sent you a DM.".to_owned()));
        assert_eq!(state.form.reply_text, "Sorry! We've sent you a DM.");
        let state = edit(state, FormEdit::CheckNote { decision: "d1".to_owned(), note: "agree".to_owned() });
        assert_eq!(state.form.check_note("d1"), "agree");
        let state = edit(state, FormEdit::CheckNote { decision: "d1".to_owned(), note: "agreed".to_owned() });
        assert_eq!((state.form.check_note("d1"), state.form.check_note("d2")), ("agreed", ""));
        // The "choose" entry clears the outcome and its reason; the note stays.
        let state = edit(state, FormEdit::Outcome(String::new()));
        assert_eq!((state.form.outcome.clone(), state.form.reason_code.clone()), (None, String::new()));
        assert_eq!(state.form.note, "photo of the parcel checked");
        // A band override belongs to the expert who chose it: another user starts without one.
        let eva = User { id: "eva".to_owned(), name: "Eva".to_owned(), role: Role::Expert };
        let state = state.apply(WidgetEvent::UserChanged(Some(eva.clone())));
        let state = edit(state, FormEdit::BandOverride(Some("high".to_owned())));
        let state = edit(state, FormEdit::OverrideNote("pattern seen on three accounts".to_owned()));
        let state = state.apply(WidgetEvent::UserChanged(Some(eva)));
        assert_eq!(state.form.band_override.as_deref(), Some("high"), "the same user keeps it");
        let kim = User { id: "kim".to_owned(), name: "Kim".to_owned(), role: Role::Agent };
        let state = state.apply(WidgetEvent::UserChanged(Some(kim)));
        assert_eq!((state.form.band_override.clone(), state.form.override_note.as_str()), (None, ""));
    }

    #[test]
    fn a_quality_reviews_findings_belong_to_its_case_and_its_user() {
        use crate::decision::Role;
        let edit = |state: WidgetState, edit: FormEdit| state.apply(WidgetEvent::FormEdited(edit));
        let eva = User { id: "eva".to_owned(), name: "Eva".to_owned(), role: Role::Expert };
        let state =
            read(configured(), &serde_json::json!({}), "A-1").apply(WidgetEvent::UserChanged(Some(eva.clone())));
        let state = edit(state, FormEdit::QaAgent("kim".to_owned()));
        let state = edit(state, FormEdit::QaSeverity("major".to_owned()));
        let state = edit(state, FormEdit::QaMissed("inr-evidence".to_owned()));
        let state = edit(state, FormEdit::QaMissed("inr-claim-history".to_owned()));
        let state = edit(state, FormEdit::QaMissed("inr-evidence".to_owned()));
        let state = edit(state, FormEdit::QaIgnored("INR-001".to_owned()));
        assert_eq!(state.form.qa_missed, ["inr-claim-history"], "a second tick unticks");
        assert_eq!((state.form.qa_agent.as_str(), state.form.qa_severity.as_str()), ("kim", "major"));
        // The same case re-read keeps them; the same user signing in again too.
        let state = read(state, &serde_json::json!({}), "A-1").apply(WidgetEvent::UserChanged(Some(eva)));
        assert_eq!(state.form.qa_ignored, ["INR-001"]);
        // Another case: its handling is someone else's, nothing carries over.
        let moved = read(state.clone(), &serde_json::json!({}), "B-2");
        assert_eq!((moved.form.qa_agent.as_str(), moved.form.qa_missed.len(), moved.form.qa_ignored.len()), ("", 0, 0));
        // Another user: their review starts empty.
        let max = User { id: "max".to_owned(), name: "Max".to_owned(), role: Role::Expert };
        let other = state.apply(WidgetEvent::UserChanged(Some(max)));
        assert_eq!((other.form.qa_agent.as_str(), other.form.qa_severity.as_str()), ("", ""));
    }

    #[test]
    fn checklist_ticks_are_kept_per_case() {
        let case = serde_json::json!({"case": {"type": "item_not_received"}, "order": {"proof_of_delivery": true}});
        let state = read(configured(), &case, "A-1");
        let state = state.apply(WidgetEvent::ChecklistToggled { item: "check-pod".to_owned() });
        assert!(state.is_ticked("check-pod"));
        assert_eq!(state.item_status("check-pod", ChecklistStatus::Open), ChecklistStatus::Done);
        let state = read(state, &case, "B-2");
        assert!(!state.is_ticked("check-pod"));
        let state = read(state, &case, "A-1");
        assert!(state.is_ticked("check-pod"));
        let state = state.apply(WidgetEvent::ChecklistToggled { item: "check-pod".to_owned() });
        assert!(!state.is_ticked("check-pod"));
    }

    /// A pattern report whose answer was lost is sent again as the same report (same id and
    /// time), until it is stored or the expert changes the form, which makes it a new one.
    #[test]
    fn a_pattern_report_is_resent_unchanged_until_stored_or_edited() {
        use crate::decision::{Role, User};
        let report = crate::pattern::PatternReport {
            format: crate::pattern::FORMAT.to_owned(),
            id: "r-1".to_owned(),
            case_id: "A-1".to_owned(),
            created_at: "2026-11-25T10:00:00Z".to_owned(),
            author: User { id: "eva".to_owned(), name: "Eva".to_owned(), role: Role::Expert },
            pack: crate::pattern::PackRef { id: "demo".to_owned(), version: "1".to_owned(), hash: "h".to_owned() },
            input_hash: "i".to_owned(),
            category: "fraud".to_owned(),
            elements: Vec::new(),
            draft_rule: "true".to_owned(),
            note: "new".to_owned(),
        };
        let state = read(configured(), &serde_json::json!({}), "A-1")
            .apply(WidgetEvent::PatternEdited(PatternEdit::Mark(0)))
            .apply(WidgetEvent::PatternSending(Box::new(report.clone())));
        assert_eq!(
            (state.pattern.status.clone(), state.pattern.pending.as_ref()),
            (SubmitState::Sending, Some(&report))
        );
        // The answer was lost: the report stays pending for the next send.
        let failed = state.apply(WidgetEvent::PatternStatus(SubmitState::Failed("timeout".to_owned())));
        assert_eq!(failed.pattern.pending.as_ref(), Some(&report));
        assert_eq!(failed.pattern.marked, vec![0]);
        // Stored: nothing pending, the marks are in the CRM.
        let stored = failed.clone().apply(WidgetEvent::PatternStatus(SubmitState::Sent("RT ticket #7".to_owned())));
        assert_eq!((stored.pattern.pending, stored.pattern.marked.len()), (None, 0));
        // An edit after a failure makes a new report.
        let edited = failed.apply(WidgetEvent::PatternEdited(PatternEdit::Note("newer".to_owned())));
        assert_eq!(edited.pattern.pending, None);
    }
}
