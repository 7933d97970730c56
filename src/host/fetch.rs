//! Loads compiled rule packs and CRM profiles from URLs, in parallel (same-origin credentials, no other
//! network use), or takes it inline from the embedding options.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestCache, RequestCredentials, RequestInit, Response};

/// Where a pack or profile comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// Fetched from this URL.
    Url(String),
    /// Given inline (JSON text). It stays a JavaScript string: a compiled pack's text is most of a
    /// megabyte, and the options keep it for as long as the widget is mounted (`update` compares
    /// it), so a copy in the wasm memory would stay there too (BENCHMARKS.md, memory).
    Inline(js_sys::JsString),
}

/// Why a pack or profile could not be loaded; `what` names it ("rule pack", "crm profile").
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LoadError {
    /// The request failed (network, timeout, an invalid URL).
    Fetch { what: &'static str, url: String, message: String },
    /// The server answered with an error status.
    Status { what: &'static str, url: String, status: u16 },
    /// The answer is not text.
    NotText { what: &'static str, url: String },
    /// Loaded, but not a compiled pack or profile the widget can read.
    Unreadable(crate::compiled::CompiledError),
    /// The profile's CRM needs an adapter this build does not carry (per-CRM builds).
    WrongBuild(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Fetch { what, url, message } => {
                write!(formatter, "{what} could not be loaded from {url}: {message}")
            }
            LoadError::Status { what, url, status } => {
                write!(formatter, "{what} could not be loaded from {url}: HTTP {status}")
            }
            LoadError::NotText { what, url } => write!(formatter, "{what} from {url} is not text"),
            LoadError::Unreadable(error) => write!(formatter, "{error}"),
            LoadError::WrongBuild(problem) => write!(formatter, "{problem}"),
        }
    }
}

/// How long a pack or profile may take to load.
const LOAD_TIMEOUT_MS: u32 = 20_000;

/// A pack or profile on its way: given inline, or a request already sent.
pub(crate) enum Loading {
    /// Inline text.
    Ready(js_sys::JsString),
    /// The browser's fetch, started; with the URL for errors.
    Fetching(JsFuture, String),
}

/// Starts loading a pack or profile at once, so several load in parallel; `what` names it in
/// errors ("rule pack").
pub(crate) fn begin(source: &Source, what: &'static str) -> Result<Loading, LoadError> {
    let url = match source {
        Source::Inline(text) => return Ok(Loading::Ready(text.clone())),
        Source::Url(url) => url,
    };
    let describe = |error: JsValue| LoadError::Fetch { what, url: url.clone(), message: js_message(&error) };
    // A pack or profile that does not arrive is an error the widget shows, not an endless spinner.
    let fetching = start(url, &RequestInit::new(), RequestCache::NoCache, LOAD_TIMEOUT_MS).map_err(describe)?;
    Ok(Loading::Fetching(fetching, url.clone()))
}

/// Sends a request the way the widget sends every request: same-origin credentials, the given
/// cache mode, aborted after `timeout_ms`. `init` carries the method, headers and body.
pub(crate) fn start(url: &str, init: &RequestInit, cache: RequestCache, timeout_ms: u32) -> Result<JsFuture, JsValue> {
    init.set_credentials(RequestCredentials::SameOrigin);
    init.set_cache(cache);
    init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(timeout_ms)));
    let request = Request::new_with_str_and_init(url, init)?;
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    Ok(JsFuture::from(window.fetch_with_request(&request)))
}

/// The body of a response as text, as the browser holds it (`None` if it is not text).
pub(crate) async fn text_of(response: &Response) -> Result<Option<js_sys::JsString>, JsValue> {
    Ok(JsFuture::from(response.text()?).await?.dyn_into().ok())
}

/// The JSON text of a pack or profile whose loading `begin` started, as the browser holds it (a
/// pack's text is read without a copy in the wasm memory: `compiled::pack_from_js`).
pub(crate) async fn finish(loading: Loading, what: &'static str) -> Result<js_sys::JsString, LoadError> {
    let (fetching, url) = match loading {
        Loading::Ready(text) => return Ok(text),
        Loading::Fetching(fetching, url) => (fetching, url),
    };
    let describe = |error: JsValue| LoadError::Fetch { what, url: url.clone(), message: js_message(&error) };
    let response: Response = fetching.await.map_err(describe)?.unchecked_into();
    if !response.ok() {
        return Err(LoadError::Status { what, url, status: response.status() });
    }
    text_of(&response).await.map_err(describe)?.ok_or(LoadError::NotText { what, url })
}

/// The message of a JS error value.
pub(crate) fn js_message(error: &JsValue) -> String {
    if let Some(error) = error.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    error.as_string().unwrap_or_else(|| "unknown error".to_owned())
}
