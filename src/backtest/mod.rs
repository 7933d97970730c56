//! The rule authors' workbench: backtest a rule pack on historical cases (score distribution,
//! bands, per-rule fire rate, precision and unknown-fact rate, precision / recall / F1 and money
//! at stake at each band threshold) and compare two packs on the same cases (which cases change
//! band, and why). Cases stream through in batches scored on all cores (`rayon`); memory does not
//! grow with the file. Native only: the widget never carries this.
//!
//! `reports.rs` lists the open internal fraud reports, scored (`riskpane reports`).
//! `qa.rs` aggregates experts' QA reviews of Tier 2 handling by provider, agent and step (`riskpane qa`);
//! `qa_export.rs` turns the reviews a note-based CRM kept into its records (`riskpane qa-export`).
//! `draft.rs` gives a pattern report's draft rule its figures (`riskpane backtest --draft`).
//! `stream.rs` reads and scores the rows in batches (shared by both runs), `tally.rs` counts a
//! backtest and `metrics.rs` turns its tally into the report, `compare.rs` is the diff of two
//! packs; `text.rs` and `html.rs` write the reports.

pub mod corpus;
pub mod draft;
pub mod html;
pub mod input;
pub mod qa;
pub mod qa_export;
pub mod reports;
pub mod synth;
pub mod text;
pub mod train;

mod compare;
mod metrics;
mod stream;
mod tally;

pub use compare::{ChangedCase, DiffReport, RuleChange, diff};
pub use metrics::{BacktestReport, CurvePoint, LabelCounts, Money, RuleStats, ScoreCount, Threshold, percent};
pub use stream::BadRows;
pub use tally::backtest;

use crate::rules::RulePack;
use input::Fields;
use serde::Serialize;

/// Bad rows listed by line number in a report (all are counted).
pub const BAD_ROWS_LISTED: usize = 25;
/// Cases listed in a diff (all are counted).
pub const CHANGED_CASES_LISTED: usize = 50;

/// What to read besides facts, and the money fact.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Label, id and column mapping.
    pub fields: Fields,
    /// Money fact summed as "money at stake" (default: `order.total_eur`, else the pack's first
    /// money fact).
    pub amount: Option<String>,
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
