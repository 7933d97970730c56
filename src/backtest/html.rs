//! The self-contained HTML reports: tables plus SVG plots drawn with `plotters` (score histogram
//! by label, precision-recall curve, per-rule bars; band transitions for a diff). No JavaScript,
//! no external files; every text from the data is HTML-escaped.

use super::{BacktestReport, DiffReport, percent};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::fmt::Write as _;

const FRAUD: RGBColor = RGBColor(196, 48, 43);
const LEGIT: RGBColor = RGBColor(46, 110, 180);
const UNLABELLED: RGBColor = RGBColor(150, 150, 150);
const FONT: &str = "sans-serif";

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Draws into an SVG string; a drawing error becomes a visible note instead of a plot.
fn svg(
    width: u32,
    height: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Result<(), String>,
) -> String {
    let mut out = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|error| error.to_string())
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(|error| error.to_string()))
    };
    match result {
        Ok(()) => out,
        Err(error) => format!("<p class=\"note\">plot unavailable: {}</p>", escape(&error)),
    }
}

fn histogram(report: &BacktestReport) -> String {
    // Buckets of 5 points; per label the share of that label's cases, side by side, so a rare
    // label (fraud) is as visible as a common one.
    let totals = [report.labels.fraud, report.labels.legit, report.labels.unlabelled];
    let buckets: Vec<(i64, [f64; 3])> = (0..=100)
        .step_by(5)
        .map(|start| {
            let end = if start == 100 { 100 } else { start + 4 };
            let counts = report
                .score_histogram
                .iter()
                .filter(|count| (start..=end).contains(&count.score))
                .fold([0u64; 3], |sum, count| [sum[0] + count.fraud, sum[1] + count.legit, sum[2] + count.unlabelled]);
            let share =
                |class: usize| if totals[class] == 0 { 0.0 } else { counts[class] as f64 / totals[class] as f64 };
            (start, [share(0), share(1), share(2)])
        })
        .collect();
    let classes: Vec<(usize, RGBColor, &str)> =
        [(0, FRAUD, "fraud"), (1, LEGIT, "not fraud"), (2, UNLABELLED, "unlabelled")]
            .into_iter()
            .filter(|(class, ..)| totals[*class] > 0)
            .collect();
    let max = buckets.iter().flat_map(|(_, shares)| shares.iter().copied()).fold(0.0, f64::max).max(0.01);
    svg(760, 340, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption("Score distribution by label (share of each label's cases)", (FONT, 17))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..105f64, 0f64..max * 1.08)
            .map_err(|error| error.to_string())?;
        chart
            .configure_mesh()
            .x_desc("score")
            .y_desc("share of the label's cases")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
            .disable_x_mesh()
            .draw()
            .map_err(|error| error.to_string())?;
        let width = 4.2 / classes.len() as f64;
        for (position, (class, color, name)) in classes.iter().enumerate() {
            let (class, color) = (*class, *color);
            chart
                .draw_series(buckets.iter().map(|(start, shares)| {
                    let x = *start as f64 + 0.4 + width * position as f64;
                    Rectangle::new([(x, 0.0), (x + width, shares[class])], color.filled())
                }))
                .map_err(|error| error.to_string())?
                .label(*name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(|error| error.to_string())
    })
}

