//! `riskpane qa`: the quality-review feedback loop. Risk experts review how Tier 2 handled a case
//! (a **QA review**: the verdict, which checklist steps were missed, which rule-flagged risks were
//! ignored, the severity and the feedback for the agent and their service provider); this
//! aggregates the reviews of a period by provider, by agent and by step, so each provider gets
//! figures and the words that go with them.
//!
//! Reviews are read as NDJSON (one review per line, as the CRM exports them); a line that does not
//! read is counted and listed with its number, never ends the run.

use crate::decision::{Decision, QA_OUTCOMES, User};
use crate::value::time::{format_date, parse_date, parse_datetime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The format name a QA review carries.
pub const FORMAT: &str = "riskpane.qa_review";

/// Lines that did not read, listed in a report (all are counted).
pub const BAD_LINES_LISTED: usize = 25;

/// Who handled the case that was reviewed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandledBy {
    /// The agent's id in the CRM.
    pub agent: String,
    /// The service provider the agent works for.
    pub provider: String,
}

pub use crate::decision::Severity;

/// One expert's review of how a case was handled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QaReview {
    /// Always [`FORMAT`].
    pub format: String,
    /// UUID.
    pub id: String,
    /// The CRM's case id.
    pub case_id: String,
    /// When (RFC 3339).
    pub reviewed_at: String,
    /// The expert.
    pub reviewer: User,
    /// Who handled the case.
    pub handled_by: HandledBy,
    /// `qa_ok`, `qa_coaching` or `qa_reopen` (the care pack's QA outcomes).
    pub verdict: String,
    /// How bad.
    pub severity: Severity,
    /// Checklist item ids the handling missed.
    #[serde(default)]
    pub missed_steps: Vec<String>,
    /// Rule ids whose risk the handling ignored.
    #[serde(default)]
    pub ignored_risks: Vec<String>,
    /// Feedback for the agent and their provider, in the expert's words.
    #[serde(default)]
    pub feedback: String,
}

impl QaReview {
    /// The review a QA decision records (a decision with a QA outcome and its findings, as the
    /// widget sends it and the CRM stores it); `None` for every other decision.
    #[must_use]
    pub fn of_decision(decision: &Decision) -> Option<QaReview> {
        let qa = decision.qa.as_ref()?;
        Some(QaReview {
            format: FORMAT.to_owned(),
            id: decision.id.clone(),
            case_id: decision.case_id.clone(),
            reviewed_at: decision.created_at.clone(),
            reviewer: decision.maker.clone(),
            handled_by: HandledBy { agent: qa.agent.clone(), provider: qa.provider.clone() },
            verdict: decision.outcome.clone(),
            severity: qa.severity,
            missed_steps: qa.missed_steps.clone(),
            ignored_risks: qa.ignored_risks.clone(),
            feedback: decision.note.clone(),
        })
    }
}

/// Figures for one provider or agent.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Reviews.
    pub reviews: u64,
    /// Reviews with a finding (severity above none, a missed step or an ignored risk).
    pub with_findings: u64,
    /// with_findings / reviews.
    pub finding_rate: f64,
    /// Reviews per verdict.
    pub verdicts: BTreeMap<String, u64>,
    /// Reviews per severity (`none`, `minor`, `major`, `critical`).
    pub severities: BTreeMap<String, u64>,
    /// Missed steps in all.
    pub missed_steps: u64,
    /// Ignored risks in all.
    pub ignored_risks: u64,
}

/// An agent's figures, with their provider and the feedback they were given.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgentTally {
    /// The agent's id.
    pub agent: String,
    /// Their provider.
    pub provider: String,
    /// Figures.
    #[serde(flatten)]
    pub tally: Tally,
    /// Feedback given in the period, newest first: `(case id, severity, text)`.
    pub feedback: Vec<(String, String, String)>,
}

/// How often a checklist step was missed, or a rule's risk ignored, and by which providers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Checklist item id or rule id.
    pub id: String,
    /// Times in the period.
    pub count: u64,
    /// Per provider.
    pub by_provider: BTreeMap<String, u64>,
}

/// A period's QA figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QaSummary {
    /// First day (inclusive, `YYYY-MM-DD`).
    pub from: String,
    /// Last day (inclusive).
    pub to: String,
    /// Reviews in the period.
    pub reviews: u64,
    /// Reviews read but outside the period.
    pub outside_period: u64,
    /// Lines that did not read.
    pub bad_lines: u64,
    /// The first of them: `(line, reason)`.
    pub bad_line_examples: Vec<(u64, String)>,
    /// All reviews of the period.
    pub total: Tally,
    /// Per provider, by name.
    pub providers: BTreeMap<String, Tally>,
    /// Per agent, most findings first.
    pub agents: Vec<AgentTally>,
    /// Missed checklist steps, most often first.
    pub missed_steps: Vec<Finding>,
    /// Ignored rule-flagged risks, most often first.
    pub ignored_risks: Vec<Finding>,
}

