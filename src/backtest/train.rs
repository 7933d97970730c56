//! `riskpane train`: trains a pack classifier (`[classifiers.NAME]`) on labelled corpus parts —
//! logistic regression over the words, word starts (`lösch*`) and word pairs of the messages — and
//! writes it as TOML for the pack, strongest terms first. The terms are found in a text by the same
//! keyword matcher the engine uses, during training as in the widget, so the trained weights mean
//! the same thing where they are applied. Training is deterministic: the same parts give the same
//! weights, to the last digit (a test checks the care pack's classifier against its parts).
//!
//! `--by-part` estimates how the classifier does on text it was not trained on: it trains on all
//! parts but one, measures on the one left out, and so on for each part.

use super::corpus::{Message, is_of_class};
use crate::rules::ClassifierWeights;
use crate::rules::lang::keywords::{KeywordMatcher, KeywordPattern};
use crate::value::text::{fold, word_starts, words};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Words longer than this also give their start as a term (`löschen` → `lösch*`), so inflected
/// forms share a term.
const WORD_START: usize = 5;
/// A term must occur in at least this many training messages.
const MIN_MESSAGES: usize = 2;
/// Regularisation strength, as scikit-learn's `C` (larger: less regularised).
const INVERSE_REGULARISATION: f64 = 4.0;
/// Gradient steps (Adam, whole corpus per step).
const STEPS: usize = 600;
const LEARNING_RATE: f64 = 0.05;

/// How a classifier is trained.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    /// The class (`data_subject_request`: any data-subject right; otherwise a corpus label).
    pub class: String,
    /// The strongest terms kept (by absolute weight); the classifier is then trained again on them.
    pub terms: usize,
    /// The probability from which a text reads as the class.
    pub threshold: f64,
    /// Train against the class's look-alikes only (messages labelled as a look-alike of it), not
    /// against every other message: a second reading for texts a first one already took for the
    /// class, which learns what tells the class from the texts that imitate it.
    pub against_lookalikes: bool,
    /// The pack whose `customer.message` fact's `own_words` cut the training messages, as given on
    /// the command line: the model learns from the lines the engine will read (the customer's own,
    /// not quoted replies, forwarded mail or the agent's side of a chat).
    pub own_words_from: Option<String>,
}

/// A trained classifier: terms with their weights and rarities, strongest for the class first.
#[derive(Clone, Debug, PartialEq)]
pub struct Trained {
    /// Terms as keywords (`daten`, `lösch*`, `meine daten`) with their weights and rarities (idf).
    pub terms: Vec<(String, f64, f64)>,
    /// The score of a text with no term.
    pub bias: f64,
    /// The probability from which a text reads as the class.
    pub threshold: f64,
}

impl Trained {
    /// The weights as the engine applies them, with the terms' matcher.
    #[must_use]
    pub fn compiled(&self) -> (KeywordMatcher, ClassifierWeights) {
        let patterns = self.terms.iter().filter_map(|(term, _, _)| KeywordPattern::new(term)).collect();
        // L2-regularised weights and rarities stay far inside the range a pack accepts.
        let scaled = |value: f64| ClassifierWeights::scaled(value).unwrap_or_default();
        let weights = self.terms.iter().map(|(_, weight, _)| scaled(*weight)).collect();
        let idf = self.terms.iter().map(|(_, _, rarity)| scaled(*rarity)).collect();
        let cutoff = ClassifierWeights::cutoff_for(self.threshold);
        (KeywordMatcher::new(patterns), ClassifierWeights { weights, idf, bias: scaled(self.bias), cutoff })
    }

    /// Whether the classifier reads a message as its class.
    #[must_use]
    pub fn reads(&self, matcher: &KeywordMatcher, weights: &ClassifierWeights, text: &str) -> bool {
        weights.reads(terms_found(matcher, &fold(text)).into_iter())
    }

