//! Scores a case: `assess(&RulePack, &CaseFacts) -> ScoreReport`.
//!
//! Pure, deterministic and infallible: no I/O, no clock ("today" is the `now` fact), no
//! randomness, no panics. The score is the sum of the fired rules' points clamped to 0..=100; a
//! rule fires only when its condition is *true*; a rule whose condition is *unknown* is reported as
//! not evaluable with the facts whose absence made it so, and bounds the `score_range` the score
//! could still reach once those facts are known.

mod checklist;

pub use checklist::{ChecklistEntry, ChecklistStatus};

use crate::case::CaseFacts;
use crate::rules::lang::Value;
use crate::rules::lang::eval::{Env, KeywordHit, Trace, eval, truth};
use crate::rules::{Category, LanguageMask, RulePack};
use std::sync::Arc;

/// Lowest possible score.
pub const MIN_SCORE: i64 = 0;
/// Highest possible score.
pub const MAX_SCORE: i64 = 100;

pub use crate::rules::RiskBand;

/// A run of entries in one of the report's pools: fact slots (`ScoreReport::facts`) or rule and
/// checklist indices (`ScoreReport::indices`). One pool per report instead of one small vector per
/// entry keeps `assess` at a handful of allocations (see BENCHMARKS.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Pooled {
    start: u32,
    len: u32,
}

impl Pooled {
    /// Whether the run is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

/// The pools a report's `Pooled` runs point into.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Pools {
    facts: Vec<u16>,
    indices: Vec<u32>,
}

impl Pools {
    fn push_facts(&mut self, slots: &[u16]) -> Pooled {
        let start = self.facts.len() as u32;
        self.facts.extend_from_slice(slots);
        Pooled { start, len: slots.len() as u32 }
    }

    fn push_indices(&mut self, indices: impl IntoIterator<Item = usize>) -> Pooled {
        let start = self.indices.len() as u32;
        self.indices.extend(indices.into_iter().map(|index| index as u32));
        Pooled { start, len: self.indices.len() as u32 - start }
    }

    fn facts(&self, run: Pooled) -> &[u16] {
        self.facts.get(run.range()).unwrap_or(&[])
    }

    fn indices(&self, run: Pooled) -> &[u32] {
        self.indices.get(run.range()).unwrap_or(&[])
    }
}

/// Why a fired rule fired: what it read.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Evidence {
    /// Known facts the condition read (slots, see `ScoreReport::facts`), in reading order.
    pub facts: Pooled,
    /// Facts the condition tested with `is missing` and found missing.
    pub tested_missing: Pooled,
    /// Keywords that matched.
    pub keywords: Vec<KeywordHit>,
}

/// A rule that fired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleHit {
    /// Index into `RulePack::rules`.
    pub rule: usize,
    /// Points it added.
    pub points: i64,
    /// Why.
    pub evidence: Evidence,
}

/// A rule whose condition is unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotEvaluable {
    /// Index into `RulePack::rules`.
    pub rule: usize,
    /// Facts whose absence made it unknown (slots, see `ScoreReport::facts`).
    pub missing: Pooled,
    /// A computation was undefined (division by zero, overflow).
    pub undefined: bool,
}

/// Points per category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subscore {
    /// The category.
    pub category: Category,
    /// Sum of the category's fired points (unclamped).
    pub points: i64,
    /// Clamped to 0..=100.
    pub score: i64,
    /// Number of fired rules.
    pub fired: usize,
    /// Number of not-evaluable rules.
    pub not_evaluable: usize,
}

/// Whether an outcome needs a second person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecondApproval {
    /// The condition is true.
    Required,
    /// The condition is false.
    NotRequired,
    /// The condition is unknown; treated as required until the facts are known.
    RequiredUntilKnown {
        /// Facts that would decide it (see `ScoreReport::facts`).
        missing: Pooled,
    },
}

