//! Rule packs: the declarative rules, fact schema, checklist and decision policy, compiled from
//! TOML (`pkg-config/rules/*.toml`) into a validated `RulePack`.
//!
//! `compile_source` reports *every* problem of a pack at once (`RulePackErrors`), each with
//! file, line:col and a caret snippet. A compiled `RulePack` is always internally consistent:
//! every condition is type-checked, every reference resolves, ids are unique.

use serde::{Deserialize, Serialize};
mod compile;
pub mod diagnostic;
pub mod lang;
mod own_words;

pub use compile::{SCHEMA_VERSION, compile_source};
pub use diagnostic::{PackError, RulePackErrors};
pub use own_words::OwnWords;

use lang::Node;
use lang::keywords::KeywordMatcher;
use std::sync::Arc;

/// A text in several languages; English is always present.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocalText {
    /// `(language, text)` pairs; the first is English.
    pub translations: Vec<(String, String)>,
}

impl LocalText {
    /// The text in `language`, falling back to English.
    #[must_use]
    pub fn get(&self, language: &str) -> &str {
        self.translations
            .iter()
            .find(|(code, _)| code == language)
            .or_else(|| self.translations.first())
            .map_or("", |(_, text)| text.as_str())
    }
}

/// The type of a fact in the pack's schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum FactType {
    /// true / false.
    Bool,
    /// Whole number.
    Int,
    /// Decimal number.
    Number,
    /// Amount in EUR.
    Money,
    /// Free text.
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339.
    DateTime,
    /// One of these values.
    Enum(Vec<String>),
    /// List of text.
    List,
}

impl FactType {
    /// The name used in packs and messages.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            FactType::Bool => "bool",
            FactType::Int => "int",
            FactType::Number => "number",
            FactType::Money => "money",
            FactType::Text => "text",
            FactType::Date => "date",
            FactType::DateTime => "datetime",
            FactType::Enum(_) => "enum",
            FactType::List => "list",
        }
    }
}

/// One fact of the schema: a dotted name such as `order.total_eur` and its type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FactDef {
    /// Dotted name; in a case file, nested keys (`{"order": {"total_eur": 1}}`).
    pub name: String,
    /// Type.
    pub fact_type: FactType,
    /// What it means, shown next to missing facts.
    pub label: Option<LocalText>,
    /// For a text fact: how the lines that are not its writer's own words are found (`own_words`).
    pub own_words: Option<OwnWords>,
}

/// One keyword of a keyword list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeywordTerm {
    /// Language code (`en`, `de`, ...; `any`); empty for a classifier's terms. Shared: a pack read
    /// by the widget keeps one copy per language for its ten thousand terms (BENCHMARKS.md, memory).
    pub language: std::sync::Arc<str>,
    /// As authored.
    pub keyword: String,
}

/// A named keyword list used by `matches_any(text, keywords.NAME)` and `matches_near`, or the
/// terms of a classifier (`[classifiers.NAME]`, used by `reads_as(text, classifiers.NAME)`), which
/// also carries their weights.
///
/// In a compiled pack the matcher is not stored (it is rebuilt from the terms when the pack is
/// read), and a classifier's terms are one string of `term<TAB>weight<TAB>rarity` lines: a
/// classifier has thousands of terms, and the widget fetches and parses every byte.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "KeywordListFile")]
pub struct KeywordList {
    /// Name after `keywords.`.
    pub name: String,
    /// All keywords of all languages (empty for a classifier: its terms are its patterns).
    pub terms: Vec<KeywordTerm>,
    /// The terms compiled for matching (pattern `i` is term `i`).
    pub matcher: KeywordMatcher,
    /// Per term, the pack languages it applies to (bit `i` = `RulePack::languages[i]`): its own
    /// language, or all for `any` terms and for packs without `[languages]`.
    pub term_languages: Vec<LanguageMask>,
    /// For a classifier: the weight of each term; `None` for a keyword list.
    pub classifier: Option<ClassifierWeights>,
}

impl KeywordList {
    /// How term `index` is shown to people: as authored for a keyword list; for a classifier, as
    /// its pattern (`lösch*`, `meine daten`).
    #[must_use]
    pub fn term_text(&self, index: usize) -> Option<String> {
        match &self.classifier {
            Some(_) => self.matcher.pattern(index).as_ref().map(lang::keywords::KeywordPattern::text),
            None => self.terms.get(index).map(|term| term.keyword.clone()),
        }
    }
}

