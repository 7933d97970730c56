//! An expert's pattern report for the Fraud Advisory Team (issue 17): the marks the fired rules
//! offer on this case (`pattern::candidates`: facts with the case's values, keyword lists that
//! matched), a category and a note; the draft rule they make is shown before it is sent. The report
//! carries ids and hashes, never case text. Controls declare intents as data attributes.

use super::text::Texts;
use crate::decision::Role;
use crate::flow::{ScoredCase, SubmitState, WidgetState};
use crate::pattern;
use crate::profile::CrmKind;
use crate::rules::{Category, RulePack};
use yew::prelude::*;

/// The category select's id (for its label).
const CATEGORY_FIELD: &str = "rp-pattern-category";
/// The note's id.
const NOTE_FIELD: &str = "rp-pattern-note";

pub(super) fn pattern_view(pack: &RulePack, scored: &ScoredCase, state: &WidgetState, t: &Texts) -> Html {
    // Experts only, and only where the CRM takes pattern reports (the generic contract, RT).
    let takes_reports = state
        .profile
        .as_ref()
        .and_then(|profile| profile.api.as_ref())
        .is_some_and(|api| matches!(api.kind, CrmKind::Generic | CrmKind::RequestTracker));
    if !takes_reports || state.user.as_ref().is_none_or(|user| user.role != Role::Expert) {
        return Html::default();
    }
    let offered = pattern::candidates(pack, &scored.facts, &scored.report);
    if offered.is_empty() {
        return Html::default();
    }
    // Marks and status belong to the case they were made on.
    let form = (state.pattern.case_key == scored.case_key).then_some(&state.pattern);
    let marked = |index: usize| form.is_some_and(|form| form.marked.contains(&index));
    let chosen: Vec<_> =
        offered.iter().enumerate().filter(|(index, _)| marked(*index)).map(|(_, element)| element.clone()).collect();
    let draft = pattern::draft_text(pack, &chosen).ok();
    let category = form.map_or("", |form| form.category.as_str());
    let status = form.map_or(&SubmitState::Idle, |form| &form.status);
    let status_view = match status {
        SubmitState::Idle => Html::default(),
        SubmitState::Sending => html! { <p class="submit-status" role="status">{ t.d_sending }</p> },
        SubmitState::Sent(reference) => {
            html! { <p class="submit-status sent" role="status">{ format!("{} {reference}", t.p_sent) }</p> }
        }
        SubmitState::Invalid(message) | SubmitState::Refused(message) | SubmitState::Failed(message) => {
            html! { <p class="submit-status failed" role="alert">{ format!("{}: {message}", t.p_failed) }</p> }
        }
    };
    let marks = offered.iter().enumerate().map(|(index, element)| {
        let condition = pattern::element_condition(pack, element).unwrap_or_default();
        html! {
            <li>
                <label>
                    <input type="checkbox" data-intent="mark-pattern" data-intent-value={ index.to_string() } checked={ marked(index) } />
                    { " " }<code>{ condition }</code>
                </label>
            </li>
        }
    });
    html! {
        <details class="pattern" part="pattern">
            <summary>{ t.p_title }</summary>
            <p class="hint">{ t.p_hint }</p>
            <fieldset>
                <legend>{ t.p_marks }</legend>
                <ul class="pattern-marks">{ for marks }</ul>
            </fieldset>
            <label for={ CATEGORY_FIELD }>{ t.p_category }</label>
            <select id={ CATEGORY_FIELD } data-intent="choose-pattern-category">
                { for Category::ALL.iter().zip(t.categories.iter()).map(|(value, label)| html! {
                    <option value={ value.name() } selected={ category == value.name() || (category.is_empty() && *value == Category::Fraud) }>{ *label }</option>
                }) }
            </select>
            <label for={ NOTE_FIELD }>{ t.p_note }</label>
            <textarea id={ NOTE_FIELD } data-intent="edit-pattern-note" rows="2" value={ form.map_or(String::new(), |form| form.note.clone()) } />
            if let Some(draft) = draft.filter(|_| !chosen.is_empty()) {
                <p class="pattern-draft">{ t.p_draft }{ " " }<code>{ draft }</code></p>
            }
            <button type="button" data-intent="submit-pattern" data-intent-value="send"
                disabled={ chosen.is_empty() || *status == SubmitState::Sending }>{ t.p_send }</button>
            { status_view }
        </details>
    }
}
