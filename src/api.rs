//! The JavaScript surface: `mount(target, options) -> WidgetHandle` with `update`, `refresh` and
//! `unmount`, and `version()`. Options are read defensively: a wrong option is a thrown `Error`
//! with a clear message, never a panic. The custom element `<risk-pane>` and the pre-load call
//! queue live in the package's JS entry (`pkg-config/npm/riskpane.js`), which calls these.

use crate::flow::Language;
use crate::host::fetch::Source;
use crate::host::mount::{self, MountOptions, Shared, User};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Where a rule pack or CRM profile comes from: a URL of its compiled JSON, that JSON as text, or the object itself. */
export type RiskpaneSource = string | Record<string, unknown>;
export interface RiskpaneUser { id: string; name: string; role: "agent" | "expert" | "communications"; }
export interface RiskpaneScoredDetail {
  score: number; band: "low" | "medium" | "high" | "critical";
  scoreRange: { min: number; max: number }; completeness: number;
  packId: string; packVersion: string; packHash: string; inputHash: string; caseKey: string; firedRules: string[];
}
export interface RiskpaneMountOptions {
  /** Compiled rule pack (`riskpane compile`): URL or object. */
  pack: RiskpaneSource;
  /** Compiled CRM profile: URL or object. */
  profile: RiskpaneSource;
  user?: RiskpaneUser;
  /** Bearer token for the CRM's decision API, when the CRM profile says `auth = "bearer"`. */
  token?: string;
  /** Allow the CRM profile's API on another origin than the page's (default false: refused). */
  allowCrossOriginApi?: boolean;
  /** `en` or `de`; default from `<html lang>`. */
  lang?: string;
  /** Shadow root mode; default `open`. */
  shadow?: "open" | "closed";
  /** Accepted for CSP setups; the widget's styles are a constructable stylesheet and need no nonce. */
  nonce?: string;
  /** `--riskpane-*` custom properties, e.g. `{ "--riskpane-accent": "teal" }`. */
  theme?: Record<string, string>;
  /** Fact values that override what the page shows; nested keys are fact names. */
  case?: Record<string, unknown>;
  onScored?: (detail: RiskpaneScoredDetail) => void;
  onDecision?: (detail: unknown) => void;
}
"#;

/// A mounted widget.
#[wasm_bindgen]
pub struct WidgetHandle {
    controller: Option<Shared>,
}

#[wasm_bindgen]
impl WidgetHandle {
    /// Applies new options (same shape as `mount`'s).
    ///
    /// # Errors
    /// Invalid options; the widget keeps its current options.
    #[allow(clippy::needless_pass_by_value)] // wasm-bindgen exports take JsValue by value
    pub fn update(&self, options: JsValue) -> Result<(), JsError> {
        let Some(controller) = &self.controller else { return Err(JsError::new("riskpane: the widget is unmounted")) };
        mount::update(controller, parse_options(&options)?);
        Ok(())
    }

    /// Reads the case from the page again and re-scores it.
    pub fn refresh(&self) {
        if let Some(controller) = &self.controller {
            crate::host::watch::rescore(controller, true);
        }
    }

    /// Removes the widget and everything it created. Safe to call twice.
    pub fn unmount(&mut self) {
        if let Some(controller) = self.controller.take() {
            mount::unmount(&controller);
        }
    }
}

/// Mounts the widget into a new element appended to `target`.
///
/// # Errors
/// Invalid options or a page where the widget cannot be created.
#[wasm_bindgen]
#[allow(clippy::needless_pass_by_value)] // wasm-bindgen exports take JsValue by value
pub fn mount(target: &web_sys::Element, options: JsValue) -> Result<WidgetHandle, JsError> {
    let options = parse_options(&options)?;
    let controller = mount::mount(target, options, Rc::new(crate::host::PageCaseSource)).map_err(|error| {
        JsError::new(&format!("riskpane: cannot mount: {}", crate::host::fetch::js_message(&error)))
    })?;
    Ok(WidgetHandle { controller: Some(controller) })
}

