//! Canonical JSON and SHA-256 hashes, so a score can be re-computed and compared later.
//!
//! Canonical form: objects with keys sorted by UTF-8 bytes, no whitespace, numbers in their
//! shortest exact decimal form, strings escaped as serde_json does. The pack hash covers the pack's
//! meaning, not its formatting: comments, whitespace and key order do not change it.

use crate::value::Decimal;
use sha2::{Digest, Sha256};
use toml::de::{DeTable, DeValue};

/// A JSON value in canonical form.
#[derive(Clone, Debug, PartialEq)]
pub enum Canonical {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, already in canonical text form.
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Canonical>),
    /// An object; sorted on output.
    Object(Vec<(String, Canonical)>),
}

impl Canonical {
    /// Converts a spanned TOML table.
    #[must_use]
    pub fn from_toml_table(table: &DeTable<'_>) -> Canonical {
        Canonical::Object(
            table.iter().map(|(key, value)| (key.get_ref().to_string(), Self::from_toml(value.get_ref()))).collect(),
        )
    }

    fn from_toml(value: &DeValue<'_>) -> Canonical {
        match value {
            DeValue::String(text) => Canonical::String(text.to_string()),
            DeValue::Integer(integer) => {
                let parsed = i64::from_str_radix(&integer.as_str().replace('_', ""), integer.radix());
                Canonical::Number(parsed.map_or_else(|_| integer.as_str().to_owned(), |number| number.to_string()))
            }
            DeValue::Float(float) => {
                let text = float.as_str().replace('_', "");
                Canonical::Number(Decimal::parse(&text).map_or(text, |number| number.to_string()))
            }
            DeValue::Boolean(value) => Canonical::Bool(*value),
            DeValue::Datetime(datetime) => Canonical::String(datetime.to_string()),
            DeValue::Array(items) => {
                Canonical::Array(items.iter().map(|item| Self::from_toml(item.get_ref())).collect())
            }
            DeValue::Table(table) => Self::from_toml_table(table),
        }
    }

    /// The canonical JSON text.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Canonical::Null => out.push_str("null"),
            Canonical::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Canonical::Number(text) => out.push_str(text),
            Canonical::String(text) => {
                crate::json::write::push_str(out, text);
            }
            Canonical::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Canonical::Object(entries) => {
                // Keys are unique, so any sort gives the one order. Inserted in place by binary
                // search rather than with `sort_unstable_by`: its quicksort for this one element
                // type was 2.4 KB of the widget's wasm, and objects here have tens of keys.
                let mut sorted: Vec<&(String, Canonical)> = Vec::with_capacity(entries.len());
                for entry in entries {
                    let at = sorted.partition_point(|known| known.0.as_bytes() <= entry.0.as_bytes());
                    sorted.insert(at, entry);
                }
                out.push('{');
                for (index, (key, value)) in sorted.into_iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    crate::json::write::push_str(out, key);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// Lowercase hex SHA-256 of `bytes`.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        hex.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
    hex
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::{Canonical, sha256_hex};

    #[test]
    fn sorts_keys_and_escapes() {
        let value = Canonical::Object(vec![
            ("b".to_owned(), Canonical::Number("1".to_owned())),
            ("a".to_owned(), Canonical::String("x\"y\n".to_owned())),
        ]);
        assert_eq!(value.to_json(), r#"{"a":"x\"y\n","b":1}"#);
    }

    #[test]
    fn hashes_like_sha256sum() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
