//! `riskpane evaluate`: how well a pack's text signals find what a message is, measured on a
//! labelled corpus of customer messages (tests/fixtures/evaluation/): per signal and language the
//! recall on messages of its class, the false-positive rate on benign look-alikes of that class,
//! and the precision over all messages; and how often the pack's language detection agreed with
//! the message's labelled language. A corpus class is measured by the pack's signal of the same
//! name (`[signals.erasure]` for `erasure`); `data_subject_request` is measured on every message
//! labelled with one of the data-subject rights.

use crate::CaseFacts;
use crate::rules::RulePack;
use crate::rules::lang::Value;
use crate::rules::lang::eval::{Env, Trace, detect_languages, truth};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The rights of data subjects among the corpus classes: `data_subject_request` is any of them.
pub const DATA_SUBJECT_RIGHTS: [&str; 6] =
    ["access", "erasure", "rectification", "objection", "objection_marketing", "portability"];

/// The signal measured on messages labelled with any data-subject right.
pub const ANY_REQUEST: &str = "data_subject_request";

/// One labelled message of the corpus.
#[derive(Clone, Debug, Deserialize)]
pub struct Message {
    /// Stable id (`T-de-07`).
    pub id: String,
    /// Language it is written in.
    pub lang: String,
    /// What it is; empty for a benign message.
    #[serde(default)]
    pub labels: Vec<String>,
    /// For a benign message: the class whose words it shares.
    #[serde(default)]
    pub lookalike_of: Option<String>,
    /// `email`, `chat`, `contact_form`, `social_media`.
    #[serde(default)]
    pub channel: Option<String>,
    /// The message.
    pub text: String,
}

/// Counts for one signal (overall or in one language).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Tally {
    /// Messages of the signal's class.
    pub positives: usize,
    /// Of those, where the signal fired.
    pub found: usize,
    /// Benign look-alikes of the class.
    pub lookalikes: usize,
    /// Of those, where the signal fired.
    pub lookalikes_fired: usize,
    /// Messages where the signal fired (any label).
    pub fired: usize,
    /// Of those, messages of the signal's class.
    pub fired_correctly: usize,
}

impl Tally {
    /// Found / positives (`None` without positives).
    #[must_use]
    pub fn recall(&self) -> Option<f64> {
        ratio(self.found, self.positives)
    }

    /// Fired look-alikes / look-alikes.
    #[must_use]
    pub fn lookalike_rate(&self) -> Option<f64> {
        ratio(self.lookalikes_fired, self.lookalikes)
    }

    /// Correct fires / fires.
    #[must_use]
    pub fn precision(&self) -> Option<f64> {
        ratio(self.fired_correctly, self.fired)
    }
}

fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// One signal's results.
#[derive(Clone, Debug, Serialize)]
pub struct SignalResult {
    /// The signal (= corpus class).
    pub signal: String,
    /// All languages.
    pub total: Tally,
    /// Per labelled language.
    pub by_language: BTreeMap<String, Tally>,
    /// Ids of messages of the class the signal missed.
    pub missed: Vec<String>,
    /// Ids of benign look-alikes of the class where it fired.
    pub lookalikes_fired: Vec<String>,
}

/// The evaluation of a pack on a corpus.
#[derive(Clone, Debug, Serialize)]
pub struct CorpusReport {
    /// Messages read.
    pub messages: usize,
    /// Benign messages (no label).
    pub benign: usize,
    /// Benign messages where any measured signal fired.
    pub benign_fired_any: usize,
    /// Ids of those.
    pub benign_fired_ids: Vec<String>,
    /// Messages whose detected language was exactly the labelled one.
    pub language_detected: usize,
    /// Messages where the pack recognised no language (all keywords applied).
    pub language_unrecognised: usize,
    /// Per signal, in the order of the pack's signals.
    pub signals: Vec<SignalResult>,
}

/// Reads the messages of an NDJSON corpus part.
///
/// # Errors
/// A line that is not a message, with its line number.
pub fn read_messages(ndjson: &str) -> Result<Vec<Message>, String> {
    let mut messages = Vec::new();
    for (number, line) in ndjson.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let message: Message = serde_json::from_str(line)
            .map_err(|error| format!("line {}: not a corpus message: {error}", number + 1))?;
        messages.push(message);
    }
    Ok(messages)
}

