//! Mounting and unmounting: a host element with a shadow root and an adopted stylesheet, the Yew
//! app inside it, loading of the pack and profile, a debounced `MutationObserver` that re-reads
//! and re-scores the case when the page changes, and `riskpane:scored` events. `unmount` removes
//! everything it created: app, observer, timer, closures, host element.

use super::crm_client::{CrmClient, CrmError};
use super::fetch::{Source, begin, finish, js_message};
use super::outbox;
use super::rt_client::RtClient;
use super::{CaseSource, DecisionSink, PageCaseSource, console_error, document, now_seconds};
use crate::case::CaseFacts;
use crate::compiled::{pack_from_json, profile_from_json};
use crate::decision::{self, Decision, DecisionDraft, Role};
use crate::flow::{Language, Phase, WidgetEvent, WidgetState};
use crate::profile::{CrmKind, CrmProfile, RawCaseFields};
use crate::rules::RulePack;
use crate::ui::decision_form::{
    CHECK_NOTE_PREFIX, NOTE_FIELD, OUTCOME_FIELD, OVERRIDE_FIELD, OVERRIDE_NOTE_FIELD, REASON_FIELD,
};
use crate::ui::{INTENT_ATTRIBUTE, INTENT_VALUE, Intent, Widget, WidgetProps};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    CssStyleSheet, CustomEvent, CustomEventInit, Element, HtmlElement, MutationObserver, MutationObserverInit,
    ShadowRootInit, ShadowRootMode,
};
use yew::{AppHandle, Renderer};

const CSS: &str = include_str!("../ui/widget.css");
/// Quiet period after the last page change before the case is read again.
const DEBOUNCE_MS: i32 = 100;

/// The user working with the widget (decisions use it; issue #5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) role: String,
}

/// Everything the host page configures.
#[derive(Clone, Debug)]
pub(crate) struct MountOptions {
    pub(crate) pack: Source,
    pub(crate) profile: Source,
    pub(crate) language: Language,
    pub(crate) shadow_closed: bool,
    pub(crate) theme: Vec<(String, String)>,
    pub(crate) case: Option<serde_json::Value>,
    pub(crate) user: Option<User>,
    pub(crate) token: Option<String>,
    /// The embedding allows a CRM API on another origin (`allowCrossOriginApi`).
    pub(crate) allow_cross_origin_api: bool,
    pub(crate) on_scored: Option<js_sys::Function>,
    pub(crate) on_decision: Option<js_sys::Function>,
}

/// One mounted widget.
pub(crate) struct Controller {
    host: Element,
    /// The element inside the shadow root that Yew renders into; intents are delegated from it.
    inner: Element,
    /// The `change`/`click` listener on `inner` that turns controls' data attributes into intents.
    intent_listener: Option<Closure<dyn FnMut(web_sys::Event)>>,
    app: Option<AppHandle<Widget>>,
    state: Rc<WidgetState>,
    options: MountOptions,
    observer: Option<MutationObserver>,
    observer_callback: Option<Closure<dyn FnMut(js_sys::Array, MutationObserver)>>,
    debounce_timer: Option<i32>,
    debounce_callback: Option<Closure<dyn FnMut()>>,
    last_raw: Option<RawCaseFields>,
    /// Facts the CRM added for a case (its key, case JSON), and the case they were asked for.
    crm_facts: Option<(String, serde_json::Value)>,
    crm_facts_asked: Option<String>,
    /// Where decisions go, once the profile is loaded and names an API.
    client: Option<Rc<dyn DecisionSink>>,
    /// Where the case comes from.
    case_source: Rc<dyn CaseSource>,
    generation: u32,
    active: bool,
}

/// A mounted widget, shared between the JS handle and the callbacks (which hold `Weak`s only).
pub(crate) type Shared = Rc<RefCell<Controller>>;

