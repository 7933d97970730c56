//! Text matching sections: `[languages]` (marker words per language), `[keywords]` (keyword
//! lists per language) and `[classifiers]` (weighted terms), each compiled to a keyword matcher.

use super::read::is_language_code;
use super::{Value, Walker};
use crate::rules::lang::keywords::{KeywordMatcher, KeywordPattern};
use crate::rules::{ALL_LANGUAGES, ClassifierWeights, KeywordList, KeywordTerm, Language, LanguageMask};
use std::ops::Range;
use toml::de::{DeTable, DeValue};

impl Walker<'_> {
    /// `[languages]`: code = marker words.
    pub(super) fn languages(&mut self, root: &DeTable<'_>) -> Vec<Language> {
        let mut languages = Vec::new();
        let Some(section) = root.get("languages") else {
            return languages;
        };
        let Some(table) = self.table(section, "[languages]") else {
            return languages;
        };
        for (code, markers) in table {
            let name: &str = code.get_ref();
            if !is_language_code(name) {
                self.error(format!("`{name}` is not a two-letter language code in [languages]"), code.span());
                continue;
            }
            let context = format!("the marker words of `{name}` in [languages]");
            let mut patterns: Vec<KeywordPattern> = self
                .string_list(markers, &context)
                .into_iter()
                .filter_map(|(marker, span)| {
                    let pattern = KeywordPattern::new(&marker);
                    if pattern.is_none() {
                        self.error("a marker word needs at least one character besides `*`", span);
                    }
                    pattern
                })
                .collect();
            let known: Vec<String> = patterns.iter().map(KeywordPattern::text).collect();
            for marker in &known {
                for variant in unaccented(marker) {
                    if !known.contains(&variant) && !patterns.iter().any(|pattern| pattern.text() == variant) {
                        patterns.extend(KeywordPattern::new(&variant));
                    }
                }
            }
            if patterns.is_empty() {
                self.error(format!("{context}: none given"), markers.span());
            }
            languages.push(Language { code: name.to_owned(), markers: KeywordMatcher::new(patterns) });
        }
        if languages.len() > LanguageMask::BITS as usize {
            self.error(
                format!("[languages] lists {} languages; at most {}", languages.len(), LanguageMask::BITS),
                section.span(),
            );
        }
        languages
    }

    pub(super) fn keyword_lists(&mut self, root: &DeTable<'_>, pack_languages: &[Language]) -> Vec<KeywordList> {
        let mut lists = Vec::new();
        let Some(section) = root.get("keywords") else {
            return lists;
        };
        let Some(table) = self.table(section, "[keywords]") else {
            return lists;
        };
        for (name, value) in table {
            let list_name: &str = name.get_ref();
            if !self.valid_name(list_name, "keyword list", name.span()) {
                continue;
            }
            let context = format!("keyword list `{list_name}`");
            let Some(languages) = self.table(value, &context) else {
                continue;
            };
            let mut terms = Vec::new();
            let mut patterns = Vec::new();
            let mut term_languages = Vec::new();
            for (language, keywords) in languages {
                let code: &str = language.get_ref();
                if code != "any" && !is_language_code(code) {
                    self.error(
                        format!("`{code}` is not a two-letter language code (or `any`) in {context}"),
                        language.span(),
                    );
                    continue;
                }
                let mask = match pack_languages.iter().position(|known| known.code == code) {
                    Some(index) => 1 << index,
                    None if code == "any" || pack_languages.is_empty() => ALL_LANGUAGES,
                    None => {
                        let codes: Vec<&str> = pack_languages.iter().map(|known| known.code.as_str()).collect();
                        self.error_help(
                            format!("{context} has keywords for `{code}`, which [languages] does not detect"),
                            language.span(),
                            Some(format!("add `{code}` to [languages], or use one of {} or `any`", codes.join(", "))),
                        );
                        continue;
                    }
                };
                for (keyword, span) in self.string_list(keywords, &format!("{context} ({code})")) {
                    if keyword.trim().trim_matches('*').contains('*') {
                        self.error(
                            format!(
                                "`*` inside `{keyword}`: it opens only the start or the end of a keyword; list the forms instead"
                            ),
                            span,
                        );
                        continue;
                    }
                    match KeywordPattern::new(&keyword) {
                        Some(pattern) => {
                            patterns.push(pattern);
                            term_languages.push(mask);
                            terms.push(KeywordTerm { language: code.into(), keyword });
                        }
                        None => {
                            self.error("a keyword needs at least one character besides `*`", span);
                        }
                    }
                }
            }
            if terms.is_empty() {
                self.error(format!("{context} has no keywords"), value.span());
            }
            add_unaccented_variants(&mut terms, &mut patterns, &mut term_languages);
            lists.push(KeywordList {
                name: list_name.to_owned(),
                terms,
                matcher: KeywordMatcher::new(patterns),
                term_languages,
                classifier: None,
            });
        }
        lists
    }

    /// A classifier number as whole ten-thousandths.
    fn scaled(&mut self, number: f64, span: Range<usize>, what: &str) -> Option<i32> {
        let scaled = ClassifierWeights::scaled(number);
        if scaled.is_none() {
            self.error(format!("{what} is out of range (at most 100000 in absolute value)"), span);
        }
        scaled
    }

    /// `[classifiers.NAME]`: `bias`, optional `threshold`, and `[classifiers.NAME.terms]` mapping
    /// each term (a keyword: word, `start*` or phrase) to its weight. Each classifier becomes a
    /// keyword list of its terms, with the weights, after the pack's keyword lists.
    pub(super) fn classifiers(&mut self, root: &DeTable<'_>, lists: &mut Vec<KeywordList>) {
        let Some(section) = root.get("classifiers") else {
            return;
        };
        let Some(table) = self.table(section, "[classifiers]") else {
            return;
        };
        for (name, value) in table {
            let classifier_name: &str = name.get_ref();
            if !self.valid_name(classifier_name, "classifier", name.span()) {
                continue;
            }
            let context = format!("classifier `{classifier_name}`");
            let Some(body) = self.table(value, &context) else {
                continue;
            };
            self.check_keys(body, &["bias", "threshold", "terms", "trained_on"], &context);
            let bias = self.required(body, "bias", &value.span(), &context).and_then(|bias| {
                self.number(bias, "`bias`").and_then(|number| self.scaled(number, bias.span(), "`bias`"))
            });
            let threshold = match body.get("threshold") {
                None => Some(0.5),
                Some(threshold) => match self.number(threshold, "`threshold`") {
                    Some(p) if p > 0.0 && p < 1.0 => Some(p),
                    Some(_) => {
                        self.error("`threshold` is a probability strictly between 0 and 1", threshold.span());
                        None
                    }
                    None => None,
                },
            };
            if let Some(trained_on) = body.get("trained_on") {
                self.string_list(trained_on, "`trained_on`");
            }
            let mut patterns = Vec::new();
            let mut weights: Vec<i32> = Vec::new();
            let mut idf: Vec<i32> = Vec::new();
            if let Some(term_table) = self
                .required(body, "terms", &value.span(), &context)
                .and_then(|terms| self.table(terms, &format!("the terms of {context}")))
            {
                for (term, value) in term_table {
                    let keyword: &str = term.get_ref();
                    let what = format!("the weight of `{keyword}`");
                    // `weight` (rarity 1), or `[weight, rarity]` as `riskpane train` writes it.
                    let numbers: Vec<&Value<'_>> = match value.get_ref() {
                        DeValue::Array(items) => items.iter().collect(),
                        _ => vec![value],
                    };
                    let scaled: Vec<Option<i32>> = numbers
                        .iter()
                        .map(|number| self.number(number, &what).and_then(|n| self.scaled(n, number.span(), &what)))
                        .collect();
                    let (weight, rarity) = match scaled[..] {
                        [Some(weight)] => (weight, 10_000),
                        [Some(weight), Some(rarity)] if rarity > 0 => (weight, rarity),
                        [Some(_), Some(_)] => {
                            self.error(format!("the rarity of `{keyword}` must be above 0"), value.span());
                            continue;
                        }
                        [_] | [_, _] => continue,
                        _ => {
                            self.error(format!("{what} must be a number or [weight, rarity]"), value.span());
                            continue;
                        }
                    };
                    match KeywordPattern::new(keyword) {
                        Some(pattern) if !keyword.trim().trim_matches('*').contains('*') => {
                            patterns.push(pattern);
                            weights.push(weight);
                            idf.push(rarity);
                        }
                        _ => self.error(
                            format!("`{keyword}` is not a term: a word, a phrase, or a word start ending in `*`"),
                            term.span(),
                        ),
                    }
                }
                if patterns.is_empty() {
                    self.error(format!("{context} has no terms"), value.span());
                }
            }
            if let (Some(bias), Some(threshold)) = (bias, threshold) {
                let cutoff = ClassifierWeights::cutoff_for(threshold);
                lists.push(KeywordList {
                    name: format!("classifiers.{classifier_name}"),
                    term_languages: Vec::new(),
                    terms: Vec::new(),
                    matcher: KeywordMatcher::new(patterns),
                    classifier: Some(ClassifierWeights { weights, idf, bias, cutoff }),
                });
            }
        }
    }
}

