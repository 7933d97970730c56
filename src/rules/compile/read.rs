//! The walker's value readers: typed values, tables, required keys, localised texts and
//! conditions out of the spanned TOML tree, each problem reported with its span; plus the id
//! and name checks shared by every section.

use super::{RawRule, Value, Walker};
use crate::rules::diagnostic::PackError;
use crate::rules::lang::check::{Scope, compile_condition};
use crate::rules::lang::{LangError, Node, did_you_mean};
use crate::rules::{Condition, LocalText};
use std::ops::Range;
use toml::de::{DeTable, DeValue};

impl Walker<'_> {
    pub(super) fn error(&mut self, message: impl Into<String>, span: Range<usize>) {
        self.errors.push(PackError { message: message.into(), start: span.start, end: span.end, help: None });
    }

    pub(super) fn error_help(&mut self, message: impl Into<String>, span: Range<usize>, help: Option<String>) {
        self.errors.push(PackError { message: message.into(), start: span.start, end: span.end, help });
    }

    pub(super) fn type_name(value: &DeValue<'_>) -> &'static str {
        match value {
            DeValue::String(_) => "a string",
            DeValue::Integer(_) => "an integer",
            DeValue::Float(_) => "a float",
            DeValue::Boolean(_) => "a boolean",
            DeValue::Datetime(_) => "a datetime",
            DeValue::Array(_) => "an array",
            DeValue::Table(_) => "a table",
        }
    }

    /// Reports keys of `table` that are not in `allowed`, with a did-you-mean.
    pub(super) fn check_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], context: &str) {
        for (key, _) in table {
            let name: &str = key.get_ref();
            if !allowed.contains(&name) {
                let help = did_you_mean(name, allowed.iter().copied())
                    .or_else(|| Some(format!("allowed keys: {}", allowed.join(", "))));
                self.error_help(format!("unknown key `{name}` in {context}"), key.span(), help);
            }
        }
    }

    pub(super) fn table<'v, 'i>(&mut self, value: &'v Value<'i>, what: &str) -> Option<&'v DeTable<'i>> {
        if let DeValue::Table(table) = value.get_ref() {
            Some(table)
        } else {
            self.error(format!("{what} must be a table, found {}", Self::type_name(value.get_ref())), value.span());
            None
        }
    }

    pub(super) fn required<'v, 'i>(
        &mut self,
        table: &'v DeTable<'i>,
        key: &str,
        table_span: &Range<usize>,
        context: &str,
    ) -> Option<&'v Value<'i>> {
        let value = table.get(key);
        if value.is_none() {
            self.error(format!("{context} is missing `{key}`"), table_span.clone());
        }
        value
    }

    pub(super) fn string(&mut self, value: &Value<'_>, what: &str) -> Option<String> {
        if let DeValue::String(text) = value.get_ref() {
            if text.trim().is_empty() {
                self.error(format!("{what} must not be empty"), value.span());
                return None;
            }
            Some(text.to_string())
        } else {
            self.error(format!("{what} must be a string, found {}", Self::type_name(value.get_ref())), value.span());
            None
        }
    }

    pub(super) fn integer(&mut self, value: &Value<'_>, what: &str) -> Option<i64> {
        if let DeValue::Integer(integer) = value.get_ref()
            && let Ok(parsed) = i64::from_str_radix(&integer.as_str().replace('_', ""), integer.radix())
        {
            return Some(parsed);
        }
        self.error(format!("{what} must be an integer, found {}", Self::type_name(value.get_ref())), value.span());
        None
    }

    pub(super) fn string_list(&mut self, value: &Value<'_>, what: &str) -> Vec<(String, Range<usize>)> {
        let DeValue::Array(items) = value.get_ref() else {
            self.error(
                format!("{what} must be an array of strings, found {}", Self::type_name(value.get_ref())),
                value.span(),
            );
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| self.string(item, &format!("each item of {what}")).map(|text| (text, item.span())))
            .collect()
    }

    /// A string, or a table `{ en = "...", de = "..." }` with English required.
    pub(super) fn local_text(&mut self, value: &Value<'_>, what: &str) -> Option<LocalText> {
        match value.get_ref() {
            DeValue::String(_) => {
                let text = self.string(value, what)?;
                Some(LocalText { translations: vec![("en".to_owned(), text)] })
            }
            DeValue::Table(table) => {
                let mut translations = Vec::new();
                for (language, text) in table {
                    let code: &str = language.get_ref();
                    if !is_language_code(code) {
                        self.error(format!("`{code}` is not a two-letter language code in {what}"), language.span());
                        continue;
                    }
                    if let Some(text) = self.string(text, &format!("{what} ({code})")) {
                        translations.push((code.to_owned(), text));
                    }
                }
                match translations.iter().position(|(code, _)| code == "en") {
                    Some(index) => {
                        let english = translations.remove(index);
                        translations.insert(0, english);
                        Some(LocalText { translations })
                    }
                    None => {
                        self.error(format!("{what} needs an English text (`en = \"...\"`)"), value.span());
                        None
                    }
                }
            }
            other => {
                self.error(
                    format!("{what} must be a string or a table of languages, found {}", Self::type_name(other)),
                    value.span(),
                );
                None
            }
        }
    }

    /// Maps an error inside a condition string to the file. Exact when the string has no escapes.
    fn condition_error(&mut self, value: &Value<'_>, condition: &str, error: LangError) {
        let span = value.span();
        let raw = self.source.get(span.clone()).unwrap_or("");
        let quote = if raw.starts_with("\"\"\"") || raw.starts_with("'''") { 3 } else { 1 };
        let mut inner_start = span.start + quote;
        if quote == 3 {
            if self.source[inner_start..].starts_with("\r\n") {
                inner_start += 2;
            } else if self.source[inner_start..].starts_with('\n') {
                inner_start += 1;
            }
        }
        let exact = self.source.get(inner_start..inner_start + condition.len()) == Some(condition);
        let (start, end, message) = if exact {
            (inner_start + error.span.start, inner_start + error.span.end, error.message)
        } else {
            (
                span.start,
                span.end,
                format!("{} (at character {} of the condition)", error.message, error.span.start + 1),
            )
        };
        self.errors.push(PackError { message, start, end, help: error.help });
    }

    /// A condition: a rule-language string, or (when `constants_allowed`) a TOML boolean.
    pub(super) fn condition(
        &mut self,
        value: &Value<'_>,
        scope: &Scope<'_>,
        what: &str,
        constants_allowed: bool,
    ) -> Option<Condition> {
        if let (DeValue::Boolean(constant), true) = (value.get_ref(), constants_allowed) {
            return Some(Condition { source: constant.to_string(), node: Node::Bool(*constant) });
        }
        let source = self.string(value, what)?;
        match compile_condition(&source, scope) {
            Ok(node) => Some(Condition { source, node }),
            Err(errors) => {
                for error in errors {
                    self.condition_error(value, &source, error);
                }
                None
            }
        }
    }

    /// A keyword list's or classifier's name: lowercase letters, digits and `_`.
    pub(super) fn valid_name(&mut self, name: &str, what: &str, span: Range<usize>) -> bool {
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            self.error(format!("invalid {what} name `{name}`: use lowercase letters, digits and `_`"), span);
        }
        valid
    }

    pub(super) fn number(&mut self, value: &Value<'_>, what: &str) -> Option<f64> {
        let parsed = match value.get_ref() {
            DeValue::Float(float) => float.as_str().replace('_', "").parse::<f64>().ok(),
            DeValue::Integer(integer) if integer.radix() == 10 => integer.as_str().replace('_', "").parse::<f64>().ok(),
            _ => None,
        };
        match parsed {
            Some(number) if number.is_finite() => Some(number),
            _ => {
                self.error(
                    format!("{what} must be a number, found {}", Self::type_name(value.get_ref())),
                    value.span(),
                );
                None
            }
        }
    }

    pub(super) fn array_of_tables<'a>(&mut self, root: &'a DeTable<'a>, key: &str) -> Vec<RawRule<'a>> {
        let Some(value) = root.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.error(format!("`{key}` must be an array of tables (`[[{key}]]`)"), value.span());
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| {
                self.table(item, &format!("each `[[{key}]]`")).map(|table| RawRule { table, span: item.span() })
            })
            .collect()
    }

    /// Reads every `id` and reports duplicates; `None` where an id is missing or invalid.
    pub(super) fn unique_ids(&mut self, raws: &[RawRule<'_>], what: &str) -> Vec<Option<String>> {
        let mut ids: Vec<Option<String>> = Vec::new();
        for raw in raws {
            let id = self.required(raw.table, "id", &raw.span, &format!("a {what}")).and_then(|value| {
                let id = self.string(value, &format!("{what} id"))?;
                if !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
                    self.error(
                        format!("{what} id `{id}` may only contain letters, digits, `-`, `_` and `.`"),
                        value.span(),
                    );
                    return None;
                }
                if ids.iter().flatten().any(|seen| *seen == id) {
                    self.error(format!("duplicate {what} id `{id}`"), value.span());
                    return None;
                }
                Some(id)
            });
            ids.push(id);
        }
        ids
    }
}

pub(super) fn is_language_code(code: &str) -> bool {
    code.len() == 2 && code.chars().all(|c| c.is_ascii_lowercase())
}
