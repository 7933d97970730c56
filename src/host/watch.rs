//! Reading the case and watching the page: the case source (the page's DOM through the CRM
//! profile, plus facts the CRM and the embedding add), a debounced `MutationObserver` on the body
//! that re-reads and re-scores when the page changes, and asking the CRM once per case for the
//! facts it knows beyond the page.

use super::mount::{Shared, dispatch};
use super::{CaseSource, console_error, delivery, document, events, now_seconds};
use crate::case::CaseFacts;
use crate::flow::WidgetEvent;
use crate::profile::{CrmProfile, RawCaseFields};
use crate::rules::RulePack;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MutationObserver, MutationObserverInit};

/// Quiet period after the last page change before the case is read again.
const DEBOUNCE_MS: i32 = 100;

/// Where the case comes from and what watches it.
pub(super) struct PageWatch {
    source: Rc<dyn CaseSource>,
    observer: Option<MutationObserver>,
    observer_callback: Option<Closure<dyn FnMut(js_sys::Array, MutationObserver)>>,
    debounce_timer: Option<i32>,
    debounce_callback: Option<Closure<dyn FnMut()>>,
    /// The page as last read, so an unchanged page is not scored again.
    last_raw: Option<RawCaseFields>,
}

impl PageWatch {
    pub(super) fn new(source: Rc<dyn CaseSource>) -> PageWatch {
        PageWatch {
            source,
            observer: None,
            observer_callback: None,
            debounce_timer: None,
            debounce_callback: None,
            last_raw: None,
        }
    }

    /// Stops watching: disconnects the observer and cancels a pending re-read.
    pub(super) fn stop(&mut self) {
        if let Some(observer) = self.observer.take() {
            observer.disconnect();
        }
        if let (Some(timer), Some(window)) = (self.debounce_timer.take(), web_sys::window()) {
            window.clear_timeout_with_handle(timer);
        }
    }

    /// Drops the callbacks and the last reading (after `stop`, on unmount).
    pub(super) fn release(&mut self) {
        self.observer_callback = None;
        self.debounce_callback = None;
        self.last_raw = None;
    }
}

/// Starts watching the page body for changes (once).
pub(super) fn start_observing(shared: &Shared) -> Result<(), JsValue> {
    if shared.borrow().watch.observer.is_some() {
        return Ok(());
    }
    let weak = Rc::downgrade(shared);
    let debounce_callback = Closure::<dyn FnMut()>::new(move || {
        if let Some(shared) = weak.upgrade() {
            shared.borrow_mut().watch.debounce_timer = None;
            rescore(&shared, false);
        }
    });
    let weak = Rc::downgrade(shared);
    let observer_callback = Closure::<dyn FnMut(js_sys::Array, MutationObserver)>::new(move |_records, _observer| {
        if let Some(shared) = weak.upgrade() {
            schedule_rescore(&shared);
        }
    });
    let observer = MutationObserver::new(observer_callback.as_ref().unchecked_ref())?;
    let init = MutationObserverInit::new();
    init.set_subtree(true);
    init.set_child_list(true);
    init.set_character_data(true);
    init.set_attributes(true);
    // The whole body is watched: single-page CRMs often replace the case area itself.
    let body = document()?.body().ok_or_else(|| JsValue::from_str("the page has no body"))?;
    observer.observe_with_options(&body, &init)?;
    let watch = &mut shared.borrow_mut().watch;
    watch.observer = Some(observer);
    watch.observer_callback = Some(observer_callback);
    watch.debounce_callback = Some(debounce_callback);
    Ok(())
}

fn schedule_rescore(shared: &Shared) {
    let Some(window) = web_sys::window() else { return };
    let mut controller = shared.borrow_mut();
    if !controller.active {
        return;
    }
    let watch = &mut controller.watch;
    if let Some(timer) = watch.debounce_timer.take() {
        window.clear_timeout_with_handle(timer);
    }
    if let Some(callback) = &watch.debounce_callback {
        watch.debounce_timer = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback.as_ref().unchecked_ref(), DEBOUNCE_MS)
            .ok();
    }
}