/// A keyword list as a compiled pack stores it.
#[derive(Serialize)]
pub(crate) struct KeywordListFile {
    pub(crate) name: String,
    pub(crate) terms: Vec<KeywordTerm>,
    pub(crate) term_languages: Vec<LanguageMask>,
    pub(crate) classifier: Option<ClassifierFile>,
}

/// A classifier as a compiled pack stores it: `term<TAB>weight<TAB>rarity` lines, in ten-thousandths.
#[derive(Serialize)]
pub(crate) struct ClassifierFile {
    pub(crate) bias: i32,
    pub(crate) cutoff: i32,
    pub(crate) terms: String,
}

impl TryFrom<KeywordListFile> for KeywordList {
    type Error = String;

    fn try_from(file: KeywordListFile) -> Result<KeywordList, String> {
        let mut patterns: Vec<lang::keywords::KeywordPattern>;
        let mut classifier = None;
        if let Some(compact) = file.classifier {
            // Sized up front: a classifier has thousands of terms, and vectors grown by doubling
            // would leave their slack in the widget's memory for good. Its terms live only as
            // patterns (`term_text` shows them), not a second time as authored keywords.
            let count = compact.terms.lines().count();
            patterns = Vec::with_capacity(count);
            let (mut weights, mut idf) = (Vec::with_capacity(count), Vec::with_capacity(count));
            for (number, line) in compact.terms.lines().enumerate() {
                let mut columns = line.split('\t');
                let (Some(Some(pattern)), Some(Ok(weight)), Some(Ok(rarity)), None) = (
                    columns.next().map(lang::keywords::KeywordPattern::new),
                    columns.next().map(str::parse::<i32>),
                    columns.next().map(str::parse::<i32>),
                    columns.next(),
                ) else {
                    return Err(format!("classifier `{}`: term line {} does not read", file.name, number + 1));
                };
                patterns.push(pattern);
                weights.push(weight);
                idf.push(rarity);
            }
            classifier = Some(ClassifierWeights { weights, idf, bias: compact.bias, cutoff: compact.cutoff });
        } else {
            // A term without a pattern leaves the two counts unequal, which `check_references`
            // reports when the pack is read.
            patterns = Vec::with_capacity(file.terms.len());
            patterns.extend(file.terms.iter().filter_map(|term| lang::keywords::KeywordPattern::new(&term.keyword)));
        }
        Ok(KeywordList {
            name: file.name,
            terms: file.terms,
            matcher: KeywordMatcher::new(patterns),
            term_languages: file.term_languages,
            classifier,
        })
    }
}

impl From<KeywordList> for KeywordListFile {
    fn from(list: KeywordList) -> KeywordListFile {
        match &list.classifier {
            Some(weights) => {
                let mut lines = String::new();
                for index in 0..list.matcher.len() {
                    lines.push_str(
                        &list
                            .matcher
                            .pattern(index)
                            .as_ref()
                            .map(lang::keywords::KeywordPattern::text)
                            .unwrap_or_default(),
                    );
                    lines.push('\t');
                    lines.push_str(&weights.weights.get(index).copied().unwrap_or(0).to_string());
                    lines.push('\t');
                    lines.push_str(&weights.rarity(index).to_string());
                    lines.push('\n');
                }
                KeywordListFile {
                    name: list.name,
                    terms: Vec::new(),
                    term_languages: Vec::new(),
                    classifier: Some(ClassifierFile { bias: weights.bias, cutoff: weights.cutoff, terms: lines }),
                }
            }
            None => KeywordListFile {
                name: list.name,
                terms: list.terms,
                term_languages: list.term_languages,
                classifier: None,
            },
        }
    }
}

/// A linear classifier over the terms of its keyword list (logistic regression, trained by
/// `riskpane train` on a labelled corpus). Each distinct term found in a text counts with its
/// rarity (`idf`: rarer terms say more), the text's vector scaled to length one; the text reads as
/// the class when `bias + sum(weight * idf) / sqrt(sum(idf²))` reaches `cutoff`, the logit of the
/// pack's probability threshold. Terms are words, word starts (`lösch*`) and word pairs, so the
/// evidence an agent sees is still the words that weighed most. Numbers are whole
/// ten-thousandths, so the widget reads them without float parsing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClassifierWeights {
    /// Per term of the list, its weight (ten-thousandths).
    pub weights: Vec<i32>,
    /// Per term of the list, its rarity in the training messages (ten-thousandths; 1.0 when empty).
    pub idf: Vec<i32>,
    /// The score of a text with no term (ten-thousandths).
    pub bias: i32,
    /// The score from which a text reads as the class: the logit of the threshold probability
    /// (ten-thousandths; 0 for a threshold of 0.5).
    pub cutoff: i32,
}