    /// The `[classifiers.NAME]` tables for a pack, after a comment with the command that made them.
    #[must_use]
    pub fn to_toml(&self, name: &str, options: &TrainOptions, trained_on: &[String]) -> String {
        let mut out = String::new();
        // `--name` only where the table is not named after its class (one class, two models).
        let named = if name == options.class { String::new() } else { format!(" --name {name}") };
        let against = if options.against_lookalikes { " --against-lookalikes" } else { "" };
        let own_words = options.own_words_from.as_ref().map(|pack| format!(" --own-words {pack}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "# riskpane train --class {} --terms {} --threshold {}{named}{against}{own_words} (each part of trained_on as --corpus)",
            options.class, options.terms, options.threshold
        );
        let _ = writeln!(out, "[classifiers.{name}]");
        let parts: Vec<String> = trained_on.iter().map(|part| format!("{part:?}")).collect();
        let _ = writeln!(out, "trained_on = [{}]", parts.join(", "));
        let _ = writeln!(out, "bias = {}", number(self.bias));
        let _ = writeln!(out, "threshold = {}", self.threshold);
        let _ = writeln!(out, "\n[classifiers.{name}.terms] # term = [weight, rarity]");
        for (term, weight, rarity) in &self.terms {
            let _ = writeln!(out, "{term:?} = [{}, {}]", number(*weight), number(*rarity));
        }
        out
    }
}

/// Four decimals, always with a point (a TOML float).
fn number(value: f64) -> String {
    let text = format!("{value:.4}");
    if text == "-0.0000" { "0.0000".to_owned() } else { text }
}

/// The distinct terms of `matcher` found in folded text, as indices.
fn terms_found(matcher: &KeywordMatcher, folded: &str) -> Vec<usize> {
    let mut found = Vec::new();
    matcher.find_all(folded, &word_starts(folded), |term, _| found.push(term as usize));
    found.sort_unstable();
    found.dedup();
    found
}

/// The candidate terms of one folded text: its words (not numbers, not single letters), the
/// starts of long words, and pairs of words separated by one space.
fn candidates(folded: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut previous: Option<(usize, &str)> = None;
    for (start, word) in words(folded) {
        let useful = word.chars().count() > 1 && !word.chars().all(|character| character.is_ascii_digit());
        if useful {
            terms.push(word.to_owned());
            if word.chars().count() > WORD_START {
                let prefix: String = word.chars().take(WORD_START).collect();
                terms.push(format!("{prefix}*"));
            }
            if let Some((previous_start, previous_word)) = previous
                && previous_start + previous_word.len() + 1 == start
            {
                terms.push(format!("{previous_word} {word}"));
            }
        }
        previous = useful.then_some((start, word));
    }
    terms
}

/// Trains a classifier for `options.class` on the messages.
///
/// # Errors
/// When the messages have no example of the class, or none of anything else.
pub fn train(messages: &[Message], options: &TrainOptions) -> Result<Trained, String> {
    let chosen: Vec<Message>;
    let messages = if options.against_lookalikes {
        chosen = messages
            .iter()
            .filter(|message| is_of_class(message, &options.class) || imitates(message, &options.class))
            .cloned()
            .collect();
        &chosen[..]
    } else {
        messages
    };
    let labels: Vec<bool> = messages.iter().map(|message| is_of_class(message, &options.class)).collect();
    let positives = labels.iter().filter(|&&label| label).count();
    if positives == 0 || positives == messages.len() {
        return Err(format!(
            "the corpus needs messages of class `{}` and messages of other classes ({positives} of {} are of it)",
            options.class,
            messages.len()
        ));
    }
    let folded: Vec<String> = messages.iter().map(|message| fold(&message.text)).collect();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for text in &folded {
        let mut terms = candidates(text);
        terms.sort_unstable();
        terms.dedup();
        for term in terms {
            *counts.entry(term).or_default() += 1;
        }
    }
    let vocabulary: Vec<String> =
        counts.into_iter().filter(|(_, count)| *count >= MIN_MESSAGES).map(|(term, _)| term).collect();
    let first = fit(&vocabulary, &folded, &labels);
    let mut ranked: Vec<(String, f64)> = vocabulary.into_iter().zip(first.weights).collect();
    ranked.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(options.terms);
    let kept: Vec<String> = ranked.into_iter().map(|(term, _)| term).collect();
    let second = fit(&kept, &folded, &labels);
    let mut terms: Vec<(String, f64, f64)> = kept
        .into_iter()
        .zip(second.weights)
        .zip(second.idf)
        .map(|((term, weight), rarity)| (term, round(weight), rarity))
        .collect();
    terms.retain(|(_, weight, _)| *weight != 0.0);
    terms.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(Trained { terms, bias: round(second.bias), threshold: options.threshold })
}

/// A benign look-alike of `class` (for `data_subject_request`: of any data-subject right).
fn imitates(message: &Message, class: &str) -> bool {
    message.labels.is_empty()
        && message.lookalike_of.as_deref().is_some_and(|imitated| {
            let as_label = Message { labels: vec![imitated.to_owned()], ..message.clone() };
            is_of_class(&as_label, class)
        })
}

fn round(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

struct Fit {
    weights: Vec<f64>,
    /// Per term, its rarity: `ln((1 + messages) / (1 + messages with the term)) + 1`, rounded as
    /// the pack stores it, so training sees the numbers the widget uses.
    idf: Vec<f64>,
    bias: f64,
}

/// Logistic regression with balanced class weights and L2 regularisation, by full-batch Adam
/// from zero: each message is the set of vocabulary terms the matcher finds in it, each term
/// counting with its rarity, the message's vector scaled to length one.
fn fit(vocabulary: &[String], folded: &[String], labels: &[bool]) -> Fit {
    let patterns: Vec<KeywordPattern> = vocabulary.iter().filter_map(|term| KeywordPattern::new(term)).collect();
    let matcher = KeywordMatcher::new(patterns);
    let rows: Vec<Vec<usize>> = folded.iter().map(|text| terms_found(&matcher, text)).collect();
    let count = labels.len() as f64;
    let mut messages_with = vec![0usize; vocabulary.len()];
    for row in &rows {
        for &term in row {
            messages_with[term] += 1;
        }
    }
    let idf: Vec<f64> =
        messages_with.iter().map(|&with| round(((1.0 + count) / (1.0 + with as f64)).ln() + 1.0)).collect();
    let lengths: Vec<f64> =
        rows.iter().map(|row| row.iter().map(|&term| idf[term] * idf[term]).sum::<f64>().sqrt()).collect();
    let positives = labels.iter().filter(|&&label| label).count() as f64;
    let class_weight =
        |label: bool| if label { count / (2.0 * positives) } else { count / (2.0 * (count - positives)) };
    let lambda = 1.0 / (INVERSE_REGULARISATION * count);
    let dimension = vocabulary.len() + 1; // the last parameter is the bias
    let mut parameters = vec![0.0f64; dimension];
    let (mut first_moment, mut second_moment) = (vec![0.0f64; dimension], vec![0.0f64; dimension]);
    let (beta1, beta2, epsilon) = (0.9f64, 0.999f64, 1e-8f64);
    let mut gradient = vec![0.0f64; dimension];
    for step in 1..=STEPS {
        gradient.fill(0.0);
        for ((row, &label), &length) in rows.iter().zip(labels).zip(&lengths) {
            let scale = if length > 0.0 { 1.0 / length } else { 0.0 };
            let score =
                parameters[dimension - 1] + row.iter().map(|&term| parameters[term] * idf[term]).sum::<f64>() * scale;
            let probability = 1.0 / (1.0 + (-score).exp());
            let error = class_weight(label) * (probability - f64::from(u8::from(label))) / count;
            for &term in row {
                gradient[term] += error * idf[term] * scale;
            }
            gradient[dimension - 1] += error;
        }
        for (index, value) in gradient.iter_mut().enumerate().take(dimension - 1) {
            *value += lambda * parameters[index];
        }
        let step = i32::try_from(step).unwrap_or(i32::MAX);
        let (correction1, correction2) = (1.0 - beta1.powi(step), 1.0 - beta2.powi(step));
        for index in 0..dimension {
            first_moment[index] = beta1 * first_moment[index] + (1.0 - beta1) * gradient[index];
            second_moment[index] = beta2 * second_moment[index] + (1.0 - beta2) * gradient[index] * gradient[index];
            let corrected = first_moment[index] / correction1;
            parameters[index] -= LEARNING_RATE * corrected / ((second_moment[index] / correction2).sqrt() + epsilon);
        }
    }
    let bias = parameters.pop().unwrap_or(0.0);
    Fit { weights: parameters, idf, bias }
}

/// Leave-one-part-out figures for one part: trained on the others, measured on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldOut {
    /// The part measured.
    pub part: String,
    /// Messages of the class in it.
    pub positives: usize,
    /// Of those, read as the class.
    pub found: usize,
    /// Messages without any label in it.
    pub benign: usize,
    /// Of those, read as the class.
    pub benign_fired: usize,
}

/// For each part, a classifier trained on the other parts, measured on it.
///
/// # Errors
/// When training on the other parts fails.
pub fn by_part(parts: &[(String, Vec<Message>)], options: &TrainOptions) -> Result<Vec<HeldOut>, String> {
    let mut figures = Vec::new();
    for (index, (part, held_out)) in parts.iter().enumerate() {
        let training: Vec<Message> = parts
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != index)
            .flat_map(|(_, (_, messages))| messages.iter().cloned())
            .collect();
        let trained = train(&training, options)?;
        let (matcher, weights) = trained.compiled();
        let mut held = HeldOut { part: part.clone(), positives: 0, found: 0, benign: 0, benign_fired: 0 };
        for message in held_out {
            let reads = trained.reads(&matcher, &weights, &message.text);
            if is_of_class(message, &options.class) {
                held.positives += 1;
                held.found += usize::from(reads);
            } else if message.labels.is_empty() {
                held.benign += 1;
                held.benign_fired += usize::from(reads);
            }
        }
        figures.push(held);
    }
    Ok(figures)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::{TrainOptions, candidates, train};
    use crate::backtest::corpus::read_messages;