impl SecondApproval {
    /// Whether a second approval is needed now.
    #[must_use]
    pub fn is_required(&self) -> bool {
        !matches!(self, SecondApproval::NotRequired)
    }
}

/// What choosing an outcome requires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeRequirement {
    /// Index into `DecisionPolicy::outcomes`.
    pub outcome: usize,
    /// The four-eye rule for this case.
    pub second_approval: SecondApproval,
    /// Checklist items (indices into the pack's checklist, see `ScoreReport::indices`) that must be
    /// done first.
    pub open_items: Pooled,
    /// Required items that only may apply (data missing) and do not block (`blocks_while_unknown
    /// = false`): shown, not enforced.
    pub unsure_items: Pooled,
}

/// A deadline that applies to this case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueDate {
    /// Index into `RulePack::deadlines`.
    pub deadline: usize,
    /// The due date (days since 1970-01-01).
    pub due: i64,
    /// Whole days from `now` to the due date (negative when overdue); `None` without `now`.
    pub days_left: Option<i64>,
}

/// The result of scoring one case.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreReport {
    /// 0..=100.
    pub score: i64,
    /// Band of `score`.
    pub band: RiskBand,
    /// Sum of fired points before clamping.
    pub raw_points: i64,
    /// Lowest and highest score reachable once unknown facts are known.
    pub score_range: (i64, i64),
    /// Per category, in `Category::ALL` order.
    pub subscores: Vec<Subscore>,
    /// Fired rules, in pack order.
    pub hits: Vec<RuleHit>,
    /// Rules with unknown conditions, in pack order.
    pub not_evaluable: Vec<NotEvaluable>,
    /// Sum of |points| of rules that could be evaluated.
    pub evaluated_weight: i64,
    /// Sum of |points| of all rules.
    pub total_weight: i64,
    /// Checklist, in pack order.
    pub checklist: Vec<ChecklistEntry>,
    /// Deadlines that apply, with their due dates (days since 1970-01-01), in pack order.
    pub deadlines: Vec<DueDate>,
    /// Per outcome of the decision policy.
    pub outcomes: Vec<OutcomeRequirement>,
    /// Text facts whose language was detected to pick keywords, with the languages they were
    /// read in (`RulePack::languages` bits; all bits: no language recognised, all keywords applied).
    pub text_languages: Vec<(u16, LanguageMask)>,
    /// What the `Pooled` runs point into.
    pools: Pools,
    /// The pack's hash.
    pub pack_hash: Arc<str>,
    /// The case's hash.
    pub input_hash: Arc<str>,
}

impl ScoreReport {
    /// The fact slots of a run (missing facts, evidence).
    #[must_use]
    pub fn facts(&self, run: Pooled) -> &[u16] {
        self.pools.facts(run)
    }

    /// The rule or checklist indices of a run (`added_by`, `open_items`, ...).
    pub fn indices(&self, run: Pooled) -> impl Iterator<Item = usize> + '_ {
        self.pools.indices(run).iter().map(|&index| index as usize)
    }

    /// Share of rule weight that could be evaluated, 0.0..=1.0 (1.0 for a pack without rules).
    #[must_use]
    pub fn completeness(&self) -> f64 {
        if self.total_weight == 0 { 1.0 } else { self.evaluated_weight as f64 / self.total_weight as f64 }
    }
}

fn clamp_score(points: i64) -> i64 {
    points.clamp(MIN_SCORE, MAX_SCORE)
}

