//! `riskpane reports`: the open internal fraud reports — cases of type `internal_report` raised by
//! colleagues (warehouse, payments, stores, security) whose `report.status` is not `closed` — each
//! scored by the pack, highest score first, so the experts see which report to take next.
//!
//! Cases are read as NDJSON (one case JSON per line, as for `backtest`); a line that does not read
//! is counted and listed with its number. A report whose status is unknown counts as open (and says
//! so): a report nobody closed is not done.

use crate::case::CaseFacts;
use crate::engine;
use crate::rules::RulePack;
use serde::Serialize;
use serde_json::Value as Json;
use std::fmt::Write as _;

/// Lines that did not read, listed (all are counted).
pub const BAD_LINES_LISTED: usize = 25;

/// One open internal report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpenReport {
    /// The case id (the `id` field), or `line N`.
    pub id: String,
    /// `report.status`, or `unknown`.
    pub status: String,
    /// `report.source_team`, or `unknown`.
    pub source_team: String,
    /// `report.kind`, or `unknown`.
    pub kind: String,
    /// `report.amount_eur` as shown, or `unknown`.
    pub amount_eur: String,
    /// `report.related_cases`, or `unknown`.
    pub related_cases: String,
    /// Whether an employee is named: `true`, `false` or `unknown`.
    pub involves_employee: String,
    /// Score 0..=100.
    pub score: i64,
    /// Band.
    pub band: String,
    /// Fired rules, in pack order.
    pub rules: Vec<String>,
    /// The report's own facts (`report.*`) the case does not have, in pack order.
    pub missing: Vec<String>,
}

/// The open internal reports of a case file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportsView {
    /// Cases read.
    pub cases: u64,
    /// Of those, internal reports.
    pub internal_reports: u64,
    /// Internal reports closed.
    pub closed: u64,
    /// The open ones, highest score first.
    pub open: Vec<OpenReport>,
    /// Lines that did not read.
    pub bad_lines: u64,
    /// The first of them: `(line, reason)`.
    pub bad_line_examples: Vec<(u64, String)>,
}

/// The open internal reports in `text` (NDJSON cases), scored with `pack`.
///
/// # Errors
/// When the pack has no `internal_report` case type or no `report.status` fact.
pub fn open_reports(pack: &RulePack, text: &str) -> Result<ReportsView, String> {
    let type_slot = pack.fact_slot("case.type").ok_or("the pack has no fact `case.type`")?;
    let status_slot = pack.fact_slot("report.status").ok_or("the pack has no fact `report.status`")?;
    let shown = |facts: &CaseFacts, name: &str| {
        pack.fact_slot(name)
            .and_then(|slot| facts.value(slot))
            .map_or_else(|| "unknown".to_owned(), crate::value::FactValue::display)
    };
    let mut view = ReportsView {
        cases: 0,
        internal_reports: 0,
        closed: 0,
        open: Vec::new(),
        bad_lines: 0,
        bad_line_examples: Vec::new(),
    };
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let number = index as u64 + 1;
        let json: Json = match serde_json::from_str(line) {
            Ok(json @ Json::Object(_)) => json,
            Ok(_) => {
                bad(&mut view, number, "not a JSON object".to_owned());
                continue;
            }
            Err(error) => {
                bad(&mut view, number, format!("invalid JSON: {error}"));
                continue;
            }
        };
        view.cases += 1;
        let (facts, _) = CaseFacts::from_json_unhashed(pack, &json);
        if facts.value(type_slot).map(crate::value::FactValue::display).as_deref() != Some("internal_report") {
            continue;
        }
        view.internal_reports += 1;
        if facts.value(status_slot).map(crate::value::FactValue::display).as_deref() == Some("closed") {
            view.closed += 1;
            continue;
        }
        let scoring = engine::score(pack, &facts);
        let ids = |indices: &[usize]| {
            indices.iter().filter_map(|&rule| pack.rules.get(rule)).map(|rule| rule.id.clone()).collect()
        };
        view.open.push(OpenReport {
            id: json.get("id").and_then(Json::as_str).map_or_else(|| format!("line {number}"), str::to_owned),
            status: shown(&facts, "report.status"),
            source_team: shown(&facts, "report.source_team"),
            kind: shown(&facts, "report.kind"),
            amount_eur: shown(&facts, "report.amount_eur"),
            related_cases: shown(&facts, "report.related_cases"),
            involves_employee: shown(&facts, "report.involves_employee"),
            score: scoring.score,
            band: scoring.band.name().to_owned(),
            rules: ids(&scoring.fired),
            missing: pack
                .facts
                .iter()
                .enumerate()
                .filter(|(slot, fact)| {
                    fact.name.starts_with("report.")
                        && u16::try_from(*slot).ok().and_then(|slot| facts.value(slot)).is_none()
                })
                .map(|(_, fact)| fact.name.clone())
                .collect(),
        });
    }
    view.open.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    Ok(view)
}

fn bad(view: &mut ReportsView, line: u64, reason: String) {
    view.bad_lines += 1;
    if view.bad_line_examples.len() < BAD_LINES_LISTED {
        view.bad_line_examples.push((line, reason));
    }
}

/// The view as text.
#[must_use]
pub fn text(view: &ReportsView) -> String {
    let printable = super::text::printable;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} open internal reports ({} internal reports, {} closed, in {} cases)",
        view.open.len(),
        view.internal_reports,
        view.closed,
        view.cases
    );
    if view.bad_lines > 0 {
        let _ = writeln!(out, "Lines that did not read: {} (skipped)", view.bad_lines);
        for (line, reason) in &view.bad_line_examples {
            let _ = writeln!(out, "  line {line}: {}", printable(reason));
        }
    }
    let _ = writeln!(
        out,
        "\n{:>5} {:<8} {:<18} {:<14} {:<14} {:<24} {:>10} {:>7} {:>8}  rules",
        "score", "band", "case", "status", "team", "kind", "amount", "related", "employee"
    );
    for report in &view.open {
        let _ = writeln!(
            out,
            "{:>5} {:<8} {:<18} {:<14} {:<14} {:<24} {:>10} {:>7} {:>8}  {}{}",
            report.score,
            report.band,
            printable(&report.id),
            report.status,
            report.source_team,
            report.kind,
            report.amount_eur,
            report.related_cases,
            report.involves_employee,
            report.rules.join(", "),
            if report.missing.is_empty() {
                String::new()
            } else {
                format!(" (missing: {})", report.missing.join(", "))
            }
        );
    }
    out
}
