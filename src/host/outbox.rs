//! The durable outbox: a decision is written to `localStorage` before it is sent and removed only
//! when the CRM acknowledged it, so a reload, a crash or an outage never loses it; on the next
//! mount it is sent again with the same idempotency key. If storage is unavailable (private mode,
//! quota), the outbox still works in memory for this page and says so in the console.

use super::console_error;
use crate::decision::Decision;

const KEY: &str = "riskpane.outbox.v1";
/// Decision id → when it was last sent (ms since the epoch), shared by every page of the origin.
const ATTEMPTS_KEY: &str = "riskpane.outbox.attempts.v1";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Every decision waiting to be acknowledged.
pub(crate) fn pending() -> Vec<Decision> {
    let Some(text) = storage().and_then(|storage| storage.get_item(KEY).ok().flatten()) else { return Vec::new() };
    match serde_json::from_str(&text) {
        Ok(decisions) => decisions,
        Err(error) => {
            console_error(&format!("outbox in localStorage is unreadable and is kept as is: {error}"));
            Vec::new()
        }
    }
}

fn store(decisions: &[Decision]) {
    let Some(storage) = storage() else {
        console_error("localStorage is unavailable: unsent decisions survive only until this page closes");
        return;
    };
    let result = if decisions.is_empty() {
        storage.remove_item(KEY)
    } else {
        storage.set_item(KEY, &serde_json::to_string(decisions).unwrap_or_else(|_| "[]".to_owned()))
    };
    if result.is_err() {
        console_error("cannot write the outbox to localStorage (quota?)");
    }
}

/// Adds (or replaces) a decision before it is sent.
pub(crate) fn put(decision: &Decision) {
    let mut decisions = pending();
    decisions.retain(|known| known.id != decision.id);
    decisions.push(decision.clone());
    store(&decisions);
}

fn attempts() -> serde_json::Map<String, serde_json::Value> {
    storage()
        .and_then(|storage| storage.get_item(ATTEMPTS_KEY).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

fn store_attempts(attempts: &serde_json::Map<String, serde_json::Value>) {
    if let Some(storage) = storage() {
        let _ = if attempts.is_empty() {
            storage.remove_item(ATTEMPTS_KEY)
        } else {
            storage.set_item(ATTEMPTS_KEY, &serde_json::Value::Object(attempts.clone()).to_string())
        };
    }
}

/// Notes that a decision is being sent now.
pub(crate) fn mark_attempt(id: &str, now_ms: f64) {
    let mut attempts = attempts();
    attempts.insert(id.to_owned(), serde_json::Value::from(now_ms));
    store_attempts(&attempts);
}

/// When a decision was last sent, by this page or one that has gone since (a reload): that
/// request may still be on its way through the CRM.
pub(crate) fn last_attempt(id: &str) -> Option<f64> {
    attempts().get(id).and_then(serde_json::Value::as_f64)
}

/// Forgets the last attempt: the CRM answered it, so nothing of it is still on its way.
pub(crate) fn clear_attempt(id: &str) {
    let mut attempts = attempts();
    if attempts.remove(id).is_some() {
        store_attempts(&attempts);
    }
}

/// Removes an acknowledged decision.
pub(crate) fn remove(id: &str) {
    clear_attempt(id);
    let mut decisions = pending();
    let before = decisions.len();
    decisions.retain(|known| known.id != id);
    if decisions.len() != before {
        store(&decisions);
    }
}