fn pr_curve(report: &BacktestReport) -> String {
    if report.pr_curve.is_empty() {
        return "<p class=\"note\">No precision-recall curve: the cases carry no fraud labels.</p>".to_owned();
    }
    svg(420, 360, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption("Precision-recall by score threshold", (FONT, 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(0f64..1.0f64, 0f64..1.02f64)
            .map_err(|error| error.to_string())?;
        chart.configure_mesh().x_desc("recall").y_desc("precision").draw().map_err(|error| error.to_string())?;
        let mut points: Vec<(f64, f64)> = report.pr_curve.iter().map(|point| (point.recall, point.precision)).collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart.draw_series(LineSeries::new(points, FRAUD.stroke_width(2))).map_err(|error| error.to_string())?;
        chart
            .draw_series(report.thresholds.iter().filter_map(|threshold| {
                Some(Circle::new((threshold.recall?, threshold.precision?), 5, LEGIT.filled()))
            }))
            .map_err(|error| error.to_string())?;
        chart
            .draw_series(report.thresholds.iter().filter_map(|threshold| {
                Some(Text::new(
                    threshold.band.clone(),
                    (threshold.recall? + 0.02, threshold.precision? - 0.04),
                    (FONT, 13).into_font().color(&BLACK),
                ))
            }))
            .map_err(|error| error.to_string())?;
        Ok(())
    })
}

type Panel<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// One panel of the per-rule chart: rules as rows, a value from 0 to `max` across.
fn rule_panel<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    title: &str,
    max: f64,
    rows: usize,
    labels: bool,
) -> Result<Panel<'a, 'b>, String> {
    ChartBuilder::on(area)
        .caption(title, (FONT, 15))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(if labels { 80 } else { 10 })
        .build_cartesian_2d(0f64..max, 0f64..rows as f64)
        .map_err(|error| error.to_string())
}

fn rule_bars(report: &BacktestReport) -> String {
    let rules = &report.rules;
    if rules.is_empty() {
        return String::new();
    }
    let height = 70 + 18 * rules.len() as u32;
    let max_rate = rules.iter().map(|rule| rule.fire_rate).fold(0.0, f64::max).max(0.01) * 1.1;
    let names: Vec<String> = rules.iter().map(|rule| rule.id.clone()).collect();
    let count = rules.len();
    // Rule i sits in row count-1-i, so the first rule is at the top.
    let row = move |index: usize| (count - index - 1) as f64;
    let label = move |y: &f64| {
        let index = count as f64 - y - 0.5;
        if (y.fract() - 0.5).abs() < 0.01 && index >= 0.0 {
            names.get(index.round() as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    svg(860, height, |root| {
        let (left, right) = root.split_horizontally(520);
        let mut rates = rule_panel(&left, "Fire rate (share of cases)", max_rate, count, true)?;
        rates
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(count * 2 + 1)
            .y_label_formatter(&label)
            .x_label_formatter(&|x| format!("{:.0}%", x * 100.0))
            .draw()
            .map_err(|error| error.to_string())?;
        rates
            .draw_series(rules.iter().enumerate().map(|(index, rule)| {
                let color = if rule.points < 0 { LEGIT } else { UNLABELLED };
                Rectangle::new([(0.0, row(index) + 0.15), (rule.fire_rate, row(index) + 0.85)], color.filled())
            }))
            .map_err(|error| error.to_string())?;
        let mut precision = rule_panel(&right, "Precision on labelled cases", 1.0, count, false)?;
        precision
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_label_formatter(&|x| format!("{:.0}%", x * 100.0))
            .draw()
            .map_err(|error| error.to_string())?;
        precision
            .draw_series(rules.iter().enumerate().filter_map(|(index, rule)| {
                let value = rule.precision?;
                Some(Rectangle::new([(0.0, row(index) + 0.15), (value, row(index) + 0.85)], FRAUD.filled()))
            }))
            .map_err(|error| error.to_string())?;
        Ok(())
    })
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 16px}\
h1{font-size:22px}h2{font-size:17px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}\
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}\
.note{color:#555}.plots{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}code{font-size:12px}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n{body}</body></html>\n",
        escape(title)
    )
}

fn bad_rows_table(html: &mut String, count: u64, examples: &[super::input::BadRow]) {
    if count == 0 {
        return;
    }
    let _ = writeln!(html, "<h2>Bad rows: {count} (skipped)</h2><table><tr><th>line</th><th>reason</th></tr>");
    for bad in examples {
        let _ =
            writeln!(html, "<tr><td>{}</td><td style=\"text-align:left\">{}</td></tr>", bad.line, escape(&bad.reason));
    }
    let _ = writeln!(html, "</table>");
}

/// The backtest report page.
#[must_use]
pub fn backtest(report: &BacktestReport) -> String {
    let mut html = String::new();
    let title = format!("Backtest: {} {}", report.pack.id, report.pack.version);
    let labels = &report.labels;
    let _ = writeln!(
        html,
        "<h1>{}</h1><p>{} cases · {} fraud, {} not fraud, {} unlabelled · pack hash <code>{}</code></p>",
        escape(&title),
        report.cases,
        labels.fraud,
        labels.legit,
        labels.unlabelled,
        escape(&report.pack.hash)
    );
    if report.rows_with_unknown_facts > 0 {
        let _ = writeln!(
            html,
            "<p class=\"note\">{} cases had a value that did not fit its fact; that fact was unknown.</p>",
            report.rows_with_unknown_facts
        );
    }
    let _ = writeln!(html, "<div class=\"plots\">{}{}</div>", histogram(report), pr_curve(report));
    let _ = writeln!(html, "<h2>Bands</h2><table><tr><th>band</th><th>cases</th></tr>");
    for (band, count) in &report.bands {
        let _ = writeln!(html, "<tr><td>{}</td><td>{count}</td></tr>", escape(band));
    }
    let _ = writeln!(html, "</table>");
    let _ = writeln!(
        html,
        "<h2>Flagging at each band threshold</h2><table><tr><th>flag at or above</th><th>flagged</th><th>TP</th><th>FP</th>\
         <th>FN</th><th>TN</th><th>precision</th><th>recall</th><th>F1</th><th>fraud stopped</th><th>fraud missed</th><th>legitimate flagged</th></tr>"
    );
    for threshold in &report.thresholds {
        let money = |value: Option<f64>| value.map_or_else(|| "–".to_owned(), |value| format!("{value:.2} €"));
        let cells = threshold.cells().iter().fold(String::new(), |mut cells, cell| {
            let _ = write!(cells, "<td>{}</td>", escape(cell));
            cells
        });
        let _ = writeln!(
            html,
            "<tr><td>{} ({})</td>{cells}<td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&threshold.band),
            threshold.min_score,
            money(threshold.money.map(|money| money.fraud_flagged_eur)),
            money(threshold.money.map(|money| money.fraud_missed_eur)),
            money(threshold.money.map(|money| money.legit_flagged_eur)),
        );
    }
    let _ = writeln!(html, "</table>");
    if let Some(fact) = &report.amount_fact {
        let _ = writeln!(html, "<p class=\"note\">Money from <code>{}</code>, labelled cases only.</p>", escape(fact));
    }
    bad_rows_table(&mut html, report.bad_rows.count, &report.bad_rows.examples);
    let _ = writeln!(
        html,
        "<h2>Rules</h2><p class=\"note\">Grey: fire rate; blue: mitigating rules (negative points); red: precision, where the rule fired on labelled cases.</p>{}",
        rule_bars(report)
    );
    let _ = writeln!(
        html,
        "<table><tr><th>rule</th><th>category</th><th>points</th><th>fired</th><th>rate</th><th>on fraud</th><th>on not fraud</th><th>precision</th><th>facts unknown</th></tr>"
    );
    for rule in &report.rules {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&rule.id),
            escape(&rule.category),
            rule.points,
            rule.fired,
            percent(Some(rule.fire_rate)),
            rule.fired_fraud,
            rule.fired_legit,
            percent(rule.precision),
            percent(Some(rule.unknown_rate)),
        );
    }
    let _ = writeln!(html, "</table>");
    page(&title, &html)
}

