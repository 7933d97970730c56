//! The rule authors' workbench: backtest a rule pack on historical cases (score distribution,
//! bands, per-rule fire rate, precision and unknown-fact rate, precision / recall / F1 and money
//! at stake at each band threshold) and compare two packs on the same cases (which cases change
//! band, and why). Cases stream through in batches scored on all cores (`rayon`); memory does not
//! grow with the file. Native only: the widget never carries this.

pub mod corpus;
pub mod html;
pub mod input;
pub mod synth;
pub mod text;
pub mod train;

use crate::CaseFacts;
use crate::engine::{RiskBand, Scoring};
use crate::rules::{FactType, RulePack};
use input::{BadRow, Fields, RawRow, Row, RowReader};
use rayon::prelude::*;
use serde::Serialize;
use std::io::BufRead;

/// Bad rows listed by line number in a report (all are counted).
pub const BAD_ROWS_LISTED: usize = 25;
/// Cases listed in a diff (all are counted).
pub const CHANGED_CASES_LISTED: usize = 50;
/// In declaration order, so `band as usize` indexes it (and the tallies).
const BANDS: [RiskBand; 4] = [RiskBand::Low, RiskBand::Medium, RiskBand::High, RiskBand::Critical];

/// What to read besides facts, and the money fact.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Label, id and column mapping.
    pub fields: Fields,
    /// Money fact summed as "money at stake" (default: `order.total_eur`, else the pack's first
    /// money fact).
    pub amount: Option<String>,
}

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

/// Bad rows: all counted, the first ones by line number kept.
#[derive(Clone, Debug, Default)]
struct BadRowTally {
    count: u64,
    examples: Vec<BadRow>,
}

impl BadRowTally {
    fn push(&mut self, bad: BadRow) {
        self.count += 1;
        self.examples.push(bad);
        if self.examples.len() > BAD_ROWS_LISTED * 2 {
            self.trim();
        }
    }

    fn trim(&mut self) {
        self.examples.sort_by_key(|bad| bad.line);
        self.examples.truncate(BAD_ROWS_LISTED);
    }

    fn merge(&mut self, other: BadRowTally) {
        self.count += other.count;
        self.examples.extend(other.examples);
        self.trim();
    }

    fn finish(mut self) -> BadRows {
        self.trim();
        BadRows { count: self.count, examples: self.examples }
    }
}

/// Per-rule counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct RuleTally {
    fired: u64,
    fired_fraud: u64,
    fired_legit: u64,
    unknown: u64,
}

/// Everything a backtest counts; tallies of batches merge into one.
#[derive(Clone, Debug)]
struct Tally {
    cases: u64,
    /// Per score 0..=100, per label class: cases and amount in cents.
    scores: Vec<[u64; 3]>,
    amounts: Vec<[i64; 3]>,
    bands: [u64; 4],
    rules: Vec<RuleTally>,
    rows_with_unknown_facts: u64,
    bad_rows: BadRowTally,
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

/// Scores one row against a pack: the scoring, the amount in cents, whether a value was unusable.
fn score_row(pack: &RulePack, amount: Option<u16>, row: &Row) -> (Scoring, Option<i64>, bool) {
    let (facts, issues) = CaseFacts::from_json_unhashed(pack, &row.case);
    let cents = amount.and_then(|slot| match facts.value(slot) {
        Some(crate::value::FactValue::Number(value)) => value.to_cents(),
        _ => None,
    });
    (crate::engine::score(pack, &facts), cents, !issues.is_empty())
}

/// Reads every batch from `reader`, parses and handles each row on all cores, and merges what
/// `handle` returns. `progress` is told the bytes read after each batch.
fn stream<R, T>(
    reader: &mut RowReader<R>,
    pack: &RulePack,
    fields: &Fields,
    empty: &(dyn Fn() -> T + Sync),
    handle: &(dyn Fn(&mut T, Result<Row, BadRow>) + Sync),
    merge: &(dyn Fn(T, T) -> T + Sync),
    progress: &dyn Fn(u64),
) -> T
where
    R: BufRead,
    T: Send,
{
    let header = reader.header().to_vec();
    let mut total = empty();
    loop {
        let batch: Vec<RawRow> = reader.next_batch();
        if batch.is_empty() {
            break;
        }
        let part = batch
            .into_par_iter()
            .fold(empty, |mut tally, raw| {
                handle(&mut tally, input::parse_row(pack, fields, &header, raw));
                tally
            })
            .reduce(empty, merge);
        total = merge(total, part);
        progress(reader.bytes());
    }
    total
}

/// A pack's identity in reports.
#[derive(Clone, Debug, Serialize)]
pub struct PackInfo {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: String,
    /// SHA-256 of the canonical pack.
    pub hash: String,
}

impl PackInfo {
    fn of(pack: &RulePack) -> PackInfo {
        PackInfo { id: pack.id.clone(), version: pack.version.clone(), hash: pack.hash.to_string() }
    }
}

/// Cases per label.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct LabelCounts {
    /// Labelled fraud.
    pub fraud: u64,
    /// Labelled not fraud.
    pub legit: u64,
    /// No label.
    pub unlabelled: u64,
}

