//! Writes a decision record (docs/decision-record.md) as JSON text by hand: byte for byte what its
//! derived `Serialize` writes through serde_json (the state flattened in, tagged by `state`), the
//! mirror of `read`. The widget writes records through this (the outbox, the CRM request, RT
//! comments, the `riskpane:decision` event) so serde's serializers stay out of the wasm (issue 15).

use super::{Decision, DecisionState, QaFindings, ScoreSnapshot, User};
use crate::json::write::{push_bool, push_int, push_key, push_list, push_str, push_strings, push_text_fields};

fn push_user(out: &mut String, user: &User) {
    out.push('{');
    push_text_fields(out, &[("id", &user.id), ("name", &user.name), ("role", user.role.name())]);
    out.push('}');
}

impl Decision {
    /// The decision record as JSON text.
    #[must_use]
    pub fn record_text(&self) -> String {
        let mut out = String::with_capacity(512);
        self.push_record(&mut out);
        out
    }

    /// Appends the decision record as JSON text.
    pub fn push_record(&self, out: &mut String) {
        out.push('{');
        push_text_fields(
            out,
            &[
                ("id", &self.id),
                ("case_id", &self.case_id),
                ("outcome", &self.outcome),
                ("reason_code", &self.reason_code),
                ("note", &self.note),
            ],
        );
        push_key(out, "maker");
        push_user(out, &self.maker);
        push_key(out, "created_at");
        push_str(out, &self.created_at);
        push_key(out, "snapshot");
        push_snapshot(out, &self.snapshot);
        push_text_fields(
            out,
            &[
                ("pack_id", &self.pack_id),
                ("pack_version", &self.pack_version),
                ("pack_hash", &self.pack_hash),
                ("input_hash", &self.input_hash),
            ],
        );
        push_key(out, "checklist_done");
        push_strings(out, &self.checklist_done);
        push_key(out, "requires_second_approval");
        push_bool(out, self.requires_second_approval);
        if !self.confirmed_by.is_expert() {
            push_key(out, "confirmed_by");
            push_str(out, self.confirmed_by.name());
        }
        if let Some(reply) = &self.reply_text {
            push_key(out, "reply_text");
            push_str(out, reply);
        }
        if let Some(band_override) = &self.band_override {
            push_key(out, "band_override");
            out.push('{');
            push_text_fields(
                out,
                &[
                    ("from", &band_override.from),
                    ("to", &band_override.to),
                    ("reason_code", &band_override.reason_code),
                    ("note", &band_override.note),
                ],
            );
            out.push('}');
        }
        if let Some(qa) = &self.qa {
            push_key(out, "qa");
            push_qa(out, qa);
        }
        if let Some(reference) = &self.reference {
            push_key(out, "reference");
            push_str(out, reference);
        }
        push_state(out, &self.state);
        out.push('}');
    }
}

fn push_snapshot(out: &mut String, snapshot: &ScoreSnapshot) {
    out.push('{');
    push_key(out, "score");
    push_int(out, snapshot.score);
    push_key(out, "band");
    push_str(out, &snapshot.band);
    push_key(out, "hits");
    push_list(out, &snapshot.hits, |out, (rule, points)| {
        out.push('[');
        push_str(out, rule);
        out.push(',');
        push_int(out, *points);
        out.push(']');
    });
    out.push('}');
}

fn push_qa(out: &mut String, qa: &QaFindings) {
    out.push('{');
    push_key(out, "agent");
    push_str(out, &qa.agent);
    if !qa.provider.is_empty() {
        push_key(out, "provider");
        push_str(out, &qa.provider);
    }
    push_key(out, "severity");
    push_str(out, qa.severity.name());
    push_key(out, "missed_steps");
    push_strings(out, &qa.missed_steps);
    push_key(out, "ignored_risks");
    push_strings(out, &qa.ignored_risks);
    out.push('}');
}

/// The state, flattened into the record: `"state":…` and a checker's fields.
fn push_state(out: &mut String, state: &DecisionState) {
    push_key(out, "state");
    match state {
        DecisionState::Decided => push_str(out, "decided"),
        DecisionState::PendingConfirmation => push_str(out, "pending_confirmation"),
        DecisionState::Confirmed { by, at, note_of_checker } => push_check(out, "confirmed", by, at, note_of_checker),
        DecisionState::Rejected { by, at, note_of_checker } => push_check(out, "rejected", by, at, note_of_checker),
    }
}

/// A checker's verdict: the state's name, who, when and their note.
fn push_check(out: &mut String, state: &str, by: &User, at: &str, note_of_checker: &str) {
    push_str(out, state);
    push_key(out, "by");
    push_user(out, by);
    push_text_fields(out, &[("at", at), ("note_of_checker", note_of_checker)]);
}
