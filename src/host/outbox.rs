//! The durable outbox, one per signed-in user: a decision is written to `localStorage` before it is
//! sent and removed only when the CRM acknowledged it, so a reload, a crash or an outage never loses
//! it; the next time its maker works with the widget it is sent again with the same idempotency
//! key. It is sent only in its maker's session (a shared browser never sends one user's decision
//! under another's login). A decision the CRM refuses for good leaves the outbox and is kept, without
//! its note, as a [`RefusedDecision`] for its maker to see, until dismissed or
//! [`crate::flow::REFUSED_RETENTION_MS`] has passed. If storage is unavailable (private mode, quota),
//! the outbox still works in memory for this page and says so in the console.

use super::console_error;
use crate::decision::Decision;
use crate::flow::RefusedDecision;

/// Before outboxes were per user: one list for the whole origin. Read once and split by maker.
const LEGACY_KEY: &str = "riskpane.outbox.v1";
/// `PENDING_PREFIX` + user id → that user's unacknowledged decisions.
const PENDING_PREFIX: &str = "riskpane.outbox.v2.";
/// `REFUSED_PREFIX` + user id → that user's refused decisions.
const REFUSED_PREFIX: &str = "riskpane.refused.v1.";
/// Decision id → when it was last sent (ms since the epoch), shared by every page of the origin.
const ATTEMPTS_KEY: &str = "riskpane.outbox.attempts.v1";

thread_local! {
    /// Ids of the decisions this page is delivering right now.
    static IN_FLIGHT: std::cell::RefCell<crate::value::SmallSet<String>> = const { std::cell::RefCell::new(crate::value::SmallSet::new()) };
}

