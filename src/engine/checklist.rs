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
    // (item, rule) for every item a fired rule adds, and (item, position in `not_evaluable`) for
    // every item a not-evaluable rule would add, each sorted by item: one pass over the rules and
    // a cursor per item (scanning the rules for every item dominated `assess` on the care pack).
    let mut fired_pairs: Vec<(u32, u32)> = Vec::with_capacity(4 * hits.len());
    for hit in hits {
        fired_pairs.extend(pack.rules[hit.rule].checklist.iter().map(|&item| (item as u32, hit.rule as u32)));
    }
    let mut pending_pairs: Vec<(u32, u32)> = Vec::with_capacity(4 * not_evaluable.len());
    for (position, entry) in not_evaluable.iter().enumerate() {
        pending_pairs.extend(pack.rules[entry.rule].checklist.iter().map(|&item| (item as u32, position as u32)));
    }
    crate::value::pairs::sort_pairs(&mut fired_pairs);
    fired_pairs.dedup();
    crate::value::pairs::sort_pairs(&mut pending_pairs);
    pending_pairs.dedup();
    let (mut fired_cursor, mut pending_cursor) = (0, 0);
    for (index, item) in pack.checklist.iter().enumerate() {
        let take = |pairs: &[(u32, u32)], cursor: &mut usize| {
            let start = *cursor;
            while *cursor < pairs.len() && pairs[*cursor].0 as usize == index {
                *cursor += 1;
            }
            start..*cursor
        };
        let fired_range = take(&fired_pairs, &mut fired_cursor);
        let pending_range = take(&pending_pairs, &mut pending_cursor);
        let (fired, pending) = (!fired_range.is_empty(), !pending_range.is_empty());
        trace.clear();
        let applies = item.when.as_ref().map(|when| eval(&when.node, env, trace));
        let applies_by_condition = applies == Some(Value::Bool(true));
        if !fired && !applies_by_condition && applies != Some(Value::Unknown) && !pending {
            continue;
        }
        let added_by = if fired {
            pools.push_indices(fired_pairs[fired_range].iter().map(|&(_, rule)| rule as usize))
        } else {
            Pooled::default()
        };
        let pending_entries = &pending_pairs[pending_range];
        let may_be_added_by = if pending {
            pools.push_indices(pending_entries.iter().map(|&(_, position)| not_evaluable[position as usize].rule))
        } else {
            Pooled::default()
        };
        if !fired && !applies_by_condition {
            missing.clear();
            if applies == Some(Value::Unknown) {
                missing.extend_from_slice(&trace.missing);
            }
            for &(_, position) in pending_entries {
                for &slot in pools.facts(not_evaluable[position as usize].missing) {
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
