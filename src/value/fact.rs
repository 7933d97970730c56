//! Fact values: the typed value of one fact of a case (bool, number, text, date, datetime, list of
//! texts), with texts kept as given and folded for matching.

use super::number::Decimal;
use super::text::{fold, word_starts};
use super::time::{format_date, format_datetime};

/// A text as the case shows it and folded for matching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextValue {
    /// As given.
    pub raw: String,
    /// Folded (`text::fold`).
    pub folded: String,
    /// Word starts in `folded` (`text::word_starts`), for keyword matching.
    pub word_starts: Vec<u32>,
}

impl TextValue {
    /// Wraps a raw text.
    #[must_use]
    pub fn new(raw: &str) -> TextValue {
        let folded = fold(raw);
        let word_starts = word_starts(&folded);
        TextValue { raw: raw.to_owned(), folded, word_starts }
    }
}

/// A known fact value.
#[derive(Clone, Debug, PartialEq)]
pub enum FactValue {
    /// bool
    Bool(bool),
    /// int, number or money
    Number(Decimal),
    /// text or enum (enum values are the pack's canonical spelling)
    Text(TextValue),
    /// date, days since 1970-01-01
    Date(i64),
    /// datetime, UTC seconds
    DateTime(i64),
    /// list of text
    List(Vec<TextValue>),
}

impl FactValue {
    /// Human-readable form for evidence (`129.9`, `"text"`, `2026-11-25`).
    #[must_use]
    pub fn display(&self) -> String {
        match self {
            FactValue::Bool(value) => value.to_string(),
            FactValue::Number(value) => value.to_string(),
            FactValue::Text(text) => text.raw.clone(),
            FactValue::Date(days) => format_date(*days),
            FactValue::DateTime(seconds) => format_datetime(*seconds),
            FactValue::List(items) => items.iter().map(|item| item.raw.as_str()).collect::<Vec<_>>().join(", "),
        }
    }
}
