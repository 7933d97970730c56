//! Text folding and keyword matching: Unicode case-insensitive, whole-word or whole-phrase.
//!
//! `fold` lowercases with Unicode rules (`Ä`→`ä`, `Ł`→`ł`, `É`→`é`), maps `ß`/`ẞ` to `ss` (so
//! `STRASSE` matches `Straße`), unifies typographic apostrophes and collapses whitespace. Accents are
//! significant: `donnees` does not match `données`. A keyword matches only at word boundaries
//! (letters and digits in any script are word characters), so `daten` does not match inside
//! `Kundendatenbank`; a keyword that starts or ends with `*` lifts that boundary on purpose
//! (`daten*` matches `Datenauskunft`, `*daten` matches `Kundendaten`).

/// Folds text for case-insensitive comparison and matching.
#[must_use]
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut pending_space = false;
    for character in text.chars() {
        if character.is_whitespace() {
            pending_space = !folded.is_empty();
            continue;
        }
        if pending_space {
            folded.push(' ');
            pending_space = false;
        }
        match character {
            'ß' | 'ẞ' => folded.push_str("ss"),
            '\u{2019}' | '\u{2018}' | '\u{02BC}' => folded.push('\''),
            _ => folded.extend(character.to_lowercase()),
        }
    }
    folded
}

/// One folded keyword of a keyword list, with its wildcard ends.
#[derive(Clone, Debug, PartialEq, Eq)]
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
        if core.is_empty() {
            None
        } else {
            Some(KeywordPattern {
                core,
                open_start,
                open_end,
            })
        }
    }

    /// Whether the pattern occurs in already folded text, respecting word boundaries.
    #[must_use]
    pub fn is_found_in(&self, folded_text: &str) -> bool {
        let core = self.core.as_str();
        let mut from = 0;
        while let Some(position) = folded_text[from..].find(core) {
            let start = from + position;
            let end = start + core.len();
            let starts_ok = self.open_start
                || !core.starts_with(is_word_char)
                || !folded_text[..start].ends_with(is_word_char);
            let ends_ok = self.open_end
                || !core.ends_with(is_word_char)
                || !folded_text[end..].starts_with(is_word_char);
            if starts_ok && ends_ok {
                return true;
            }
            from = start
                + folded_text[start..]
                    .chars()
                    .next()
                    .map_or(1, char::len_utf8);
        }
        false
    }
}

/// Letters and digits of any script, and combining marks (so `é` written as `e` + U+0301 stays
/// one word).
fn is_word_char(character: char) -> bool {
    character.is_alphanumeric() || ('\u{0300}'..='\u{036F}').contains(&character)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::{KeywordPattern, fold};

    fn found(keyword: &str, text: &str) -> bool {
        KeywordPattern::new(keyword)
            .unwrap()
            .is_found_in(&fold(text))
    }

    #[test]
    fn folds_case_and_sharp_s() {
        assert_eq!(fold("  ÄÖÜ  Straße\tSTRASSE ẞ "), "äöü strasse strasse ss");
        assert_eq!(fold("ŁÓDŹ ŻÓŁW Ńó"), "łódź żółw ńó");
        assert_eq!(fold("J’ai"), "j'ai");
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
    fn wildcard_only_is_rejected() {
        assert_eq!(KeywordPattern::new("*"), None);
        assert_eq!(KeywordPattern::new("  "), None);
    }
}