impl ClassifierWeights {
    /// Ten-thousandths per unit.
    pub const SCALE: f64 = 10_000.0;

    /// A number as whole ten-thousandths; `None` when it is out of range (100,000 or more).
    #[must_use]
    pub fn scaled(number: f64) -> Option<i32> {
        let scaled = (number * Self::SCALE).round();
        #[allow(clippy::cast_possible_truncation)] // range checked
        (scaled.abs() < 1e9).then_some(scaled as i32)
    }

    /// The cutoff for a probability threshold in (0, 1): its logit, in ten-thousandths.
    #[must_use]
    pub fn cutoff_for(threshold: f64) -> i32 {
        Self::scaled((threshold / (1.0 - threshold)).ln()).unwrap_or(0)
    }

    /// A term's rarity (ten-thousandths).
    #[must_use]
    pub fn rarity(&self, term: usize) -> i32 {
        self.idf.get(term).copied().unwrap_or(10_000)
    }

    /// How much a term weighs for the class when found: weight times rarity.
    #[must_use]
    pub fn contribution(&self, term: usize) -> i64 {
        i64::from(self.weights.get(term).copied().unwrap_or(0)) * i64::from(self.rarity(term))
    }

    /// Whether a text with these distinct terms (indices into `weights`) reads as the class.
    #[must_use]
    pub fn reads(&self, terms: impl Iterator<Item = usize>) -> bool {
        let (mut sum, mut length) = (0.0f64, 0.0f64);
        for term in terms {
            let rarity = f64::from(self.rarity(term));
            sum += f64::from(self.weights.get(term).copied().unwrap_or(0)) * rarity;
            length += rarity * rarity;
        }
        let margin = f64::from(self.bias) - f64::from(self.cutoff);
        // bias + sum / sqrt(length) >= cutoff, multiplied by sqrt(length) > 0.
        if length > 0.0 { margin * length.sqrt() + sum >= 0.0 } else { margin >= 0.0 }
    }
}

/// A set of the pack's languages, one bit per `RulePack::languages` entry.
pub type LanguageMask = u32;

/// Every language (and what a text is read as when no language could be detected).
pub const ALL_LANGUAGES: LanguageMask = LanguageMask::MAX;

/// A language the pack detects in case texts, by its marker words (frequent function words).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Language {
    /// Two-letter code, as used by keyword lists.
    pub code: String,
    /// Marker words: the language with the most markers in a text is the text's language.
    pub markers: KeywordMatcher,
}

/// A named condition (`[signals.NAME]`): what a text or a case shows, such as an erasure request.
/// Conditions use it as `signals.NAME`; `riskpane evaluate` measures it on a labelled corpus.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Signal {
    /// Name after `signals.`.
    pub name: String,
    /// What it means.
    pub label: Option<LocalText>,
    /// The condition (already inlined wherever it is used).
    pub when: Condition,
}

/// What kind of risk a rule is about; each has its own subscore.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Category {
    /// Fraud and abuse.
    Fraud,
    /// Data protection.
    Privacy,
    /// Brand and public channels.
    Brand,
    /// Quality of earlier tiers' handling.
    Quality,
}

impl Category {
    /// All categories, in report order.
    pub const ALL: [Category; 4] = [Category::Fraud, Category::Privacy, Category::Brand, Category::Quality];

    /// The name used in packs and reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Category::Fraud => "fraud",
            Category::Privacy => "privacy",
            Category::Brand => "brand",
            Category::Quality => "quality",
        }
    }
}

/// A condition that may be a constant (`true` / `false` in TOML) or a rule-language expression.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Condition {
    /// The source text (`"true"`/`"false"` for constants).
    pub source: String,
    /// The typed expression.
    pub node: Node,
}