/// Whether a message is of `class` (`data_subject_request`: of any data-subject right).
#[must_use]
pub fn is_of_class(message: &Message, class: &str) -> bool {
    message
        .labels
        .iter()
        .any(|label| label == class || (class == ANY_REQUEST && DATA_SUBJECT_RIGHTS.contains(&label.as_str())))
}

/// Cuts every message to its writer's own lines as `pack` reads `customer.message` (its
/// `own_words`), so a word model learns from the text the engine will read. Messages that are all
/// the writer's own stay as they are.
///
/// # Errors
/// A pack without a `customer.message` fact, or one whose fact has no `own_words`.
pub fn keep_own_words(pack: &RulePack, messages: &mut [Message]) -> Result<(), String> {
    let fact = pack.facts.iter().find(|fact| fact.name == "customer.message");
    let own_words = fact
        .and_then(|fact| fact.own_words.as_ref())
        .ok_or("the pack's `customer.message` fact has no `own_words` to train on")?;
    for message in messages {
        if let Some(own) = own_words.keep(&pack.keyword_lists, &message.text) {
            message.text = own;
        }
    }
    Ok(())
}

/// Reads NDJSON messages and evaluates the pack's signals on them.
///
/// # Errors
/// A line that is not a message (with its line number), a corpus class without a signal of the
/// same name, or a pack without a `customer.message` text fact.
pub fn evaluate(pack: &RulePack, ndjson: &str) -> Result<CorpusReport, String> {
    let messages = read_messages(ndjson)?;
    let message_slot = pack.fact_slot("customer.message").ok_or("the pack has no `customer.message` fact")?;
    let mut classes: Vec<&str> = messages
        .iter()
        .flat_map(|message| message.labels.iter().chain(&message.lookalike_of).map(String::as_str))
        .collect();
    classes.sort_unstable();
    classes.dedup();
    let signal_of = |name: &str| pack.signals.iter().position(|signal| signal.name == name);
    let missing: Vec<&str> = classes.iter().copied().filter(|class| signal_of(class).is_none()).collect();
    if !missing.is_empty() {
        return Err(format!("the pack has no signal for the corpus classes {}", missing.join(", ")));
    }
    // The measured signals: the corpus classes, plus "any request" when the pack has it.
    let mut measured: Vec<usize> = pack
        .signals
        .iter()
        .enumerate()
        .filter(|(_, signal)| classes.contains(&signal.name.as_str()) || signal.name == ANY_REQUEST)
        .map(|(index, _)| index)
        .collect();
    measured.dedup();
    let mut results: Vec<SignalResult> = measured
        .iter()
        .map(|&index| SignalResult {
            signal: pack.signals[index].name.clone(),
            total: Tally::default(),
            by_language: BTreeMap::new(),
            missed: Vec::new(),
            lookalikes_fired: Vec::new(),
        })
        .collect();
    let mut report = CorpusReport {
        messages: messages.len(),
        benign: 0,
        benign_fired_any: 0,
        benign_fired_ids: Vec::new(),
        language_detected: 0,
        language_unrecognised: 0,
        signals: Vec::new(),
    };
    for message in &messages {
        let facts = message_case(pack, message);
        let env = Env::new(pack, &facts);
        let mut trace = Trace::default();
        if let Some(crate::value::FactValue::Text(text)) = facts.value(message_slot) {
            let codes = pack.language_codes(detect_languages(&pack.languages, &text.folded, &text.word_starts));
            if codes.is_empty() {
                report.language_unrecognised += 1;
            } else if codes == [message.lang.as_str()] {
                report.language_detected += 1;
            }
        }
        let benign = message.labels.is_empty();
        let mut any_fired = false;
        for (result, &index) in results.iter_mut().zip(&measured) {
            trace.clear();
            let fired = truth(&pack.signals[index].when.node, &env, &mut trace) == Value::Bool(true);
            any_fired |= fired;
            let name = result.signal.as_str();
            let is_class = |class: &str| class == name || (name == ANY_REQUEST && DATA_SUBJECT_RIGHTS.contains(&class));
            let positive = message.labels.iter().any(|label| is_class(label));
            let lookalike = benign && message.lookalike_of.as_deref().is_some_and(is_class);
            for tally in [&mut result.total, result.by_language.entry(message.lang.clone()).or_default()] {
                tally.positives += usize::from(positive);
                tally.found += usize::from(positive && fired);
                tally.lookalikes += usize::from(lookalike);
                tally.lookalikes_fired += usize::from(lookalike && fired);
                tally.fired += usize::from(fired);
                tally.fired_correctly += usize::from(fired && positive);
            }
            if positive && !fired {
                result.missed.push(message.id.clone());
            }
            if lookalike && fired {
                result.lookalikes_fired.push(message.id.clone());
            }
        }
        if benign {
            report.benign += 1;
            if any_fired {
                report.benign_fired_any += 1;
                report.benign_fired_ids.push(message.id.clone());
            }
        }
    }
    report.signals = results;
    Ok(report)
}

