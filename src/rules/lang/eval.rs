//! Three-valued evaluation of typed nodes against case facts (Kleene logic, like SQL NULL).
//!
//! A missing or ill-typed fact is `Unknown`. `false and unknown = false`, `true or unknown = true`,
//! `not unknown = unknown`; any comparison or arithmetic with unknown is unknown, and so are
//! division by zero and overflow. `x is missing` / `x is present` are always known.
//! Evaluation is pure, allocation-free on the hot path, and cannot panic.

use super::check::{ArithOp, CompareOp, Node, TextOp};
use crate::rules::{ALL_LANGUAGES, KeywordList, Language, LanguageMask, RulePack};
use crate::value::number::Decimal;
use crate::value::text::{sentence_of, sentence_starts, word_starts};
use crate::value::time::SECONDS_PER_DAY;
use crate::value::{FactValue, TextValue};
use std::cmp::Ordering;

/// A runtime value. Text is folded (see `text::fold`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// Not known: missing, null, ill-typed, or the result of an undefined operation.
    Unknown,
    /// Boolean.
    Bool(bool),
    /// Number (int, number and money alike).
    Number(Decimal),
    /// Folded text.
    Text(&'a str),
    /// Days since 1970-01-01.
    Date(i64),
    /// UTC seconds.
    DateTime(i64),
    /// List of texts.
    List(&'a [TextValue]),
}

/// A keyword that made `matches_any` (or `matches_near`) true.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeywordHit {
    /// Index of the keyword list in the pack.
    pub list: u16,
    /// Index of the keyword inside the list.
    pub term: u32,
}

/// What one evaluation touched; reused across rules to avoid allocation.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// Facts that were read and were unknown, in first-read order.
    pub missing: Vec<u16>,
    /// Facts that were read and known, in first-read order.
    pub present: Vec<u16>,
    /// Facts tested with `is missing` / `is present` and found missing.
    pub tested_missing: Vec<u16>,
    /// Keywords that matched.
    pub keyword_hits: Vec<KeywordHit>,
    /// An operation was undefined (division by zero, overflow).
    pub undefined: bool,
    /// Keyword matches already computed in this assessment (kept by `clear`).
    keyword_memo: Vec<KeywordMemo>,
    /// The language each text fact was read in, once detected (kept by `clear`).
    text_languages: Vec<(u16, LanguageMask)>,
}

/// The keywords of one list (or of a pair of lists, for `matches_near` / `matches_before`) found
/// in one fact.
#[derive(Clone, Debug)]
struct KeywordMemo {
    slot: u16,
    lists: KeywordQuery,
    hits: Vec<KeywordHit>,
}

/// What a keyword function looks for: a list's terms, or a term of `first` in one sentence with a
/// term of `second` — at most `window` words apart when that is not 0, and with `ordered`, the
/// `first` term before the `second` one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct KeywordQuery {
    first: u16,
    second: Option<u16>,
    window: u8,
    ordered: bool,
}

impl Trace {
    /// The text facts whose language was detected in this assessment, with the languages they
    /// were read in (`RulePack::languages` bits; all bits: none could be detected).
    #[must_use]
    pub fn text_languages(&self) -> &[(u16, LanguageMask)] {
        &self.text_languages
    }

    /// Empties the trace for the next condition, keeping its capacity and the keyword matches.
    pub fn clear(&mut self) {
        self.missing.clear();
        self.present.clear();
        self.tested_missing.clear();
        self.keyword_hits.clear();
        self.undefined = false;
    }
}

fn push_unique(list: &mut Vec<u16>, slot: u16) {
    if !list.contains(&slot) {
        list.push(slot);
    }
}

/// Everything an evaluation may read.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// The case's fact values by slot of the pack's fact schema (`case::CaseFacts` is one).
    pub facts: &'a [Option<FactValue>],
    /// The pack's keyword lists.
    pub keyword_lists: &'a [KeywordList],
    /// The pack's languages, detected in texts before keyword lists are applied to them.
    pub languages: &'a [Language],
    /// `risk.score` and `risk.band` (folded band name), once scoring is done.
    pub risk: Option<(i64, &'static str)>,
}

impl<'a> Env<'a> {
    /// A case against a pack, before scoring (no `risk.*`).
    #[must_use]
    pub fn new(pack: &'a RulePack, facts: &'a (impl AsRef<[Option<FactValue>]> + ?Sized)) -> Env<'a> {
        Env { facts: facts.as_ref(), keyword_lists: &pack.keyword_lists, languages: &pack.languages, risk: None }
    }
}

