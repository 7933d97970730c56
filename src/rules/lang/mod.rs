//! The rule language: conditions such as `order.total_eur > 400 and account.age_days < 14`.
//!
//! Pipeline: `lexer` → `parser` (syntax tree with spans) → `check` (types against the pack's fact
//! schema, producing a typed `Node`) → `eval` (three-valued, Kleene/SQL-NULL logic). A missing or
//! ill-typed fact is *unknown*; unknown never silently becomes true or false.

pub(crate) mod ast;
pub mod check;
pub mod eval;
pub mod keywords;
pub(crate) mod lexer;
pub(crate) mod parser;

pub use check::{Node, Type};
pub use eval::Value;

/// A byte range inside one condition string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span covering `self` and `other`.
    #[must_use]
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// A syntax or type error inside one condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LangError {
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
    /// Where in the condition.
    pub span: Span,
    /// An optional hint such as "did you mean `order.total_eur`?".
    pub help: Option<String>,
}

impl LangError {
    pub(crate) fn new(message: String, span: Span) -> LangError {
        LangError { message, span, help: None }
    }

    pub(crate) fn with_help(mut self, help: Option<String>) -> LangError {
        self.help = help;
        self
    }
}

/// The closest candidate to `name`, if one is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, candidate)| (*distance, *candidate))
        .map(|(_, candidate)| format!("did you mean `{candidate}`?"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests;
