//! Yew components of the widget: they render a `WidgetState` and emit `Intent`s; they never read
//! the page, fetch, or log. Case text is always rendered as text (Yew escapes it), never as HTML.

pub(crate) mod decision_form;
mod pattern_form;
mod text;

use crate::case::CaseFacts;
use crate::decision::Check;
use crate::engine::{ChecklistStatus, Evidence, RiskBand, ScoreReport};
use crate::flow::{FormEdit, PatternEdit, Phase, ScoredCase, WidgetState};
use crate::rules::{Category, RulePack};
use std::rc::Rc;
use text::{Texts, texts};
use yew::prelude::*;

/// What the agent asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Intent {
    /// Tick or untick a checklist item.
    ToggleChecklist(String),
    /// Edit the decision form (outcome, reason, note, override, a checker's note).
    EditForm(FormEdit),
    /// Submit the decision the form holds.
    SubmitDecision,
    /// Confirm or reject a pending decision (by id).
    CheckDecision {
        /// The decision's id.
        id: String,
        /// Confirm or reject.
        check: Check,
    },
    /// Send what waits in the outbox now instead of after the backoff.
    RetryOutbox,
    /// The maker has seen that the CRM refused a decision (by id): forget it.
    DismissRefused(String),
    /// Edit the expert's pattern report (a mark, the category, the note).
    EditPattern(PatternEdit),
    /// Send the pattern report to the Fraud Advisory Team.
    SubmitPattern,
}

/// The data attribute that names a control's intent; `INTENT_VALUE` carries its argument.
///
/// Controls declare intents as data attributes instead of Yew `on…` callbacks, because Yew
/// registers its delegated listeners on the app root and never removes them (they are
/// `forget()`-ten), so every mount would leak listeners and keep the detached host alive. `host/`
/// listens on the root itself, turns the attributes into an `Intent`, and removes its listener on
/// unmount.
pub(crate) const INTENT_ATTRIBUTE: &str = "data-intent";
/// See `INTENT_ATTRIBUTE`.
pub(crate) const INTENT_VALUE: &str = "data-intent-value";

impl Intent {
    /// The intent of a control: its `INTENT_ATTRIBUTE`, its `INTENT_VALUE` (`argument`) and the
    /// value it holds (a select's choice, a text field's text).
    pub(crate) fn from_control(kind: &str, argument: Option<String>, value: String) -> Option<Intent> {
        let edit = |edit: FormEdit| Some(Intent::EditForm(edit));
        match kind {
            "toggle-checklist" => Some(Intent::ToggleChecklist(argument?)),
            "select-outcome" => edit(FormEdit::Outcome(value)),
            "choose-reason" => edit(FormEdit::ReasonCode(value)),
            "edit-note" => edit(FormEdit::Note(value)),
            // Only a band is an override; "keep the score's band" (`keep`) is none.
            "choose-override" => edit(FormEdit::BandOverride(RiskBand::from_name(&value).is_some().then_some(value))),
            "edit-override-note" => edit(FormEdit::OverrideNote(value)),
            "edit-reply-text" => edit(FormEdit::ReplyText(value)),
            "choose-qa-agent" => edit(FormEdit::QaAgent(value)),
            "choose-qa-severity" => edit(FormEdit::QaSeverity(value)),
            "toggle-qa-step" => edit(FormEdit::QaMissed(argument?)),
            "toggle-qa-risk" => edit(FormEdit::QaIgnored(argument?)),
            "edit-check-note" => edit(FormEdit::CheckNote { decision: argument?, note: value }),
            "submit-decision" => Some(Intent::SubmitDecision),
            "confirm-decision" => Some(Intent::CheckDecision { id: argument?, check: Check::Confirm }),
            "reject-decision" => Some(Intent::CheckDecision { id: argument?, check: Check::Reject }),
            "retry-outbox" => Some(Intent::RetryOutbox),
            "dismiss-refused" => Some(Intent::DismissRefused(argument?)),
            "mark-pattern" => Some(Intent::EditPattern(PatternEdit::Mark(argument?.parse().ok()?))),
            "choose-pattern-category" => Some(Intent::EditPattern(PatternEdit::Category(value))),
            "edit-pattern-note" => Some(Intent::EditPattern(PatternEdit::Note(value))),
            "submit-pattern" => Some(Intent::SubmitPattern),
            _ => None,
        }
    }
}

