//! How a decision lives in a CRM's text note, for every CRM whose notes carry it (Request
//! Tracker's private comments, django-helpdesk's internal follow-ups): the note's text (a readable
//! summary plus the decision record as JSON between [`BLOCK_START`] and [`BLOCK_END`]), reading the
//! record back out of a note, and the authorship rules that decide which records count. Pure; the
//! CRM-specific modules (`request_tracker`, `django_helpdesk`) say which notes are staff notes.

use crate::decision::{Checkers, Decision, DecisionState};
use crate::rules::RulePack;
use crate::value::SmallSet;
use std::fmt::Write as _;

/// First line of the machine-readable block in a note.
pub const BLOCK_START: &str = "-----BEGIN RISKPANE DECISION-----";
/// Last line of the machine-readable block.
pub const BLOCK_END: &str = "-----END RISKPANE DECISION-----";
/// Flag value set while a decision waits for its second approval.
pub const FOUR_EYES_FLAG: &str = "four-eyes";

/// The value of the decision-state custom field for a state.
#[must_use]
pub fn state_value(state: &DecisionState) -> &'static str {
    match state {
        DecisionState::Decided => "decided",
        DecisionState::PendingConfirmation => "pending_confirmation",
        DecisionState::Confirmed { .. } => "confirmed",
        DecisionState::Rejected { .. } => "rejected",
    }
}

/// The note that records `decision`: a summary for people reading the case, then the decision
/// record as JSON between [`BLOCK_START`] and [`BLOCK_END`].
///
/// Template markup is broken up (`{{`, `{%`, `{#`): django-helpdesk renders a follow-up's text as a
/// Django template before storing it, which would drop or replace it. In the record it is written
/// with a JSON escape (`{\u007b`), the same text once parsed; in the summary with a space.
#[must_use]
pub fn note_body(pack: &RulePack, decision: &Decision) -> String {
    let outcome = pack.decision_policy.outcome_label(&decision.outcome, "en");
    let mut text = String::new();
    let headline = match &decision.state {
        DecisionState::Decided => "decided".to_owned(),
        DecisionState::PendingConfirmation => "proposed, waits for a second approval (four-eye principle)".to_owned(),
        DecisionState::Confirmed { by, .. } => format!("confirmed by {} ({})", by.name, by.id),
        DecisionState::Rejected { by, .. } => format!("rejected by {} ({})", by.name, by.id),
    };
    let _ = writeln!(text, "riskpane decision: {outcome} - {headline}");
    let snapshot = &decision.snapshot;
    let _ = writeln!(
        text,
        "Score {}/100, band {} (rule pack {} {})",
        snapshot.score, snapshot.band, decision.pack_id, decision.pack_version
    );
    if !snapshot.hits.is_empty() {
        let hits: Vec<String> = snapshot.hits.iter().map(|(rule, points)| format!("{rule} (+{points})")).collect();
        let _ = writeln!(text, "Rules: {}", hits.join(", "));
    }
    if let Some(band_override) = &decision.band_override {
        let _ = writeln!(
            text,
            "Band overridden: {} -> {} ({}): {}",
            band_override.from, band_override.to, band_override.reason_code, band_override.note
        );
    }
    let _ = writeln!(text, "Reason: {}", decision.reason_code);
    let _ = writeln!(text, "Proposed by: {} ({}) at {}", decision.maker.name, decision.maker.id, decision.created_at);
    if !decision.note.trim().is_empty() {
        let _ = writeln!(text, "Note: {}", decision.note.trim());
    }
    if let DecisionState::Confirmed { note_of_checker, at, .. } | DecisionState::Rejected { note_of_checker, at, .. } =
        &decision.state
    {
        let _ = writeln!(text, "Checked at {at}: {}", note_of_checker.trim());
    }
    if !decision.checklist_done.is_empty() {
        let _ = writeln!(text, "Checklist done: {}", decision.checklist_done.join(", "));
    }
    let _ = writeln!(text, "Decision id: {}", decision.id);
    let mut text = break_markup(&text, "{ ");
    // Free text (notes) may contain the markers: inside the record, five dashes can only stand in
    // a JSON string, where `\u002d` is the same dash, so the block cannot be cut short. Template
    // markup, too, can only stand in a string (a JSON object's brace is followed by a key or `}`).
    let record = break_markup(&decision.record_text(), "\\u007b").replace("-----", "-\\u002d---");
    let _ = write!(text, "\n{BLOCK_START}\n{record}\n{BLOCK_END}\n");
    text
}

/// `text` with each `{` that opens template markup (`{{`, `{%`, `{#`) written as `brace`.
fn break_markup(text: &str, brace: &str) -> String {
    let mut broken = String::with_capacity(text.len());
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        if character == '{' && matches!(characters.peek(), Some('{' | '%' | '#')) {
            broken.push_str(brace);
        } else {
            broken.push(character);
        }
    }
    broken
}

