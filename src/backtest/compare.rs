//! `diff`: two packs on the same cases: band transitions, the cases that change band and why,
//! and the rules added, removed or changed.

use super::input::{BadRow, Fields, Row, RowReader};
use super::stream::{BadRowTally, BadRows, score_row, stream};
use super::{CHANGED_CASES_LISTED, PackInfo};
use crate::engine::{RiskBand, Scoring};
use crate::rules::RulePack;
use serde::Serialize;
use std::io::BufRead;

/// How a rule differs between the base pack and the new one.
#[derive(Clone, Debug, Serialize)]
pub struct RuleChange {
    /// Rule id.
    pub id: String,
    /// What changed, e.g. `points 20 -> 25`.
    pub changes: Vec<String>,
    /// Cases it fired on with the base pack.
    pub fired_base: u64,
    /// Cases it fires on with the new pack.
    pub fired_pack: u64,
}

/// A case whose band changes.
#[derive(Clone, Debug, Serialize)]
pub struct ChangedCase {
    /// Line in the file.
    pub line: u64,
    /// Case id, if the file has one.
    pub id: Option<String>,
    /// Score and band with the base pack.
    pub base: (i64, String),
    /// Score and band with the new pack.
    pub pack: (i64, String),
    /// Rules that fired only with the base pack.
    pub only_base: Vec<String>,
    /// Rules that fired only with the new pack.
    pub only_pack: Vec<String>,
}

/// A comparison of two packs on the same cases.
#[derive(Clone, Debug, Serialize)]
pub struct DiffReport {
    /// The base pack.
    pub base: PackInfo,
    /// The new pack.
    pub pack: PackInfo,
    /// Cases scored.
    pub cases: u64,
    /// Rows that could not be read.
    pub bad_rows: BadRows,
    /// Band names, the order of `transitions`' rows and columns.
    pub band_names: Vec<String>,
    /// `transitions[from][to]`: cases per base band and new band.
    pub transitions: Vec<Vec<u64>>,
    /// Cases whose band changes.
    pub changed: u64,
    /// Cases whose band goes up.
    pub raised: u64,
    /// Cases whose band goes down.
    pub lowered: u64,
    /// Cases whose score changes (band or not).
    pub score_changed: u64,
    /// Rules only in the new pack.
    pub rules_added: Vec<String>,
    /// Rules only in the base pack.
    pub rules_removed: Vec<String>,
    /// Rules in both whose points, condition or category differ.
    pub rules_changed: Vec<RuleChange>,
    /// The first changed cases by line.
    pub changed_cases: Vec<ChangedCase>,
}

#[derive(Clone, Debug)]
struct DiffTally {
    cases: u64,
    transitions: [[u64; 4]; 4],
    score_changed: u64,
    fired_base: Vec<u64>,
    fired_pack: Vec<u64>,
    changed_cases: Vec<ChangedCase>,
    bad_rows: BadRowTally,
}

impl DiffTally {
    fn new(base_rules: usize, pack_rules: usize) -> DiffTally {
        DiffTally {
            cases: 0,
            transitions: [[0; 4]; 4],
            score_changed: 0,
            fired_base: vec![0; base_rules],
            fired_pack: vec![0; pack_rules],
            changed_cases: Vec::new(),
            bad_rows: BadRowTally::default(),
        }
    }

    fn trim(&mut self) {
        self.changed_cases.sort_by_key(|case| case.line);
        self.changed_cases.truncate(CHANGED_CASES_LISTED);
    }

    fn merge(mut self, other: DiffTally) -> DiffTally {
        self.cases += other.cases;
        for from in 0..4 {
            for to in 0..4 {
                self.transitions[from][to] += other.transitions[from][to];
            }
        }
        self.score_changed += other.score_changed;
        for (mine, theirs) in self.fired_base.iter_mut().zip(&other.fired_base) {
            *mine += theirs;
        }
        for (mine, theirs) in self.fired_pack.iter_mut().zip(&other.fired_pack) {
            *mine += theirs;
        }
        self.changed_cases.extend(other.changed_cases);
        self.bad_rows.merge(other.bad_rows);
        self.trim();
        self
    }
}