/// Props of the root component.
#[derive(Properties, Clone)]
pub(crate) struct WidgetProps {
    pub(crate) state: Rc<WidgetState>,
}

impl PartialEq for WidgetProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.state, &other.state)
    }
}

/// The root component.
#[function_component(Widget)]
pub(crate) fn widget(props: &WidgetProps) -> Html {
    let state = &props.state;
    let t = texts(state.language);
    let body = match (&state.phase, &state.pack) {
        (Phase::Loading, _) => html! { <p class="status" role="status">{ t.loading }</p> },
        (Phase::Failed(message), _) => html! {
            <div class="failed" role="alert" part="error">
                <strong>{ t.failed }</strong>
                <p>{ message.clone() }</p>
            </div>
        },
        (Phase::Ready, _) | (Phase::Scored(_), None) => html! { <p class="status" role="status">{ t.reading }</p> },
        (Phase::Scored(scored), Some(pack)) => scored_view(state, pack, scored, t),
    };
    html! {
        <section class="panel" part="panel" aria-label={ t.heading } lang={ state.language.code() }>
            { body }
        </section>
    }
}

fn scored_view(state: &WidgetState, pack: &RulePack, scored: &ScoredCase, t: &'static Texts) -> Html {
    let report = &scored.report;
    html! {
        <>
            { score_badge(report, t) }
            { category_breakdown(report, t) }
            { deadline_list(pack, report, state, t) }
            { rule_hit_list(pack, &scored.facts, report, state, t) }
            { completeness_view(pack, scored, state, t) }
            { checklist_view(pack, report, state, t) }
            { decision_form::decision_view(pack, report, state, t) }
            { pattern_form::pattern_view(pack, scored, state, t) }
        </>
    }
}

fn score_badge(report: &ScoreReport, t: &Texts) -> Html {
    let band = t.bands[report.band as usize];
    let (low, high) = report.score_range;
    let range = if (low, high) == (report.score, report.score) {
        Html::default()
    } else {
        html! { <p class="range" part="range">{ format!("{} {low}–{high} {}", t.could_be, t.once_known) }</p> }
    };
    let label = format!("{} {} / 100, {band}", t.score, report.score);
    html! {
        <header class={ format!("badge band-{}", report.band.name()) } part="badge" role="group" aria-label={ label }>
            <span class="score" part="score">{ report.score }</span>
            <span class="band" part="band">{ band }</span>
            { range }
        </header>
    }
}

fn deadline_list(pack: &RulePack, report: &ScoreReport, state: &WidgetState, t: &Texts) -> Html {
    if report.deadlines.is_empty() {
        return Html::default();
    }
    let language = state.language.code();
    let items = report.deadlines.iter().map(|due| {
        let deadline = &pack.deadlines[due.deadline];
        let left = match due.days_left {
            Some(days) if days < 0 => format!(" ({} {})", -days, t.overdue),
            Some(days) => format!(" ({days} {})", t.days_left),
            None => String::new(),
        };
        html! {
            <li class="deadline">
                <time datetime={ crate::value::time::format_date(due.due) }>{ crate::value::time::format_date(due.due) }</time>
                { left }{ " — " }{ deadline.label.get(language) }
            </li>
        }
    });
    html! { <section class="deadlines" part="deadlines"><h3>{ t.deadlines }</h3><ul>{ for items }</ul></section> }
}

fn category_breakdown(report: &ScoreReport, t: &Texts) -> Html {
    let rows = report.subscores.iter().map(|subscore| {
        let name = t.categories[Category::ALL.iter().position(|c| *c == subscore.category).unwrap_or(0)];
        let id = format!("rp-cat-{}", subscore.category.name());
        html! {
            <li class="category">
                <label for={ id.clone() }>{ name }</label>
                <meter id={ id } min="0" max="100" low="30" high="60" optimum="0" value={ subscore.score.to_string() }></meter>
                <span class="points">{ format!("{:+}", subscore.points) }</span>
            </li>
        }
    });
    html! { <ul class="categories" part="categories">{ for rows }</ul> }
}

