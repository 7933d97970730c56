//! The agent's intents: one listener on the widget's root turns the data attributes of the control
//! that changed or was clicked into an `Intent` (see `ui::INTENT_ATTRIBUTE` for why not Yew
//! callbacks), and each intent becomes an event of the state machine or a CRM call. Decisions are
//! proposed from the form's state in `flow::WidgetState`, never read back out of the widget's DOM.

use super::mount::{Controller, Shared, current_user, dispatch};
use super::{CheckRequest, delivery, events, outbox, watch};
use crate::decision::{self, Check, DecisionDraft, Role};
use crate::flow::{Phase, SubmitState, WidgetEvent};
use crate::pattern;
use crate::ui::{INTENT_ATTRIBUTE, INTENT_VALUE, Intent};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Element;

/// The DOM events the listener handles: buttons act on `click`, text fields on `input` (so the
/// state holds every keystroke), checkboxes and selects on `change`.
const EVENTS: [&str; 3] = ["change", "click", "input"];

fn acts_on(control: &Element) -> &'static str {
    let tag = control.tag_name();
    if tag.eq_ignore_ascii_case("button") {
        "click"
    } else if tag.eq_ignore_ascii_case("textarea") {
        "input"
    } else {
        "change"
    }
}

/// The value a select or text field holds (empty for other controls).
fn control_value(control: &Element) -> String {
    if let Some(select) = control.dyn_ref::<web_sys::HtmlSelectElement>() {
        return select.value();
    }
    control.dyn_ref::<web_sys::HtmlTextAreaElement>().map(web_sys::HtmlTextAreaElement::value).unwrap_or_default()
}

/// Listens on the widget's root for controls that declare an intent.
pub(super) fn listen(shared: &Shared) -> Result<(), JsValue> {
    let weak = Rc::downgrade(shared);
    let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        let Some(control) = event.target().and_then(|target| target.dyn_into::<Element>().ok()) else { return };
        let Some(kind) = control.get_attribute(INTENT_ATTRIBUTE) else { return };
        if event.type_() != acts_on(&control) {
            return;
        }
        let intent = Intent::from_control(&kind, control.get_attribute(INTENT_VALUE), control_value(&control));
        if let (Some(intent), Some(shared)) = (intent, weak.upgrade()) {
            handle(&shared, intent);
        }
    });
    let inner = shared.borrow().inner.clone();
    for name in EVENTS {
        inner.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())?;
    }
    shared.borrow_mut().intent_listener = Some(listener);
    Ok(())
}

/// Removes the listener `listen` added (on unmount).
pub(super) fn forget(controller: &mut Controller) {
    if let Some(listener) = controller.intent_listener.take() {
        for name in EVENTS {
            let _ = controller.inner.remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        }
    }
}

fn handle(shared: &Shared, intent: Intent) {
    match intent {
        Intent::ToggleChecklist(item) => dispatch(shared, WidgetEvent::ChecklistToggled { item }),
        Intent::EditForm(edit) => dispatch(shared, WidgetEvent::FormEdited(edit)),
        Intent::EditPattern(edit) => dispatch(shared, WidgetEvent::PatternEdited(edit)),
        Intent::SubmitPattern => submit_pattern(shared),
        Intent::SubmitDecision => submit_decision(shared),
        Intent::CheckDecision { id, check } => check_decision(shared, id, check),
        Intent::RetryOutbox => {
            // Deliveries under way stop waiting; the others (ended by a non-retryable error) start.
            outbox::retry_now();
            delivery::send_outbox(shared);
        }
        Intent::DismissRefused(id) => {
            // The borrow ends before the dispatch below borrows mutably (a panic would kill the widget).
            let user = current_user(&shared.borrow());
            if let Some(user) = user {
                let remaining = outbox::dismiss_refused(&user.id, &id, js_sys::Date::now());
                dispatch(shared, WidgetEvent::RefusedLoaded(remaining));
            }
        }
    }
}

