//! The score report's outside forms: the documented JSON (docs/score-report.md) and a text
//! summary for the terminal. `ScoreReport` itself is not `Serialize`; this is the one boundary
//! where it becomes JSON, so a field rename touches one file.

use crate::case::{CaseFacts, FieldIssue};
use crate::engine::{ChecklistStatus, Evidence, ScoreReport, SecondApproval};
use crate::rules::RulePack;
use serde_json::{Value as Json, json};
use std::fmt::Write as _;

fn fact_names(pack: &RulePack, slots: &[u16]) -> Vec<String> {
    slots.iter().map(|&slot| pack.facts[usize::from(slot)].name.clone()).collect()
}

fn evidence_json(pack: &RulePack, facts: &CaseFacts, report: &ScoreReport, evidence: &Evidence) -> Vec<Json> {
    let mut items = Vec::new();
    for &slot in report.facts(evidence.facts) {
        let value = facts.value(slot).map(crate::value::FactValue::display);
        items.push(json!({ "kind": "fact", "fact": pack.facts[usize::from(slot)].name, "value": value }));
    }
    for &slot in report.facts(evidence.tested_missing) {
        items.push(json!({ "kind": "missing", "fact": pack.facts[usize::from(slot)].name }));
    }
    for hit in &evidence.keywords {
        let list = &pack.keyword_lists[usize::from(hit.list)];
        // A classifier's terms have no language: `null`.
        let language = list.terms.get(hit.term as usize).map(|term| &*term.language);
        items.push(json!({
            "kind": "keyword",
            "keyword_list": list.name,
            "keyword": list.term_text(hit.term as usize),
            "language": language
        }));
    }
    items
}