/// One score's cases by label.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ScoreCount {
    /// Score 0..=100.
    pub score: i64,
    /// Labelled fraud.
    pub fraud: u64,
    /// Labelled not fraud.
    pub legit: u64,
    /// No label.
    pub unlabelled: u64,
}

/// Money in euros.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Money {
    /// Fraud flagged (would have been stopped).
    pub fraud_flagged_eur: f64,
    /// Fraud not flagged (would have been paid out).
    pub fraud_missed_eur: f64,
    /// Legitimate cases flagged (customers put through extra checks).
    pub legit_flagged_eur: f64,
}

/// Flagging every case at or above a band.
#[derive(Clone, Debug, Serialize)]
pub struct Threshold {
    /// The band.
    pub band: String,
    /// Its lowest score.
    pub min_score: i64,
    /// Cases flagged (all, labelled or not).
    pub flagged: u64,
    /// Fraud flagged.
    pub true_positives: u64,
    /// Legitimate flagged.
    pub false_positives: u64,
    /// Fraud not flagged.
    pub false_negatives: u64,
    /// Legitimate not flagged.
    pub true_negatives: u64,
    /// TP / (TP + FP); none when nothing labelled was flagged.
    pub precision: Option<f64>,
    /// TP / (TP + FN); none without fraud labels.
    pub recall: Option<f64>,
    /// Harmonic mean of precision and recall.
    pub f1: Option<f64>,
    /// Money at stake (labelled cases with an amount).
    pub money: Option<Money>,
}

/// One point of the precision-recall curve.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct CurvePoint {
    /// Flag at or above this score.
    pub min_score: i64,
    /// Precision there.
    pub precision: f64,
    /// Recall there.
    pub recall: f64,
}

/// A rule's record on the history.
#[derive(Clone, Debug, Serialize)]
pub struct RuleStats {
    /// Rule id.
    pub id: String,
    /// Category.
    pub category: String,
    /// Points.
    pub points: i64,
    /// Cases it fired on.
    pub fired: u64,
    /// fired / cases.
    pub fire_rate: f64,
    /// Fired on labelled fraud.
    pub fired_fraud: u64,
    /// Fired on labelled not fraud.
    pub fired_legit: u64,
    /// fired_fraud / (fired_fraud + fired_legit); none when it never fired on a labelled case.
    pub precision: Option<f64>,
    /// Cases where it could not be evaluated (facts unknown).
    pub unknown: u64,
    /// unknown / cases.
    pub unknown_rate: f64,
}

/// The rows that could not be read.
#[derive(Clone, Debug, Serialize)]
pub struct BadRows {
    /// How many.
    pub count: u64,
    /// The first ones by line number.
    pub examples: Vec<BadRow>,
}

/// A backtest's result.
#[derive(Clone, Debug, Serialize)]
pub struct BacktestReport {
    /// The pack.
    pub pack: PackInfo,
    /// Cases scored.
    pub cases: u64,
    /// Rows that could not be read.
    pub bad_rows: BadRows,
    /// Cases with at least one value that did not fit its fact (that fact was unknown).
    pub rows_with_unknown_facts: u64,
    /// Cases per label.
    pub labels: LabelCounts,
    /// Score distribution by label.
    pub score_histogram: Vec<ScoreCount>,
    /// Cases per band.
    pub bands: Vec<(String, u64)>,
    /// Metrics at each band threshold (medium, high, critical).
    pub thresholds: Vec<Threshold>,
    /// Precision and recall for every score threshold that flags something labelled.
    pub pr_curve: Vec<CurvePoint>,
    /// Per rule, in pack order.
    pub rules: Vec<RuleStats>,
    /// The money fact, if any.
    pub amount_fact: Option<String>,
}

