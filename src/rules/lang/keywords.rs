//! Keyword lists as the rule language matches them: whole words or whole phrases of folded text.
//!
//! A keyword matches only at word boundaries (`value::text`), so `daten` does not match inside
//! `Kundendatenbank`; a keyword that starts or ends with `*` lifts that boundary on purpose
//! (`daten*` matches `Datenauskunft`, `*daten` matches `Kundendaten`).

use crate::value::text::{fold, is_word_char};
use serde::Serialize;

/// One folded keyword of a keyword list, with its wildcard ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeywordPattern {
    /// The folded keyword without `*`.
    pub core: String,
    /// `*` at the start: the match may begin inside a word.
    pub open_start: bool,
    /// `*` at the end: the match may end inside a word.
    pub open_end: bool,
}

impl KeywordPattern {
    /// Builds a pattern from an authored keyword; `None` if nothing is left besides `*`.
    #[must_use]
    pub fn new(keyword: &str) -> Option<KeywordPattern> {
        let trimmed = keyword.trim();
        let open_start = trimmed.starts_with('*');
        let open_end = trimmed.len() > 1 && trimmed.ends_with('*');
        let core = fold(trimmed.trim_matches('*'));
        if core.is_empty() { None } else { Some(KeywordPattern { core, open_start, open_end }) }
    }

    /// The pattern as a keyword again: its folded core with its open ends as `*`.
    #[must_use]
    pub fn text(&self) -> String {
        let mut text = String::with_capacity(self.core.len() + 2);
        if self.open_start {
            text.push('*');
        }
        text.push_str(&self.core);
        if self.open_end {
            text.push('*');
        }
        text
    }

    /// Whether the pattern occurs in already folded text, respecting word boundaries.
    #[must_use]
    pub fn is_found_in(&self, folded_text: &str) -> bool {
        self.first_in(folded_text).is_some()
    }

    /// The byte offset of the pattern's first occurrence in folded text, respecting word boundaries.
    #[must_use]
    pub fn first_in(&self, folded_text: &str) -> Option<usize> {
        let core = self.core.as_str();
        let mut from = 0;
        while let Some(position) = folded_text[from..].find(core) {
            let start = from + position;
            let end = start + core.len();
            let starts_ok =
                self.open_start || !core.starts_with(is_word_char) || !folded_text[..start].ends_with(is_word_char);
            let ends_ok =
                self.open_end || !core.ends_with(is_word_char) || !folded_text[end..].starts_with(is_word_char);
            if starts_ok && ends_ok {
                return Some(start);
            }
            from = start + folded_text[start..].chars().next().map_or(1, char::len_utf8);
        }
        None
    }
}

/// A compiled keyword list: patterns indexed by their first byte, so matching a text costs one
/// byte comparison per word start and candidate keyword instead of one substring search per
/// keyword (the engine's hot path; see BENCHMARKS.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "Vec<KeywordPattern>")]
pub struct KeywordMatcher {
    patterns: Vec<KeywordPattern>,
    /// `first_byte_table[b]..first_byte_table[b + 1]` is the range of `anchored` for first byte `b`.
    first_byte_table: Vec<u32>,
    /// Indices of patterns that must start at a word start, sorted by first byte.
    anchored: Vec<u32>,
    /// Indices of patterns that may start anywhere (`*` at the start, or a non-word first char).
    floating: Vec<u32>,
}

impl KeywordMatcher {
    /// Compiles patterns; their indices are kept.
    #[must_use]
    pub fn new(patterns: Vec<KeywordPattern>) -> KeywordMatcher {
        let mut anchored = Vec::new();
        let mut floating = Vec::new();
        for (index, pattern) in patterns.iter().enumerate() {
            if pattern.open_start || !pattern.core.starts_with(is_word_char) {
                floating.push(index as u32);
            } else {
                anchored.push(index as u32);
            }
        }
        // Anchored patterns grouped by first byte, in pattern order within a group: a counting
        // sort (no comparison sort in the wasm: issue 15).
        let first_byte = |index: u32| usize::from(patterns[index as usize].core.as_bytes()[0]);
        let mut first_byte_table = vec![0u32; 257];
        for &index in &anchored {
            first_byte_table[first_byte(index) + 1] += 1;
        }
        for byte in 0..256 {
            first_byte_table[byte + 1] += first_byte_table[byte];
        }
        let mut next = first_byte_table.clone();
        let mut grouped = vec![0u32; anchored.len()];
        for &index in &anchored {
            let slot = &mut next[first_byte(index)];
            grouped[*slot as usize] = index;
            *slot += 1;
        }
        let anchored = grouped;
        KeywordMatcher { patterns, first_byte_table, anchored, floating }
    }

    /// Number of patterns (one per keyword term).
    #[must_use]
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Pattern `index`.
    #[must_use]
    pub fn pattern(&self, index: usize) -> Option<&KeywordPattern> {
        self.patterns.get(index)
    }