/// The report as JSON (schema in docs/score-report.md). Texts are in `language`, falling back to
/// English.
#[must_use]
pub fn to_json(
    pack: &RulePack,
    facts: &CaseFacts,
    issues: &[FieldIssue],
    report: &ScoreReport,
    language: &str,
) -> Json {
    let subscores: serde_json::Map<String, Json> = report
        .subscores
        .iter()
        .map(|subscore| {
            (
                subscore.category.name().to_owned(),
                json!({ "points": subscore.points, "score": subscore.score, "fired": subscore.fired, "not_evaluable": subscore.not_evaluable }),
            )
        })
        .collect();
    let hits: Vec<Json> = report
        .hits
        .iter()
        .map(|hit| {
            let rule = &pack.rules[hit.rule];
            json!({
                "rule": rule.id, "category": rule.category.name(), "title": rule.title.get(language),
                "rationale": rule.rationale.get(language), "source": rule.source, "points": hit.points,
                "evidence": evidence_json(pack, facts, report, &hit.evidence),
            })
        })
        .collect();
    let not_evaluable: Vec<Json> = report
        .not_evaluable
        .iter()
        .map(|entry| {
            let rule = &pack.rules[entry.rule];
            json!({
                "rule": rule.id, "category": rule.category.name(), "title": rule.title.get(language), "points": rule.points,
                "missing": fact_names(pack, report.facts(entry.missing)), "undefined": entry.undefined,
            })
        })
        .collect();
    let checklist: Vec<Json> = report
        .checklist
        .iter()
        .map(|entry| {
            let item = &pack.checklist[entry.item];
            json!({
                "item": item.id, "text": item.text.get(language), "status": entry.status.name(),
                "added_by": report.indices(entry.added_by).map(|rule| pack.rules[rule].id.clone()).collect::<Vec<_>>(),
                "may_be_added_by": report.indices(entry.may_be_added_by).map(|rule| pack.rules[rule].id.clone()).collect::<Vec<_>>(),
                "applies_by_condition": entry.applies_by_condition,
                "missing": fact_names(pack, report.facts(entry.missing)),
                "required_for": item.required_for.iter().map(|&outcome| pack.decision_policy.outcomes[outcome].id.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let outcomes: Vec<Json> = report
        .outcomes
        .iter()
        .map(|requirement| {
            let outcome = &pack.decision_policy.outcomes[requirement.outcome];
            let (state, missing) = match &requirement.second_approval {
                SecondApproval::Required => ("required", Vec::new()),
                SecondApproval::NotRequired => ("not_required", Vec::new()),
                SecondApproval::RequiredUntilKnown { missing } => ("required_until_known", fact_names(pack, report.facts(*missing))),
            };
            json!({
                "outcome": outcome.id, "label": outcome.label.get(language),
                "requires_second_approval": requirement.second_approval.is_required(),
                "second_approval": state, "missing": missing,
                "reason_codes": outcome.reason_codes.iter().map(|&code| pack.decision_policy.reason_codes[code].code.clone()).collect::<Vec<_>>(),
                "open_items": report.indices(requirement.open_items).map(|item| pack.checklist[item].id.clone()).collect::<Vec<_>>(),
                "unsure_items": report.indices(requirement.unsure_items).map(|item| pack.checklist[item].id.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "pack": { "id": pack.id, "version": pack.version },
        "score": report.score,
        "band": report.band.name(),
        "score_range": { "min": report.score_range.0, "max": report.score_range.1 },
        "raw_points": report.raw_points,
        "subscores": subscores,
        "hits": hits,
        "not_evaluable": not_evaluable,
        "completeness": (report.completeness() * 1000.0).round() / 1000.0,
        "checklist": checklist,
        "deadlines": report.deadlines.iter().map(|due| {
            let deadline = &pack.deadlines[due.deadline];
            json!({ "deadline": deadline.id, "label": deadline.label.get(language),
                    "due": crate::value::time::format_date(due.due), "days_left": due.days_left })
        }).collect::<Vec<_>>(),
        "outcomes": outcomes,
        "text_languages": report.text_languages.iter().map(|&(slot, mask)| {
            json!({ "fact": pack.facts[usize::from(slot)].name, "languages": pack.language_codes(mask) })
        }).collect::<Vec<_>>(),
        "fact_issues": issues.iter().map(|issue| json!({ "fact": issue.fact, "problem": issue.problem })).collect::<Vec<_>>(),
        "ignored_keys": facts.ignored_keys(),
        "pack_hash": &*report.pack_hash,
        "input_hash": &*report.input_hash,
    })
}

fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() > limit {
        format!("{}…", text.chars().take(limit).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// A readable summary for the terminal.
#[must_use]
pub fn to_text(
    pack: &RulePack,
    facts: &CaseFacts,
    issues: &[FieldIssue],
    report: &ScoreReport,
    language: &str,
) -> String {
    let mut out = String::new();
    let (low, high) = report.score_range;
    let _ = write!(out, "score {}/100, band {}", report.score, report.band.name());
    if (low, high) != (report.score, report.score) {
        let _ = write!(out, " (could be {low} to {high} once the missing facts are known)");
    }
    let _ = writeln!(out, "\ncompleteness {:.0}% of rule weight evaluated", report.completeness() * 100.0);
    let _ = writeln!(
        out,
        "by category: {}",
        report.subscores.iter().map(|s| format!("{} {:+}", s.category.name(), s.points)).collect::<Vec<_>>().join(", ")
    );
    for &(slot, mask) in &report.text_languages {
        let codes = pack.language_codes(mask);
        let read_as = if codes.is_empty() {
            "no language recognised, keywords of all languages".to_owned()
        } else {
            codes.join(", ")
        };
        let _ = writeln!(out, "{} read as: {read_as}", pack.facts[usize::from(slot)].name);
    }
    write_fired_rules(&mut out, pack, facts, report, language);
    if !report.not_evaluable.is_empty() {
        out.push_str("\nnot evaluable (data missing):\n");
        for entry in &report.not_evaluable {
            let rule = &pack.rules[entry.rule];
            let mut why = fact_names(pack, report.facts(entry.missing)).join(", ");
            if entry.undefined {
                why.push_str(if why.is_empty() { "undefined computation" } else { ", undefined computation" });
            }
            let _ = writeln!(out, "  {:+4}  {}  {} (needs {why})", rule.points, rule.id, rule.title.get(language));
        }
    }
    if !report.checklist.is_empty() {
        out.push_str("\nchecklist:\n");
        for entry in &report.checklist {
            let mark = match entry.status {
                ChecklistStatus::Done => "[x]",
                ChecklistStatus::Open => "[ ]",
                ChecklistStatus::NeedsData => "[?]",
            };
            let item = &pack.checklist[entry.item];
            let _ = write!(out, "  {mark} {}: {}", item.id, item.text.get(language));
            if entry.status == ChecklistStatus::NeedsData {
                let _ = write!(out, " (may apply; needs {})", fact_names(pack, report.facts(entry.missing)).join(", "));
            }
            out.push('\n');
        }
    }
    for due in &report.deadlines {
        let deadline = &pack.deadlines[due.deadline];
        let _ = write!(out, "\ndue {}: {}", crate::value::time::format_date(due.due), deadline.label.get(language));
        if let Some(days) = due.days_left {
            let _ = write!(out, " ({days} days left)");
        }
        out.push('\n');
    }
    write_outcomes(&mut out, pack, report);
    if !issues.is_empty() {
        out.push_str("\ncase data problems:\n");
        for issue in issues {
            let _ = writeln!(out, "  {}: {}", issue.fact, issue.problem);
        }
    }
    if !facts.ignored_keys().is_empty() {
        let _ = writeln!(out, "\nignored keys (not facts of this pack): {}", facts.ignored_keys().join(", "));
    }
    let _ = writeln!(
        out,
        "\npack {} {} sha256:{}\ninput sha256:{}",
        pack.id, pack.version, report.pack_hash, report.input_hash
    );
    out
}

/// The fired rules with their points and evidence, for `to_text`.
fn write_fired_rules(out: &mut String, pack: &RulePack, facts: &CaseFacts, report: &ScoreReport, language: &str) {
    if !report.hits.is_empty() {
        out.push_str("\nfired rules:\n");
        for hit in &report.hits {
            let rule = &pack.rules[hit.rule];
            let _ = writeln!(
                out,
                "  {:+4}  {}  {} [{}]",
                hit.points,
                rule.id,
                rule.title.get(language),
                rule.category.name()
            );
            let items = evidence_json(pack, facts, report, &hit.evidence);
            let mut evidence: Vec<String> = Vec::new();
            // A classifier's terms (no language) are one entry: the words that weighed for it.
            let mut weighed: Vec<String> = Vec::new();
            for item in &items {
                let keyword = item["keyword"].as_str().unwrap_or("");
                match (item["kind"].as_str(), item["language"].as_str()) {
                    (Some("fact"), _) => evidence.push(format!(
                        "{} = {}",
                        item["fact"].as_str().unwrap_or(""),
                        shorten(item["value"].as_str().unwrap_or(""), 60)
                    )),
                    (Some("missing"), _) => {
                        evidence.push(format!("{} is missing", item["fact"].as_str().unwrap_or("")));
                    }
                    (_, Some(language)) => evidence.push(format!("keyword \"{keyword}\" ({language})")),
                    (_, None) => weighed.push(format!("\"{keyword}\"")),
                }
            }
            if !weighed.is_empty() {
                evidence.push(format!("weighed for the word model: {}", weighed.join(", ")));
            }
            if !evidence.is_empty() {
                let _ = writeln!(out, "        because {}", evidence.join("; "));
            }
        }
    }
}

/// Each outcome's second-approval state and the open items that block it, for `to_text`.
fn write_outcomes(out: &mut String, pack: &RulePack, report: &ScoreReport) {
    if !report.outcomes.is_empty() {
        out.push_str("\noutcomes:\n");
        for requirement in &report.outcomes {
            let outcome = &pack.decision_policy.outcomes[requirement.outcome];
            let four_eye = match &requirement.second_approval {
                SecondApproval::Required => "second approval required".to_owned(),
                SecondApproval::NotRequired => "no second approval".to_owned(),
                SecondApproval::RequiredUntilKnown { missing } => {
                    format!(
                        "second approval required until {} known",
                        fact_names(pack, report.facts(*missing)).join(", ")
                    )
                }
            };
            let _ = write!(out, "  {}: {four_eye}", outcome.id);
            if !requirement.open_items.is_empty() {
                let open: Vec<&str> =
                    report.indices(requirement.open_items).map(|item| pack.checklist[item].id.as_str()).collect();
                let _ = write!(out, "; blocked by open items {}", open.join(", "));
            }
            out.push('\n');
        }
    }
}
