//! Rule-pack errors with file, line:col and a caret snippet, rendered like compiler errors.

use std::fmt;
use std::fmt::Write as _;

/// One problem in a rule pack, located by byte range in the pack's source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackError {
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
    /// Byte range in the file.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// An optional hint ("did you mean …?").
    pub help: Option<String>,
}

/// Every problem found in one rule pack (compilation reports all of them, not just the first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulePackErrors {
    /// The file name used in messages.
    pub file_name: String,
    /// The pack's source text, for snippets.
    pub source: String,
    /// The problems, in source order.
    pub errors: Vec<PackError>,
}

/// 1-based line and column (in characters) of a byte offset in `source`.
#[must_use]
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    (line, source[line_start..offset].chars().count() + 1)
}

fn floor_char_boundary(source: &str, mut offset: usize) -> usize {
    while offset > 0 && !source.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Renders one error as `error: …`, ` --> file:line:col`, the source line and carets.
#[must_use]
pub fn render(file_name: &str, source: &str, error: &PackError) -> String {
    let (line, column) = line_col(source, error.start);
    let start = floor_char_boundary(source, error.start.min(source.len()));
    let line_start = source[..start].rfind('\n').map_or(0, |index| index + 1);
    let line_end = source[start..].find('\n').map_or(source.len(), |index| start + index);
    let line_text = source[line_start..line_end].trim_end_matches('\r');
    let end = floor_char_boundary(source, error.end.clamp(start, line_end));
    let caret_count = source[start..end].chars().count().max(1);
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let mut out = format!("error: {}\n{pad}--> {file_name}:{line}:{column}\n", error.message);
    let _ = write!(out, "{pad} |\n{line} | {line_text}\n");
    let indent: String =
        source[line_start..start].chars().map(|character| if character == '\t' { '\t' } else { ' ' }).collect();
    let _ = writeln!(out, "{pad} | {indent}{}", "^".repeat(caret_count));
    if let Some(help) = &error.help {
        let _ = writeln!(out, "{pad} = help: {help}");
    }
    out
}

impl fmt::Display for RulePackErrors {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for error in &self.errors {
            writeln!(formatter, "{}", render(&self.file_name, &self.source, error))?;
        }
        let count = self.errors.len();
        write!(formatter, "{}: {count} error{}", self.file_name, if count == 1 { "" } else { "s" })
    }
}

impl std::error::Error for RulePackErrors {}
