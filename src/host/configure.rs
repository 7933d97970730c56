//! Configuring a mounted widget: loading its rule pack and CRM profile (in parallel, in short
//! tasks), choosing the CRM adapter the profile names (on an allowed origin), then the first
//! score, the outbox and the page watch.

use super::crm_client::CrmClient;
use super::fetch::{LoadError, Source, begin, finish, js_message};
#[cfg(feature = "crm-helpdesk")]
use super::helpdesk_client::HelpdeskClient;
use super::mount::{MountOptions, Shared, current_user, dispatch};
#[cfg(feature = "crm-rt")]
use super::rt_client::RtClient;
use super::{DecisionSink, console_error, delivery, sleep, watch};
use crate::compiled::{pack_from_js, profile_from_json};
use crate::flow::WidgetEvent;
use crate::profile::{CrmKind, CrmProfile};
use crate::rules::RulePack;
use std::rc::Rc;

async fn load(pack: &Source, profile: &Source) -> Result<(RulePack, CrmProfile), LoadError> {
    // Both requests go out before either is awaited: they load in parallel.
    let (pack_loading, profile_loading) = (begin(pack, "rule pack")?, begin(profile, "crm profile")?);
    let pack_text = finish(pack_loading, "rule pack").await?;
    let profile_text = finish(profile_loading, "crm profile").await?;
    let pack = pack_from_js(&pack_text).map_err(LoadError::Unreadable)?;
    // Mounting is split into short tasks (parse, configure, score) so the host page stays
    // responsive: no main-thread task over 50 ms (measured by `cargo xtask bench`).
    sleep(0).await;
    let profile = profile_from_json(&String::from(profile_text)).map_err(LoadError::Unreadable)?;
    if let Some(problem) = missing_adapter(&profile) {
        return Err(LoadError::WrongBuild(problem));
    }
    Ok((pack, profile))
}

/// Why this build cannot serve the profile's CRM: each per-CRM build carries only its adapter
/// (`cargo xtask dist`); loading the wrong file is an error that names the right one, not a widget
/// whose decisions go nowhere.
fn missing_adapter(profile: &CrmProfile) -> Option<String> {
    let kind = profile.api.as_ref()?.kind;
    let (present, crm, file) = match kind {
        CrmKind::RequestTracker => (cfg!(feature = "crm-rt"), "Request Tracker", "riskpane-rt.js"),
        CrmKind::DjangoHelpdesk => (cfg!(feature = "crm-helpdesk"), "django-helpdesk", "riskpane-helpdesk.js"),
        CrmKind::Generic => return None,
    };
    (!present).then(|| {
        format!("the crm profile is for {crm}, and this riskpane build has no {crm} adapter: load {file} instead")
    })
}

/// Loads the pack and profile the options name, then configures and scores.
pub(super) fn start_loading(shared: &Shared) {
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
                    controller.crm.client = sink_for(&profile, &pack, &controller.options);
                }
                let user = current_user(&shared.borrow());
                dispatch(&shared, WidgetEvent::Configured { pack, profile: Rc::new(profile) });
                dispatch(&shared, WidgetEvent::UserChanged(user));
                delivery::send_outbox(&shared);
                if let Err(error) = watch::start_observing(&shared) {
                    console_error(&format!("cannot watch the page for changes: {}", js_message(&error)));
                }
                sleep(0).await;
                watch::rescore(&shared, true);
            }
            Err(error) => {
                let message = error.to_string();
                console_error(&message);
                dispatch(&shared, WidgetEvent::LoadFailed(message));
            }
        }
    });
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
#[cfg_attr(not(any(feature = "crm-rt", feature = "crm-helpdesk")), allow(unused_variables))]
pub(super) fn sink_for(
    profile: &CrmProfile,
    pack: &Rc<RulePack>,
    options: &MountOptions,
) -> Option<Rc<dyn DecisionSink>> {
    let api = profile.api.clone()?;
    let allowed = origins_of(&api.base).and_then(|(api_origin, page_origin)| {
        crate::crm_origin::check_api_origin(&api_origin, &page_origin, options.allow_cross_origin_api)
    });
    if let Err(problem) = allowed {
        console_error(&problem);
        return None;
    }
    let token = options.token.clone();
    match (api.kind, api.request_tracker.clone(), api.django_helpdesk.clone()) {
        #[cfg(feature = "crm-rt")]
        (CrmKind::RequestTracker, Some(settings), _) => Some(Rc::new(RtClient::new(api, settings, pack.clone()))),
        #[cfg(feature = "crm-helpdesk")]
        (CrmKind::DjangoHelpdesk, _, Some(settings)) => Some(Rc::new(HelpdeskClient::new(api, settings, pack.clone()))),
        // A profile for a CRM whose adapter this build lacks never gets here (`missing_adapter`).
        (CrmKind::RequestTracker | CrmKind::DjangoHelpdesk, ..) if missing_adapter(profile).is_some() => None,
        _ => Some(Rc::new(CrmClient { api, token })),
    }
}
