//! Text folding and words: Unicode case-insensitive text, word starts and sentence starts.
//!
//! `fold` lowercases with Unicode rules (`Ä`→`ä`, `Ł`→`ł`, `É`→`é`), maps `ß`/`ẞ` to `ss` (so
//! `STRASSE` matches `Straße`), unifies typographic apostrophes and collapses whitespace. Accents are
//! significant: `donnees` does not match `données` (the pack compiler adds a keyword's unaccented
//! forms to its list, so `données` also matches `donnees`). Letters and digits in any script are word
//! characters; the rule language's keyword lists (`rules::lang::keywords`) match at the word starts
//! found here.

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
            _ => super::lowercase::push_lowercase(&mut folded, character),
        }
    }
    folded
}

/// Computed once per text so keyword lists only compare at word starts.
#[must_use]
pub fn word_starts(folded: &str) -> Vec<u32> {
    let mut starts = Vec::new();
    let mut previous_is_word = false;
    for (offset, character) in folded.char_indices() {
        let is_word = is_word_char(character);
        if is_word && !previous_is_word {
            starts.push(offset as u32);
        }
        previous_is_word = is_word;
    }
    starts
}

/// The words of folded text (runs of word characters), with their byte offsets.
pub fn words(folded: &str) -> impl Iterator<Item = (usize, &str)> {
    word_starts(folded).into_iter().map(move |start| {
        let start = start as usize;
        let rest = &folded[start..];
        let end = rest.find(|character: char| !is_word_char(character)).unwrap_or(rest.len());
        (start, &rest[..end])
    })
}

/// Byte offsets in folded text where a sentence other than the first starts, for "in the same
/// sentence": after `!`, `?` or `;`, and after `.` followed by a space, unless a digit follows
/// (`Art. 17 DSGVO` and `z. 3` stay one sentence). Line breaks are gone after folding.
#[must_use]
pub fn sentence_starts(folded: &str) -> Vec<u32> {
    let bytes = folded.as_bytes();
    let mut starts = Vec::new();
    for (offset, &byte) in bytes.iter().enumerate() {
        let ends = match byte {
            b'!' | b'?' | b';' => true,
            b'.' => bytes.get(offset + 1) == Some(&b' ') && !bytes.get(offset + 2).is_some_and(u8::is_ascii_digit),
            _ => false,
        };
        if ends {
            starts.push(offset as u32 + 1);
        }
    }
    starts
}

/// The index of the sentence a byte offset is in (`starts` from [`sentence_starts`]).
#[must_use]
pub fn sentence_of(starts: &[u32], offset: usize) -> usize {
    starts.partition_point(|&start| start as usize <= offset)
}

/// Letters and digits of any script, and combining marks (so `é` written as `e` + U+0301 stays
/// one word).
pub(crate) fn is_word_char(character: char) -> bool {
    character.is_alphanumeric() || ('\u{0300}'..='\u{036F}').contains(&character)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::fold;

    #[test]
    fn folds_case_and_sharp_s() {
        assert_eq!(fold("  ÄÖÜ  Straße\tSTRASSE ẞ "), "äöü strasse strasse ss");
        assert_eq!(fold("ŁÓDŹ ŻÓŁW Ńó"), "łódź żółw ńó");
        assert_eq!(fold("J’ai"), "j'ai");
    }

    #[test]
    fn sentences_end_at_terminal_punctuation_but_not_inside_citations() {
        let text = fold("Bitte löschen Sie gemäß Art. 17 DSGVO meine Daten. Danke! Geht das? Ja; gut");
        let starts = super::sentence_starts(&text);
        let sentence = |word: &str| super::sentence_of(&starts, text.find(word).unwrap());
        assert_eq!(sentence("löschen"), sentence("daten"));
        assert_eq!(sentence("dsgvo"), 0);
        assert_eq!((sentence("danke"), sentence("geht"), sentence("ja"), sentence("gut")), (1, 2, 3, 4));
        assert!(super::sentence_starts("").is_empty());
        assert!(super::sentence_starts("...").len() <= 3);
    }
}