/// Reads the case from the page (plus the CRM's and the host's facts), with the pack and profile.
fn read_page(shared: &Shared) -> Option<(Rc<RulePack>, Rc<CrmProfile>, RawCaseFields)> {
    let (pack, profile, case, source) = {
        let controller = shared.borrow();
        if !controller.active {
            return None;
        }
        match (&controller.state.pack, &controller.state.profile) {
            (Some(pack), Some(profile)) => {
                (pack.clone(), profile.clone(), controller.options.case.clone(), controller.watch.source.clone())
            }
            _ => return None,
        }
    };
    let mut raw = source.read_case(&profile);
    if let Some((key, facts)) = &shared.borrow().crm.facts
        && raw.case_key.as_deref() == Some(key.as_str())
    {
        raw.merge_json(&pack, facts);
    }
    if let Some(case) = &case {
        raw.merge_json(&pack, case);
    }
    Some((pack, profile, raw))
}

/// Reads the case from the page and re-scores it (only if it changed, unless `force`).
pub(crate) fn rescore(shared: &Shared, force: bool) {
    let Some((pack, profile, raw)) = read_page(shared) else { return };
    if !force && shared.borrow().watch.last_raw.as_ref() == Some(&raw) {
        return;
    }
    let previous_key = shared.borrow().state.case_key().map(str::to_owned);
    let current_key = score_case(shared, &pack, &profile, raw, now_seconds()).unwrap_or_default();
    if force || previous_key.as_deref() != Some(current_key.as_str()) {
        delivery::load_decisions(shared, current_key.clone());
    }
    load_crm_facts(shared, current_key);
    events::emit_scored(shared);
}

/// Scores the page as it is now, right before a decision is proposed, and returns that `now`
/// (UTC seconds): the decision's `created_at` is this score's time, so the CRM, which re-scores
/// its own copy of the case at that time, finds the same input hash, score and band.
pub(super) fn score_for_decision(shared: &Shared) -> Option<i64> {
    let (pack, profile, raw) = read_page(shared)?;
    let now = now_seconds();
    score_case(shared, &pack, &profile, raw, now);
    Some(now)
}

/// Reads `raw` into facts at `now` and scores them (the reducer scores on `CaseRead`); returns
/// the case key.
fn score_case(shared: &Shared, pack: &RulePack, profile: &CrmProfile, raw: RawCaseFields, now: i64) -> Option<String> {
    let (facts, issues) = CaseFacts::from_raw(pack, profile, &raw, now);
    let case_key = raw.case_key.clone();
    shared.borrow_mut().watch.last_raw = Some(raw);
    dispatch(shared, WidgetEvent::CaseRead { facts, issues, case_key: case_key.clone() });
    case_key
}

/// Asks the CRM, once per case, for the facts it knows beyond the page; when they arrive the case
/// is read and scored again with them. Until then (or if the CRM cannot say) those facts are
/// unknown, and the widget says they are missing.
fn load_crm_facts(shared: &Shared, case_key: String) {
    let client = {
        let mut controller = shared.borrow_mut();
        if case_key.is_empty() || controller.crm.facts_asked.as_deref() == Some(case_key.as_str()) {
            return;
        }
        controller.crm.facts_asked = Some(case_key.clone());
        controller.crm.client.clone()
    };
    let Some(client) = client else { return };
    let weak = Rc::downgrade(shared);
    wasm_bindgen_futures::spawn_local(async move {
        let Some(request) = client.case_facts(&case_key) else { return };
        let result = request.await;
        let Some(shared) = weak.upgrade() else { return };
        match result {
            Ok(facts) => {
                shared.borrow_mut().crm.facts = Some((case_key, facts));
                rescore(&shared, false);
            }
            Err(error) => console_error(&format!("cannot read the case's history from the crm: {}", error.message())),
        }
    });
}