/// The languages a folded text is in: the pack language(s) with the most marker words; all
/// languages when the pack has none or no marker occurs (then every keyword applies).
#[must_use]
pub fn detect_languages(languages: &[Language], folded: &str, starts: &[u32]) -> LanguageMask {
    let (mut best, mut mask) = (0usize, ALL_LANGUAGES);
    for (index, language) in languages.iter().enumerate().take(LanguageMask::BITS as usize) {
        let mut count = 0usize;
        language.markers.find_all(folded, starts, |_, _| count += 1);
        if count > best {
            (best, mask) = (count, 1 << index);
        } else if count == best && count > 0 {
            mask |= 1 << index;
        }
    }
    mask
}

/// Evaluates `node`; records what it read in `trace` (facts read, missing facts, keywords hit).
pub fn eval<'a>(node: &'a Node, env: &Env<'a>, trace: &mut Trace) -> Value<'a> {
    walk::<true>(node, env, trace)
}

/// The same value as [`eval`] without recording evidence: `and` stops at a false side, `or` at a
/// true one, nothing is written to `trace` but keyword matches (memoised per assessment). For
/// callers that need the value only: `engine::score` (backtests) and deadline conditions. Tested
/// to agree with `eval` on every condition and fixture case, and on random expressions and cases.
/// (Asking it first and tracing only true or unknown conditions made the full `assess` slower on
/// the care pack's realistic cases, where most conditions are true or unknown.)
pub fn truth<'a>(node: &'a Node, env: &Env<'a>, trace: &mut Trace) -> Value<'a> {
    walk::<false>(node, env, trace)
}

/// `push_unique` when tracing.
fn record<const TRACE: bool>(list: &mut Vec<u16>, slot: u16) {
    if TRACE {
        push_unique(list, slot);
    }
}

