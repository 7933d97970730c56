//! Decision delivery: the outbox is sent while its maker is signed in, each decision until the
//! CRM acknowledges or refuses it (backoff with jitter between attempts, "Retry now" cuts it
//! short), and a case's decisions are read back from the CRM. A decision is in the outbox before
//! it is sent and leaves it only when acknowledged or refused for good.

use super::mount::{Shared, current_user, dispatch};
use super::{CrmError, console_error, events, outbox, sleep};
use crate::decision::Decision;
use crate::flow::WidgetEvent;
use std::rc::Rc;

/// Shows the signed-in user's refused decisions and sends what waits in their outbox. Nothing is
/// sent without a signed-in user, and never another user's decisions.
pub(super) fn send_outbox(shared: &Shared) {
    let user = current_user(&shared.borrow());
    let Some(user) = user else {
        dispatch(shared, WidgetEvent::RefusedLoaded(Vec::new()));
        return;
    };
    dispatch(shared, WidgetEvent::RefusedLoaded(outbox::refused(&user.id, js_sys::Date::now())));
    if shared.borrow().crm.client.is_some() {
        for decision in outbox::pending(&user.id) {
            deliver(shared, decision);
        }
    }
}

/// Exponential backoff with full jitter: up to 0.5 s, 1 s, 2 s … 30 s.
fn backoff_ms(attempt: u32) -> i32 {
    let cap = (500.0 * 2f64.powi(attempt.min(6) as i32)).min(30_000.0);
    (js_sys::Math::random() * cap).max(100.0) as i32
}

/// Sends a decision from the outbox until the CRM acknowledges it (or the widget unmounts; it
/// stays in the outbox and the next mount sends it again with the same idempotency key).
pub(super) fn deliver(shared: &Shared, decision: Decision) {
    let Some(delivery) = outbox::claim(&decision.id) else { return };
    let weak = Rc::downgrade(shared);
    wasm_bindgen_futures::spawn_local(async move {
        let _delivery = delivery;
        let mut attempt = 0u32;
        loop {
            // A request of an earlier attempt (maybe from a page that was reloaded since) may still
            // be on its way through the CRM: give it the API timeout to land, so the look-up below
            // sees it instead of writing the decision a second time.
            let Some(timeout_ms) =
                weak.upgrade().and_then(|shared| shared.borrow().crm.client.as_ref().map(|client| client.timeout_ms()))
            else {
                return;
            };
            if let Some(last) = outbox::last_attempt(&decision.id) {
                let wait = last + f64::from(timeout_ms) - js_sys::Date::now();
                if wait > 0.0 {
                    sleep(wait.min(60_000.0) as i32).await;
                }
            }
            // Only while its maker is signed in, checked right before sending: after a change of
            // user it waits in the maker's outbox for their next session.
            let Some(client) = weak.upgrade().and_then(|shared| {
                let controller = shared.borrow();
                let maker_signed_in = current_user(&controller).is_some_and(|user| user.id == decision.maker.id);
                if controller.active && maker_signed_in { controller.crm.client.clone() } else { None }
            }) else {
                return;
            };
            outbox::mark_attempt(&decision.id, js_sys::Date::now());
            // Every adapter's submit is safe to repeat after an ambiguous failure (the request may
            // have landed): the generic contract by `Idempotency-Key`, Request Tracker by looking
            // the decision id up in the ticket's comments before writing.
            let result = client.submit(&decision).await;
            if !matches!(result, Err(CrmError::Network(_))) {
                outbox::clear_attempt(&decision.id);
            }
            let Some(shared) = weak.upgrade() else { return };
            match result {
                Ok(stored) => {
                    outbox::remove(&decision);
                    dispatch(&shared, WidgetEvent::DecisionStored(Box::new(stored.clone())));
                    events::emit_decision(&shared, &stored);
                    return;
                }
                Err(error) if error.is_refusal() => {
                    // Refused for good (policy, roles, a different decision under this id):
                    // resending cannot help. It leaves the outbox; its maker sees why.
                    let refused = outbox::refuse(&decision, &error.message(), js_sys::Date::now());
                    dispatch(&shared, WidgetEvent::DecisionRefused(refused));
                    return;
                }
                Err(error) => {
                    dispatch(&shared, WidgetEvent::DecisionFailed(error.message()));
                    if !error.is_retryable() {
                        return;
                    }
                }
            }
            drop(shared);
            // Wait out the backoff in short steps, so "Retry now" cuts it short.
            let (generation, mut left) = (outbox::retry_generation(), backoff_ms(attempt));
            while left > 0 && outbox::retry_generation() == generation {
                sleep(left.min(250)).await;
                left -= 250;
            }
            attempt += 1;
        }
    });
}

/// Reads the case's decisions back from the CRM (pending ones are confirmed from here).
pub(super) fn load_decisions(shared: &Shared, case_key: String) {
    let Some(client) = shared.borrow().crm.client.clone() else { return };
    let weak = Rc::downgrade(shared);
    wasm_bindgen_futures::spawn_local(async move {
        let result = client.list(&case_key).await;
        let Some(shared) = weak.upgrade() else { return };
        match result {
            Ok(decisions) => dispatch(&shared, WidgetEvent::DecisionsLoaded { case_key, decisions }),
            Err(error) => console_error(&format!("cannot read the case's decisions: {}", error.message())),
        }
    });
}
