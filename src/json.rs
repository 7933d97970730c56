//! Reading typed values out of a parsed JSON tree by hand, with the place of each problem
//! (`.snapshot.score: expected a whole number`). The widget parses JSON into a `serde_json::Value` anyway
//! (case islands, CRM answers); readers written with these helpers walk that tree instead of
//! instantiating serde's derived visitors for `serde_json`'s reader, which were the largest block of
//! the wasm (issue 15, BENCHMARKS.md). Used for small documents: compiled profiles (`compiled::read`)
//! and decision records (`decision::read`). Not for compiled packs: a tree of the care pack's
//! thousands of small objects took 4 MB of wasm memory (see `compiled::read`).
//!
//! [`parse`] is the one way the crate turns JSON text into that tree: in the browser through the
//! browser's own `JSON.parse` (serde_json's parser and its error texts were ~5 KB gzip of every
//! build, issue 15), natively through serde_json. Numbers follow JSON.parse's: a whole number
//! below 2^53 reads as an integer (`1.0` too), others as the nearest float.

use crate::value::SmallMap;
use serde_json::{Map, Value};

pub(crate) mod write;

/// JSON text as a tree; the error says what is wrong (and where, as the parser puts it).
///
/// # Errors
/// When the text is not JSON, or (in the browser) nests deeper than [`MAX_DEPTH`].
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn parse(text: &str) -> Read<Value> {
    serde_json::from_str(text).map_err(|error| error.to_string())
}

/// How deep the browser's tree may nest (serde_json's own limit): the walk below recurses.
#[cfg(target_arch = "wasm32")]
const MAX_DEPTH: usize = 128;

/// JSON text as a tree; the error says what is wrong (and where, as the parser puts it).
///
/// # Errors
/// When the text is not JSON, or nests deeper than [`MAX_DEPTH`].
#[cfg(target_arch = "wasm32")]
pub(crate) fn parse(text: &str) -> Read<Value> {
    from_js(&parse_js(&js_sys::JsString::from(text))?, 0)
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `JSON.parse` on a string the browser holds (`js_sys::JSON::parse` takes a Rust `&str`,
    /// which would copy the text into the wasm memory first).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_js_string(text: &js_sys::JsString) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>;
}

/// JSON text the browser holds, parsed by the browser and left there; the error is the parser's.
///
/// # Errors
/// When the text is not JSON.
#[cfg(target_arch = "wasm32")]
pub(crate) fn parse_js(text: &js_sys::JsString) -> Read<wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    parse_js_string(text).map_err(|error| String::from(error.unchecked_into::<js_sys::Error>().message()))
}