/// One rule: when its condition is true, it adds `points` and checklist items.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rule {
    /// Stable id such as `INR-001`.
    pub id: String,
    /// Category.
    pub category: Category,
    /// Short title.
    pub title: LocalText,
    /// Why this is risky.
    pub rationale: LocalText,
    /// Where the rationale comes from (URL).
    pub source: String,
    /// Points added when it fires (may be negative for mitigating signals).
    pub points: i64,
    /// When it fires.
    pub when: Condition,
    /// Checklist items (indices into `RulePack::checklist`) it adds.
    pub checklist: Vec<usize>,
}

/// Score thresholds of the bands: `low` below `medium`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BandThresholds {
    /// Lowest score that is `medium`.
    pub medium: i64,
    /// Lowest score that is `high`.
    pub high: i64,
    /// Lowest score that is `critical`.
    pub critical: i64,
}

/// How risky a case is, from the pack's band thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RiskBand {
    /// Below `medium`.
    Low,
    /// From `medium`.
    Medium,
    /// From `high`.
    High,
    /// From `critical`.
    Critical,
}

impl RiskBand {
    /// The band of a score.
    #[must_use]
    pub fn from_score(score: i64, thresholds: &BandThresholds) -> RiskBand {
        if score >= thresholds.critical {
            RiskBand::Critical
        } else if score >= thresholds.high {
            RiskBand::High
        } else if score >= thresholds.medium {
            RiskBand::Medium
        } else {
            RiskBand::Low
        }
    }

    /// Every band, lowest first: in declaration order, so `band as usize` indexes it (and per-band tallies).
    pub const ALL: [RiskBand; 4] = [RiskBand::Low, RiskBand::Medium, RiskBand::High, RiskBand::Critical];

    /// The band a name (`low`, `medium`, `high`, `critical`) stands for.
    #[must_use]
    pub fn from_name(name: &str) -> Option<RiskBand> {
        RiskBand::ALL.into_iter().find(|band| band.name() == name)
    }

    /// `low`, `medium`, `high`, `critical`: the one place band names are spelled (reports, the
    /// rule language's `risk.band`, band overrides).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            RiskBand::Low => "low",
            RiskBand::Medium => "medium",
            RiskBand::High => "high",
            RiskBand::Critical => "critical",
        }
    }
}

/// A checklist item the agent must work through.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChecklistItem {
    /// Stable id.
    pub id: String,
    /// What to do.
    pub text: LocalText,
    /// When it applies on its own (besides being added by a fired rule).
    pub when: Option<Condition>,
    /// When the case data shows it is already done.
    pub done_when: Option<Condition>,
    /// Outcomes (indices into `DecisionPolicy::outcomes`) that may only be chosen once it is done.
    pub required_for: Vec<usize>,
    /// Whether it blocks those outcomes while it only *may* apply (whether it applies depends on
    /// missing facts). `false`: it is shown as "may apply" but does not block.
    pub blocks_while_unknown: bool,
}

/// A reason code an outcome may be given with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReasonCode {
    /// Code such as `POD_CONFIRMED`.
    pub code: String,
    /// Label.
    pub label: LocalText,
}

/// Who confirms or rejects an outcome's decision under the four-eye rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckerRole {
    /// A risk mitigation expert (the default).
    #[default]
    Expert,
    /// Communications: approves what is said in public (replies on social media, review sites).
    Communications,
}

impl CheckerRole {
    /// The pack's and the decision record's name of the role.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            CheckerRole::Expert => "expert",
            CheckerRole::Communications => "communications",
        }
    }

    /// Whether this is the default (serde skips it in records).
    #[must_use]
    pub fn is_expert(&self) -> bool {
        *self == CheckerRole::Expert
    }
}

/// A decision outcome and its four-eye condition.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// Id such as `approve_refund`.
    pub id: String,
    /// Label.
    pub label: LocalText,
    /// Allowed reason codes (indices into `DecisionPolicy::reason_codes`).
    pub reason_codes: Vec<usize>,
    /// When a second, different person must confirm (the four-eye rule).
    pub requires_second_approval: Condition,
    /// Which role that second person must hold.
    pub confirmed_by: CheckerRole,
    /// Whether the decision carries a text to publish (a public reply), which the checker sees.
    pub reply_text: bool,
}

/// Allowed outcomes and reason codes.
#[derive(Clone, Debug, PartialEq, Default, Serialize)]
pub struct DecisionPolicy {
    /// Outcomes.
    pub outcomes: Vec<Outcome>,
    /// Reason codes.
    pub reason_codes: Vec<ReasonCode>,
}

