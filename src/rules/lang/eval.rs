//! Three-valued evaluation of typed nodes against case facts (Kleene logic, like SQL NULL).
//!
//! A missing or ill-typed fact is `Unknown`. `false and unknown = false`, `true or unknown = true`,
//! `not unknown = unknown`; any comparison or arithmetic with unknown is unknown, and so are
//! division by zero and overflow. `x is missing` / `x is present` are always known.
//! Evaluation is pure, allocation-free on the hot path, and cannot panic.

use super::check::{ArithOp, CompareOp, Node, TextOp};
use super::number::Decimal;
use super::text::word_starts;
use super::time::SECONDS_PER_DAY;
use crate::case::{CaseFacts, FactValue, TextValue};
use crate::rules::KeywordList;
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

/// A keyword that made `matches_any` true.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

/// The keywords of one list found in one fact.
#[derive(Clone, Debug)]
struct KeywordMemo {
    slot: u16,
    list: u16,
    terms: Vec<u32>,
}

impl Trace {
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
    /// The case.
    pub facts: &'a CaseFacts,
    /// The pack's keyword lists.
    pub keyword_lists: &'a [KeywordList],
    /// `risk.score` and `risk.band` (folded band name), once scoring is done.
    pub risk: Option<(i64, &'static str)>,
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

fn walk<'a, const TRACE: bool>(node: &'a Node, env: &Env<'a>, trace: &mut Trace) -> Value<'a> {
    match node {
        Node::Bool(value) => Value::Bool(*value),
        Node::Number(value) => Value::Number(*value),
        Node::Text(value) => Value::Text(value),
        Node::Date(days) => Value::Date(*days),
        Node::DateTime(seconds) => Value::DateTime(*seconds),
        Node::Fact(slot) => match env.facts.value(*slot) {
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
        Node::MatchesAny(operand, list_index) => {
            let Some(list) = env.keyword_lists.get(usize::from(*list_index)) else {
                return Value::Unknown;
            };
            if let Node::Fact(slot) = operand.as_ref() {
                // The same text is often matched against the same list by several rules,
                // checklist items and outcomes: match once per assessment, and read the matches
                // from the memo without copying them.
                let known = trace.keyword_memo.iter().position(|memo| memo.slot == *slot && memo.list == *list_index);
                let memo = match known {
                    Some(memo) => memo,
                    None => {
                        let mut terms: Vec<u32> = Vec::new();
                        match env.facts.value(*slot) {
                            Some(FactValue::Text(text)) => {
                                list.matcher.find_all(&text.folded, &text.word_starts, |term| terms.push(term));
                            }
                            Some(FactValue::List(items)) => {
                                for item in items {
                                    list.matcher.find_all(&item.folded, &item.word_starts, |term| terms.push(term));
                                }
                            }
                            Some(_) => return Value::Unknown,
                            None => {
                                record::<TRACE>(&mut trace.missing, *slot);
                                return Value::Unknown;
                            }
                        }
                        terms.sort_unstable();
                        terms.dedup();
                        trace.keyword_memo.push(KeywordMemo { slot: *slot, list: *list_index, terms });
                        trace.keyword_memo.len() - 1
                    }
                };
                record::<TRACE>(&mut trace.present, *slot);
                let Trace { keyword_memo, keyword_hits, .. } = trace;
                let terms = &keyword_memo[memo].terms;
                if TRACE {
                    record_hits(keyword_hits, *list_index, terms);
                }
                Value::Bool(!terms.is_empty())
            } else {
                let mut terms: Vec<u32> = Vec::new();
                match walk::<TRACE>(operand, env, trace) {
                    Value::Text(text) => list.matcher.find_all(text, &word_starts(text), |term| terms.push(term)),
                    Value::List(items) => {
                        for item in items {
                            list.matcher.find_all(&item.folded, &item.word_starts, |term| terms.push(term));
                        }
                    }
                    _ => return Value::Unknown,
                }
                terms.sort_unstable();
                terms.dedup();
                if TRACE {
                    record_hits(&mut trace.keyword_hits, *list_index, &terms);
                }
                Value::Bool(!terms.is_empty())
            }
        }
    }
}

/// Adds the keywords of a list that matched to the evidence, once each.
fn record_hits(hits: &mut Vec<KeywordHit>, list: u16, terms: &[u32]) {
    for &term in terms {
        let hit = KeywordHit { list, term };
        if !hits.contains(&hit) {
            hits.push(hit);
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
