//! The checklist of a scored case: which items apply, which are done, which need data.

use super::{NotEvaluable, Pooled, Pools, RuleHit};
use crate::rules::RulePack;
use crate::rules::lang::Value;
use crate::rules::lang::eval::{Env, Trace, eval};

/// State of a checklist item for this case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChecklistStatus {
    /// The case data shows it is done (`done_when` is true).
    Done,
    /// It applies and is not done yet.
    Open,
    /// Whether it applies depends on facts the case lacks.
    NeedsData,
}

impl ChecklistStatus {
    /// `done`, `open`, `needs_data`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ChecklistStatus::Done => "done",
            ChecklistStatus::Open => "open",
            ChecklistStatus::NeedsData => "needs_data",
        }
    }
}

/// One checklist item of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChecklistEntry {
    /// Index into `RulePack::checklist`.
    pub item: usize,
    /// State.
    pub status: ChecklistStatus,
    /// Fired rules (indices into `RulePack::rules`, see `ScoreReport::indices`) that added it.
    pub added_by: Pooled,
    /// Not-evaluable rules that would add it if they fired (see `ScoreReport::indices`).
    pub may_be_added_by: Pooled,
    /// Its own `when` condition is true.
    pub applies_by_condition: bool,
    /// Facts that would decide `when` (for `NeedsData`) or `done_when` (for `Open`); see
    /// `ScoreReport::facts`.
    pub missing: Pooled,
}

pub(super) fn build(
    pack: &RulePack,
    env: &Env<'_>,
    hits: &[RuleHit],
    not_evaluable: &[NotEvaluable],
    trace: &mut Trace,
    pools: &mut Pools,
) -> Vec<ChecklistEntry> {
    let mut entries = Vec::new();
    let mut missing: Vec<u16> = Vec::new();
    // Which items fired or not-evaluable rules add, in one pass over the rules (scanning every
    // rule for every item dominated `assess` on the care pack).
    let mut fired_items = vec![false; pack.checklist.len()];
    let mut pending_items = vec![false; pack.checklist.len()];
    for hit in hits {
        for &item in &pack.rules[hit.rule].checklist {
            fired_items[item] = true;
        }
    }
    for entry in not_evaluable {
        for &item in &pack.rules[entry.rule].checklist {
            pending_items[item] = true;
        }
    }
    for (index, item) in pack.checklist.iter().enumerate() {
        let adds = |rule: usize| pack.rules[rule].checklist.contains(&index);
        let (fired, pending) = (fired_items[index], pending_items[index]);
        trace.clear();
        let applies = item.when.as_ref().map(|when| eval(&when.node, env, trace));
        let applies_by_condition = applies == Some(Value::Bool(true));
        if !fired && !applies_by_condition && applies != Some(Value::Unknown) && !pending {
            continue;
        }
        let added_by = if fired {
            pools.push_indices(hits.iter().filter(|hit| adds(hit.rule)).map(|hit| hit.rule))
        } else {
            Pooled::default()
        };
        let may_be_added_by = if pending {
            pools.push_indices(not_evaluable.iter().filter(|entry| adds(entry.rule)).map(|entry| entry.rule))
        } else {
            Pooled::default()
        };
        if !fired && !applies_by_condition {
            missing.clear();
            if applies == Some(Value::Unknown) {
                missing.extend_from_slice(&trace.missing);
            }
            for entry in not_evaluable.iter().filter(|entry| pending && adds(entry.rule)) {
                for &slot in pools.facts(entry.missing) {
                    if !missing.contains(&slot) {
                        missing.push(slot);
                    }
                }
            }
            let missing = pools.push_facts(&missing);
            entries.push(ChecklistEntry {
                item: index,
                status: ChecklistStatus::NeedsData,
                added_by,
                may_be_added_by,
                applies_by_condition,
                missing,
            });
            continue;
        }
        trace.clear();
        let done = item.done_when.as_ref().map(|done_when| eval(&done_when.node, env, trace));
        let status = if done == Some(Value::Bool(true)) { ChecklistStatus::Done } else { ChecklistStatus::Open };
        let missing = if done == Some(Value::Unknown) { pools.push_facts(&trace.missing) } else { Pooled::default() };
        entries.push(ChecklistEntry { item: index, status, added_by, may_be_added_by, applies_by_condition, missing });
    }
    entries
}
