//! The checklist of a scored case: which items apply, which are done, which need data.

use super::{NotEvaluable, RuleHit};
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
    /// Fired rules (indices into `RulePack::rules`) that added it.
    pub added_by: Vec<usize>,
    /// Not-evaluable rules that would add it if they fired.
    pub may_be_added_by: Vec<usize>,
    /// Its own `when` condition is true.
    pub applies_by_condition: bool,
    /// Facts that would decide `when` (for `NeedsData`) or `done_when` (for `Open`).
    pub missing: Vec<u16>,
}

pub(super) fn build(
    pack: &RulePack,
    env: &Env<'_>,
    hits: &[RuleHit],
    not_evaluable: &[NotEvaluable],
    trace: &mut Trace,
) -> Vec<ChecklistEntry> {
    let mut entries = Vec::new();
    for (index, item) in pack.checklist.iter().enumerate() {
        let added_by: Vec<usize> =
            hits.iter().filter(|hit| pack.rules[hit.rule].checklist.contains(&index)).map(|hit| hit.rule).collect();
        let pending: Vec<&NotEvaluable> =
            not_evaluable.iter().filter(|entry| pack.rules[entry.rule].checklist.contains(&index)).collect();
        let may_be_added_by: Vec<usize> = pending.iter().map(|entry| entry.rule).collect();
        trace.clear();
        let applies = item.when.as_ref().map(|when| eval(&when.node, env, trace));
        let applies_by_condition = applies == Some(Value::Bool(true));
        if added_by.is_empty() && !applies_by_condition {
            if applies == Some(Value::Unknown) || !pending.is_empty() {
                let mut missing = if applies == Some(Value::Unknown) { trace.missing.clone() } else { Vec::new() };
                for slot in pending.iter().flat_map(|entry| entry.missing.iter()) {
                    if !missing.contains(slot) {
                        missing.push(*slot);
                    }
                }
                entries.push(ChecklistEntry {
                    item: index,
                    status: ChecklistStatus::NeedsData,
                    added_by,
                    may_be_added_by,
                    applies_by_condition,
                    missing,
                });
            }
            continue;
        }
        trace.clear();
        let done = item.done_when.as_ref().map(|done_when| eval(&done_when.node, env, trace));
        let status = if done == Some(Value::Bool(true)) { ChecklistStatus::Done } else { ChecklistStatus::Open };
        let missing = if done == Some(Value::Unknown) { trace.missing.clone() } else { Vec::new() };
        entries.push(ChecklistEntry { item: index, status, added_by, may_be_added_by, applies_by_condition, missing });
    }
    entries
}