impl Threshold {
    /// The confusion matrix and its rates as printed: flagged, TP, FP, FN, TN, precision, recall, F1.
    #[must_use]
    pub fn cells(&self) -> [String; 8] {
        let percent =
            |value: Option<f64>| value.map_or_else(|| "–".to_owned(), |value| format!("{:.1}%", value * 100.0));
        [
            self.flagged.to_string(),
            self.true_positives.to_string(),
            self.false_positives.to_string(),
            self.false_negatives.to_string(),
            self.true_negatives.to_string(),
            percent(self.precision),
            percent(self.recall),
            percent(self.f1),
        ]
    }
}

/// A share as `12.3%`, or `–` when undefined.
#[must_use]
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{:.1}%", value * 100.0))
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// F1 as 2·TP / (2·TP + FP + FN) (the harmonic mean of precision and recall, without its rounding);
/// none when precision or recall is undefined.
fn f1(tp: u64, fp: u64, false_negatives: u64) -> Option<f64> {
    (tp + fp > 0 && tp + false_negatives > 0).then(|| (2 * tp) as f64 / (2 * tp + fp + false_negatives) as f64)
}

fn euros(cents: i64) -> f64 {
    cents as f64 / 100.0
}

impl BacktestReport {
    fn from_tally(pack: &RulePack, tally: Tally, amount_fact: Option<String>) -> BacktestReport {
        let count =
            |class: usize, from: i64| -> u64 { tally.scores[from as usize..].iter().map(|counts| counts[class]).sum() };
        let money = |class: usize, from: i64| -> i64 {
            tally.amounts[from as usize..].iter().map(|amounts| amounts[class]).sum()
        };
        let fraud = count(0, 0);
        let legit = count(1, 0);
        let at = |min_score: i64, band: &str| {
            let tp = count(0, min_score);
            let fp = count(1, min_score);
            let precision = ratio(tp, tp + fp);
            let recall = ratio(tp, fraud);
            Threshold {
                band: band.to_owned(),
                min_score,
                flagged: tp + fp + count(2, min_score),
                true_positives: tp,
                false_positives: fp,
                false_negatives: fraud - tp,
                true_negatives: legit - fp,
                precision,
                recall,
                f1: f1(tp, fp, fraud - tp),
                money: amount_fact.as_ref().map(|_| Money {
                    fraud_flagged_eur: euros(money(0, min_score)),
                    fraud_missed_eur: euros(money(0, 0) - money(0, min_score)),
                    legit_flagged_eur: euros(money(1, min_score)),
                }),
            }
        };
        let thresholds =
            vec![at(pack.bands.medium, "medium"), at(pack.bands.high, "high"), at(pack.bands.critical, "critical")];
        let pr_curve = (0..=100)
            .filter_map(|min_score| {
                let tp = count(0, min_score);
                let fp = count(1, min_score);
                Some(CurvePoint { min_score, precision: ratio(tp, tp + fp)?, recall: ratio(tp, fraud)? })
            })
            .collect();
        let rules = pack
            .rules
            .iter()
            .zip(&tally.rules)
            .map(|(rule, counts)| RuleStats {
                id: rule.id.clone(),
                category: rule.category.name().to_owned(),
                points: rule.points,
                fired: counts.fired,
                fire_rate: ratio(counts.fired, tally.cases).unwrap_or(0.0),
                fired_fraud: counts.fired_fraud,
                fired_legit: counts.fired_legit,
                precision: ratio(counts.fired_fraud, counts.fired_fraud + counts.fired_legit),
                unknown: counts.unknown,
                unknown_rate: ratio(counts.unknown, tally.cases).unwrap_or(0.0),
            })
            .collect();
        BacktestReport {
            pack: PackInfo::of(pack),
            cases: tally.cases,
            bad_rows: tally.bad_rows.finish(),
            rows_with_unknown_facts: tally.rows_with_unknown_facts,
            labels: LabelCounts { fraud, legit, unlabelled: count(2, 0) },
            score_histogram: tally
                .scores
                .iter()
                .enumerate()
                .map(|(score, counts)| ScoreCount {
                    score: score as i64,
                    fraud: counts[0],
                    legit: counts[1],
                    unlabelled: counts[2],
                })
                .collect(),
            bands: BANDS.iter().zip(tally.bands).map(|(band, count)| (band.name().to_owned(), count)).collect(),
            thresholds,
            pr_curve,
            rules,
            amount_fact,
        }
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
        band_names: BANDS.iter().map(|band| band.name().to_owned()).collect(),
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
