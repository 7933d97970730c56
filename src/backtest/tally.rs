//! `backtest`: what it counts per scored case (score and amount by label, bands, per-rule
//! fires and unknowns), in tallies that merge across batches.

use super::Options;
use super::input::{BadRow, Row, RowReader};
use super::metrics::BacktestReport;
use super::stream::{BadRowTally, score_row, stream};
use crate::rules::{FactType, RulePack};
use std::io::BufRead;

/// The amount fact's slot, if the pack has one.
fn amount_slot(pack: &RulePack, requested: Option<&str>) -> Result<Option<(u16, String)>, String> {
    let find = |name: &str| pack.facts.iter().position(|fact| fact.name == name);
    if let Some(name) = requested {
        let slot = find(name).ok_or_else(|| format!("--amount: the pack has no fact `{name}`"))?;
        return Ok(Some((slot as u16, name.to_owned())));
    }
    let slot = find("order.total_eur").or_else(|| pack.facts.iter().position(|fact| fact.fact_type == FactType::Money));
    Ok(slot.map(|slot| (slot as u16, pack.facts[slot].name.clone())))
}

/// Label classes: fraud, not fraud, unlabelled.
fn class(label: Option<bool>) -> usize {
    match label {
        Some(true) => 0,
        Some(false) => 1,
        None => 2,
    }
}

/// Per-rule counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct RuleTally {
    pub(super) fired: u64,
    pub(super) fired_fraud: u64,
    pub(super) fired_legit: u64,
    pub(super) unknown: u64,
}

/// Everything a backtest counts; tallies of batches merge into one.
#[derive(Clone, Debug)]
pub(super) struct Tally {
    pub(super) cases: u64,
    /// Per score 0..=100, per label class: cases and amount in cents.
    pub(super) scores: Vec<[u64; 3]>,
    pub(super) amounts: Vec<[i64; 3]>,
    pub(super) bands: [u64; 4],
    pub(super) rules: Vec<RuleTally>,
    pub(super) rows_with_unknown_facts: u64,
    pub(super) bad_rows: BadRowTally,
}

impl Tally {
    fn new(rules: usize) -> Tally {
        Tally {
            cases: 0,
            scores: vec![[0; 3]; 101],
            amounts: vec![[0; 3]; 101],
            bands: [0; 4],
            rules: vec![RuleTally::default(); rules],
            rows_with_unknown_facts: 0,
            bad_rows: BadRowTally::default(),
        }
    }

    fn merge(mut self, other: Tally) -> Tally {
        self.cases += other.cases;
        for (mine, theirs) in self.scores.iter_mut().zip(&other.scores) {
            for class in 0..3 {
                mine[class] += theirs[class];
            }
        }
        for (mine, theirs) in self.amounts.iter_mut().zip(&other.amounts) {
            for class in 0..3 {
                mine[class] += theirs[class];
            }
        }
        for band in 0..4 {
            self.bands[band] += other.bands[band];
        }
        for (mine, theirs) in self.rules.iter_mut().zip(&other.rules) {
            mine.fired += theirs.fired;
            mine.fired_fraud += theirs.fired_fraud;
            mine.fired_legit += theirs.fired_legit;
            mine.unknown += theirs.unknown;
        }
        self.rows_with_unknown_facts += other.rows_with_unknown_facts;
        self.bad_rows.merge(other.bad_rows);
        self
    }
}

/// Backtests `pack` on the rows of `reader`.
///
/// # Errors
/// `--amount` names a fact the pack does not have.
pub fn backtest<R: BufRead>(
    pack: &RulePack,
    reader: &mut RowReader<R>,
    options: &Options,
    progress: &dyn Fn(u64),
) -> Result<BacktestReport, String> {
    let amount = amount_slot(pack, options.amount.as_deref())?;
    let slot = amount.as_ref().map(|(slot, _)| *slot);
    let rules = pack.rules.len();
    let handle = |tally: &mut Tally, row: Result<Row, BadRow>| match row {
        Err(bad) => tally.bad_rows.push(bad),
        Ok(row) => {
            let (report, cents, unknown_facts) = score_row(pack, slot, &row);
            let class = class(row.label);
            let score = report.score.clamp(0, 100) as usize;
            tally.cases += 1;
            tally.scores[score][class] += 1;
            tally.amounts[score][class] += cents.unwrap_or(0);
            tally.bands[report.band as usize] += 1;
            tally.rows_with_unknown_facts += u64::from(unknown_facts);
            for &rule in &report.fired {
                let counts = &mut tally.rules[rule];
                counts.fired += 1;
                match row.label {
                    Some(true) => counts.fired_fraud += 1,
                    Some(false) => counts.fired_legit += 1,
                    None => {}
                }
            }
            for &rule in &report.not_evaluable {
                tally.rules[rule].unknown += 1;
            }
        }
    };
    let tally = stream(
        reader,
        pack,
        &options.fields,
        &|| Tally::new(rules),
        &handle,
        &|left, right| left.merge(right),
        progress,
    );
    Ok(BacktestReport::from_tally(pack, tally, amount.map(|(_, name)| name)))
}