fn evidence_items(
    pack: &RulePack,
    facts: &CaseFacts,
    report: &ScoreReport,
    evidence: &Evidence,
    state: &WidgetState,
    t: &Texts,
) -> Vec<Html> {
    let language = state.language.code();
    let mut items = Vec::new();
    for &slot in report.facts(evidence.facts) {
        let label = pack.fact_label(slot, language);
        let value = facts.value(slot).map(crate::value::FactValue::display).unwrap_or_default();
        let shown: String = if value.chars().count() > 120 {
            format!("{}…", value.chars().take(120).collect::<String>())
        } else {
            value
        };
        items.push(html! { <li><span class="fact">{ label }</span>{ ": " }<q class="value">{ shown }</q></li> });
    }
    for &slot in report.facts(evidence.tested_missing) {
        let label = pack.fact_label(slot, language);
        items.push(html! { <li><span class="fact">{ label }</span>{ format!(" {}", t.is_missing) }</li> });
    }
    for hit in &evidence.keywords {
        let list = &pack.keyword_lists[usize::from(hit.list)];
        let index = hit.term as usize;
        let shown = if list.classifier.is_some() {
            list.term_text(index).map(|text| (t.classifier_term, text, String::new()))
        } else {
            list.terms.get(index).map(|term| (t.keyword, term.keyword.clone(), format!(" ({})", term.language)))
        };
        if let Some((before, term, after)) = shown {
            items.push(html! { <li>{ format!("{before} ") }<q class="value">{ term }</q>{ after }</li> });
        }
    }
    items
}

fn rule_hit_list(pack: &RulePack, facts: &CaseFacts, report: &ScoreReport, state: &WidgetState, t: &Texts) -> Html {
    let language = state.language.code();
    // Which language each text was read in, so the agent can tell when keywords of the wrong
    // language were applied (the pack detects it from marker words).
    let read_as = report.text_languages.iter().map(|&(slot, mask)| {
        let codes = pack.language_codes(mask);
        let languages = if codes.is_empty() { t.no_language.to_owned() } else { codes.join(", ") };
        html! { <p class="read-as">{ format!("{} {}: {languages}", pack.fact_label(slot, language), t.read_as) }</p> }
    });
    // Keyword signals find about three in four plainly worded requests on unseen text
    // (docs/evaluation.md): say that no signal is not proof of no request.
    let read_as =
        read_as.chain((!report.text_languages.is_empty()).then(|| html! { <p class="read-as">{ t.read_limits }</p> }));
    if report.hits.is_empty() {
        return html! { <section class="hits" part="hits"><h3>{ t.why }</h3><p class="empty">{ t.no_hits }</p>{ for read_as }</section> };
    }
    let hits = report.hits.iter().map(|hit| {
        let rule = &pack.rules[hit.rule];
        html! {
            <li class={ if hit.points < 0 { "hit mitigating" } else { "hit aggravating" } }>
                <details>
                    <summary>
                        <span class="points">{ format!("{:+}", hit.points) }</span>
                        <span class="title">{ rule.title.get(language) }</span>
                    </summary>
                    <p class="rationale">{ rule.rationale.get(language) }</p>
                    <p class="evidence-heading">{ t.evidence }</p>
                    <ul class="evidence">{ for evidence_items(pack, facts, report, &hit.evidence, state, t) }</ul>
                    <p class="rule-meta">
                        <code>{ rule.id.clone() }</code>{ " · " }
                        <a href={ rule.source.clone() } target="_blank" rel="noopener noreferrer">{ t.source }</a>
                    </p>
                </details>
            </li>
        }
    });
    html! {
        <section class="hits" part="hits">
            <h3>{ t.why }</h3>
            <ul>{ for hits }</ul>
            { for read_as }
        </section>
    }
}