#[cfg(target_arch = "wasm32")]
fn from_js(value: &wasm_bindgen::JsValue, depth: usize) -> Read<Value> {
    use wasm_bindgen::JsCast;
    if depth > MAX_DEPTH {
        return Err(format!("nested more than {MAX_DEPTH} deep"));
    }
    if let Some(flag) = value.as_bool() {
        return Ok(Value::Bool(flag));
    }
    if let Some(number) = value.as_f64() {
        // Below 2^53 a whole f64 is exact; the cast cannot truncate.
        return Ok(if number.fract() == 0.0 && number.abs() < 9_007_199_254_740_992.0 {
            Value::from(number as i64)
        } else {
            serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
        });
    }
    if let Some(text) = value.as_string() {
        return Ok(Value::String(text));
    }
    if js_sys::Array::is_array(value) {
        let array: &js_sys::Array = value.unchecked_ref();
        let mut items = Vec::with_capacity(array.length() as usize);
        for item in array.iter() {
            items.push(from_js(&item, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    if value.is_object() {
        let mut object = Map::new();
        for entry in js_sys::Object::entries(value.unchecked_ref()).iter() {
            let pair: js_sys::Array = entry.unchecked_into();
            object.insert(pair.get(0).as_string().unwrap_or_default(), from_js(&pair.get(1), depth + 1)?);
        }
        return Ok(Value::Object(object));
    }
    Ok(Value::Null)
}

/// A JSON object of `members` (what `json!({...})` with expressions builds, without serializing
/// each expression through serde: `json!` brought serde_json's value serializer and its error
/// texts into the wasm, issue 15).
#[must_use]
pub(crate) fn object_of(members: Vec<(&str, Value)>) -> Value {
    // Inserted one by one, not collected: `collect` into the map sorts first with the standard
    // library's stable sort, another few KB of wasm (BENCHMARKS.md).
    let mut object = Object::new();
    for (key, value) in members {
        object.insert(key.to_owned(), value);
    }
    Value::Object(object)
}

/// A problem and where it is: the path is built from the inside out (`.rules[3]: …`).
pub(crate) type Read<T> = Result<T, String>;
pub(crate) type Object = Map<String, Value>;

pub(crate) fn problem<T>(text: &str) -> Read<T> {
    Err(format!(": {text}"))
}

pub(crate) fn object(value: &Value) -> Read<&Object> {
    value.as_object().map_or_else(|| problem("expected an object"), Ok)
}

/// `object[key]`, read by `read`; a missing key is an error.
pub(crate) fn field<'a, T>(object: &'a Object, key: &str, read: fn(&'a Value) -> Read<T>) -> Read<T> {
    match object.get(key) {
        Some(value) => read(value).map_err(|error| format!(".{key}{error}")),
        None => Err(format!(": `{key}` is missing")),
    }
}

/// `object[key]` when present and not null.
pub(crate) fn optional<'a, T>(object: &'a Object, key: &str, read: fn(&'a Value) -> Read<T>) -> Read<Option<T>> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => read(value).map(Some).map_err(|error| format!(".{key}{error}")),
    }
}

/// `object[key]`, or the type's default when absent.
pub(crate) fn or_default<T: Default>(object: &Object, key: &str, read: fn(&Value) -> Read<T>) -> Read<T> {
    optional(object, key, read).map(Option::unwrap_or_default)
}

/// A profile object may hold only these keys (profiles deny unknown keys in TOML too).
pub(crate) fn only(object: &Object, keys: &[&str]) -> Read<()> {
    match object.keys().find(|key| !keys.contains(&key.as_str())) {
        Some(key) => Err(format!(": unknown key `{key}`")),
        None => Ok(()),
    }
}

pub(crate) fn list<T>(value: &Value, read: fn(&Value) -> Read<T>) -> Read<Vec<T>> {
    let items = value.as_array().map_or_else(|| problem("expected a list"), Ok)?;
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        out.push(read(item).map_err(|error| format!("[{index}]{error}"))?);
    }
    Ok(out)
}

pub(crate) fn text(value: &Value) -> Read<&str> {
    value.as_str().map_or_else(|| problem("expected a string"), Ok)
}

pub(crate) fn string(value: &Value) -> Read<String> {
    text(value).map(str::to_owned)
}

pub(crate) fn boolean(value: &Value) -> Read<bool> {
    value.as_bool().map_or_else(|| problem("expected true or false"), Ok)
}

pub(crate) fn int(value: &Value) -> Read<i64> {
    value.as_i64().map_or_else(|| problem("expected a whole number"), Ok)
}

/// A whole number that fits `T` (slots, indices, counts).
pub(crate) fn whole<T: TryFrom<i64>>(value: &Value) -> Read<T> {
    T::try_from(int(value)?).map_or_else(|_| problem("number out of range"), Ok)
}

pub(crate) fn strings(value: &Value) -> Read<Vec<String>> {
    list(value, string)
}

pub(crate) fn string_map(value: &Value) -> Read<SmallMap<String, String>> {
    object_entries(value, string)
}

/// A unit variant by name.
pub(crate) fn unit<T: Copy>(value: &Value, names: &[(&str, T)]) -> Read<T> {
    let name = text(value)?;
    names
        .iter()
        .find(|(known, _)| *known == name)
        .map_or_else(|| Err(format!(": unknown value `{name}`")), |(_, item)| Ok(*item))
}

/// The items of a tuple variant, exactly `count` of them.
pub(crate) fn tuple(content: Option<&Value>, count: usize) -> Read<&[Value]> {
    match content.and_then(Value::as_array) {
        Some(items) if items.len() == count => Ok(items),
        _ => Err(format!(": expected a list of {count}")),
    }
}

pub(crate) fn item<T>(items: &[Value], index: usize, read: fn(&Value) -> Read<T>) -> Read<T> {
    items
        .get(index)
        .map_or_else(|| problem("too short"), |value| read(value).map_err(|error| format!("[{index}]{error}")))
}

/// An object's entries, each read by `read`, by key (a `SmallMap`: no B-tree code per entry type).
pub(crate) fn object_entries<T>(value: &Value, read: fn(&Value) -> Read<T>) -> Read<SmallMap<String, T>> {
    let mut entries = SmallMap::new();
    for (key, item) in object(value)? {
        entries.insert(key.clone(), read(item).map_err(|error| format!(".{key}{error}"))?);
    }
    Ok(entries)
}