fn transitions(report: &DiffReport) -> String {
    let bands = report.band_names.len();
    let max = report.transitions.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    svg(420, 380, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption("Cases per band: base (rows) → new (columns)", (FONT, 16))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..bands as f64, 0f64..bands as f64)
            .map_err(|error| error.to_string())?;
        let names = report.band_names.clone();
        let label = move |value: &f64| {
            if (value.fract() - 0.5).abs() < 0.01 {
                names.get(value.floor() as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let flipped = {
            let names = report.band_names.clone();
            move |value: &f64| {
                if (value.fract() - 0.5).abs() < 0.01 {
                    names.get(names.len() - 1 - value.floor() as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            }
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(bands * 2 + 1)
            .y_labels(bands * 2 + 1)
            .x_label_formatter(&label)
            .y_label_formatter(&flipped)
            .x_desc("new pack")
            .y_desc("base pack")
            .draw()
            .map_err(|error| error.to_string())?;
        for (from, row) in report.transitions.iter().enumerate() {
            for (to, count) in row.iter().enumerate() {
                let y = (bands - 1 - from) as f64;
                let strength = (*count as f64 / max).sqrt();
                let color = if from == to { LEGIT } else { FRAUD };
                chart
                    .draw_series([Rectangle::new(
                        [(to as f64, y), (to as f64 + 1.0, y + 1.0)],
                        color.mix(0.08 + 0.8 * strength).filled(),
                    )])
                    .map_err(|error| error.to_string())?;
                chart
                    .draw_series([Text::new(
                        count.to_string(),
                        (to as f64 + 0.35, y + 0.55),
                        (FONT, 14).into_font().color(&BLACK),
                    )])
                    .map_err(|error| error.to_string())?;
            }
        }
        Ok(())
    })
}

/// The comparison report page.
#[must_use]
pub fn diff(report: &DiffReport) -> String {
    let mut html = String::new();
    let title = format!("{} {} → {} {}", report.base.id, report.base.version, report.pack.id, report.pack.version);
    let _ = writeln!(
        html,
        "<h1>Pack comparison: {}</h1><p>{} cases · {} change band ({} up, {} down) · {} change score</p>",
        escape(&title),
        report.cases,
        report.changed,
        report.raised,
        report.lowered,
        report.score_changed
    );
    let _ = writeln!(html, "<div class=\"plots\">{}<div><h2>Why</h2><ul>", transitions(report));
    for id in &report.rules_added {
        let _ = writeln!(html, "<li>new rule <code>{}</code></li>", escape(id));
    }
    for id in &report.rules_removed {
        let _ = writeln!(html, "<li>removed rule <code>{}</code></li>", escape(id));
    }
    for change in &report.rules_changed {
        let _ = writeln!(
            html,
            "<li><code>{}</code>: {} (fired {} → {})</li>",
            escape(&change.id),
            escape(&change.changes.join("; ")),
            change.fired_base,
            change.fired_pack
        );
    }
    let _ = writeln!(html, "</ul></div></div>");
    bad_rows_table(&mut html, report.bad_rows.count, &report.bad_rows.examples);
    if !report.changed_cases.is_empty() {
        let _ = writeln!(
            html,
            "<h2>Cases that change band (first {})</h2><table><tr><th>line</th><th>case</th><th>base</th><th>new</th><th>fires now</th><th>no longer fires</th></tr>",
            report.changed_cases.len()
        );
        for case in &report.changed_cases {
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{} {}</td><td>{} {}</td><td>{}</td><td>{}</td></tr>",
                case.line,
                escape(case.id.as_deref().unwrap_or("")),
                case.base.0,
                escape(&case.base.1),
                case.pack.0,
                escape(&case.pack.1),
                escape(&case.only_pack.join(", ")),
                escape(&case.only_base.join(", "))
            );
        }
        let _ = writeln!(html, "</table>");
    }
    page(&format!("Pack comparison: {title}"), &html)
}

/// Horizontal bars, one per `(label, value)`, values in 0..=`max`, `percent` for the axis labels.
fn bars(title: &str, rows: &[(String, f64)], max: f64, percent_axis: bool, color: RGBColor) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let count = rows.len();
    let names: Vec<String> = rows.iter().map(|(name, _)| name.clone()).collect();
    let row = move |index: usize| (count - index - 1) as f64;
    let label = move |y: &f64| {
        let index = count as f64 - y - 0.5;
        if (y.fract() - 0.5).abs() < 0.01 && index >= 0.0 {
            names.get(index.round() as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    svg(640, 70 + 22 * count as u32, |root| {
        let mut chart = rule_panel(root, title, max.max(f64::MIN_POSITIVE) * 1.1, count, true)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(count * 2 + 1)
            .y_label_formatter(&label)
            // Counts: one label per whole number (up to 11), so no label repeats.
            .x_labels(if percent_axis { 11 } else { (max.ceil() as usize + 1).min(11) })
            .x_label_formatter(&|x| if percent_axis { format!("{:.0}%", x * 100.0) } else { format!("{x:.0}") })
            .draw()
            .map_err(|error| error.to_string())?;
        chart
            .draw_series(rows.iter().enumerate().map(|(index, (_, value))| {
                Rectangle::new([(0.0, row(index) + 0.15), (*value, row(index) + 0.85)], color.filled())
            }))
            .map_err(|error| error.to_string())?;
        Ok(())
    })
}

/// The QA report of a period (`riskpane qa --out`): findings per provider and the steps missed most,
/// as plots, then the tables and the feedback per agent.
#[must_use]
pub fn qa(summary: &super::qa::QaSummary) -> String {
    let mut html = String::new();
    let _ = writeln!(
        html,
        "<h1>QA reviews {} to {}</h1><p>{} reviews · {} with findings ({}) · {} outside the period · {} lines that did not read</p>",
        escape(&summary.from),
        escape(&summary.to),
        summary.reviews,
        summary.total.with_findings,
        percent(Some(summary.total.finding_rate)),
        summary.outside_period,
        summary.bad_lines
    );
    let providers: Vec<(String, f64)> =
        summary.providers.iter().map(|(name, tally)| (name.clone(), tally.finding_rate)).collect();
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let steps: Vec<(String, f64)> =
        summary.missed_steps.iter().take(15).map(|finding| (finding.id.clone(), finding.count as f64)).collect();
    let max_steps = steps.iter().map(|(_, count)| *count).fold(1.0, f64::max);
    let _ = writeln!(
        html,
        "<div class=\"plots\">{}{}</div>",
        bars("Reviews with findings, by provider", &providers, 1.0, true, FRAUD),
        bars("Missed checklist steps (most often first)", &steps, max_steps, false, UNLABELLED)
    );
    let header = "<tr><th></th><th>reviews</th><th>with findings</th><th>rate</th><th>ok</th><th>coaching</th><th>reopen</th><th>minor</th><th>major</th><th>critical</th><th>missed steps</th><th>ignored risks</th></tr>";
    let row = |html: &mut String, name: &str, tally: &super::qa::Tally| {
        let count = |map: &std::collections::BTreeMap<String, u64>, key: &str| map.get(key).copied().unwrap_or(0);
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(name),
            tally.reviews,
            tally.with_findings,
            percent(Some(tally.finding_rate)),
            count(&tally.verdicts, "qa_ok"),
            count(&tally.verdicts, "qa_coaching"),
            count(&tally.verdicts, "qa_reopen"),
            count(&tally.severities, "minor"),
            count(&tally.severities, "major"),
            count(&tally.severities, "critical"),
            tally.missed_steps,
            tally.ignored_risks
        );
    };
    let _ = writeln!(html, "<h2>By provider</h2><table>{header}");
    for (provider, tally) in &summary.providers {
        row(&mut html, provider, tally);
    }
    row(&mut html, "all", &summary.total);
    let _ = writeln!(html, "</table><h2>By agent</h2><table>{header}");
    for agent in &summary.agents {
        row(&mut html, &format!("{} ({})", agent.agent, agent.provider), &agent.tally);
    }
    let _ = writeln!(html, "</table>");
    for (title, findings) in
        [("Missed checklist steps", &summary.missed_steps), ("Ignored rule-flagged risks", &summary.ignored_risks)]
    {
        let _ = writeln!(html, "<h2>{title}</h2><table><tr><th>id</th><th>times</th><th>by provider</th></tr>");
        for finding in findings {
            let providers: Vec<String> =
                finding.by_provider.iter().map(|(provider, count)| format!("{} {count}", escape(provider))).collect();
            let _ = writeln!(
                html,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                escape(&finding.id),
                finding.count,
                providers.join(", ")
            );
        }
        let _ = writeln!(html, "</table>");
    }
    let _ = writeln!(html, "<h2>Feedback by agent</h2>");
    for agent in summary.agents.iter().filter(|agent| !agent.feedback.is_empty()) {
        let _ = writeln!(html, "<h3>{} ({})</h3><ul>", escape(&agent.agent), escape(&agent.provider));
        for (case, severity, feedback) in &agent.feedback {
            let _ =
                writeln!(html, "<li><code>{}</code> [{}]: {}</li>", escape(case), escape(severity), escape(feedback));
        }
        let _ = writeln!(html, "</ul>");
    }
    page(&format!("QA reviews {} to {}", summary.from, summary.to), &html)
}
