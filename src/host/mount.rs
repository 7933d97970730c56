//! One mounted widget: a host element with a shadow root and an adopted stylesheet, the Yew app
//! inside it, and the `Controller` the other host modules share (`configure` loads the pack and
//! profile, `watch` re-reads the page, `intents` turns the agent's clicks into events, `delivery`
//! sends decisions, `events` announces them). `update` applies new options; `unmount` removes
//! everything `mount` created: app, observer, timer, listeners, host element.

use super::fetch::Source;
use super::watch::PageWatch;
use super::{CaseSource, DecisionSink, configure, document, intents, watch};
use crate::decision::{self, Role};
use crate::flow::{Language, WidgetEvent, WidgetState};
use crate::ui::{Widget, WidgetProps};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use web_sys::{CssStyleSheet, Element, HtmlElement, ShadowRootInit, ShadowRootMode};
use yew::{AppHandle, Renderer};

const CSS: &str = crate::style::WIDGET_CSS;

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

/// What the widget knows of the CRM behind the page.
#[derive(Default)]
pub(super) struct CrmLink {
    /// Where decisions go, once the profile is loaded and names an API.
    pub(super) client: Option<Rc<dyn DecisionSink>>,
    /// Facts the CRM added for a case (its key, case JSON).
    pub(super) facts: Option<(String, serde_json::Value)>,
    /// The case those facts were last asked for.
    pub(super) facts_asked: Option<String>,
}

/// One mounted widget.
pub(crate) struct Controller {
    pub(super) host: Element,
    /// The element inside the shadow root that Yew renders into; intents are delegated from it.
    pub(super) inner: Element,
    /// The listener on `inner` that turns controls' data attributes into intents (`intents`).
    pub(super) intent_listener: Option<Closure<dyn FnMut(web_sys::Event)>>,
    pub(super) app: Option<AppHandle<Widget>>,
    pub(super) state: Rc<WidgetState>,
    pub(super) options: MountOptions,
    /// Reading the case and watching the page for changes.
    pub(super) watch: PageWatch,
    pub(super) crm: CrmLink,
    /// Counts pack/profile loads, so an answer to a superseded load is ignored.
    pub(super) generation: u32,
    pub(super) active: bool,
}

/// A mounted widget, shared between the JS handle and the callbacks (which hold `Weak`s only).
pub(crate) type Shared = Rc<RefCell<Controller>>;

/// Mounts a widget into a new host element appended to `target`; it reads its case from `source`.
pub(crate) fn mount(target: &Element, options: MountOptions, source: Rc<dyn CaseSource>) -> Result<Shared, JsValue> {
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
        watch: PageWatch::new(source),
        crm: CrmLink::default(),
        generation: 0,
        active: true,
    }));
    intents::listen(&shared)?;
    let props = props_of(&shared.borrow());
    yew::set_custom_panic_hook(Box::new(super::report_panic));
    let app = Renderer::<Widget>::with_root_and_props(inner, props).render();
    shared.borrow_mut().app = Some(app);
    configure::start_loading(&shared);
    Ok(shared)
}

fn props_of(controller: &Controller) -> WidgetProps {
    WidgetProps { state: controller.state.clone() }
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
pub(super) fn dispatch(shared: &Shared, event: WidgetEvent) {
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

fn decision_user(user: &User) -> decision::User {
    let role = match user.role.as_str() {
        "expert" => Role::Expert,
        "communications" => Role::Communications,
        _ => Role::Agent,
    };
    decision::User { id: user.id.clone(), name: user.name.clone(), role }
}

/// Who is working: the CRM's own answer when its adapter has one (Request Tracker), else the
/// embedding options' user.
pub(super) fn current_user(controller: &Controller) -> Option<decision::User> {
    controller
        .crm
        .client
        .as_ref()
        .and_then(|client| client.current_user())
        .or_else(|| controller.options.user.as_ref().map(decision_user))
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
            controller.crm.client = configure::sink_for(&profile, &pack, &options);
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
        super::delivery::send_outbox(shared);
    }
    if reload {
        configure::start_loading(shared);
    } else {
        watch::rescore(shared, true);
    }
}

/// Removes everything `mount` created.
pub(crate) fn unmount(shared: &Shared) {
    let (app, host) = {
        let mut controller = shared.borrow_mut();
        if !controller.active {
            return;
        }
        controller.active = false;
        controller.watch.stop();
        (controller.app.take(), controller.host.clone())
    };
    if let Some(app) = app {
        app.destroy();
    }
    host.remove();
    let mut controller = shared.borrow_mut();
    intents::forget(&mut controller);
    controller.watch.release();
}