/// Mounts a widget into a new host element appended to `target`.
pub(crate) fn mount(target: &Element, options: MountOptions) -> Result<Shared, JsValue> {
    let document = document()?;
    let host = document.create_element("div")?;
    host.set_attribute("data-riskpane", "")?;
    let mode = if options.shadow_closed { ShadowRootMode::Closed } else { ShadowRootMode::Open };
    let shadow = host.attach_shadow(&ShadowRootInit::new(mode))?;
    let sheet = CssStyleSheet::new()?;
    sheet.replace_sync(CSS)?;
    shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
    let inner = document.create_element("div")?;
    shadow.append_child(&inner)?;
    apply_theme(&host, &options.theme);
    target.append_child(&host)?;
    let language = options.language;
    let shared: Shared = Rc::new(RefCell::new(Controller {
        host,
        inner: inner.clone(),
        intent_listener: None,
        app: None,
        state: Rc::new(WidgetState::new(language)),
        options,
        observer: None,
        observer_callback: None,
        debounce_timer: None,
        debounce_callback: None,
        last_raw: None,
        crm_facts: None,
        crm_facts_asked: None,
        client: None,
        case_source: Rc::new(PageCaseSource),
        generation: 0,
        active: true,
    }));
    listen_for_intents(&shared)?;
    let props = props_of(&shared.borrow());
    let app = Renderer::<Widget>::with_root_and_props(inner, props).render();
    shared.borrow_mut().app = Some(app);
    start_loading(&shared);
    Ok(shared)
}

/// The origin `base` resolves to from this page, and the page's origin.
fn origins_of(base: &str) -> Result<(String, String), String> {
    let location = web_sys::window().ok_or("no window")?.location();
    let page = location.href().map_err(|error| js_message(&error))?;
    let url =
        web_sys::Url::new_with_base(base, &page).map_err(|_| format!("the crm api base `{base}` is not a url"))?;
    Ok((url.origin(), location.origin().map_err(|error| js_message(&error))?))
}

/// The decision sink a profile asks for: none without an API, else the adapter of its kind; none
/// either when the API is on another origin and the embedding did not allow that.
fn sink_for(profile: &CrmProfile, pack: &Rc<RulePack>, options: &MountOptions) -> Option<Rc<dyn DecisionSink>> {
    let api = profile.api.clone()?;
    let allowed = origins_of(&api.base).and_then(|(api_origin, page_origin)| {
        crate::crm_origin::check_api_origin(&api_origin, &page_origin, options.allow_cross_origin_api)
    });
    if let Err(problem) = allowed {
        console_error(&problem);
        return None;
    }
    let token = options.token.clone();
    Some(match (api.kind, api.request_tracker.clone()) {
        (CrmKind::RequestTracker, Some(settings)) => Rc::new(RtClient::new(api, settings, pack.clone())),
        _ => Rc::new(CrmClient { api, token }),
    })
}

fn props_of(controller: &Controller) -> WidgetProps {
    WidgetProps { state: controller.state.clone() }
}

/// Delegates `change` events of controls that declare an intent (see `ui::INTENT_ATTRIBUTE`).
fn listen_for_intents(shared: &Shared) -> Result<(), JsValue> {
    let weak: Weak<RefCell<Controller>> = Rc::downgrade(shared);
    let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        let Some(target) = event.target().and_then(|target| target.dyn_into::<Element>().ok()) else { return };
        let Some(kind) = target.get_attribute(INTENT_ATTRIBUTE) else { return };
        // Checkboxes and selects act on `change`, buttons on `click`.
        let is_button = target.tag_name().eq_ignore_ascii_case("button");
        if is_button != (event.type_() == "click") {
            return;
        }
        let value = target
            .get_attribute(INTENT_VALUE)
            .or_else(|| target.dyn_ref::<web_sys::HtmlSelectElement>().map(web_sys::HtmlSelectElement::value))
            .unwrap_or_default();
        if let (Some(intent), Some(shared)) = (Intent::from_attributes(&kind, value), weak.upgrade()) {
            handle_intent(&shared, intent);
        }
    });
    let inner = shared.borrow().inner.clone();
    inner.add_event_listener_with_callback("change", listener.as_ref().unchecked_ref())?;
    inner.add_event_listener_with_callback("click", listener.as_ref().unchecked_ref())?;
    shared.borrow_mut().intent_listener = Some(listener);
    Ok(())
}