/// Compares `base` and `pack` on the rows of `reader`.
pub fn diff<R: BufRead>(
    base: &RulePack,
    pack: &RulePack,
    reader: &mut RowReader<R>,
    fields: &Fields,
    progress: &dyn Fn(u64),
) -> DiffReport {
    let handle = |tally: &mut DiffTally, row: Result<Row, BadRow>| match row {
        Err(bad) => tally.bad_rows.push(bad),
        Ok(row) => {
            let (before, ..) = score_row(base, None, &row);
            let (after, ..) = score_row(pack, None, &row);
            tally.cases += 1;
            tally.transitions[before.band as usize][after.band as usize] += 1;
            tally.score_changed += u64::from(before.score != after.score);
            for &rule in &before.fired {
                tally.fired_base[rule] += 1;
            }
            for &rule in &after.fired {
                tally.fired_pack[rule] += 1;
            }
            if before.band != after.band {
                let ids = |scoring: &Scoring, rules: &RulePack| -> Vec<String> {
                    scoring.fired.iter().map(|&rule| rules.rules[rule].id.clone()).collect()
                };
                let (fired_before, fired_after) = (ids(&before, base), ids(&after, pack));
                tally.changed_cases.push(ChangedCase {
                    line: row.line,
                    id: row.id,
                    base: (before.score, before.band.name().to_owned()),
                    pack: (after.score, after.band.name().to_owned()),
                    only_base: fired_before.iter().filter(|id| !fired_after.contains(id)).cloned().collect(),
                    only_pack: fired_after.iter().filter(|id| !fired_before.contains(id)).cloned().collect(),
                });
                if tally.changed_cases.len() > CHANGED_CASES_LISTED * 2 {
                    tally.trim();
                }
            }
        }
    };
    let mut tally = stream(
        reader,
        pack,
        fields,
        &|| DiffTally::new(base.rules.len(), pack.rules.len()),
        &handle,
        &|left, right| left.merge(right),
        progress,
    );
    tally.trim();
    let mut rules_changed = Vec::new();
    let mut rules_removed = Vec::new();
    for (index, old) in base.rules.iter().enumerate() {
        let Some((new_index, new)) = pack.rules.iter().enumerate().find(|(_, rule)| rule.id == old.id) else {
            rules_removed.push(old.id.clone());
            continue;
        };
        let mut changes = Vec::new();
        if old.points != new.points {
            changes.push(format!("points {} -> {}", old.points, new.points));
        }
        if old.when.source != new.when.source {
            changes.push(format!("when `{}` -> `{}`", old.when.source, new.when.source));
        }
        if old.category != new.category {
            changes.push(format!("category {} -> {}", old.category.name(), new.category.name()));
        }
        let (fired_base, fired_pack) = (tally.fired_base[index], tally.fired_pack[new_index]);
        if changes.is_empty() && fired_base != fired_pack {
            changes.push("same rule, different inputs (a parameter, keyword list or fact changed)".to_owned());
        }
        if !changes.is_empty() {
            rules_changed.push(RuleChange { id: old.id.clone(), changes, fired_base, fired_pack });
        }
    }
    let rules_added = pack
        .rules
        .iter()
        .filter(|rule| !base.rules.iter().any(|old| old.id == rule.id))
        .map(|rule| rule.id.clone())
        .collect();
    let (mut raised, mut lowered) = (0, 0);
    for from in 0..4 {
        for to in 0..4 {
            if to > from {
                raised += tally.transitions[from][to];
            } else if to < from {
                lowered += tally.transitions[from][to];
            }
        }
    }
    DiffReport {
        base: PackInfo::of(base),
        pack: PackInfo::of(pack),
        cases: tally.cases,
        bad_rows: tally.bad_rows.finish(),
        band_names: RiskBand::ALL.iter().map(|band| band.name().to_owned()).collect(),
        transitions: tally.transitions.iter().map(|row| row.to_vec()).collect(),
        changed: raised + lowered,
        raised,
        lowered,
        score_changed: tally.score_changed,
        rules_added,
        rules_removed,
        rules_changed,
        changed_cases: tally.changed_cases,
    }
}