    /// Whether there are no patterns.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Calls `on_hit` with the index of every pattern found in `folded` (whose word starts are
    /// `starts`, from `word_starts`) and the byte offset where it was found; a pattern found
    /// several times is reported once per find (a pattern open at the start: its first find only).
    pub fn find_all(&self, folded: &str, starts: &[u32], mut on_hit: impl FnMut(u32, usize)) {
        let bytes = folded.as_bytes();
        for &start in starts {
            let start = start as usize;
            let Some(&first) = bytes.get(start) else { continue };
            let from = self.first_byte_table[usize::from(first)] as usize;
            let to = self.first_byte_table[usize::from(first) + 1] as usize;
            let second = bytes.get(start + 1).copied();
            for &index in &self.anchored[from..to] {
                let pattern = &self.patterns[index as usize];
                let core = pattern.core.as_bytes();
                // The second byte rules out most candidates before the full compare (a call to
                // memcmp per candidate was ~8 % of `assess` on the care pack).
                if core.len() > 1 && core.get(1).copied() != second {
                    continue;
                }
                let end = start + core.len();
                if bytes.get(start..end) == Some(core)
                    && (pattern.open_end
                        || !pattern.core.ends_with(is_word_char)
                        || !folded.get(end..).is_some_and(|rest| rest.starts_with(is_word_char)))
                {
                    on_hit(index, start);
                }
            }
        }
        for &index in &self.floating {
            if let Some(start) = self.patterns[index as usize].first_in(folded) {
                on_hit(index, start);
            }
        }
    }
}

impl From<KeywordMatcher> for Vec<KeywordPattern> {
    fn from(matcher: KeywordMatcher) -> Vec<KeywordPattern> {
        matcher.patterns
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::KeywordPattern;
    use crate::value::text::{fold, word_starts};

    fn found(keyword: &str, text: &str) -> bool {
        KeywordPattern::new(keyword).unwrap().is_found_in(&fold(text))
    }

    #[test]
    fn matches_whole_words_in_any_script() {
        assert!(found("Anwalt", "Ich schalte meinen ANWALT ein."));
        assert!(found("Daten", "Bitte löschen Sie meine Daten!"));
        assert!(!found("Daten", "Das steht in der Kundendatenbank."));
        assert!(!found("daten", "Datenschutz ist wichtig"));
        assert!(found("daten*", "Datenschutz ist wichtig"));
        assert!(found("*daten", "Meine Kundendaten"));
        assert!(found("usunięcie danych", "Proszę o USUNIĘCIE   DANYCH."));
        assert!(found("żądanie", "To jest ŻĄDANIE dostępu"));
        assert!(found("données", "Supprimez mes DONNÉES personnelles"));
        assert!(!found("données", "Supprimez mes donnees"));
        assert!(found("straße", "STRASSE 5"));
        assert!(found("*straße", "HAUPTSTRASSE 5"));
        assert!(!found("straße", "Hauptstraße 5"));
        assert!(found("*straße", "Hauptstraße 5"));
        assert!(found("1 star", "I give you 1 star."));
        assert!(!found("1 star", "1 stars is what you get"));
        assert!(found("@zalando", "hey @zalando fix this"));
        assert!(!found("sue", "pursue"));
        assert!(found("sue", "I will sue."));
    }

    #[test]
    fn matcher_agrees_with_plain_search() {
        let keywords = ["anwalt", "*daten", "daten*", "@zalando", "1 star", "sue", "żądanie", "meine daten", "données"];
        let patterns: Vec<KeywordPattern> = keywords.iter().filter_map(|k| KeywordPattern::new(k)).collect();
        let matcher = super::KeywordMatcher::new(patterns.clone());
        for text in [
            "Mein ANWALT und meine Daten",
            "Kundendaten",
            "Datenschutz",
            "hey @zalando",
            "1 star!",
            "pursue",
            "ŻĄDANIE",
            "Supprimez mes DONNÉES",
            "",
            "  ",
            "a1 stars",
        ] {
            let folded = fold(text);
            let mut found = Vec::new();
            matcher.find_all(&folded, &word_starts(&folded), |index, _| found.push(index));
            found.sort_unstable();
            found.dedup();
            let expected: Vec<u32> =
                patterns.iter().enumerate().filter(|(_, p)| p.is_found_in(&folded)).map(|(i, _)| i as u32).collect();
            assert_eq!(found, expected, "{text}");
        }
    }

    #[test]
    fn finds_report_where_they_start() {
        let patterns: Vec<KeywordPattern> =
            ["daten", "*daten", "lösch*"].iter().filter_map(|k| KeywordPattern::new(k)).collect();
        let matcher = super::KeywordMatcher::new(patterns);
        let text = fold("Kundendaten: bitte löschen, die Daten");
        let mut found = Vec::new();
        matcher.find_all(&text, &word_starts(&text), |index, start| found.push((index, start)));
        found.sort_unstable();
        assert_eq!(
            found,
            vec![(0, text.rfind("daten").unwrap()), (1, text.find("daten").unwrap()), (2, text.find("lösch").unwrap())]
        );
    }

    #[test]
    fn wildcard_only_is_rejected() {
        assert_eq!(KeywordPattern::new("*"), None);
        assert_eq!(KeywordPattern::new("  "), None);
    }
}
