//! How a decision lives in a django-helpdesk ticket, without any I/O (the host's adapter
//! `host/helpdesk_client.rs` does the calls): an internal follow-up (`public: false`) carrying the
//! note of `record_note`, created with `POST /api/followups/`; the decisions read back from the
//! ticket's staff follow-ups only (`GET /api/tickets/{id}/`, its `followup_set`); the custom fields
//! and status that go with a decision (`PATCH /api/tickets/{id}/` with `custom_<name>` keys) and
//! what of them the helpdesk did not apply. The helpdesk itself enforces the four-eye rule: its
//! riskpane app runs the shared verdict (`request_tracker::verdict`) through
//! `riskpane helpdesk-verdict` and refuses (HTTP 403) what it does not accept.

use crate::decision::{Checkers, Decision};
use crate::profile::HelpdeskSettings;
use crate::record_note::{self, Note, state_value};
use crate::rules::RulePack;
use serde_json::{Map, Value};

/// Written into the custom field of the flags when a decision has none (django-helpdesk's text
/// fields take no empty value over the API).
pub const NO_FLAGS: &str = "none";

/// The body of `POST /api/followups/` that records a decision on ticket `case_id`: an internal
/// follow-up, never a public one (the customer would get it by e-mail).
#[must_use]
pub fn followup(case_id: &str, note: &str) -> Value {
    crate::json::object_of(vec![
        ("ticket", Value::from(case_id)),
        ("title", Value::from("riskpane decision")),
        ("comment", Value::from(note)),
        ("public", Value::Bool(false)),
    ])
}

/// A follow-up that may carry a decision record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffNote {
    /// The follow-up's id.
    pub id: i64,
    /// The helpdesk's id of its author (set by the helpdesk from the session).
    pub author: String,
    /// Its text.
    pub content: String,
}

/// The text of a JSON value that names something (a number or a string).
#[must_use]
pub fn value_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => String::new(),
    }
}

/// The ticket's staff notes in the order the API lists them (django-helpdesk orders follow-ups
/// by date, i.e. as they were written; its riskpane app judges them in the same order): its follow-ups that are internal (`public` false),
/// have an author (django-helpdesk records one only for staff) and did not come in by e-mail
/// (`message_id`). Public follow-ups, which customers write too, never carry a decision.
#[must_use]
pub fn staff_notes(ticket: &Value) -> Vec<StaffNote> {
    let followups = ticket.get("followup_set").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    followups
        .iter()
        .filter(|followup| followup.get("public").and_then(Value::as_bool) == Some(false))
        .filter(|followup| followup.get("message_id").and_then(Value::as_str).is_none_or(str::is_empty))
        .filter_map(|followup| {
            let author = value_text(followup.get("user"));
            let id = followup.get("id").and_then(Value::as_i64)?;
            let content = followup.get("comment").and_then(Value::as_str).unwrap_or_default();
            (!author.is_empty()).then(|| StaffNote { id, author, content: content.to_owned() })
        })
        .collect()
}

/// The decisions of a ticket (`GET /api/tickets/{id}/`), from its staff notes under the
/// authorship rules of `record_note`. The helpdesk stores no record it refused, so every stored
/// one is a candidate.
#[must_use]
pub fn decisions(ticket: &Value, checkers: &Checkers) -> Vec<Decision> {
    let notes = staff_notes(ticket);
    let notes: Vec<Note<'_>> = notes.iter().map(|note| Note { author: &note.author, content: &note.content }).collect();
    record_note::decisions_from_notes(&notes, checkers)
}

/// The body of `PATCH /api/tickets/{id}/` that goes with a decision: score, band, flags (the
/// fired rules' categories, plus `four-eyes` while pending; comma-separated), the decision state
/// when the author checks decisions (an expert, or Communications), and the status the profile maps a final outcome to.
#[must_use]
pub fn ticket_patch(
    pack: &RulePack,
    settings: &HelpdeskSettings,
    decision: &Decision,
    author_is_checker: bool,
) -> Value {
    let field = |name: &str| format!("custom_{name}");
    let mut patch = Map::new();
    patch.insert(field(&settings.score_field), Value::from(decision.snapshot.score));
    patch.insert(field(&settings.band_field), Value::from(record_note::decided_band(decision)));
    let flags: Vec<&str> = record_note::flags(pack, decision).into_iter().collect();
    let flags = if flags.is_empty() { NO_FLAGS.to_owned() } else { flags.join(",") };
    patch.insert(field(&settings.flags_field), Value::String(flags));
    if author_is_checker {
        patch.insert(field(&settings.state_field), Value::from(state_value(&decision.state)));
    }
    if let (true, Some(status)) = (record_note::is_final(decision), settings.status.get(&decision.outcome)) {
        patch.insert("status".to_owned(), Value::String(status.clone()));
    }
    Value::Object(patch)
}

/// What of a patch the helpdesk did not apply, from the ticket as it returns it afterwards
/// (values compared as text: the API writes integers as numbers, a list choice as its text).
#[must_use]
pub fn unapplied(patch: &Value, ticket: &Value) -> Vec<String> {
    let Some(wanted) = patch.as_object() else { return Vec::new() };
    wanted
        .iter()
        .filter_map(|(key, value)| {
            let actual = value_text(ticket.get(key));
            let wanted = value_text(Some(value));
            (actual != wanted).then(|| format!("{key} is \"{actual}\", not \"{wanted}\""))
        })
        .collect()
}

#[cfg(test)]
mod tests;