fn apply_theme(host: &Element, theme: &[(String, String)]) {
    if let Some(element) = host.dyn_ref::<HtmlElement>() {
        for (name, value) in theme {
            if name.starts_with("--riskpane-") {
                let _ = element.style().set_property(name, value);
            }
        }
    }
}

/// Applies an event and re-renders. The app is taken out of the controller while it updates, so
/// nothing Yew does can find the controller borrowed.
fn dispatch(shared: &Shared, event: WidgetEvent) {
    let (props, app) = {
        let mut controller = shared.borrow_mut();
        if !controller.active {
            return;
        }
        let next = (*controller.state).clone().apply(event);
        controller.state = Rc::new(next);
        (props_of(&controller), controller.app.take())
    };
    if let Some(mut app) = app {
        app.update(props);
        let mut controller = shared.borrow_mut();
        if controller.active {
            controller.app = Some(app);
        } else {
            drop(controller);
            app.destroy();
        }
    }
}

fn handle_intent(shared: &Shared, intent: Intent) {
    match intent {
        Intent::ToggleChecklist(item) => dispatch(shared, WidgetEvent::ChecklistToggled { item }),
        Intent::SelectOutcome(outcome) => dispatch(shared, WidgetEvent::OutcomeSelected(outcome)),
        Intent::SubmitDecision => submit_decision(shared),
        Intent::ConfirmDecision(id) => check_decision(shared, id, "confirm"),
        Intent::RejectDecision(id) => check_decision(shared, id, "reject"),
        Intent::RetryOutbox => {
            // Deliveries under way stop waiting; the others (ended by a non-retryable error) start.
            outbox::retry_now();
            send_outbox(shared);
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

/// Shows the signed-in user's refused decisions and sends what waits in their outbox. Nothing is
/// sent without a signed-in user, and never another user's decisions.
fn send_outbox(shared: &Shared) {
    let user = current_user(&shared.borrow());
    let Some(user) = user else {
        dispatch(shared, WidgetEvent::RefusedLoaded(Vec::new()));
        return;
    };
    dispatch(shared, WidgetEvent::RefusedLoaded(outbox::refused(&user.id, js_sys::Date::now())));
    if shared.borrow().client.is_some() {
        for decision in outbox::pending(&user.id) {
            deliver(shared, decision);
        }
    }
}

/// Whether the CRM's answer refuses the decision for good: a 4xx that is not about the login
/// (401: sign in again and it is sent) or a passing condition (408, 429), or an explicit refusal.
fn is_refusal(error: &CrmError) -> bool {
    match error {
        CrmError::Http { status, .. } => (400..500).contains(status) && !matches!(status, 401 | 408 | 429),
        CrmError::Refused(_) => true,
        CrmError::Network(_) | CrmError::BadResponse(_) => false,
    }
}

/// The value of a form field inside the widget.
fn field_value(shared: &Shared, id: &str) -> String {
    let inner = shared.borrow().inner.clone();
    let Ok(Some(element)) = inner.query_selector(&format!("#{id}")) else { return String::new() };
    if let Some(select) = element.dyn_ref::<web_sys::HtmlSelectElement>() {
        return select.value();
    }
    element.dyn_ref::<web_sys::HtmlTextAreaElement>().map(web_sys::HtmlTextAreaElement::value).unwrap_or_default()
}

fn decision_user(user: &User) -> decision::User {
    let role = if user.role == "expert" { Role::Expert } else { Role::Agent };
    decision::User { id: user.id.clone(), name: user.name.clone(), role }
}

/// Who is working: the CRM's own answer when its adapter has one (Request Tracker), else the
/// embedding options' user.
fn current_user(controller: &Controller) -> Option<decision::User> {
    controller
        .client
        .as_ref()
        .and_then(|client| client.current_user())
        .or_else(|| controller.options.user.as_ref().map(decision_user))
}

fn submit_decision(shared: &Shared) {
    let (outcome, reason, note) =
        (field_value(shared, OUTCOME_FIELD), field_value(shared, REASON_FIELD), field_value(shared, NOTE_FIELD));
    // Only a band is an override; the "keep the score's band" choice (`keep`) and an absent field are none.
    let override_band = field_value(shared, OVERRIDE_FIELD);
    let band_override = decision::BANDS
        .contains(&override_band.as_str())
        .then(|| (override_band, reason.clone(), field_value(shared, OVERRIDE_NOTE_FIELD)));
    let Some(scored_at) = score_for_decision(shared) else { return };
    let proposal = {
        let controller = shared.borrow();
        let state = &controller.state;
        match (&state.phase, &state.pack, current_user(&controller)) {
            (Phase::Scored(scored), Some(pack), Some(user)) => {
                let draft = DecisionDraft {
                    id: super::random_uuid().unwrap_or_default(),
                    case_id: scored.case_key.clone(),
                    outcome,
                    reason_code: reason,
                    note,
                    band_override,
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
            deliver(shared, decision);
        }
    }
}

/// Waits `ms` milliseconds.
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Exponential backoff with full jitter: up to 0.5 s, 1 s, 2 s … 30 s.
fn backoff_ms(attempt: u32) -> i32 {
    let cap = (500.0 * 2f64.powi(attempt.min(6) as i32)).min(30_000.0);
    (js_sys::Math::random() * cap).max(100.0) as i32
}

/// Sends a decision from the outbox until the CRM acknowledges it (or the widget unmounts; it
/// stays in the outbox and the next mount sends it again with the same idempotency key).
fn deliver(shared: &Shared, decision: Decision) {
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
                weak.upgrade().and_then(|shared| shared.borrow().client.as_ref().map(|client| client.timeout_ms()))
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
                if controller.active && maker_signed_in { controller.client.clone() } else { None }
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
                    emit_decision(&shared, &stored);
                    return;
                }
                Err(error) if is_refusal(&error) => {
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

fn check_decision(shared: &Shared, id: String, action: &'static str) {
    let note = field_value(shared, &format!("{CHECK_NOTE_PREFIX}{id}"));
    let Some(client) = shared.borrow().client.clone() else { return };
    let case_id = shared.borrow().state.case_key().unwrap_or_default().to_owned();
    let weak = Rc::downgrade(shared);
    wasm_bindgen_futures::spawn_local(async move {
        let now = super::now_rfc3339();
        let result = client.check(&case_id, &id, action == "confirm", &note, &now).await;
        let Some(shared) = weak.upgrade() else { return };
        match result {
            Ok(decision) => {
                dispatch(&shared, WidgetEvent::DecisionStored(Box::new(decision.clone())));
                emit_decision(&shared, &decision);
            }
            Err(error) => dispatch(&shared, WidgetEvent::DecisionFailed(error.message())),
        }
    });
}

/// Reads the case's decisions back from the CRM (pending ones are confirmed from here).
fn load_decisions(shared: &Shared, case_key: String) {
    let Some(client) = shared.borrow().client.clone() else { return };
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

/// Asks the CRM, once per case, for the facts it knows beyond the page; when they arrive the case
/// is read and scored again with them. Until then (or if the CRM cannot say) those facts are
/// unknown, and the widget says they are missing.
fn load_crm_facts(shared: &Shared, case_key: String) {
    let client = {
        let mut controller = shared.borrow_mut();
        if case_key.is_empty() || controller.crm_facts_asked.as_deref() == Some(case_key.as_str()) {
            return;
        }
        controller.crm_facts_asked = Some(case_key.clone());
        controller.client.clone()
    };
    let Some(client) = client else { return };
    let weak = Rc::downgrade(shared);
    wasm_bindgen_futures::spawn_local(async move {
        let Some(request) = client.case_facts(&case_key) else { return };
        let result = request.await;
        let Some(shared) = weak.upgrade() else { return };
        match result {
            Ok(facts) => {
                shared.borrow_mut().crm_facts = Some((case_key, facts));
                rescore(&shared, false);
            }
            Err(error) => console_error(&format!("cannot read the case's history from the crm: {}", error.message())),
        }
    });
}

/// Dispatches `riskpane:decision` and calls `onDecision` for an acknowledged decision.
fn emit_decision(shared: &Shared, decision: &Decision) {
    let (host, callback) = {
        let controller = shared.borrow();
        (controller.host.clone(), controller.options.on_decision.clone())
    };
    // Plain JS objects (not `Map`s) for the event detail: the record's flattened state is a map.
    let detail = serde::Serialize::serialize(decision, &serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL);
    announce(&host, "riskpane:decision", &detail, callback.as_ref(), "onDecision");
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

async fn load(pack: &Source, profile: &Source) -> Result<(RulePack, CrmProfile), String> {
    // Both requests go out before either is awaited: they load in parallel.
    let (pack_loading, profile_loading) = (begin(pack, "rule pack")?, begin(profile, "crm profile")?);
    let pack_text = finish(pack_loading, "rule pack").await?;
    let profile_text = finish(profile_loading, "crm profile").await?;
    let pack = pack_from_json(&pack_text)?;
    // Mounting is split into short tasks (parse, configure, score) so the host page stays
    // responsive: no main-thread task over 50 ms (measured by `cargo xtask bench`).
    sleep(0).await;
    Ok((pack, profile_from_json(&profile_text)?))
}

fn start_loading(shared: &Shared) {
    let (generation, pack_source, profile_source) = {
        let mut controller = shared.borrow_mut();
        controller.generation += 1;
        (controller.generation, controller.options.pack.clone(), controller.options.profile.clone())
    };
    let weak = Rc::downgrade(shared);
    wasm_bindgen_futures::spawn_local(async move {
        let result = load(&pack_source, &profile_source).await;
        let Some(shared) = weak.upgrade() else { return };
        {
            let controller = shared.borrow();
            if !controller.active || controller.generation != generation {
                return;
            }
        }
        match result {
            Ok((pack, profile)) => {
                let pack = Rc::new(pack);
                {
                    let mut controller = shared.borrow_mut();
                    controller.client = sink_for(&profile, &pack, &controller.options);
                }
                let user = current_user(&shared.borrow());
                dispatch(&shared, WidgetEvent::Configured { pack, profile: Rc::new(profile) });
                dispatch(&shared, WidgetEvent::UserChanged(user));
                send_outbox(&shared);
                if let Err(error) = start_observing(&shared) {
                    console_error(&format!("cannot watch the page for changes: {}", js_message(&error)));
                }
                sleep(0).await;
                rescore(&shared, true);
            }
            Err(message) => {
                console_error(&message);
                dispatch(&shared, WidgetEvent::LoadFailed(message));
            }
        }
    });
}

fn start_observing(shared: &Shared) -> Result<(), JsValue> {
    if shared.borrow().observer.is_some() {
        return Ok(());
    }
    let weak = Rc::downgrade(shared);
    let debounce_callback = Closure::<dyn FnMut()>::new(move || {
        if let Some(shared) = weak.upgrade() {
            shared.borrow_mut().debounce_timer = None;
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
    let mut controller = shared.borrow_mut();
    controller.observer = Some(observer);
    controller.observer_callback = Some(observer_callback);
    controller.debounce_callback = Some(debounce_callback);
    Ok(())
}

fn schedule_rescore(shared: &Shared) {
    let Some(window) = web_sys::window() else { return };
    let mut controller = shared.borrow_mut();
    if !controller.active {
        return;
    }
    if let Some(timer) = controller.debounce_timer.take() {
        window.clear_timeout_with_handle(timer);
    }
    if let Some(callback) = &controller.debounce_callback {
        controller.debounce_timer = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback.as_ref().unchecked_ref(), DEBOUNCE_MS)
            .ok();
    }
}

/// Reads the case from the page (plus the CRM's and the host's facts), with the pack and profile.
fn read_page(shared: &Shared) -> Option<(Rc<RulePack>, Rc<CrmProfile>, RawCaseFields)> {
    let (pack, profile, case) = {
        let controller = shared.borrow();
        if !controller.active {
            return None;
        }
        match (&controller.state.pack, &controller.state.profile) {
            (Some(pack), Some(profile)) => (pack.clone(), profile.clone(), controller.options.case.clone()),
            _ => return None,
        }
    };
    let source = shared.borrow().case_source.clone();
    let mut raw = source.read_case(&profile);
    if let Some((key, facts)) = &shared.borrow().crm_facts
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
    if !force && shared.borrow().last_raw.as_ref() == Some(&raw) {
        return;
    }
    let previous_key = shared.borrow().state.case_key().map(str::to_owned);
    let current_key = score_case(shared, &pack, &profile, raw, now_seconds()).unwrap_or_default();
    if force || previous_key.as_deref() != Some(current_key.as_str()) {
        load_decisions(shared, current_key.clone());
    }
    load_crm_facts(shared, current_key);
    emit_scored(shared);
}

/// Scores the page as it is now, right before a decision is proposed, and returns that `now`
/// (UTC seconds): the decision's `created_at` is this score's time, so the CRM, which re-scores
/// its own copy of the case at that time, finds the same input hash, score and band.
fn score_for_decision(shared: &Shared) -> Option<i64> {
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
    shared.borrow_mut().last_raw = Some(raw);
    dispatch(shared, WidgetEvent::CaseRead { facts, issues, case_key: case_key.clone() });
    case_key
}

fn set(object: &js_sys::Object, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(key), value);
}

/// Dispatches `riskpane:scored` on the host element and calls `onScored`.
fn emit_scored(shared: &Shared) {
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

/// Applies new options: reloads the pack and profile if their sources changed, then re-reads.
pub(crate) fn update(shared: &Shared, options: MountOptions) {
    let (reload, language_changed, language) = {
        let mut controller = shared.borrow_mut();
        if !controller.active {
            return;
        }
        let reload = controller.options.pack != options.pack || controller.options.profile != options.profile;
        let language_changed = controller.options.language != options.language;
        apply_theme(&controller.host, &options.theme);
        let language = options.language;
        if let (Some(profile), Some(pack)) = (controller.state.profile.clone(), controller.state.pack.clone()) {
            controller.client = sink_for(&profile, &pack, &options);
        }
        controller.options = options;
        (reload, language_changed, language)
    };
    if language_changed {
        dispatch(shared, WidgetEvent::LanguageChanged(language));
    }
    let user = current_user(&shared.borrow());
    let user_changed = shared.borrow().state.user.as_ref().map(|known| &known.id) != user.as_ref().map(|user| &user.id);
    dispatch(shared, WidgetEvent::UserChanged(user));
    if user_changed && !reload {
        send_outbox(shared);
    }
    if reload {
        start_loading(shared);
    } else {
        rescore(shared, true);
    }
}

/// Removes everything `mount` created.
pub(crate) fn unmount(shared: &Shared) {
    let (app, observer, timer, host) = {
        let mut controller = shared.borrow_mut();
        if !controller.active {
            return;
        }
        controller.active = false;
        (controller.app.take(), controller.observer.take(), controller.debounce_timer.take(), controller.host.clone())
    };
    if let Some(observer) = observer {
        observer.disconnect();
    }
    if let (Some(timer), Some(window)) = (timer, web_sys::window()) {
        window.clear_timeout_with_handle(timer);
    }
    if let Some(app) = app {
        app.destroy();
    }
    host.remove();
    let mut controller = shared.borrow_mut();
    if let Some(listener) = controller.intent_listener.take() {
        let _ = controller.inner.remove_event_listener_with_callback("change", listener.as_ref().unchecked_ref());
        let _ = controller.inner.remove_event_listener_with_callback("click", listener.as_ref().unchecked_ref());
    }
    controller.observer_callback = None;
    controller.debounce_callback = None;
    controller.last_raw = None;
}