/// The case a message stands for: its text and the channel it came through (the CRM shows both).
fn message_case(pack: &RulePack, message: &Message) -> CaseFacts {
    let channel = match message.channel.as_deref() {
        Some("contact_form") => Some("web_form"),
        other => other,
    };
    let mut case = serde_json::json!({ "customer": { "message": message.text } });
    if let Some(channel) = channel {
        case["case"] = serde_json::json!({ "channel": channel });
    }
    CaseFacts::from_json_unhashed(pack, &case).0
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| format!("{:.1}%", value * 100.0))
}

impl CorpusReport {
    /// A table per signal: recall, look-alike false positives and precision, overall and per
    /// language; then the ids of misses and false positives (no message text).
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} messages ({} benign look-alikes); language detected as labelled in {} ({}), not recognised in {}",
            self.messages,
            self.benign,
            self.language_detected,
            percent(ratio(self.language_detected, self.messages)),
            self.language_unrecognised
        );
        let _ = writeln!(
            out,
            "benign look-alikes where any signal fired: {} of {} ({})\n",
            self.benign_fired_any,
            self.benign,
            percent(ratio(self.benign_fired_any, self.benign))
        );
        let languages: Vec<&String> =
            self.signals.first().map(|result| result.by_language.keys().collect()).unwrap_or_default();
        let _ = write!(out, "{:<22} {:>9} {:>8} {:>11} {:>9}", "signal", "recall", "of", "look-alike", "precision");
        for language in &languages {
            let _ = write!(out, " {language:>6}");
        }
        out.push('\n');
        for result in &self.signals {
            let total = &result.total;
            let _ = write!(
                out,
                "{:<22} {:>9} {:>8} {:>11} {:>9}",
                result.signal,
                percent(total.recall()),
                format!("{}/{}", total.found, total.positives),
                format!("{}/{}", total.lookalikes_fired, total.lookalikes),
                percent(total.precision())
            );
            for language in &languages {
                let recall = result.by_language.get(*language).and_then(Tally::recall);
                let _ = write!(
                    out,
                    " {:>6}",
                    recall.map_or_else(|| "-".to_owned(), |value| format!("{:.0}%", value * 100.0))
                );
            }
            out.push('\n');
        }
        out.push_str(
            "\n(recall per language in the last columns; look-alike = fired on benign look-alikes of the class)\n",
        );
        for result in &self.signals {
            if !result.missed.is_empty() {
                let _ = writeln!(out, "{} missed: {}", result.signal, result.missed.join(" "));
            }
            if !result.lookalikes_fired.is_empty() {
                let _ = writeln!(out, "{} fired on look-alikes: {}", result.signal, result.lookalikes_fired.join(" "));
            }
        }
        if !self.benign_fired_ids.is_empty() {
            let _ = writeln!(out, "benign messages where a signal fired: {}", self.benign_fired_ids.join(" "));
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::evaluate;
    use crate::compile_source;

    const PACK: &str = r#"
schema_version = 1
[pack]
id = "t"
version = "1"
[score]
combine = "sum"
[bands]
medium = 30
high = 60
critical = 85
[decisions.reason_codes]
OK = "ok"
[[decisions.outcomes]]
id = "close"
label = "Close"
reason_codes = ["OK"]
requires_second_approval = false
[facts]
"customer.message" = { type = "text" }
"case.channel" = { type = "enum", values = ["email", "web_form"] }
[languages]
en = ["the", "my", "please"]
de = ["der", "die", "meine", "bitte"]
[keywords.erase]
en = ["delete*", "erase"]
de = ["lösch*"]
[keywords.data]
en = ["data", "account"]
de = ["daten", "konto"]
[signals.erasure]
when = "matches_near(customer.message, keywords.erase, keywords.data)"
[signals.data_subject_request]
when = "signals.erasure"
[[rules]]
id = "R"
category = "privacy"
title = "t"
rationale = "r"
source = "https://example.com"
points = 10
when = "signals.erasure"
"#;

    #[test]
    fn counts_recall_lookalikes_and_precision_by_language() {
        let pack = compile_source("t.toml", PACK).unwrap();
        let corpus = [
            r#"{"id":"1","lang":"en","labels":["erasure"],"text":"Please delete my data."}"#,
            r#"{"id":"2","lang":"de","labels":["erasure"],"text":"Bitte löschen Sie meine Daten"}"#,
            r#"{"id":"3","lang":"de","labels":["erasure"],"text":"Bitte löschen. Die Daten sind alt."}"#,
            r#"{"id":"4","lang":"en","labels":[],"lookalike_of":"erasure","text":"Please delete the item. My account is fine."}"#,
            r#"{"id":"5","lang":"en","labels":[],"lookalike_of":"erasure","text":"Please delete the data of the basket","channel":"contact_form"}"#,
        ]
        .join("\n");
        let report = evaluate(&pack, &corpus).unwrap();
        assert_eq!((report.messages, report.benign, report.benign_fired_any), (5, 2, 1));
        assert_eq!(report.language_detected, 5);
        let erasure = &report.signals[0];
        assert_eq!(erasure.signal, "erasure");
        assert_eq!((erasure.total.positives, erasure.total.found), (3, 2));
        assert_eq!(erasure.missed, ["3"], "action and object in different sentences");
        assert_eq!((erasure.total.lookalikes, erasure.total.lookalikes_fired), (2, 1));
        assert_eq!(erasure.lookalikes_fired, ["5"]);
        assert_eq!((erasure.total.fired, erasure.total.fired_correctly), (3, 2));
        assert_eq!(erasure.by_language["de"].recall(), Some(0.5));
        assert_eq!(report.signals[1].signal, "data_subject_request");
        assert_eq!(report.signals[1].total.positives, 3);
        assert!(report.to_text().contains("erasure missed: 3"));
    }

    #[test]
    fn a_class_without_a_signal_or_a_bad_line_is_an_error() {
        let pack = compile_source("t.toml", PACK).unwrap();
        let error = evaluate(&pack, r#"{"id":"1","lang":"en","labels":["counterfeit"],"text":"fake"}"#).unwrap_err();
        assert!(error.contains("no signal for the corpus classes counterfeit"), "{error}");
        let error = evaluate(&pack, "\n{\"id\": 1}").unwrap_err();
        assert!(error.starts_with("line 2:"), "{error}");
    }

    #[test]
    fn training_messages_keep_only_the_writers_own_lines() {
        let plain = compile_source("t.toml", PACK).unwrap();
        let mut messages =
            super::read_messages(r#"{"id":"1","lang":"en","labels":[],"text":"Thanks!\n> Please delete my data."}"#)
                .unwrap();
        let error = super::keep_own_words(&plain, &mut messages).unwrap_err();
        assert!(error.contains("no `own_words`"), "{error}");
        let with_own_words = PACK
            .replace(
                r#""customer.message" = { type = "text" }"#,
                r#""customer.message" = { type = "text", own_words = { reply_header = "keywords.wrote" } }"#,
            )
            .replace("[keywords.data]", "[keywords.wrote]\nen = [\"wrote\"]\n[keywords.data]");
        let pack = compile_source("t.toml", &with_own_words).unwrap();
        let corpus = [
            r#"{"id":"1","lang":"en","labels":[],"text":"Thanks!\n> Please delete my data."}"#,
            r#"{"id":"2","lang":"en","labels":[],"text":"Got it.\nOn Monday, Shop wrote:\nWe delete data after a year."}"#,
            r#"{"id":"3","lang":"en","labels":["erasure"],"text":"Please delete my data."}"#,
        ]
        .join("\n");
        let mut messages = super::read_messages(&corpus).unwrap();
        super::keep_own_words(&pack, &mut messages).unwrap();
        let texts: Vec<&str> = messages.iter().map(|message| message.text.as_str()).collect();
        assert_eq!(texts, ["Thanks!\n", "Got it.\n", "Please delete my data."]);
    }
}
