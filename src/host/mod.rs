//! The only place that touches the page and the network: mounting into a shadow root, reading the
//! visible case through a CRM profile, watching it for changes, loading packs and profiles, and
//! announcing scores as DOM events. Everything here is wasm32-only.
#![allow(clippy::disallowed_methods)] // page access is this module's job

mod configure;
pub(crate) mod crm_client;
mod delivery;
mod events;
pub(crate) mod fetch;
#[cfg(feature = "crm-helpdesk")]
pub(crate) mod helpdesk_client;
mod intents;
pub(crate) mod mount;
pub(crate) mod outbox;
#[cfg(feature = "crm-rt")]
pub(crate) mod rt_client;
pub(crate) mod scrape;
pub(crate) mod watch;

use crate::decision::{Check, Decision};
use crate::profile::{CrmProfile, RawCaseFields};
use std::future::Future;
use std::pin::Pin;
use wasm_bindgen::{JsCast, JsValue};

/// Why a CRM call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CrmError {
    /// The CRM answered with an error status.
    Http {
        /// Status code.
        status: u16,
        /// The CRM's message.
        message: String,
    },
    /// No answer (offline, dropped connection, timeout): the call may or may not have landed.
    Network(String),
    /// An answer the adapter does not understand.
    BadResponse(String),
    /// The CRM answered but refused the change (Request Tracker says so in a 200 answer's
    /// messages; the four-eye rule refuses a checker): retrying the same request cannot help.
    /// (Only the note-based CRMs' adapters make it: unused in the generic-only build.)
    #[cfg_attr(not(any(feature = "crm-rt", feature = "crm-helpdesk")), allow(dead_code))]
    Refused(String),
}

impl CrmError {
    /// Whether retrying the same request can succeed (server errors and network failures).
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            CrmError::Http { status, .. } => *status >= 500 || *status == 408 || *status == 429,
            CrmError::Network(_) => true,
            CrmError::BadResponse(_) | CrmError::Refused(_) => false,
        }
    }

    /// Whether the CRM refuses the decision for good: a 4xx that is not about the login (401: sign
    /// in again and it is sent) or a passing condition (408, 429), or an explicit refusal.
    pub(crate) fn is_refusal(&self) -> bool {
        match self {
            CrmError::Http { status, .. } => (400..500).contains(status) && !matches!(status, 401 | 408 | 429),
            CrmError::Refused(_) => true,
            CrmError::Network(_) | CrmError::BadResponse(_) => false,
        }
    }

    /// Lowercase message for the UI.
    pub(crate) fn message(&self) -> String {
        match self {
            CrmError::Http { status, message } => format!("crm answered {status}: {message}"),
            CrmError::Network(message) => format!("no answer from the crm: {message}"),
            CrmError::BadResponse(message) => format!("unexpected answer from the crm: {message}"),
            CrmError::Refused(message) => format!("the crm refused it: {message}"),
        }
    }
}

/// A checker's confirmation or rejection of a pending decision, as sent to the CRM.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CheckRequest<'a> {
    /// The case the decision belongs to (the note-based CRMs' adapters need it).
    #[cfg_attr(not(any(feature = "crm-rt", feature = "crm-helpdesk")), allow(dead_code))]
    pub(crate) case_id: &'a str,
    /// The decision's id.
    pub(crate) id: &'a str,
    /// Confirm or reject.
    pub(crate) check: Check,
    /// The checker's note (required to reject).
    pub(crate) note: &'a str,
    /// When (RFC 3339; the generic contract takes the CRM's clock instead).
    #[cfg_attr(not(any(feature = "crm-rt", feature = "crm-helpdesk")), allow(dead_code))]
    pub(crate) at: &'a str,
}

/// A CRM call in flight.
pub(crate) type CrmFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, CrmError>> + 'a>>;

/// Where decisions go: one implementation per CRM (the generic REST contract in `crm_client`,
/// Request Tracker in `rt_client`, django-helpdesk in `helpdesk_client`). The widget only talks to this trait.
pub(crate) trait DecisionSink {
    /// Stores a decision, idempotently on its id (safe to repeat after an ambiguous failure: an
    /// earlier attempt that landed is found, not written again); returns the CRM's record.
    fn submit<'a>(&'a self, decision: &'a Decision) -> CrmFuture<'a, Decision>;
    /// A case's decisions.
    fn list<'a>(&'a self, case_id: &'a str) -> CrmFuture<'a, Vec<Decision>>;
    /// Confirms or rejects a pending decision of a case.
    fn check<'a>(&'a self, request: CheckRequest<'a>) -> CrmFuture<'a, Decision>;
    /// How long a request may take before it counts as failed (it may still land afterwards).
    fn timeout_ms(&self) -> u32;
    /// Facts the CRM knows beyond what the page shows, as case JSON (Request Tracker: contacts
    /// from the ticket's history); `None` when it has none to add.
    fn case_facts<'a>(&'a self, _case_id: &'a str) -> Option<CrmFuture<'a, serde_json::Value>> {
        None
    }
    /// The signed-in user as the CRM itself knows them, when the CRM tells (Request Tracker
    /// does); otherwise the embedding options' user is used.
    fn current_user(&self) -> Option<crate::decision::User> {
        None
    }
    /// Sends an expert's pattern report to the Fraud Advisory Team (issue 17); returns the CRM's
    /// reference. Safe to repeat: the report's id is its idempotency key.
    fn report_pattern<'a>(&'a self, _report: &'a crate::pattern::PatternReport) -> CrmFuture<'a, String> {
        Box::pin(async { Err(CrmError::BadResponse("this CRM takes no pattern reports".to_owned())) })
    }
}

