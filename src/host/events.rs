//! What the widget announces to the host page: `riskpane:scored` after every score and
//! `riskpane:decision` for every decision the CRM acknowledged, as composed, bubbling DOM events
//! on the host element and as the `onScored` / `onDecision` callbacks. A throwing callback is
//! logged, never propagated into the widget.

use super::console_error;
use super::fetch::js_message;
use super::mount::Shared;
use crate::decision::Decision;
use crate::flow::Phase;
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, Element};

/// Dispatches `riskpane:decision` and calls `onDecision` for an acknowledged decision.
pub(super) fn emit_decision(shared: &Shared, decision: &Decision) {
    let (host, callback) = {
        let controller = shared.borrow();
        (controller.host.clone(), controller.options.on_decision.clone())
    };
    // Plain JS objects (not `Map`s) for the event detail: the record's flattened state is a map.
    let detail = js_sys::JSON::parse(&decision.record_text()).unwrap_or(JsValue::NULL);
    announce(&host, "riskpane:decision", &detail, callback.as_ref(), "onDecision");
}

/// Dispatches `riskpane:scored` on the host element and calls `onScored`.
pub(super) fn emit_scored(shared: &Shared) {
    let (host, detail, callback) = {
        let controller = shared.borrow();
        let (Phase::Scored(scored), Some(pack)) = (&controller.state.phase, &controller.state.pack) else { return };
        let report = &scored.report;
        let detail = js_sys::Object::new();
        set(&detail, "score", &JsValue::from_f64(report.score as f64));
        set(&detail, "band", &JsValue::from_str(report.band.name()));
        let range = js_sys::Object::new();
        set(&range, "min", &JsValue::from_f64(report.score_range.0 as f64));
        set(&range, "max", &JsValue::from_f64(report.score_range.1 as f64));
        set(&detail, "scoreRange", &range);
        set(&detail, "completeness", &JsValue::from_f64(report.completeness()));
        set(&detail, "packId", &JsValue::from_str(&pack.id));
        set(&detail, "packVersion", &JsValue::from_str(&pack.version));
        set(&detail, "packHash", &JsValue::from_str(&report.pack_hash));
        set(&detail, "inputHash", &JsValue::from_str(&report.input_hash));
        set(&detail, "caseKey", &JsValue::from_str(&scored.case_key));
        let fired: js_sys::Array = report.hits.iter().map(|hit| JsValue::from_str(&pack.rules[hit.rule].id)).collect();
        set(&detail, "firedRules", &fired);
        (controller.host.clone(), detail, controller.options.on_scored.clone())
    };
    announce(&host, "riskpane:scored", &detail, callback.as_ref(), "onScored");
}

fn set(object: &js_sys::Object, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(key), value);
}

/// Dispatches a composed, bubbling `CustomEvent` on the host element and calls the matching
/// callback option; a throwing host callback is logged, never propagated into the widget.
fn announce(host: &Element, name: &str, detail: &JsValue, callback: Option<&js_sys::Function>, callback_name: &str) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&event);
    }
    if let Some(callback) = callback
        && let Err(error) = callback.call1(&JsValue::NULL, detail)
    {
        console_error(&format!("{callback_name} callback failed: {}", js_message(&error)));
    }
}