/// The forms of a (folded) keyword as people type it without accents: every diacritic dropped
/// (`arrêt*` → `arret*`, `żądam` → `zadam`, `löschen` → `loschen`), and for `ä`/`ö`/`ü` also the
/// German spelling without umlauts (`löschen` → `loeschen`). Empty when the keyword has none.
fn unaccented(keyword: &str) -> Vec<String> {
    let plain: String = keyword.chars().map(|character| base_letter(character).unwrap_or(character)).collect();
    let mut variants = Vec::new();
    if plain != keyword {
        variants.push(plain);
    }
    if keyword.contains(['ä', 'ö', 'ü']) {
        let mut spelled = String::with_capacity(keyword.len() + 4);
        for character in keyword.chars() {
            match character {
                'ä' => spelled.push_str("ae"),
                'ö' => spelled.push_str("oe"),
                'ü' => spelled.push_str("ue"),
                other => spelled.push(base_letter(other).unwrap_or(other)),
            }
        }
        if !variants.contains(&spelled) {
            variants.push(spelled);
        }
    }
    variants
}

/// The letter without its diacritic, for the lowercase Latin letters of the pack's languages.
fn base_letter(character: char) -> Option<char> {
    Some(match character {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' => 'a',
        'ç' | 'ć' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ę' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ł' => 'l',
        'ñ' | 'ń' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ś' => 's',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' => 'z',
        _ => return None,
    })
}

