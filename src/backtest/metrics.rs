//! The backtest report: its JSON shape, and the measures computed from the merged tally
//! (label counts, score histogram, confusion matrix, precision / recall / F1 and money at each
//! band threshold, the precision-recall curve, per-rule statistics).

use super::PackInfo;
use super::stream::BadRows;
use super::tally::Tally;
use crate::rules::{RiskBand, RulePack};
use serde::Serialize;

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
    pub(super) fn from_tally(pack: &RulePack, tally: Tally, amount_fact: Option<String>) -> BacktestReport {
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
            bands: RiskBand::ALL.iter().zip(tally.bands).map(|(band, count)| (band.name().to_owned(), count)).collect(),
            thresholds,
            pr_curve,
            rules,
            amount_fact,
        }
    }
}