    #[test]
    fn candidates_are_words_word_starts_and_pairs() {
        assert_eq!(
            candidates("bitte löschen sie 2 meine daten, danke"),
            [
                "bitte",
                "löschen",
                "lösch*",
                "bitte löschen",
                "sie",
                "löschen sie",
                "meine",
                "daten",
                "meine daten",
                "danke"
            ]
        );
    }

    #[test]
    fn training_separates_the_class_and_is_deterministic() {
        let corpus = [
            (r#"{"id":"1","lang":"de","labels":["erasure"],"text":"Bitte löschen Sie meine Daten."}"#),
            (r#"{"id":"2","lang":"de","labels":["erasure"],"text":"Löschen Sie alle Daten über mich."}"#),
            (r#"{"id":"3","lang":"de","labels":["access"],"text":"Welche Daten haben Sie über mich gespeichert?"}"#),
            (r#"{"id":"4","lang":"de","labels":[],"lookalike_of":"erasure","text":"Bitte löschen Sie den Artikel aus dem Warenkorb."}"#),
            (r#"{"id":"5","lang":"de","labels":[],"lookalike_of":"access","text":"Wann kommt mein Paket? Bitte um Auskunft."}"#),
            (r#"{"id":"6","lang":"de","labels":[],"lookalike_of":"erasure","text":"Den Artikel aus dem Warenkorb löschen geht nicht."}"#),
        ]
        .join("\n");
        let messages = read_messages(&corpus).unwrap();
        let options = TrainOptions {
            class: "data_subject_request".to_owned(),
            terms: 50,
            threshold: 0.5,
            against_lookalikes: false,
            own_words_from: None,
        };
        let trained = train(&messages, &options).unwrap();
        assert_eq!(trained, train(&messages, &options).unwrap());
        let (matcher, weights) = trained.compiled();
        for message in &messages {
            let expected = !message.labels.is_empty();
            assert_eq!(trained.reads(&matcher, &weights, &message.text), expected, "{}", message.text);
        }
        let weight =
            |term: &str| trained.terms.iter().find(|(known, _, _)| known == term).map(|(_, weight, _)| *weight);
        assert!(weight("daten").unwrap() > 0.0);
        assert!(weight("warenkorb").unwrap() < 0.0);
        // Against look-alikes only, the basket messages (look-alikes of erasure and access) are
        // the negatives and nothing else is: the trained terms come from those six messages only.
        let against = TrainOptions { against_lookalikes: true, ..options.clone() };
        let trained = train(&messages, &against).unwrap();
        assert!(trained.terms.iter().any(|(term, weight, _)| term == "warenkorb" && *weight < 0.0));
        let other = r#"{"id":"7","lang":"de","labels":[],"lookalike_of":"legal_threat","text":"Mein Anwalt sagt, Daten sind wichtig."}"#;
        let with_other = read_messages(&format!("{corpus}\n{other}")).unwrap();
        assert_eq!(train(&with_other, &against).unwrap(), trained);
        assert_ne!(train(&with_other, &options).unwrap(), train(&messages, &options).unwrap());
        let erasure_only = TrainOptions {
            class: "portability".to_owned(),
            terms: 50,
            threshold: 0.5,
            against_lookalikes: false,
            own_words_from: None,
        };
        assert!(train(&messages, &erasure_only).unwrap_err().contains("0 of 6"));
    }
}