#[allow(clippy::too_many_lines)] // one match over every `Node` variant: the evaluator's hot path, read whole
fn walk<'a, const TRACE: bool>(node: &'a Node, env: &Env<'a>, trace: &mut Trace) -> Value<'a> {
    match node {
        Node::Bool(value) => Value::Bool(*value),
        Node::Number(value) => Value::Number(*value),
        Node::Text(value) => Value::Text(value),
        Node::Date(days) => Value::Date(*days),
        Node::DateTime(seconds) => Value::DateTime(*seconds),
        Node::Fact(slot) => match env.facts.get(usize::from(*slot)).and_then(Option::as_ref) {
            Some(value) => {
                record::<TRACE>(&mut trace.present, *slot);
                match value {
                    FactValue::Bool(value) => Value::Bool(*value),
                    FactValue::Number(value) => Value::Number(*value),
                    FactValue::Text(text) => Value::Text(&text.folded),
                    FactValue::Date(days) => Value::Date(*days),
                    FactValue::DateTime(seconds) => Value::DateTime(*seconds),
                    FactValue::List(items) => Value::List(items),
                }
            }
            None => {
                record::<TRACE>(&mut trace.missing, *slot);
                Value::Unknown
            }
        },
        Node::RiskScore => env.risk.map_or(Value::Unknown, |(score, _)| Value::Number(Decimal::from_int(score))),
        Node::RiskBand => env.risk.map_or(Value::Unknown, |(_, band)| Value::Text(band)),
        Node::Not(operand) => match walk::<TRACE>(operand, env, trace) {
            Value::Bool(value) => Value::Bool(!value),
            _ => Value::Unknown,
        },
        Node::And(left, right) => {
            // When tracing, both sides are evaluated (no short-circuit) so evidence and missing
            // facts are complete.
            let left = walk::<TRACE>(left, env, trace);
            if !TRACE && left == Value::Bool(false) {
                return left;
            }
            match (left, walk::<TRACE>(right, env, trace)) {
                (Value::Bool(false), _) | (_, Value::Bool(false)) => Value::Bool(false),
                (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
                _ => Value::Unknown,
            }
        }
        Node::Or(left, right) => {
            let left = walk::<TRACE>(left, env, trace);
            if !TRACE && left == Value::Bool(true) {
                return left;
            }
            match (left, walk::<TRACE>(right, env, trace)) {
                (Value::Bool(true), _) | (_, Value::Bool(true)) => Value::Bool(true),
                (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
                _ => Value::Unknown,
            }
        }
        Node::Compare(operator, left, right) => {
            let left = walk::<TRACE>(left, env, trace);
            let right = walk::<TRACE>(right, env, trace);
            match compare(left, right) {
                Some(ordering) => Value::Bool(match operator {
                    CompareOp::Eq => ordering == Ordering::Equal,
                    CompareOp::Ne => ordering != Ordering::Equal,
                    CompareOp::Lt => ordering == Ordering::Less,
                    CompareOp::Le => ordering != Ordering::Greater,
                    CompareOp::Gt => ordering == Ordering::Greater,
                    CompareOp::Ge => ordering != Ordering::Less,
                }),
                None => Value::Unknown,
            }
        }
        Node::Arith(operator, left, right) => {
            let (Value::Number(left), Value::Number(right)) =
                (walk::<TRACE>(left, env, trace), walk::<TRACE>(right, env, trace))
            else {
                return Value::Unknown;
            };
            let result = match operator {
                ArithOp::Add => left.checked_add(right),
                ArithOp::Sub => left.checked_sub(right),
                ArithOp::Mul => left.checked_mul(right),
                ArithOp::Div => left.checked_div(right),
            };
            defined(result, trace)
        }
        Node::Neg(operand) => match walk::<TRACE>(operand, env, trace) {
            Value::Number(value) => defined(value.checked_neg(), trace),
            _ => Value::Unknown,
        },
        Node::InSet(value, set) => {
            let value = walk::<TRACE>(value, env, trace);
            if value == Value::Unknown {
                return Value::Unknown;
            }
            let mut scratch = Trace::default();
            let found =
                set.iter().any(|item| compare(value, walk::<TRACE>(item, env, &mut scratch)) == Some(Ordering::Equal));
            Value::Bool(found)
        }
        Node::TextOp(operator, left, right) => {
            match (walk::<TRACE>(left, env, trace), walk::<TRACE>(right, env, trace)) {
                (Value::Text(text), Value::Text(pattern)) => Value::Bool(match operator {
                    TextOp::Contains => text.contains(pattern),
                    TextOp::StartsWith => text.starts_with(pattern),
                    TextOp::EndsWith => text.ends_with(pattern),
                }),
                _ => Value::Unknown,
            }
        }
        Node::ListContains(list, item) => match (walk::<TRACE>(list, env, trace), walk::<TRACE>(item, env, trace)) {
            (Value::List(items), Value::Text(item)) => Value::Bool(items.iter().any(|element| element.folded == item)),
            _ => Value::Unknown,
        },
        Node::IsMissing(operand) | Node::IsPresent(operand) => {
            let missing_before = trace.missing.len();
            let undefined_before = trace.undefined;
            let is_missing = walk::<TRACE>(operand, env, trace) == Value::Unknown;
            // Absence is the answer here, not a reason for unknown: move those facts to evidence.
            for slot in trace.missing.drain(missing_before..).collect::<Vec<_>>() {
                push_unique(&mut trace.tested_missing, slot);
            }
            trace.undefined = undefined_before;
            Value::Bool(is_missing == matches!(node, Node::IsMissing(_)))
        }
        Node::Len(operand) => match walk::<TRACE>(operand, env, trace) {
            Value::List(items) => Value::Number(Decimal::from_int(items.len() as i64)),
            Value::Text(text) => Value::Number(Decimal::from_int(text.chars().count() as i64)),
            _ => Value::Unknown,
        },
        Node::DaysBetween(from, to) => {
            let (Some(from), Some(to)) =
                (seconds_of(walk::<TRACE>(from, env, trace)), seconds_of(walk::<TRACE>(to, env, trace)))
            else {
                return Value::Unknown;
            };
            let difference = Decimal::from_int(to - from);
            defined(difference.checked_div(Decimal::from_int(SECONDS_PER_DAY)), trace)
        }
        // A classifier is a keyword list with weights; `verdict` tells the two apart.
        Node::MatchesAny(operand, list) | Node::ReadsAs(operand, list) => {
            let query = KeywordQuery { first: *list, second: None, window: 0, ordered: false };
            keyword_match::<TRACE>(operand, query, env, trace)
        }
        Node::MatchesNear(operand, first, second, window) => {
            let query = KeywordQuery { first: *first, second: Some(*second), window: *window, ordered: false };
            keyword_match::<TRACE>(operand, query, env, trace)
        }
        Node::MatchesBefore(operand, first, second, window) => {
            let query = KeywordQuery { first: *first, second: Some(*second), window: *window, ordered: true };
            keyword_match::<TRACE>(operand, query, env, trace)
        }
    }
}

/// `matches_any(operand, keywords.first)` or, with a second list, `matches_near` /
/// `matches_before` (`KeywordQuery`). A text is matched only with the keywords of its language (and `any`);
/// list items with all keywords.
fn keyword_match<'a, const TRACE: bool>(
    operand: &'a Node,
    lists: KeywordQuery,
    env: &Env<'a>,
    trace: &mut Trace,
) -> Value<'a> {
    if [Some(lists.first), lists.second].into_iter().flatten().any(|list| usize::from(list) >= env.keyword_lists.len())
    {
        return Value::Unknown;
    }
    let Node::Fact(slot) = operand else {
        let mut hits = Vec::new();
        match walk::<TRACE>(operand, env, trace) {
            Value::Text(text) => {
                let starts = word_starts(text);
                let languages = detect_languages(env.languages, text, &starts);
                find_keywords(env, lists, text, &starts, languages, &mut hits);
            }
            Value::List(items) => {
                for item in items {
                    find_keywords(env, lists, &item.folded, &item.word_starts, ALL_LANGUAGES, &mut hits);
                }
            }
            _ => return Value::Unknown,
        }
        let hits = sorted_hits(hits);
        return verdict::<TRACE>(env, lists, &hits, &mut trace.keyword_hits);
    };
    // The same text is often matched against the same list by several rules, checklist items and
    // outcomes: match once per assessment, and read the matches from the memo without copying them.
    let known = trace.keyword_memo.iter().position(|memo| memo.slot == *slot && memo.lists == lists);
    let memo = match known {
        Some(memo) => memo,
        None => {
            let mut hits = Vec::new();
            match env.facts.get(usize::from(*slot)).and_then(Option::as_ref) {
                Some(FactValue::Text(text)) => {
                    let languages = text_languages(*slot, text, env, trace);
                    find_keywords(env, lists, &text.folded, &text.word_starts, languages, &mut hits);
                }
                Some(FactValue::List(items)) => {
                    for item in items {
                        find_keywords(env, lists, &item.folded, &item.word_starts, ALL_LANGUAGES, &mut hits);
                    }
                }
                Some(_) => return Value::Unknown,
                None => {
                    record::<TRACE>(&mut trace.missing, *slot);
                    return Value::Unknown;
                }
            }
            let hits = sorted_hits(hits);
            trace.keyword_memo.push(KeywordMemo { slot: *slot, lists, hits });
            trace.keyword_memo.len() - 1
        }
    };
    record::<TRACE>(&mut trace.present, *slot);
    let Trace { keyword_memo, keyword_hits, .. } = trace;
    verdict::<TRACE>(env, lists, &keyword_memo[memo].hits, keyword_hits)
}