fn due_dates(pack: &RulePack, facts: &CaseFacts, env: &Env<'_>, trace: &mut Trace) -> Vec<DueDate> {
    use crate::value::FactValue;
    use crate::value::time::{SECONDS_PER_DAY, add_months};
    let day_of = |slot: u16| match facts.value(slot) {
        Some(FactValue::Date(days)) => Some(*days),
        Some(FactValue::DateTime(seconds)) => Some(seconds.div_euclid(SECONDS_PER_DAY)),
        _ => None,
    };
    let today = pack.fact_slot("now").and_then(day_of);
    let mut due_dates = Vec::new();
    for (index, deadline) in pack.deadlines.iter().enumerate() {
        trace.clear();
        // `eval`, not `truth`: the same value (tested), and the widget then carries one copy of
        // the evaluator instead of two (`truth` is `walk::<false>`: 0.8 KB gzip of the wasm).
        if eval(&deadline.when.node, env, trace) != Value::Bool(true) {
            continue;
        }
        if let Some(start) = day_of(deadline.from) {
            let due = add_months(start, deadline.months) + deadline.days;
            due_dates.push(DueDate { deadline: index, due, days_left: today.map(|today| due - today) });
        }
    }
    due_dates
}

/// The score alone, for backtests over millions of history rows: which rules fired and which
/// could not be evaluated, the score and the band — without evidence, checklist, deadlines or
/// outcomes. Gives the same score, band and rules as [`assess`] (tested on every fixture case).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scoring {
    /// 0..=100.
    pub score: i64,
    /// Band of the score.
    pub band: RiskBand,
    /// Indices of the rules that fired, in pack order.
    pub fired: Vec<usize>,
    /// Indices of the rules that could not be evaluated, in pack order.
    pub not_evaluable: Vec<usize>,
}

/// Scores a case without building the full report (see [`Scoring`]).
#[must_use]
pub fn score(pack: &RulePack, facts: &CaseFacts) -> Scoring {
    let mut trace = Trace::default();
    let env = Env::new(pack, facts);
    let (mut raw_points, mut fired, mut not_evaluable) = (0i64, Vec::new(), Vec::new());
    for (index, rule) in pack.rules.iter().enumerate() {
        trace.clear();
        match truth(&rule.when.node, &env, &mut trace) {
            Value::Bool(true) => {
                raw_points += rule.points;
                fired.push(index);
            }
            Value::Bool(false) => {}
            _ => not_evaluable.push(index),
        }
    }
    let score = clamp_score(raw_points);
    Scoring { score, band: RiskBand::from_score(score, &pack.bands), fired, not_evaluable }
}

/// Scores `facts` against `pack`.
#[must_use]
pub fn assess(pack: &RulePack, facts: &CaseFacts) -> ScoreReport {
    let mut trace = Trace::default();
    // Sized for a typical report up front: growing these vectors was ~10 % of `assess` (perf).
    let mut pools = Pools { facts: Vec::with_capacity(4 * pack.rules.len()), indices: Vec::with_capacity(64) };
    let env = Env::new(pack, facts);
    let mut hits = Vec::with_capacity(pack.rules.len() / 2);
    let mut not_evaluable = Vec::with_capacity(pack.rules.len() / 2);
    let mut subscores: Vec<Subscore> = Category::ALL
        .iter()
        .map(|&category| Subscore { category, points: 0, score: 0, fired: 0, not_evaluable: 0 })
        .collect();
    let (mut raw_points, mut unknown_negative, mut unknown_positive) = (0i64, 0i64, 0i64);
    let (mut evaluated_weight, mut total_weight) = (0i64, 0i64);
    for (index, rule) in pack.rules.iter().enumerate() {
        let subscore = &mut subscores[rule.category as usize];
        total_weight += rule.points.abs();
        trace.clear();
        match eval(&rule.when.node, &env, &mut trace) {
            Value::Bool(true) => {
                evaluated_weight += rule.points.abs();
                raw_points += rule.points;
                subscore.points += rule.points;
                subscore.fired += 1;
                hits.push(RuleHit {
                    rule: index,
                    points: rule.points,
                    evidence: Evidence {
                        facts: pools.push_facts(&trace.present),
                        tested_missing: pools.push_facts(&trace.tested_missing),
                        keywords: trace.keyword_hits.clone(),
                    },
                });
            }
            Value::Bool(false) => evaluated_weight += rule.points.abs(),
            _ => {
                if rule.points < 0 {
                    unknown_negative += rule.points;
                } else {
                    unknown_positive += rule.points;
                }
                subscore.not_evaluable += 1;
                not_evaluable.push(NotEvaluable {
                    rule: index,
                    missing: pools.push_facts(&trace.missing),
                    undefined: trace.undefined,
                });
            }
        }
    }
    for subscore in &mut subscores {
        subscore.score = clamp_score(subscore.points);
    }
    let score = clamp_score(raw_points);
    let band = RiskBand::from_score(score, &pack.bands);
    let late_env = Env { risk: Some((score, band.name())), ..env };
    let checklist = checklist::build(pack, &late_env, &hits, &not_evaluable, &mut trace, &mut pools);
    let deadlines = due_dates(pack, facts, &late_env, &mut trace);
    let outcomes = outcome_requirements(pack, &checklist, &late_env, &mut trace, &mut pools);
    ScoreReport {
        score,
        band,
        raw_points,
        score_range: (clamp_score(raw_points + unknown_negative), clamp_score(raw_points + unknown_positive)),
        subscores,
        hits,
        not_evaluable,
        evaluated_weight,
        total_weight,
        checklist,
        deadlines,
        outcomes,
        text_languages: trace.text_languages().to_vec(),
        pools,
        pack_hash: pack.hash.clone(),
        input_hash: facts.input_hash().clone(),
    }
}

