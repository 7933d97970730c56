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
        first_in(&self.core, self.open_start, self.open_end, folded_text)
    }
}

/// The byte offset of the first occurrence of `core` (with its open ends) in folded text,
/// respecting word boundaries.
fn first_in(core: &str, open_start: bool, open_end: bool, folded_text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(position) = folded_text[from..].find(core) {
        let start = from + position;
        let end = start + core.len();
        let starts_ok = open_start || !core.starts_with(is_word_char) || !folded_text[..start].ends_with(is_word_char);
        let ends_ok = open_end || !core.ends_with(is_word_char) || !folded_text[end..].starts_with(is_word_char);
        if starts_ok && ends_ok {
            return Some(start);
        }
        from = start + folded_text[start..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// `KeywordMatcher::flags`: `*` at the start.
const OPEN_START: u8 = 1;
/// `*` at the end.
const OPEN_END: u8 = 2;

/// A compiled keyword list: patterns indexed by their first byte, so matching a text costs one
/// byte comparison per word start and candidate keyword instead of one substring search per
/// keyword (the engine's hot path; see BENCHMARKS.md).
///
/// The patterns' folded cores are kept one after another in one string, not a `String` each: the
/// care pack has 19,000 patterns, and a string and allocation per pattern was about 0.4 MB of the
/// widget's memory (BENCHMARKS.md, memory).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "Vec<KeywordPattern>")]
pub struct KeywordMatcher {
    /// The folded cores of all patterns, one after another.
    cores: String,
    /// `ends[i]`: where pattern `i`'s core ends in `cores`; it starts where pattern `i - 1`'s ends.
    ends: Vec<u32>,
    /// Per pattern: [`OPEN_START`], [`OPEN_END`].
    flags: Vec<u8>,
    /// The first byte the table starts at.
    low: u8,
    /// `first_byte_table[b - low]..first_byte_table[b - low + 1]` is the range of `anchored` for
    /// first byte `b`; it covers only the first bytes that occur (folded letters: about 100 of 256).
    first_byte_table: Vec<u32>,
    /// Indices of patterns that must start at a word start, sorted by first byte.
    anchored: Vec<u32>,
    /// Indices of patterns that may start anywhere (`*` at the start, or a non-word first char).
    floating: Vec<u32>,
}

impl KeywordMatcher {
    /// Compiles patterns; their indices are kept.
    #[must_use]
    #[allow(clippy::cast_possible_truncation)] // a pack's cores are far below 4 GB (the wasm's memory is at most that)
    pub fn new(patterns: Vec<KeywordPattern>) -> KeywordMatcher {
        let mut cores = String::with_capacity(patterns.iter().map(|pattern| pattern.core.len()).sum());
        let mut ends = Vec::with_capacity(patterns.len());
        let mut flags = Vec::with_capacity(patterns.len());
        let (mut anchored, mut floating) = (Vec::new(), Vec::new());
        let (mut low, mut high) = (u8::MAX, 0);
        for (index, pattern) in patterns.into_iter().enumerate() {
            match pattern.core.as_bytes().first() {
                Some(&first) if !pattern.open_start && pattern.core.starts_with(is_word_char) => {
                    anchored.push(index as u32);
                    (low, high) = (low.min(first), high.max(first));
                }
                _ => floating.push(index as u32),
            }
            flags.push(u8::from(pattern.open_start) * OPEN_START + u8::from(pattern.open_end) * OPEN_END);
            cores.push_str(&pattern.core);
            ends.push(cores.len() as u32);
        }
        // Anchored patterns grouped by first byte, in pattern order within a group: a counting
        // sort (no comparison sort in the wasm: issue 15).
        low = low.min(high);
        let first_byte = |index: u32| usize::from(cores.as_bytes()[start_of(&ends, index as usize)] - low);
        let mut first_byte_table = vec![0u32; usize::from(high - low) + 2];
        for &index in &anchored {
            first_byte_table[first_byte(index) + 1] += 1;
        }
        for slot in 1..first_byte_table.len() {
            first_byte_table[slot] += first_byte_table[slot - 1];
        }
        let mut next = first_byte_table.clone();
        let mut grouped = vec![0u32; anchored.len()];
        for &index in &anchored {
            let slot = &mut next[first_byte(index)];
            grouped[*slot as usize] = index;
            *slot += 1;
        }
        KeywordMatcher { cores, ends, flags, low, first_byte_table, anchored: grouped, floating }
    }

    /// Number of patterns (one per keyword term).
    #[must_use]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Pattern `index`'s folded core and whether it is open at the start and at the end.
    fn parts(&self, index: usize) -> (&str, bool, bool) {
        let core = self.ends.get(index).and_then(|&end| self.cores.get(start_of(&self.ends, index)..end as usize));
        let flags = self.flags.get(index).copied().unwrap_or(0);
        (core.unwrap_or(""), flags & OPEN_START != 0, flags & OPEN_END != 0)
    }

    /// Pattern `index`.
    #[must_use]
    pub fn pattern(&self, index: usize) -> Option<KeywordPattern> {
        let (core, open_start, open_end) = self.parts(index);
        (index < self.len()).then(|| KeywordPattern { core: core.to_owned(), open_start, open_end })
    }

    /// Whether there are no patterns.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Calls `on_hit` with the index of every pattern found in `folded` (whose word starts are
    /// `starts`, from `word_starts`) and the byte offset where it was found; a pattern found
    /// several times is reported once per find (a pattern open at the start: its first find only).
    pub fn find_all(&self, folded: &str, starts: &[u32], mut on_hit: impl FnMut(u32, usize)) {
        let bytes = folded.as_bytes();
        for &start in starts {
            let start = start as usize;
            let Some(slot) = bytes.get(start).and_then(|&first| usize::from(first).checked_sub(usize::from(self.low)))
            else {
                continue;
            };
            let (Some(&from), Some(&to)) = (self.first_byte_table.get(slot), self.first_byte_table.get(slot + 1))
            else {
                continue;
            };
            let second = bytes.get(start + 1).copied();
            for &index in self.anchored.get(from as usize..to as usize).unwrap_or_default() {
                // Bytes first, the text only for a match: this loop is the engine's hot path.
                let end = self.ends.get(index as usize).map_or(0, |&end| end as usize);
                let Some(core) = self.cores.as_bytes().get(start_of(&self.ends, index as usize)..end) else {
                    continue;
                };
                // The second byte rules out most candidates before the full compare (a call to
                // memcmp per candidate was ~8 % of `assess` on the care pack).
                if core.len() > 1 && core.get(1).copied() != second {
                    continue;
                }
                let end = start + core.len();
                if bytes.get(start..end) == Some(core) {
                    let (core, _, open_end) = self.parts(index as usize);
                    if open_end
                        || !core.ends_with(is_word_char)
                        || !folded.get(end..).is_some_and(|rest| rest.starts_with(is_word_char))
                    {
                        on_hit(index, start);
                    }
                }
            }
        }
        for &index in &self.floating {
            let (core, open_start, open_end) = self.parts(index as usize);
            if let Some(start) = first_in(core, open_start, open_end, folded) {
                on_hit(index, start);
            }
        }
    }
}

/// Where pattern `index`'s core starts: where the one before it ends.
fn start_of(ends: &[u32], index: usize) -> usize {
    index.checked_sub(1).and_then(|before| ends.get(before)).map_or(0, |&end| end as usize)
}

impl From<KeywordMatcher> for Vec<KeywordPattern> {
    fn from(matcher: KeywordMatcher) -> Vec<KeywordPattern> {
        (0..matcher.len()).filter_map(|index| matcher.pattern(index)).collect()
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
        assert_eq!(Vec::from(matcher.clone()), patterns, "the patterns come back as given");
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
    fn a_damaged_pattern_matches_nothing_odd_and_never_panics() {
        // A compiled pack's language markers are read as patterns, so an empty core can arrive.
        let empty = KeywordPattern { core: String::new(), open_start: false, open_end: false };
        let patterns = vec![empty, KeywordPattern::new("żółw").unwrap(), KeywordPattern::new("zebra").unwrap()];
        let matcher = super::KeywordMatcher::new(patterns.clone());
        assert_eq!(Vec::from(matcher.clone()), patterns);
        assert_eq!(matcher.pattern(3), None);
        for text in ["", "żółw zebra", "a zebra", "\u{7f}\u{ff} żółwie"] {
            let folded = fold(text);
            let mut found = Vec::new();
            matcher.find_all(&folded, &word_starts(&folded), |index, _| found.push(index));
            found.retain(|&index| index != 0);
            let expected: Vec<u32> = (1..3).filter(|&index| patterns[index as usize].is_found_in(&folded)).collect();
            assert_eq!(found, expected, "{text}");
        }
        let nothing = super::KeywordMatcher::new(Vec::new());
        nothing.find_all("abc", &[0], |_, _| panic!("no patterns, no hits"));
        assert!(nothing.is_empty());
    }

    #[test]
    fn wildcard_only_is_rejected() {
        assert_eq!(KeywordPattern::new("*"), None);
        assert_eq!(KeywordPattern::new("  "), None);
    }
}
