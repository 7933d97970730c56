//! Reads a decision record (docs/decision-record.md) from its JSON tree by hand: the one reader
//! behind `Decision`'s `Deserialize` (the outbox, CRM answers, RT comments, the reference CRM), in
//! the shape its derived `Serialize` writes (the state flattened in, tagged by `state`). Serde's
//! derived reader for it, with the flattened state, cost about 25 KB of wasm (issue 15).

use super::{BandOverride, CheckerRole, Decision, DecisionState, QaFindings, Role, ScoreSnapshot, Severity, User};
use crate::json::{Read, boolean, field, int, item, list, object, optional, or_default, string, strings, tuple, unit};
use serde_json::Value;

fn user(value: &Value) -> Read<User> {
    let object = object(value)?;
    Ok(User {
        id: field(object, "id", string)?,
        name: field(object, "name", string)?,
        role: field(object, "role", |value| {
            unit(value, &[("agent", Role::Agent), ("expert", Role::Expert), ("communications", Role::Communications)])
        })?,
    })
}

fn snapshot(value: &Value) -> Read<ScoreSnapshot> {
    let object = object(value)?;
    Ok(ScoreSnapshot {
        score: field(object, "score", int)?,
        band: field(object, "band", string)?,
        hits: field(object, "hits", |value| {
            list(value, |hit| {
                let items = tuple(Some(hit), 2)?;
                Ok((item(items, 0, string)?, item(items, 1, int)?))
            })
        })?,
    })
}

fn band_override(value: &Value) -> Read<BandOverride> {
    let object = object(value)?;
    Ok(BandOverride {
        from: field(object, "from", string)?,
        to: field(object, "to", string)?,
        reason_code: field(object, "reason_code", string)?,
        note: field(object, "note", string)?,
    })
}

fn qa(value: &Value) -> Read<QaFindings> {
    let object = object(value)?;
    Ok(QaFindings {
        agent: field(object, "agent", string)?,
        provider: or_default(object, "provider", string)?,
        severity: field(object, "severity", |value| {
            let name = crate::json::text(value)?;
            Severity::from_name(name).ok_or_else(|| format!(": unknown severity `{name}`"))
        })?,
        missed_steps: or_default(object, "missed_steps", strings)?,
        ignored_risks: or_default(object, "ignored_risks", strings)?,
    })
}

/// A decision record; keys it does not know are ignored (records are only ever added to).
pub(super) fn decision(value: &Value) -> Read<Decision> {
    let object = object(value)?;
    let checked = |make: fn(User, String, String) -> DecisionState| -> Read<DecisionState> {
        Ok(make(field(object, "by", user)?, field(object, "at", string)?, field(object, "note_of_checker", string)?))
    };
    let state = match field(object, "state", crate::json::text)? {
        "decided" => DecisionState::Decided,
        "pending_confirmation" => DecisionState::PendingConfirmation,
        "confirmed" => checked(|by, at, note_of_checker| DecisionState::Confirmed { by, at, note_of_checker })?,
        "rejected" => checked(|by, at, note_of_checker| DecisionState::Rejected { by, at, note_of_checker })?,
        other => return Err(format!(".state: unknown state `{other}`")),
    };
    Ok(Decision {
        id: field(object, "id", string)?,
        case_id: field(object, "case_id", string)?,
        outcome: field(object, "outcome", string)?,
        reason_code: field(object, "reason_code", string)?,
        note: field(object, "note", string)?,
        maker: field(object, "maker", user)?,
        created_at: field(object, "created_at", string)?,
        snapshot: field(object, "snapshot", snapshot)?,
        pack_id: field(object, "pack_id", string)?,
        pack_version: field(object, "pack_version", string)?,
        pack_hash: field(object, "pack_hash", string)?,
        input_hash: field(object, "input_hash", string)?,
        checklist_done: field(object, "checklist_done", |value| list(value, string))?,
        requires_second_approval: field(object, "requires_second_approval", boolean)?,
        confirmed_by: optional(object, "confirmed_by", |value| {
            unit(value, &[("expert", CheckerRole::Expert), ("communications", CheckerRole::Communications)])
        })?
        .unwrap_or_default(),
        reply_text: optional(object, "reply_text", string)?,
        band_override: optional(object, "band_override", band_override)?,
        qa: optional(object, "qa", qa)?,
        reference: optional(object, "reference", string)?,
        state,
    })
}