impl Tally {
    fn add(&mut self, review: &QaReview) {
        self.reviews += 1;
        if has_finding(review) {
            self.with_findings += 1;
        }
        *self.verdicts.entry(review.verdict.clone()).or_default() += 1;
        *self.severities.entry(review.severity.name().to_owned()).or_default() += 1;
        self.missed_steps += review.missed_steps.len() as u64;
        self.ignored_risks += review.ignored_risks.len() as u64;
    }

    fn finish(&mut self) {
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let rate = if self.reviews == 0 { 0.0 } else { self.with_findings as f64 / self.reviews as f64 };
        self.finding_rate = rate;
    }
}

fn has_finding(review: &QaReview) -> bool {
    review.severity > Severity::None || !review.missed_steps.is_empty() || !review.ignored_risks.is_empty()
}

/// Reads one review line.
///
/// # Errors
/// When the line is not a QA review: not JSON, not this format, a verdict that is not a QA
/// verdict, a time that does not read.
pub fn read_review(line: &str) -> Result<QaReview, String> {
    let review: QaReview = serde_json::from_str(line).map_err(|error| format!("not a QA review: {error}"))?;
    if review.format != FORMAT {
        return Err(format!("format `{}`, expected `{FORMAT}`", review.format));
    }
    if !QA_OUTCOMES.contains(&review.verdict.as_str()) {
        return Err(format!("verdict `{}` is not qa_ok, qa_coaching or qa_reopen", review.verdict));
    }
    if parse_datetime(&review.reviewed_at).is_none() {
        return Err(format!("reviewed_at `{}` is not an RFC 3339 time", review.reviewed_at));
    }
    if review.handled_by.agent.trim().is_empty() || review.handled_by.provider.trim().is_empty() {
        return Err("handled_by needs an agent and a provider".to_owned());
    }
    Ok(review)
}

/// Aggregates the reviews in `text` (NDJSON) reviewed between `from` and `to` (dates, inclusive,
/// in UTC).
///
/// # Errors
/// When `from` or `to` is not a `YYYY-MM-DD` date, or `to` is before `from`.
pub fn summarise(text: &str, from: &str, to: &str) -> Result<QaSummary, String> {
    let first = parse_date(from).ok_or_else(|| format!("--from `{from}` is not a YYYY-MM-DD date"))?;
    let last = parse_date(to).ok_or_else(|| format!("--to `{to}` is not a YYYY-MM-DD date"))?;
    if last < first {
        return Err(format!("--to {to} is before --from {from}"));
    }
    let mut summary = QaSummary {
        from: format_date(first),
        to: format_date(last),
        reviews: 0,
        outside_period: 0,
        bad_lines: 0,
        bad_line_examples: Vec::new(),
        total: Tally::default(),
        providers: BTreeMap::new(),
        agents: Vec::new(),
        missed_steps: Vec::new(),
        ignored_risks: Vec::new(),
    };
    let mut agents: BTreeMap<(String, String), AgentTally> = BTreeMap::new();
    let mut missed: BTreeMap<String, Finding> = BTreeMap::new();
    let mut ignored: BTreeMap<String, Finding> = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let review = match read_review(line) {
            Ok(review) => review,
            Err(reason) => {
                summary.bad_lines += 1;
                if summary.bad_line_examples.len() < BAD_LINES_LISTED {
                    summary.bad_line_examples.push((number as u64 + 1, reason));
                }
                continue;
            }
        };
        let day = parse_datetime(&review.reviewed_at).map_or(i64::MIN, |seconds| seconds.div_euclid(86_400));
        if day < first || day > last {
            summary.outside_period += 1;
            continue;
        }
        summary.reviews += 1;
        summary.total.add(&review);
        let provider = review.handled_by.provider.clone();
        summary.providers.entry(provider.clone()).or_default().add(&review);
        let agent = agents.entry((review.handled_by.agent.clone(), provider.clone())).or_insert_with(|| AgentTally {
            agent: review.handled_by.agent.clone(),
            provider: provider.clone(),
            tally: Tally::default(),
            feedback: Vec::new(),
        });
        agent.tally.add(&review);
        if !review.feedback.trim().is_empty() {
            agent.feedback.push((review.case_id.clone(), review.severity.name().to_owned(), review.feedback.clone()));
        }
        for (ids, findings) in [(&review.missed_steps, &mut missed), (&review.ignored_risks, &mut ignored)] {
            for id in ids {
                let finding = findings.entry(id.clone()).or_insert_with(|| Finding {
                    id: id.clone(),
                    count: 0,
                    by_provider: BTreeMap::new(),
                });
                finding.count += 1;
                *finding.by_provider.entry(provider.clone()).or_default() += 1;
            }
        }
    }
    summary.total.finish();
    summary.providers.values_mut().for_each(Tally::finish);
    summary.agents = agents.into_values().collect();
    for agent in &mut summary.agents {
        agent.tally.finish();
    }
    summary
        .agents
        .sort_by(|a, b| b.tally.with_findings.cmp(&a.tally.with_findings).then_with(|| a.agent.cmp(&b.agent)));
    for (findings, into) in [(missed, &mut summary.missed_steps), (ignored, &mut summary.ignored_risks)] {
        *into = findings.into_values().collect();
        into.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
    }
    Ok(summary)
}