/// What each outcome of the decision policy needs: a second approval (or not, or until facts are
/// known), and the required checklist items still open or unsure.
fn outcome_requirements<'a>(
    pack: &'a RulePack,
    checklist: &[ChecklistEntry],
    late_env: &Env<'a>,
    trace: &mut Trace,
    pools: &mut Pools,
) -> Vec<OutcomeRequirement> {
    // (outcome, item) for every checklist item that is not done and is required for an outcome,
    // sorted by outcome: one pass over the checklist instead of one per outcome. An item that only
    // may apply (data missing) blocks only if the pack says so; otherwise it is listed as unsure.
    // (u32 pairs, as in the checklist's pairs: one sort in the wasm instead of two.)
    let mut open_required: Vec<(u32, u32)> = Vec::new();
    let mut unsure_required: Vec<(u32, u32)> = Vec::new();
    for entry in checklist.iter().filter(|entry| entry.status != ChecklistStatus::Done) {
        let item = &pack.checklist[entry.item];
        let blocks = entry.status == ChecklistStatus::Open || item.blocks_while_unknown;
        for &outcome in &item.required_for {
            if blocks { &mut open_required } else { &mut unsure_required }.push((outcome as u32, entry.item as u32));
        }
    }
    crate::value::pairs::sort_pairs(&mut open_required);
    crate::value::pairs::sort_pairs(&mut unsure_required);
    let mut outcomes = Vec::with_capacity(pack.decision_policy.outcomes.len());
    let mut cursor = 0;
    for (index, outcome) in pack.decision_policy.outcomes.iter().enumerate() {
        trace.clear();
        let second_approval = match eval(&outcome.requires_second_approval.node, late_env, trace) {
            Value::Bool(true) => SecondApproval::Required,
            Value::Bool(false) => SecondApproval::NotRequired,
            _ => SecondApproval::RequiredUntilKnown { missing: pools.push_facts(&trace.missing) },
        };
        let start = cursor;
        while cursor < open_required.len() && open_required[cursor].0 as usize == index {
            cursor += 1;
        }
        let open_items = pools.push_indices(open_required[start..cursor].iter().map(|&(_, item)| item as usize));
        let unsure_items = pools.push_indices(
            unsure_required.iter().filter(|&&(outcome, _)| outcome as usize == index).map(|&(_, item)| item as usize),
        );
        outcomes.push(OutcomeRequirement { outcome: index, second_approval, open_items, unsure_items });
    }
    outcomes
}