/// A keyword list's terms also match text typed without accents: each term with diacritics gets
/// its unaccented forms as terms of the same language, unless the list already has them (so the
/// evidence shows the form that matched, and a list that spells both forms is unchanged).
fn add_unaccented_variants(
    terms: &mut Vec<KeywordTerm>,
    patterns: &mut Vec<KeywordPattern>,
    languages: &mut Vec<LanguageMask>,
) {
    let authored = terms.len();
    for index in 0..authored {
        let folded = patterns[index].text();
        for variant in unaccented(&folded) {
            let present =
                (0..terms.len()).any(|other| languages[other] == languages[index] && patterns[other].text() == variant);
            if present {
                continue;
            }
            if let Some(pattern) = KeywordPattern::new(&variant) {
                terms.push(KeywordTerm { language: terms[index].language.clone(), keyword: variant });
                patterns.push(pattern);
                languages.push(languages[index]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unaccented;

    #[test]
    fn keywords_get_the_forms_typed_without_accents() {
        assert_eq!(unaccented("arrêt*"), ["arret*"]);
        assert_eq!(unaccented("żądam"), ["zadam"]);
        assert_eq!(unaccented("löschen"), ["loschen", "loeschen"]);
        assert_eq!(unaccented("*datenschutzbehörde"), ["*datenschutzbehorde", "*datenschutzbehoerde"]);
        assert_eq!(unaccented("données personnelles"), ["donnees personnelles"]);
        assert!(unaccented("delete my data").is_empty());
    }
}