/// Proposes the decision the form holds: scores the page once more (its time is the decision's
/// `created_at`), applies the policy (`decision::propose`), puts it in the outbox and sends it.
fn submit_decision(shared: &Shared) {
    let Some(scored_at) = watch::score_for_decision(shared) else { return };
    let proposal = {
        let controller = shared.borrow();
        let state = &controller.state;
        let form = &state.form;
        match (&state.phase, &state.pack, current_user(&controller)) {
            (Phase::Scored(scored), Some(pack), Some(user)) => {
                // Only experts see the override; the band they chose goes with the decision's reason.
                let band_override = form
                    .band_override
                    .clone()
                    .filter(|_| user.role == Role::Expert)
                    .map(|band| (band, form.reason_code.clone(), form.override_note.clone()));
                let draft = DecisionDraft {
                    id: super::random_uuid().unwrap_or_default(),
                    case_id: scored.case_key.clone(),
                    outcome: form.outcome.clone().unwrap_or_default(),
                    reason_code: form.reason_code.clone(),
                    note: form.note.clone(),
                    band_override,
                    reply_text: form.reply_text.clone(),
                    // The findings go with QA outcomes only; `propose` says what is missing.
                    qa: form
                        .outcome
                        .as_deref()
                        .filter(|outcome| decision::QA_OUTCOMES.contains(outcome))
                        .filter(|_| !form.qa_agent.is_empty())
                        .map(|_| decision::QaFindings {
                            agent: form.qa_agent.clone(),
                            provider: String::new(),
                            severity: decision::Severity::from_name(&form.qa_severity)
                                .unwrap_or(decision::Severity::None),
                            missed_steps: form.qa_missed.clone(),
                            ignored_risks: form.qa_ignored.clone(),
                        }),
                    maker: user,
                    created_at: crate::value::time::format_datetime(scored_at),
                };
                Some(decision::propose(pack, &scored.report, draft, &state.ticked()))
            }
            _ => None,
        }
    };
    match proposal {
        None => {}
        Some(Err(error)) => dispatch(shared, WidgetEvent::DecisionInvalid(error.to_string())),
        Some(Ok(decision)) => {
            // Written before it is sent: a reload or an outage never loses it.
            outbox::put(&decision);
            dispatch(shared, WidgetEvent::DecisionSending);
            delivery::deliver(shared, decision);
        }
    }
}

/// Confirms or rejects a pending decision with the note typed next to it.
fn check_decision(shared: &Shared, id: String, check: Check) {
    let (client, case_id, note) = {
        let controller = shared.borrow();
        let Some(client) = controller.crm.client.clone() else { return };
        let note = controller.state.form.check_note(&id).to_owned();
        (client, controller.state.case_key().unwrap_or_default().to_owned(), note)
    };
    let weak = Rc::downgrade(shared);
    wasm_bindgen_futures::spawn_local(async move {
        let at = super::now_rfc3339();
        let result = client.check(CheckRequest { case_id: &case_id, id: &id, check, note: &note, at: &at }).await;
        let Some(shared) = weak.upgrade() else { return };
        match result {
            Ok(decision) => {
                dispatch(&shared, WidgetEvent::DecisionStored(Box::new(decision.clone())));
                events::emit_decision(&shared, &decision);
            }
            Err(error) => dispatch(&shared, WidgetEvent::DecisionFailed(error.message())),
        }
    });
}

/// Sends the expert's pattern report: the marked elements of the scored case as a draft rule, with
/// the case's id and input hash and the pack's id, version and hash — no case text
/// (`pattern::PatternReport`). Not kept in the outbox: it is no decision, and the form keeps the
/// marks until the CRM has stored it, so a failed send is sent again from the form — as the same
/// report (`PatternForm::pending`: same id and time), which the CRM stores once.
fn submit_pattern(shared: &Shared) {
    let report = {
        let controller = shared.borrow();
        let state = &controller.state;
        let form = &state.pattern;
        match (&state.phase, &state.pack, current_user(&controller), controller.crm.client.clone()) {
            (Phase::Scored(scored), Some(_), Some(user), Some(client))
                if user.role == Role::Expert && form.case_key == scored.case_key && form.pending.is_some() =>
            {
                form.pending.clone().map(|report| (Ok(report), client))
            }
            (Phase::Scored(scored), Some(pack), Some(user), Some(client))
                if user.role == Role::Expert && form.case_key == scored.case_key =>
            {
                let offered = pattern::candidates(pack, &scored.facts, &scored.report);
                let elements: Vec<_> = form.marked.iter().filter_map(|&index| offered.get(index).cloned()).collect();
                let report = pattern::draft_text(pack, &elements).map(|draft_rule| pattern::PatternReport {
                    format: pattern::FORMAT.to_owned(),
                    id: super::random_uuid().unwrap_or_default(),
                    case_id: scored.case_key.clone(),
                    created_at: super::now_rfc3339(),
                    author: user,
                    pack: pattern::PackRef {
                        id: pack.id.clone(),
                        version: pack.version.clone(),
                        hash: String::from(&*scored.report.pack_hash),
                    },
                    input_hash: String::from(&*scored.report.input_hash),
                    category: if form.category.is_empty() { "fraud".to_owned() } else { form.category.clone() },
                    elements,
                    draft_rule,
                    note: form.note.clone(),
                });
                Some((report, client))
            }
            _ => None,
        }
    };
    let Some((report, client)) = report else { return };
    let report = match report {
        Ok(report) => report,
        Err(problems) => {
            return dispatch(shared, WidgetEvent::PatternStatus(SubmitState::Invalid(problems.join("; "))));
        }
    };
    dispatch(shared, WidgetEvent::PatternSending(Box::new(report.clone())));
    let weak = Rc::downgrade(shared);
    wasm_bindgen_futures::spawn_local(async move {
        let result = client.report_pattern(&report).await;
        let Some(shared) = weak.upgrade() else { return };
        let status = match result {
            Ok(reference) => SubmitState::Sent(reference),
            Err(error) => SubmitState::Failed(error.message()),
        };
        dispatch(&shared, WidgetEvent::PatternStatus(status));
    });
}