/// Where the case comes from: the page, read through a CRM profile.
pub(crate) trait CaseSource {
    /// Reads the case as the page shows it now.
    fn read_case(&self, profile: &CrmProfile) -> RawCaseFields;
}

/// The page's DOM (what `api::mount` injects; tests may inject another source).
pub(crate) struct PageCaseSource;

impl CaseSource for PageCaseSource {
    fn read_case(&self, profile: &CrmProfile) -> RawCaseFields {
        match document() {
            Ok(document) => scrape::read_case(&document, profile),
            Err(_) => RawCaseFields::default(),
        }
    }
}

/// The window and document, or a clear error outside a browser page.
pub(crate) fn document() -> Result<web_sys::Document, JsValue> {
    web_sys::window()
        .and_then(|window| window.document())
        .ok_or_else(|| JsValue::from_str("riskpane needs a browser page"))
}

/// Logs an error to the console (the widget also shows it).
pub(crate) fn console_error(message: &str) {
    web_sys::console::error_1(&JsValue::from_str(&format!("riskpane: {message}")));
}

/// The panic hook (set before Yew's, which would install `console_error_panic_hook`): a panic
/// is a bug that stops the widget, so the console says where and what, with the widget's prefix.
/// Yew's default formats the whole panic report and a JavaScript stack: 0.4 KB more gzip in the
/// wasm (issue 15).
pub(crate) fn report_panic(info: &std::panic::PanicHookInfo<'_>) {
    let payload = info.payload();
    let message =
        payload.downcast_ref::<String>().map(String::as_str).or_else(|| payload.downcast_ref::<&str>().copied());
    let place = info.location().map_or_else(String::new, |place| format!(" at {}:{}", place.file(), place.line()));
    console_error(&format!("internal error{place}: {}; the widget stopped, please report it", message.unwrap_or("")));
}

/// Current time in UTC seconds: "today" for the `now` fact (the core has no clock).
pub(crate) fn now_seconds() -> i64 {
    (js_sys::Date::now() / 1000.0).floor() as i64
}

/// The page's `<html lang>`, the default language of the widget.
pub(crate) fn page_language() -> String {
    document()
        .ok()
        .and_then(|document| document.document_element())
        .map(|root| root.get_attribute("lang").unwrap_or_default())
        .unwrap_or_default()
}

/// The content of `<meta name="…">` (CSRF tokens).
pub(crate) fn meta_content(name: &str) -> Option<String> {
    let selector = format!("meta[name=\"{}\"]", name.replace('"', ""));
    document().ok()?.query_selector(&selector).ok()??.get_attribute("content")
}

/// The value of a cookie of the page (CSRF double-submit tokens).
pub(crate) fn cookie_value(name: &str) -> Option<String> {
    let cookies = document().ok()?.dyn_into::<web_sys::HtmlDocument>().ok()?.cookie().ok()?;
    cookies.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then(|| String::from(js_sys::decode_uri_component(value).unwrap_or_else(|_| value.into())))
    })
}

/// A random UUID (decision ids), from the browser's crypto.
pub(crate) fn random_uuid() -> Option<String> {
    web_sys::window()?.crypto().ok().map(|crypto| crypto.random_uuid())
}

/// Waits `ms` milliseconds (0: yields to the browser, so long work is split into short tasks).
pub(crate) async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// The current time as RFC 3339 (decision timestamps).
pub(crate) fn now_rfc3339() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

#[cfg(any(feature = "crm-rt", feature = "crm-helpdesk"))]
/// The JSON island a CRM's page writes for the widget (the element `selector` names), parsed;
/// `null` when it is missing or not JSON.
pub(crate) fn read_island(selector: &str) -> serde_json::Value {
    let text = document()
        .ok()
        .and_then(|document| document.query_selector(selector).ok().flatten())
        .and_then(|island| island.text_content())
        .unwrap_or_default();
    crate::json::parse(&text).unwrap_or(serde_json::Value::Null)
}