/// The decision record of a note: the last block, the one `note_body` appends. Blocks earlier in
/// the text (typed into a note, say) are not records; a block that does not parse is none.
#[must_use]
pub fn records_in(content: &str) -> Vec<Decision> {
    let Some(start) = content.rfind(BLOCK_START) else { return Vec::new() };
    let after = &content[start + BLOCK_START.len()..];
    let Some(end) = after.find(BLOCK_END) else { return Vec::new() };
    crate::json::parse(after[..end].trim())
        .and_then(|value| crate::decision::from_value(&value))
        .map(|decision| vec![decision])
        .unwrap_or_default()
}

/// A staff note that may carry a decision record, as the CRM stored it.
#[derive(Clone, Copy, Debug)]
pub struct Note<'a> {
    /// The CRM's id of the note's author (set by the CRM from the session: it cannot be forged).
    pub author: &'a str,
    /// The note's text.
    pub content: &'a str,
}

/// The decisions in a case's staff notes, in the order the CRM wrote them: the latest trusted
/// record of each decision id wins. A proposal counts only when its author is its maker; a
/// confirmation or rejection only when its author is its checker, a member of the group the
/// outcome names (`confirmed_by`: experts, or Communications for a public reply) and not the maker, it follows that decision's proposal and leaves it as it was. Anything else
/// (a record typed into a note by hand) is ignored. The caller passes staff notes only, never a
/// customer's messages.
#[must_use]
pub fn decisions_from_notes(notes: &[Note<'_>], checkers: &Checkers) -> Vec<Decision> {
    let mut decisions: Vec<Decision> = Vec::new();
    for note in notes {
        for record in records_in(note.content) {
            let known = decisions.iter().position(|decision| decision.id == record.id);
            match (&record.state, known) {
                (DecisionState::Decided | DecisionState::PendingConfirmation, None)
                    if record.maker.id == note.author =>
                {
                    decisions.push(record);
                }
                (DecisionState::Confirmed { by, .. } | DecisionState::Rejected { by, .. }, Some(index)) => {
                    let proposal = &decisions[index];
                    let trusted = by.id == note.author
                        && by.role.checks(proposal.confirmed_by)
                        && checkers.role_of(note.author) == by.role
                        && note.author != proposal.maker.id
                        && proposal.state == DecisionState::PendingConfirmation
                        && unchanged(proposal, &record);
                    if trusted {
                        decisions[index] = record;
                    }
                }
                _ => {}
            }
        }
    }
    decisions
}

/// Whether a confirmation or rejection repeats its proposal exactly (only state, checker and the
/// checker's note are new).
fn unchanged(proposal: &Decision, checked: &Decision) -> bool {
    let strip = |decision: &Decision| Decision {
        reference: None,
        state: DecisionState::PendingConfirmation,
        ..decision.clone()
    };
    strip(proposal) == strip(checked)
}

/// The flags that go with a decision: the fired rules' categories, plus [`FOUR_EYES_FLAG`] while
/// it waits for its second approval. Sorted, each once.
#[must_use]
pub fn flags<'a>(pack: &'a RulePack, decision: &Decision) -> SmallSet<&'a str> {
    let mut flags: SmallSet<&str> = SmallSet::new();
    flags.extend(
        decision
            .snapshot
            .hits
            .iter()
            .filter_map(|(id, _)| pack.rules.iter().find(|rule| rule.id == *id))
            .map(|rule| rule.category.name()),
    );
    if decision.state == DecisionState::PendingConfirmation {
        flags.insert(FOUR_EYES_FLAG);
    }
    flags
}

/// The band a decision settles on: its override's, else the scored one.
#[must_use]
pub fn decided_band(decision: &Decision) -> &str {
    decision.band_override.as_ref().map_or(&decision.snapshot.band, |band_override| &band_override.to)
}

/// Whether a decision is final (decided, or confirmed by a second expert).
#[must_use]
pub fn is_final(decision: &Decision) -> bool {
    matches!(decision.state, DecisionState::Decided | DecisionState::Confirmed { .. })
}

#[cfg(test)]
pub(crate) mod tests;

/// The checkers a CRM page's JSON island names: the experts group's members at `experts_pointer`,
/// Communications' at `communications_pointer` (each a list of names or ids; strings and numbers
/// count, anything else is skipped).
#[must_use]
pub fn checkers_in(
    island: &serde_json::Value,
    experts_pointer: &str,
    communications_pointer: Option<&str>,
) -> Checkers {
    let members = |pointer: &str| {
        let mut set = SmallSet::new();
        if let Some(serde_json::Value::Array(items)) = island.pointer(pointer) {
            set.extend(items.iter().filter_map(|item| match item {
                serde_json::Value::String(text) => Some(text.clone()),
                serde_json::Value::Number(number) => Some(number.to_string()),
                _ => None,
            }));
        }
        set
    };
    Checkers {
        experts: members(experts_pointer),
        communications: communications_pointer.map(members).unwrap_or_default(),
    }
}