fn completeness_view(pack: &RulePack, scored: &ScoredCase, state: &WidgetState, t: &Texts) -> Html {
    let language = state.language.code();
    let report = &scored.report;
    let percent = (report.completeness() * 100.0).round() as i64;
    let mut missing: Vec<(u16, Vec<String>)> = Vec::new();
    let mut undefined_rules = Vec::new();
    for entry in &report.not_evaluable {
        let rule_title = pack.rules[entry.rule].title.get(language).to_owned();
        for &slot in report.facts(entry.missing) {
            match missing.iter_mut().find(|(known, _)| *known == slot) {
                Some((_, rules)) => rules.push(rule_title.clone()),
                None => missing.push((slot, vec![rule_title.clone()])),
            }
        }
        if entry.undefined && entry.missing.is_empty() {
            undefined_rules.push(rule_title);
        }
    }
    let missing_items = missing.iter().map(|(slot, rules)| {
        let label = pack.fact_label(*slot, language);
        html! {
            <li class="missing-fact">
                <span class="fact">{ label }</span>
                <span class="decides">{ format!(" — {} {}", t.decides, rules.join("; ")) }</span>
            </li>
        }
    });
    let issues = scored.issues.iter().map(|issue| {
        let label = pack
            .fact_slot(&issue.fact)
            .and_then(|slot| pack.facts[usize::from(slot)].label.as_ref())
            .map_or(issue.fact.as_str(), |label| label.get(language));
        html! { <li class="issue"><span class="fact">{ label }</span>{ ": " }{ issue.problem.clone() }</li> }
    });
    let undefined =
        undefined_rules.iter().map(|title| html! { <li class="issue">{ format!("{title}: {}", t.undefined) }</li> });
    let nothing_missing = missing.is_empty() && scored.issues.is_empty() && undefined_rules.is_empty();
    html! {
        <section class="data" part="data">
            <h3>{ t.data }</h3>
            <label class="completeness" for="rp-completeness">{ format!("{} {percent}%", t.completeness) }</label>
            <meter id="rp-completeness" min="0" max="100" low="60" high="90" optimum="100" value={ percent.to_string() }></meter>
            if nothing_missing {
                <p class="empty">{ t.complete }</p>
            }
            if !missing.is_empty() {
                <p class="subheading">{ t.missing_facts }</p>
                <ul class="missing">{ for missing_items }</ul>
            }
            if !scored.issues.is_empty() || !undefined_rules.is_empty() {
                <p class="subheading">{ t.unreadable }</p>
                <ul class="issues">{ for issues }{ for undefined }</ul>
            }
        </section>
    }
}

fn checklist_view(pack: &RulePack, report: &ScoreReport, state: &WidgetState, t: &Texts) -> Html {
    let language = state.language.code();
    if report.checklist.is_empty() {
        return html! { <section class="checklist" part="checklist"><h3>{ t.checklist }</h3><p class="empty">{ t.no_items }</p></section> };
    }
    let items = report.checklist.iter().map(|entry| {
        let item = &pack.checklist[entry.item];
        let status = state.item_status(&item.id, entry.status);
        let done_by_data = entry.status == ChecklistStatus::Done;
        let id = format!("rp-item-{}", item.id);
        let needs = if entry.status == ChecklistStatus::NeedsData && status != ChecklistStatus::Done {
            let names: Vec<&str> = report.facts(entry.missing).iter().map(|&slot| pack.fact_label(slot, language)).collect();
            let blocks = if item.blocks_while_unknown { t.blocks_until_known } else { t.does_not_block };
            html! { <span class="needs">{ format!("{} {} ({blocks})", t.needs_data, names.join(", ")) }</span> }
        } else {
            Html::default()
        };
        let required: Vec<&str> =
            item.required_for.iter().map(|&outcome| pack.decision_policy.outcomes[outcome].label.get(language)).collect();
        html! {
            <li class={ format!("item status-{}", status.name()) }>
                <input type="checkbox" id={ id.clone() } checked={ status == ChecklistStatus::Done } disabled={ done_by_data }
                    data-intent="toggle-checklist" data-intent-value={ item.id.clone() } />
                <label for={ id }>
                    { item.text.get(language) }
                    if done_by_data { <span class="done-by-data">{ format!(" — {}", t.done_by_data) }</span> }
                </label>
                { needs }
                if !required.is_empty() {
                    <span class="required">{ format!("{} {}", t.required_for, required.join(", ")) }</span>
                }
            </li>
        }
    });
    html! {
        <section class="checklist" part="checklist">
            <h3>{ t.checklist }</h3>
            <ul>{ for items }</ul>
        </section>
    }
}