/// How many of a classifier's terms an agent is shown: those that weighed most for the class.
const CLASSIFIER_EVIDENCE: usize = 6;

/// What the terms found mean: for a keyword list (or two), a match when any was found, all of them
/// recorded as evidence; for a classifier, whether its weighted terms reach its threshold, with the
/// terms that weighed most for the class as evidence.
fn verdict<'a, const TRACE: bool>(
    env: &Env<'a>,
    lists: KeywordQuery,
    hits: &[KeywordHit],
    keyword_hits: &mut Vec<KeywordHit>,
) -> Value<'a> {
    let Some(weights) = env.keyword_lists.get(usize::from(lists.first)).and_then(|list| list.classifier.as_ref())
    else {
        if TRACE {
            record_hits(keyword_hits, hits);
        }
        return Value::Bool(!hits.is_empty());
    };
    let reads = weights.reads(hits.iter().map(|hit| hit.term as usize));
    if TRACE && reads {
        // The strongest few by repeated selection: no sort code for one small list in the widget.
        let weight = |hit: &KeywordHit| weights.contribution(hit.term as usize);
        let mut shown = 0;
        let mut below = i64::MAX;
        while shown < CLASSIFIER_EVIDENCE {
            let Some(next) = hits.iter().filter(|hit| weight(hit) > 0 && weight(hit) < below).map(weight).max() else {
                break;
            };
            for hit in hits.iter().filter(|hit| weight(hit) == next) {
                if shown < CLASSIFIER_EVIDENCE && !keyword_hits.contains(hit) {
                    keyword_hits.push(*hit);
                    shown += 1;
                }
            }
            below = next;
        }
    }
    Value::Bool(reads)
}