/// The summary as text.
#[must_use]
pub fn text(summary: &QaSummary) -> String {
    use std::fmt::Write as _;
    let percent = |value: f64| format!("{:.1}%", value * 100.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "QA reviews {} to {}: {} reviews, {} with findings ({}); {} outside the period",
        summary.from,
        summary.to,
        summary.reviews,
        summary.total.with_findings,
        percent(summary.total.finding_rate),
        summary.outside_period
    );
    if summary.bad_lines > 0 {
        let _ = writeln!(out, "Lines that did not read: {} (skipped)", summary.bad_lines);
        for (line, reason) in &summary.bad_line_examples {
            let _ = writeln!(out, "  line {line}: {}", super::text::printable(reason));
        }
    }
    let row = |out: &mut String, name: &str, tally: &Tally| {
        let verdict = |id: &str| tally.verdicts.get(id).copied().unwrap_or(0);
        let severity = |id: &str| tally.severities.get(id).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "{:<28} {:>7} {:>9} {:>8} {:>3} {:>8} {:>6} {:>5} {:>5} {:>8} {:>7} {:>7}",
            super::text::printable(name),
            tally.reviews,
            tally.with_findings,
            percent(tally.finding_rate),
            verdict("qa_ok"),
            verdict("qa_coaching"),
            verdict("qa_reopen"),
            severity("minor"),
            severity("major"),
            severity("critical"),
            tally.missed_steps,
            tally.ignored_risks
        );
    };
    let header = format!(
        "{:<28} {:>7} {:>9} {:>8} {:>3} {:>8} {:>6} {:>5} {:>5} {:>8} {:>7} {:>7}\n",
        "",
        "reviews",
        "findings",
        "rate",
        "ok",
        "coaching",
        "reopen",
        "minor",
        "major",
        "critical",
        "missed",
        "ignored"
    );
    let _ = write!(out, "\nBy provider\n{header}");
    for (provider, tally) in &summary.providers {
        row(&mut out, provider, tally);
    }
    row(&mut out, "all", &summary.total);
    let _ = write!(out, "\nBy agent\n{header}");
    for agent in &summary.agents {
        row(&mut out, &format!("{} ({})", agent.agent, agent.provider), &agent.tally);
    }
    for (title, findings) in
        [("Missed checklist steps", &summary.missed_steps), ("Ignored rule-flagged risks", &summary.ignored_risks)]
    {
        let _ = writeln!(out, "\n{title}");
        if findings.is_empty() {
            let _ = writeln!(out, "  none");
        }
        for finding in findings {
            let providers: Vec<String> = finding
                .by_provider
                .iter()
                .map(|(provider, count)| format!("{} {count}", super::text::printable(provider)))
                .collect();
            let _ = writeln!(out, "  {:<28} {:>4}  ({})", finding.id, finding.count, providers.join(", "));
        }
    }
    let _ = writeln!(out, "\nFeedback by agent");
    for agent in summary.agents.iter().filter(|agent| !agent.feedback.is_empty()) {
        let _ =
            writeln!(out, "  {} ({})", super::text::printable(&agent.agent), super::text::printable(&agent.provider));
        for (case, severity, feedback) in &agent.feedback {
            let _ = writeln!(
                out,
                "    {} [{severity}]: {}",
                super::text::printable(case),
                super::text::printable(feedback)
            );
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::{Severity, read_review, summarise};

    #[test]
    fn a_review_that_does_not_read_says_why() {
        assert!(read_review("{").unwrap_err().contains("not a QA review"));
        let good = r#"{"format":"riskpane.qa_review","id":"r1","case_id":"C1","reviewed_at":"2026-11-02T10:00:00Z","reviewer":{"id":"e1","name":"E","role":"expert"},"handled_by":{"agent":"a1","provider":"P"},"verdict":"qa_ok","severity":"none"}"#;
        assert_eq!(read_review(good).unwrap().severity, Severity::None);
        assert!(read_review(&good.replace("qa_ok", "approve_refund")).unwrap_err().contains("not qa_ok"));
        assert!(read_review(&good.replace("2026-11-02T10:00:00Z", "yesterday")).unwrap_err().contains("RFC 3339"));
        assert!(read_review(&good.replace("\"P\"", "\" \"")).unwrap_err().contains("provider"));
        assert!(summarise("", "2026-11-30", "2026-11-01").unwrap_err().contains("before"));
    }
}