impl DecisionPolicy {
    /// Outcome `id` and its index.
    #[must_use]
    pub fn outcome(&self, id: &str) -> Option<(usize, &Outcome)> {
        self.outcomes.iter().enumerate().find(|(_, outcome)| outcome.id == id)
    }

    /// The label of outcome `id` in `language`; the id itself for an outcome the pack does not have
    /// (a decision recorded under another pack version).
    #[must_use]
    pub fn outcome_label<'a>(&'a self, id: &'a str, language: &str) -> &'a str {
        self.outcome(id).map_or(id, |(_, outcome)| outcome.label.get(language))
    }

    /// The reason codes an outcome offers, in the pack's order (none for an unknown outcome).
    pub fn reason_codes_of(&self, outcome_id: &str) -> impl Iterator<Item = &ReasonCode> {
        let indices = self.outcome(outcome_id).map(|(_, outcome)| outcome.reason_codes.as_slice()).unwrap_or_default();
        indices.iter().filter_map(|&index| self.reason_codes.get(index))
    }
}

/// A named number a pack's conditions use as `params.NAME`: thresholds that need business sign-off
/// live here, not as constants hidden in conditions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Param {
    /// Name after `params.`.
    pub name: String,
    /// Value.
    pub value: crate::value::Decimal,
    /// What it means and where it comes from.
    pub description: Option<String>,
}

/// A date the agent must meet, shown when its condition is true: `from` (a date or datetime
/// fact) plus whole months and days, e.g. the GDPR Art. 12(3) answer deadline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Deadline {
    /// Stable id.
    pub id: String,
    /// What is due.
    pub label: LocalText,
    /// When the deadline applies.
    pub when: Condition,
    /// Slot of the date or datetime fact the deadline counts from.
    pub from: u16,
    /// Calendar months to add (same date next month, or the month's last day).
    pub months: u32,
    /// Days to add after the months.
    pub days: i64,
}

/// A compiled, validated rule pack.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RulePack {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: String,
    /// Title.
    pub title: Option<LocalText>,
    /// Fact schema; a fact's index is its slot.
    pub facts: Vec<FactDef>,
    /// Named thresholds.
    pub params: Vec<Param>,
    /// Keyword lists.
    pub keyword_lists: Vec<KeywordList>,
    /// Languages detected in case texts (`[languages]`); empty: keyword lists apply to any text.
    pub languages: Vec<Language>,
    /// Named conditions (`[signals.NAME]`).
    pub signals: Vec<Signal>,
    /// Rules.
    pub rules: Vec<Rule>,
    /// Band thresholds.
    pub bands: BandThresholds,
    /// Checklist items.
    pub checklist: Vec<ChecklistItem>,
    /// Deadlines.
    pub deadlines: Vec<Deadline>,
    /// Decision policy.
    pub decision_policy: DecisionPolicy,
    /// SHA-256 (hex) of the pack's canonical form.
    pub hash: Arc<str>,
}

impl RulePack {
    /// How a fact is named to people: its label in `language`, else its dotted name.
    #[must_use]
    pub fn fact_label(&self, slot: u16, language: &str) -> &str {
        let fact = &self.facts[usize::from(slot)];
        fact.label.as_ref().map_or(fact.name.as_str(), |label| label.get(language))
    }

    /// The codes of the languages in `mask`; empty when it is every language (none detected).
    #[must_use]
    pub fn language_codes(&self, mask: LanguageMask) -> Vec<&str> {
        if mask == ALL_LANGUAGES {
            return Vec::new();
        }
        self.languages
            .iter()
            .enumerate()
            .filter(|(index, _)| mask & (1 << index) != 0)
            .map(|(_, language)| language.code.as_str())
            .collect()
    }

    /// The slot of a fact by name.
    #[must_use]
    pub fn fact_slot(&self, name: &str) -> Option<u16> {
        self.facts.iter().position(|fact| fact.name == name).map(|slot| slot as u16)
    }

    /// Type-checks one expression against this pack's schema (for `riskpane eval`).
    ///
    /// # Errors
    /// Syntax and type errors of the expression, with spans into `source`.
    pub fn compile_expression(&self, source: &str) -> Result<(Node, lang::Type), Vec<lang::LangError>> {
        let scope = lang::check::Scope {
            facts: &self.facts,
            keyword_lists: &self.keyword_lists,
            allow_risk: false,
            invalid_facts: &[],
            params: &self.params,
            signals: &self.signals,
        };
        lang::check::compile(source, &scope)
    }
}