thread_local! {
    /// Bumped by "Retry now": deliveries waiting out a backoff stop waiting.
    static RETRY_NOW: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// The agent asked to retry now: every delivery waiting in a backoff sends at once.
pub(crate) fn retry_now() {
    RETRY_NOW.with(|generation| generation.set(generation.get().wrapping_add(1)));
}

/// How many times "Retry now" was asked for on this page (compare before and after a wait).
pub(crate) fn retry_generation() -> u32 {
    RETRY_NOW.with(std::cell::Cell::get)
}

/// This page's claim to deliver one decision; released when dropped.
pub(crate) struct Delivery(String);

impl Drop for Delivery {
    fn drop(&mut self) {
        IN_FLIGHT.with(|ids| ids.borrow_mut().remove(&self.0));
    }
}

/// Claims the delivery of decision `id` for this page, or `None` when a delivery of it is already
/// under way here (the outbox is sent on load and again when the CRM names the user: without the
/// claim both would send, and two writes at the same moment both miss each other's look-up).
pub(crate) fn claim(id: &str) -> Option<Delivery> {
    IN_FLIGHT.with(|ids| ids.borrow_mut().insert(id.to_owned())).then(|| Delivery(id.to_owned()))
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The list under `key`, each entry read by `entry`; all or nothing.
fn read<T>(key: &str, entry: fn(&serde_json::Value) -> Result<T, String>) -> Vec<T> {
    let mut entries = Vec::new();
    for (index, value) in stored(key).iter().enumerate() {
        match entry(value) {
            Ok(read) => entries.push(read),
            Err(error) => {
                unreadable(key, &format!("[{index}]{error}"));
                return Vec::new();
            }
        }
    }
    entries
}

/// The entries of the list under `key`, not yet read (one function for both lists, not one per
/// entry type: issue 15).
fn stored(key: &str) -> Vec<serde_json::Value> {
    let Some(text) = storage().and_then(|storage| storage.get_item(key).ok().flatten()) else { return Vec::new() };
    match crate::json::parse(&text) {
        Ok(serde_json::Value::Array(entries)) => entries,
        Ok(_) => {
            unreadable(key, "expected a list");
            Vec::new()
        }
        Err(error) => {
            unreadable(key, &error);
            Vec::new()
        }
    }
}

fn unreadable(key: &str, error: &str) {
    console_error(&format!("{key} in localStorage is unreadable and is kept as is: {error}"));
}

fn write<T>(key: &str, entries: &[T], text: fn(&T) -> String) {
    let Some(storage) = storage() else {
        console_error("localStorage is unavailable: unsent decisions survive only until this page closes");
        return;
    };
    let result = if entries.is_empty() {
        storage.remove_item(key)
    } else {
        let mut list = String::new();
        crate::json::write::push_list(&mut list, entries, |out, entry| out.push_str(&text(entry)));
        storage.set_item(key, &list)
    };
    if result.is_err() {
        console_error("cannot write the outbox to localStorage (quota?)");
    }
}

/// Moves the entries of the single, pre-per-user outbox to their makers' outboxes.
fn migrate_legacy() {
    let Some(storage) = storage() else { return };
    if storage.get_item(LEGACY_KEY).ok().flatten().is_none() {
        return;
    }
    for decision in read(LEGACY_KEY, crate::decision::from_value) {
        put(&decision);
    }
    let _ = storage.remove_item(LEGACY_KEY);
}

/// Every decision of `user_id` waiting to be acknowledged.
pub(crate) fn pending(user_id: &str) -> Vec<Decision> {
    migrate_legacy();
    read(&format!("{PENDING_PREFIX}{user_id}"), crate::decision::from_value)
        .into_iter()
        .filter(|decision| decision.maker.id == user_id)
        .collect()
}

/// Adds (or replaces) a decision in its maker's outbox before it is sent.
pub(crate) fn put(decision: &Decision) {
    let key = format!("{PENDING_PREFIX}{}", decision.maker.id);
    let mut decisions = read(&key, crate::decision::from_value);
    decisions.retain(|known| known.id != decision.id);
    decisions.push(decision.clone());
    write(&key, &decisions, Decision::record_text);
}

fn attempts() -> serde_json::Map<String, serde_json::Value> {
    storage()
        .and_then(|storage| storage.get_item(ATTEMPTS_KEY).ok().flatten())
        .and_then(|text| crate::json::parse(&text).ok())
        .and_then(|value| match value {
            serde_json::Value::Object(attempts) => Some(attempts),
            _ => None,
        })
        .unwrap_or_default()
}

fn store_attempts(attempts: &serde_json::Map<String, serde_json::Value>) {
    if let Some(storage) = storage() {
        let _ = if attempts.is_empty() {
            storage.remove_item(ATTEMPTS_KEY)
        } else {
            storage.set_item(ATTEMPTS_KEY, &crate::json::write::to_text(&serde_json::Value::Object(attempts.clone())))
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

/// Removes an acknowledged decision from its maker's outbox.
pub(crate) fn remove(decision: &Decision) {
    clear_attempt(&decision.id);
    let key = format!("{PENDING_PREFIX}{}", decision.maker.id);
    let mut decisions = read(&key, crate::decision::from_value);
    let before = decisions.len();
    decisions.retain(|known| known.id != decision.id);
    if decisions.len() != before {
        write(&key, &decisions, Decision::record_text);
    }
}

/// The CRM refused `decision` for good: it leaves the outbox (never resent) and is kept, without
/// its note, for its maker to see.
pub(crate) fn refuse(decision: &Decision, reason: &str, now_ms: f64) -> RefusedDecision {
    remove(decision);
    let refused = RefusedDecision::of(decision, reason, now_ms);
    let key = format!("{REFUSED_PREFIX}{}", decision.maker.id);
    let mut entries = read(&key, RefusedDecision::from_value);
    entries.retain(|known| known.id != refused.id && known.is_current(now_ms));
    entries.push(refused.clone());
    write(&key, &entries, RefusedDecision::record_text);
    refused
}

/// `user_id`'s refused decisions still shown at `now_ms`; older ones are deleted here.
pub(crate) fn refused(user_id: &str, now_ms: f64) -> Vec<RefusedDecision> {
    let key = format!("{REFUSED_PREFIX}{user_id}");
    let entries = read(&key, RefusedDecision::from_value);
    let current: Vec<RefusedDecision> = entries.iter().filter(|entry| entry.is_current(now_ms)).cloned().collect();
    if current.len() != entries.len() {
        write(&key, &current, RefusedDecision::record_text);
    }
    current
}

/// The maker has seen the refusal: forget it.
pub(crate) fn dismiss_refused(user_id: &str, id: &str, now_ms: f64) -> Vec<RefusedDecision> {
    let key = format!("{REFUSED_PREFIX}{user_id}");
    let remaining: Vec<RefusedDecision> = refused(user_id, now_ms).into_iter().filter(|entry| entry.id != id).collect();
    write(&key, &remaining, RefusedDecision::record_text);
    remaining
}
