//! The terminal summary of a backtest or a pack comparison: plain text, widths fixed so columns
//! line up, percentages with one decimal. Text from the input file (case ids, reasons that quote
//! a row) is printed with control characters escaped, so a case id cannot drive the terminal.

use super::{BacktestReport, DiffReport, percent};
use std::fmt::Write as _;

fn euros(value: f64) -> String {
    format!("{value:.2} EUR")
}

/// `text` with terminal control characters (C0, DEL, C1) and bidirectional overrides escaped as
/// `\u{…}`: a case id such as `c1\x1b[2J` prints as `c1\u{1b}[2J` instead of clearing the screen.
#[must_use]
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}');
            if c.is_control() || bidi { format!("\\u{{{:x}}}", u32::from(c)) } else { c.to_string() }
        })
        .collect()
}

fn bad_rows(text: &mut String, count: u64, examples: &[super::input::BadRow]) {
    if count == 0 {
        return;
    }
    let _ = writeln!(text, "\nBad rows: {count} (skipped)");
    for bad in examples {
        let _ = writeln!(text, "  line {}: {}", bad.line, printable(&bad.reason));
    }
    if count > examples.len() as u64 {
        let _ = writeln!(text, "  … and {} more", count - examples.len() as u64);
    }
}

/// The backtest summary.
#[must_use]
pub fn backtest(report: &BacktestReport) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "Backtest of {} {} on {} cases", report.pack.id, report.pack.version, report.cases);
    let labels = &report.labels;
    let _ =
        writeln!(text, "Labels: {} fraud, {} not fraud, {} unlabelled", labels.fraud, labels.legit, labels.unlabelled);
    if report.rows_with_unknown_facts > 0 {
        let _ = writeln!(
            text,
            "Cases with a value that did not fit its fact (treated as unknown): {}",
            report.rows_with_unknown_facts
        );
    }
    bad_rows(&mut text, report.bad_rows.count, &report.bad_rows.examples);
    let _ = writeln!(text, "\nBands");
    for (band, count) in &report.bands {
        let share = (report.cases > 0).then(|| *count as f64 / report.cases as f64);
        let _ = writeln!(text, "  {band:<9} {count:>10}  {:>6}", percent(share));
    }
    let _ = writeln!(text, "\nScore distribution (cases per 10 points: fraud / not fraud / unlabelled)");
    for start in (0..100).step_by(10) {
        let end = if start == 90 { 100 } else { start + 9 };
        let (fraud, legit, unlabelled) = report
            .score_histogram
            .iter()
            .filter(|count| (start..=end).contains(&count.score))
            .fold((0, 0, 0), |(f, l, u), count| (f + count.fraud, l + count.legit, u + count.unlabelled));
        let _ = writeln!(text, "  {start:>3}–{end:<3} {fraud:>10} {legit:>10} {unlabelled:>10}");
    }
    let _ =
        writeln!(text, "\nFlag at or above   flagged       TP       FP       FN       TN  precision  recall      F1");
    for threshold in &report.thresholds {
        let [flagged, tp, fp, fn_, tn, precision, recall, f1] = threshold.cells();
        let _ = writeln!(
            text,
            "  {:<8} ({:>3})  {flagged:>8} {tp:>8} {fp:>8} {fn_:>8} {tn:>8}  {precision:>9} {recall:>7} {f1:>7}",
            threshold.band, threshold.min_score,
        );
    }
    if let Some(fact) = &report.amount_fact {
        let _ = writeln!(text, "\nMoney at stake ({fact}, labelled cases)");
        for threshold in &report.thresholds {
            if let Some(money) = threshold.money {
                let _ = writeln!(
                    text,
                    "  {:<8} fraud stopped {:>16}  fraud missed {:>16}  legitimate flagged {:>16}",
                    threshold.band,
                    euros(money.fraud_flagged_eur),
                    euros(money.fraud_missed_eur),
                    euros(money.legit_flagged_eur)
                );
            }
        }
    }
    let _ = writeln!(text, "\nRule            fired   rate  precision  unknown");
    for rule in &report.rules {
        let _ = writeln!(
            text,
            "  {:<12} {:>8} {:>6}  {:>9} {:>8}",
            rule.id,
            rule.fired,
            percent(Some(rule.fire_rate)),
            percent(rule.precision),
            percent(Some(rule.unknown_rate))
        );
    }
    text
}

/// The comparison summary.
#[must_use]
pub fn diff(report: &DiffReport) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} {} -> {} {} on {} cases: {} change band ({} up, {} down), {} change score",
        report.base.id,
        report.base.version,
        report.pack.id,
        report.pack.version,
        report.cases,
        report.changed,
        report.raised,
        report.lowered,
        report.score_changed
    );
    bad_rows(&mut text, report.bad_rows.count, &report.bad_rows.examples);
    let _ = writeln!(text, "\nBands (rows: base, columns: new)");
    let _ = write!(text, "  {:<9}", "");
    for name in &report.band_names {
        let _ = write!(text, " {name:>10}");
    }
    let _ = writeln!(text);
    for (name, row) in report.band_names.iter().zip(&report.transitions) {
        let _ = write!(text, "  {name:<9}");
        for count in row {
            let _ = write!(text, " {count:>10}");
        }
        let _ = writeln!(text);
    }
    let _ = writeln!(text, "\nWhy");
    for id in &report.rules_added {
        let _ = writeln!(text, "  + {id} (new rule)");
    }
    for id in &report.rules_removed {
        let _ = writeln!(text, "  - {id} (removed)");
    }
    for change in &report.rules_changed {
        let _ = writeln!(
            text,
            "  ~ {}: {} (fired {} -> {})",
            change.id,
            change.changes.join("; "),
            change.fired_base,
            change.fired_pack
        );
    }
    if report.rules_added.is_empty() && report.rules_removed.is_empty() && report.rules_changed.is_empty() {
        let _ = writeln!(text, "  no rule differs");
    }
    if !report.changed_cases.is_empty() {
        let _ = writeln!(text, "\nCases that change band (first {} by line)", report.changed_cases.len());
        for case in &report.changed_cases {
            let id = case.id.as_deref().map_or_else(String::new, |id| format!(" {}", printable(id)));
            let mut why = Vec::new();
            if !case.only_pack.is_empty() {
                why.push(format!("now fires {}", case.only_pack.join(", ")));
            }
            if !case.only_base.is_empty() {
                why.push(format!("no longer fires {}", case.only_base.join(", ")));
            }
            if why.is_empty() {
                why.push("same rules, other points".to_owned());
            }
            let _ = writeln!(
                text,
                "  line {}{id}: {} {} -> {} {} ({})",
                case.line,
                case.base.0,
                case.base.1,
                case.pack.0,
                case.pack.1,
                why.join("; ")
            );
        }
    }
    text
}