/// The languages of a text fact, detected once per assessment.
fn text_languages(slot: u16, text: &TextValue, env: &Env<'_>, trace: &mut Trace) -> LanguageMask {
    if let Some(&(_, languages)) = trace.text_languages.iter().find(|(known, _)| *known == slot) {
        return languages;
    }
    let languages = detect_languages(env.languages, &text.folded, &text.word_starts);
    if !env.languages.is_empty() {
        trace.text_languages.push((slot, languages));
    }
    languages
}

/// Appends to `hits` the keywords that make the match true in one folded text: for one list,
/// every term found; for two, the terms of each found in a sentence that has a term of the other.
fn find_keywords(
    env: &Env<'_>,
    lists: KeywordQuery,
    folded: &str,
    starts: &[u32],
    languages: LanguageMask,
    hits: &mut Vec<(u32, u32)>,
) {
    let found = |list: u16| {
        let keyword_list = &env.keyword_lists[usize::from(list)];
        let mut found: Vec<(usize, u32)> = Vec::new();
        keyword_list.matcher.find_all(folded, starts, |term, start| {
            if keyword_list.term_languages.get(term as usize).is_none_or(|mask| mask & languages != 0) {
                found.push((start, term));
            }
        });
        found
    };
    let KeywordQuery { first, second: Some(second), window, ordered } = lists else {
        hits.extend(found(lists.first).into_iter().map(|(_, term)| (u32::from(lists.first), term)));
        return;
    };
    let (first_found, second_found) = (found(first), found(second));
    if first_found.is_empty() || second_found.is_empty() {
        return;
    }
    let sentences = sentence_starts(folded);
    // The word a term starts in (a `*`-open start may begin inside a word).
    let word = |start: usize| starts.partition_point(|&word_start| word_start as usize <= start);
    for &(first_start, first_term) in &first_found {
        let sentence = sentence_of(&sentences, first_start);
        for &(second_start, second_term) in &second_found {
            if second_start != first_start
                && (!ordered || first_start < second_start)
                && sentence_of(&sentences, second_start) == sentence
                && (window == 0 || word(first_start).abs_diff(word(second_start)) <= usize::from(window))
            {
                hits.push((u32::from(first), first_term));
                hits.push((u32::from(second), second_term));
            }
        }
    }
}

/// Keyword hits as `(list, term)` pairs, sorted and without repeats (`value::pairs`: no quicksort
/// in the widget's wasm).
fn sorted_hits(mut pairs: Vec<(u32, u32)>) -> Vec<KeywordHit> {
    crate::value::pairs::sort_pairs(&mut pairs);
    pairs.dedup();
    pairs.into_iter().map(|(list, term)| KeywordHit { list: list as u16, term }).collect()
}

/// Adds keywords that matched to the evidence, once each.
fn record_hits(hits: &mut Vec<KeywordHit>, found: &[KeywordHit]) {
    for hit in found {
        if !hits.contains(hit) {
            hits.push(*hit);
        }
    }
}

fn defined(result: Option<Decimal>, trace: &mut Trace) -> Value<'static> {
    if let Some(value) = result {
        Value::Number(value)
    } else {
        trace.undefined = true;
        Value::Unknown
    }
}

fn seconds_of(value: Value<'_>) -> Option<i64> {
    match value {
        Value::Date(days) => days.checked_mul(SECONDS_PER_DAY),
        Value::DateTime(seconds) => Some(seconds),
        _ => None,
    }
}

/// Orders two known values of compatible types; `None` when either is unknown or they are
/// incomparable.
fn compare(left: Value<'_>, right: Value<'_>) -> Option<Ordering> {
    match (left, right) {
        (Value::Number(left), Value::Number(right)) => Some(left.cmp(&right)),
        (Value::Text(left), Value::Text(right)) => Some(left.cmp(right)),
        (Value::Bool(left), Value::Bool(right)) => Some(left.cmp(&right)),
        (Value::Date(left), Value::Date(right)) => Some(left.cmp(&right)),
        (left, right) => Some(seconds_of(left)?.cmp(&seconds_of(right)?)),
    }
}
