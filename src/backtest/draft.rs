//! `riskpane backtest --draft REPORT`: how a pattern report's draft rule (`pattern`) would have done
//! on history — how often it fires, how precise it is on labelled cases, how much of the labelled
//! fraud it finds, and how often it cannot be evaluated — so the Fraud Advisory Team sees its
//! figures before adopting it. The draft runs as rule `DRAFT` with 0 points, so the rest of the
//! backtest is the pack's own.

use super::metrics::BacktestReport;
use crate::pattern::PatternReport;
use serde::Serialize;
use std::fmt::Write as _;

/// The draft rule's figures on the backtested cases.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DraftSummary {
    /// The pattern report's id.
    pub report: String,
    /// The case it was reported on.
    pub case_id: String,
    /// The draft rule's condition.
    pub rule: String,
    /// Cases backtested.
    pub cases: u64,
    /// Cases it fired on.
    pub fired: u64,
    /// fired / cases.
    pub fire_rate: f64,
    /// Fired on labelled fraud.
    pub fired_fraud: u64,
    /// Fired on labelled not fraud.
    pub fired_legit: u64,
    /// fired_fraud / (fired_fraud + fired_legit); none when it fired on no labelled case.
    pub precision: Option<f64>,
    /// fired_fraud / labelled fraud; none without labelled fraud.
    pub recall: Option<f64>,
    /// Cases where it could not be evaluated (facts unknown).
    pub unknown: u64,
    /// unknown / cases.
    pub unknown_rate: f64,
}

/// The draft's figures, from a backtest of the pack with the draft added as rule `DRAFT`.
#[must_use]
pub fn summary(backtest: &BacktestReport, pattern: &PatternReport, rule: &str) -> Option<DraftSummary> {
    let stats = backtest.rules.iter().find(|stats| stats.id == "DRAFT")?;
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let recall = (backtest.labels.fraud > 0).then(|| stats.fired_fraud as f64 / backtest.labels.fraud as f64);
    Some(DraftSummary {
        report: pattern.id.clone(),
        case_id: pattern.case_id.clone(),
        rule: rule.to_owned(),
        cases: backtest.cases,
        fired: stats.fired,
        fire_rate: stats.fire_rate,
        fired_fraud: stats.fired_fraud,
        fired_legit: stats.fired_legit,
        precision: stats.precision,
        recall,
        unknown: stats.unknown,
        unknown_rate: stats.unknown_rate,
    })
}

/// The summary as text, for the top of the backtest's text report.
#[must_use]
pub fn text(summary: &DraftSummary) -> String {
    let percent = |value: Option<f64>| value.map_or_else(|| "–".to_owned(), |value| format!("{:.1}%", value * 100.0));
    let mut out = String::new();
    let _ = writeln!(out, "draft rule from pattern report {} (case {}):", summary.report, summary.case_id);
    let _ = writeln!(out, "  {}", summary.rule);
    let _ = writeln!(
        out,
        "  fires on {} of {} cases ({}); on labelled fraud {}, on labelled legitimate {}",
        summary.fired,
        summary.cases,
        percent(Some(summary.fire_rate)),
        summary.fired_fraud,
        summary.fired_legit
    );
    let _ = writeln!(
        out,
        "  precision {}, finds {} of the labelled fraud; not evaluable on {} cases ({})\n",
        percent(summary.precision),
        percent(summary.recall),
        summary.unknown,
        percent(Some(summary.unknown_rate))
    );
    out
}