/// The widget's version.
#[wasm_bindgen]
#[must_use]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

fn get(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn optional_string(object: &JsValue, key: &str) -> Result<Option<String>, JsError> {
    let value = get(object, key);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value.as_string().map(Some).ok_or_else(|| JsError::new(&format!("riskpane: option `{key}` must be a string")))
}

fn optional_bool(object: &JsValue, key: &str) -> Result<Option<bool>, JsError> {
    let value = get(object, key);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value.as_bool().map(Some).ok_or_else(|| JsError::new(&format!("riskpane: option `{key}` must be true or false")))
}

fn source(options: &JsValue, key: &str) -> Result<Source, JsError> {
    let value = get(options, key);
    if let Some(text) = value.dyn_ref::<js_sys::JsString>() {
        // JSON text (the package's JS fetches URLs while the wasm compiles and passes the text),
        // kept as a JavaScript string until it is read (`Source::Inline`).
        return Ok(if text.trim_start().starts_with("{", 0) {
            Source::Inline(text.clone())
        } else {
            Source::Url(String::from(text))
        });
    }
    if value.is_object() {
        return match js_sys::JSON::stringify(&value) {
            Ok(text) if text.is_string() => Ok(Source::Inline(text)),
            _ => Err(JsError::new(&format!("riskpane: option `{key}` cannot be serialized"))),
        };
    }
    Err(JsError::new(&format!(
        "riskpane: option `{key}` is required: a URL of the compiled JSON, its text, or the object itself"
    )))
}

fn function(options: &JsValue, key: &str) -> Result<Option<js_sys::Function>, JsError> {
    let value = get(options, key);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .dyn_into::<js_sys::Function>()
        .map(Some)
        .map_err(|_| JsError::new(&format!("riskpane: option `{key}` must be a function")))
}

fn parse_options(options: &JsValue) -> Result<MountOptions, JsError> {
    if !options.is_object() {
        return Err(JsError::new("riskpane: options must be an object with at least `pack` and `profile`"));
    }
    let language = optional_string(options, "lang")?.unwrap_or_else(crate::host::page_language);
    let shadow_closed = match optional_string(options, "shadow")?.as_deref() {
        None | Some("open") => false,
        Some("closed") => true,
        Some(other) => {
            return Err(JsError::new(&format!(
                "riskpane: option `shadow` must be \"open\" or \"closed\", found \"{other}\""
            )));
        }
    };
    let _nonce = optional_string(options, "nonce")?;
    let mut theme = Vec::new();
    let theme_value = get(options, "theme");
    if theme_value.is_object() {
        for entry in js_sys::Object::entries(theme_value.unchecked_ref()).iter() {
            let pair: js_sys::Array = entry.unchecked_into();
            if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                theme.push((name, value));
            }
        }
    }
    let case_value = get(options, "case");
    let case = if case_value.is_object() {
        let text = js_sys::JSON::stringify(&case_value).ok().and_then(|text| text.as_string()).unwrap_or_default();
        Some(
            crate::json::parse(&text)
                .map_err(|error| JsError::new(&format!("riskpane: option `case` is not plain data: {error}")))?,
        )
    } else {
        None
    };
    let user_value = get(options, "user");
    let user = if user_value.is_object() {
        Some(User {
            id: optional_string(&user_value, "id")?.unwrap_or_default(),
            name: optional_string(&user_value, "name")?.unwrap_or_default(),
            role: optional_string(&user_value, "role")?.unwrap_or_else(|| "agent".to_owned()),
        })
    } else {
        None
    };
    Ok(MountOptions {
        pack: source(options, "pack")?,
        profile: source(options, "profile")?,
        language: Language::from_tag(&language),
        shadow_closed,
        theme,
        case,
        user,
        token: optional_string(options, "token")?,
        allow_cross_origin_api: optional_bool(options, "allowCrossOriginApi")?.unwrap_or(false),
        on_scored: function(options, "onScored")?,
        on_decision: function(options, "onDecision")?,
    })
}
