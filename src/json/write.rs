//! Writing JSON text by hand, byte for byte what `serde_json::to_string` writes (compact, keys in
//! the tree's order, the same escapes). The widget's records and requests are written through
//! these instead of serde's serializers, which with serde_json's writer and formatter were several
//! KB of every build (issue 15); tests pin the equality with serde_json's output.

use serde_json::Value;

/// The JSON text of a tree.
#[must_use]
pub(crate) fn to_text(value: &Value) -> String {
    let mut out = String::new();
    push_value(&mut out, value);
    out
}

/// Appends the JSON text of a tree.
pub(crate) fn push_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => push_bool(out, *flag),
        // `Number`'s Display is serde_json's own number writer (itoa, ryu).
        Value::Number(number) => out.push_str(&number.to_string()),
        Value::String(text) => push_str(out, text),
        Value::Array(items) => push_list(out, items, push_value),
        Value::Object(entries) => {
            out.push('{');
            for (key, item) in entries {
                push_key(out, key);
                push_value(out, item);
            }
            out.push('}');
        }
    }
}

/// Appends `true` or `false`.
pub(crate) fn push_bool(out: &mut String, flag: bool) {
    out.push_str(if flag { "true" } else { "false" });
}

/// Appends a whole number.
pub(crate) fn push_int(out: &mut String, number: i64) {
    out.push_str(&number.to_string());
}

/// Appends a string literal: `"` and `\` escaped, control characters as serde_json writes them
/// (`\n`, `\r`, `\t`, `\b`, `\f`, else `\u00xx` in lowercase hex); everything else as it is.
pub(crate) fn push_str(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            control if (control as u32) < 0x20 => {
                let code = control as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[code >> 4]));
                out.push(char::from(HEX[code & 0xf]));
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

/// Appends `"key":` (after a comma unless it is the object's first key: only an object just
/// opened leaves `{` last, since every value ends in `"`, `]`, `}`, a digit or a letter).
pub(crate) fn push_key(out: &mut String, key: &str) {
    if !out.ends_with('{') {
        out.push(',');
    }
    push_str(out, key);
    out.push(':');
}

/// Appends `"key":"value"` members (after a comma unless the first of the object).
pub(crate) fn push_text_fields(out: &mut String, fields: &[(&str, &str)]) {
    for (key, value) in fields {
        push_key(out, key);
        push_str(out, value);
    }
}

/// Appends a list, each item written by `push`.
pub(crate) fn push_list<T>(out: &mut String, items: &[T], push: impl Fn(&mut String, &T)) {
    out.push('[');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        push(out, item);
    }
    out.push(']');
}

/// Appends a list of strings.
pub(crate) fn push_strings(out: &mut String, items: &[String]) {
    push_list(out, items, |out, item| push_str(out, item));
}

#[cfg(test)]
mod tests {
    use super::to_text;
    use serde_json::json;

    #[test]
    fn writes_what_serde_json_writes() {
        let trees = [
            json!(null),
            json!({"b": [1, -2, 3.5, 1.0e300, 0.1, 1_700_000_000_000.0_f64, 9_007_199_254_740_993_u64], "a": {"x": true, "y": false, "z": null}}),
            json!({"text": "quote \" backslash \\ slash / newline \n tab \t cr \r bs \u{8} ff \u{c} nul \u{0} unit \u{1f} del \u{7f} umlaut ä emoji 😀 line sep \u{2028}"}),
            json!([[], {}, "", [[[]]]]),
        ];
        for tree in trees {
            assert_eq!(to_text(&tree), serde_json::to_string(&tree).unwrap());
        }
    }
}
