//! The decision form and the case's decisions: outcome, reason code, note; sending / stored /
//! failed states; pending decisions that a different expert (or Communications, for a public
//! reply, whose text the form carries and the list shows) can confirm or reject.
//! Controls declare intents as data attributes (see `INTENT_ATTRIBUTE`).

use super::text::Texts;
use crate::decision::{Decision, DecisionState, QA_OUTCOMES, Role, Severity};
use crate::engine::{RiskBand, ScoreReport, SecondApproval};
use crate::flow::{RefusedDecision, SubmitState, WidgetState};
use crate::rules::{CheckerRole, RulePack};
use yew::prelude::*;

/// Ids of the form's fields (for their labels; the form's values live in `flow::DecisionForm`,
/// edited through intents).
const OUTCOME_FIELD: &str = "rp-outcome";
/// See `OUTCOME_FIELD`.
const REASON_FIELD: &str = "rp-reason";
/// See `OUTCOME_FIELD`.
const NOTE_FIELD: &str = "rp-note";
/// The expert's band override.
const OVERRIDE_FIELD: &str = "rp-override";
/// Why the band is overridden.
const OVERRIDE_NOTE_FIELD: &str = "rp-override-note";
/// The text to publish (outcomes with `reply_text`).
const REPLY_FIELD: &str = "rp-reply";
/// Whose handling a quality review reviews.
const QA_AGENT_FIELD: &str = "rp-qa-agent";
/// The quality review's severity.
const QA_SEVERITY_FIELD: &str = "rp-qa-severity";
/// Prefix of the note field next to a pending decision (`rp-check-note-<id>`).
const CHECK_NOTE_PREFIX: &str = "rp-check-note-";

pub(super) fn decision_view(pack: &RulePack, report: &ScoreReport, state: &WidgetState, t: &Texts) -> Html {
    // Without a CRM API to send decisions to (the profile names none), there is no form.
    let has_api = state.profile.as_ref().is_some_and(|profile| profile.api.is_some());
    if pack.decision_policy.outcomes.is_empty() || !has_api {
        return Html::default();
    }
    let language = state.language.code();
    let Some(user) = &state.user else {
        return html! { <section class="decision" part="decision"><h3>{ t.d_decision }</h3><p class="empty">{ t.d_no_user }</p></section> };
    };
    let form = &state.form;
    let selected = form.outcome.as_deref();
    let outcomes = pack.decision_policy.outcomes.iter().enumerate().map(|(index, outcome)| {
        let second = report
            .outcomes
            .iter()
            .find(|requirement| requirement.outcome == index)
            .is_some_and(|requirement| !matches!(requirement.second_approval, SecondApproval::NotRequired));
        let label = if second { format!("{} ({})", outcome.label.get(language), t.d_needs_second) } else { outcome.label.get(language).to_owned() };
        html! { <option value={ outcome.id.clone() } selected={ selected == Some(outcome.id.as_str()) }>{ label }</option> }
    });
    let reasons = pack.decision_policy.reason_codes_of(selected.unwrap_or_default()).map(|reason| {
        html! { <option value={ reason.code.clone() } selected={ reason.code == form.reason_code }>{ reason.label.get(language) }</option> }
    });
    let status = status_view(&state.submit, t);
    let list = state.decisions.iter().map(|decision| decision_item(pack, decision, state, user, t, language));
    let with_reply =
        selected.and_then(|id| pack.decision_policy.outcome(id)).is_some_and(|(_, outcome)| outcome.reply_text);
    if user.role == Role::Communications {
        // Communications checks public replies; it proposes nothing (the CRM refuses it too).
        return html! {
            <section class="decision" part="decision">
                <h3>{ t.d_decision }</h3>
                <p class="empty">{ t.d_comms_only }</p>
                { status }
                if !state.decisions.is_empty() {
                    <p class="subheading">{ t.d_decisions }</p>
                    <ul class="decisions">{ for list }</ul>
                }
            </section>
        };
    }
    html! {
        <section class="decision" part="decision">
            <h3>{ t.d_decision }</h3>
            <label for={ OUTCOME_FIELD }>{ t.d_outcome }</label>
            <select id={ OUTCOME_FIELD } data-intent="select-outcome">
                <option value="" selected={ selected.is_none() }>{ t.d_choose }</option>
                { for outcomes }
            </select>
            <label for={ REASON_FIELD }>{ t.d_reason }</label>
            <select id={ REASON_FIELD } data-intent="choose-reason" disabled={ selected.is_none() }>{ for reasons }</select>
            <label for={ NOTE_FIELD }>{ t.d_note }</label>
            <textarea id={ NOTE_FIELD } data-intent="edit-note" rows="2" value={ form.note.clone() } />
            if with_reply {
                <label for={ REPLY_FIELD }>{ t.d_reply_text }</label>
                <textarea id={ REPLY_FIELD } data-intent="edit-reply-text" rows="3" aria-describedby="rp-reply-hint"
                    value={ form.reply_text.clone() } />
                <p class="hint" id="rp-reply-hint">{ t.d_reply_hint }</p>
            }
            if user.role == Role::Expert && selected.is_some_and(|id| QA_OUTCOMES.contains(&id)) {
                { qa_view(pack, report, state, user, t, language) }
            }
            if user.role == Role::Expert {
                <label for={ OVERRIDE_FIELD }>{ t.d_override }</label>
                <select id={ OVERRIDE_FIELD } data-intent="choose-override">
                    <option value="keep" selected={ form.band_override.is_none() }>{ t.d_override_none }</option>
                    { for RiskBand::ALL.iter().zip(t.bands.iter()).map(|(band, label)| html! {
                        <option value={ band.name() } selected={ form.band_override.as_deref() == Some(band.name()) }>{ *label }</option>
                    }) }
                </select>
                <label for={ OVERRIDE_NOTE_FIELD }>{ t.d_override_note }</label>
                <textarea id={ OVERRIDE_NOTE_FIELD } data-intent="edit-override-note" rows="1" value={ form.override_note.clone() } />
            }
            <button type="button" class="primary" data-intent="submit-decision" data-intent-value="submit"
                disabled={ selected.is_none() || state.submit == SubmitState::Sending }>{ t.d_submit }</button>
            { status }
            if !state.refused.is_empty() {
                <p class="subheading">{ t.d_refused_list }</p>
                <ul class="refused">{ for state.refused.iter().map(|refused| refused_item(pack, refused, t, language)) }</ul>
            }
            if !state.decisions.is_empty() {
                <p class="subheading">{ t.d_decisions }</p>
                <ul class="decisions">{ for list }</ul>
            }
        </section>
    }
}

/// Where the latest submission is: invalid, sending, stored, refused, failed (with a retry).
fn status_view(submit: &SubmitState, t: &Texts) -> Html {
    match submit {
        SubmitState::Idle => Html::default(),
        SubmitState::Invalid(message) => {
            html! { <p class="submit-status invalid" role="alert">{ message.clone() }</p> }
        }
        SubmitState::Sending => html! { <p class="submit-status" role="status">{ t.d_sending }</p> },
        SubmitState::Sent(reference) => {
            html! { <p class="submit-status sent" role="status">{ format!("{} {reference}", t.d_sent) }</p> }
        }
        SubmitState::Refused(message) => html! {
            <p class="submit-status invalid" role="alert">{ format!("{}: {message} — {}", t.d_refused, t.d_refused_gone) }</p>
        },
        SubmitState::Failed(message) => html! {
            <p class="submit-status failed" role="alert">
                { format!("{}: {message} — {} ", t.d_failed, t.d_retrying) }
                <button type="button" data-intent="retry-outbox" data-intent-value="retry">{ t.d_retry }</button>
            </p>
        },
    }
}

/// An expert's quality review of an earlier decision on the case: whose handling, how bad, which
/// of the case's checklist steps it missed and which fired rules it ignored. The note is the
/// feedback; the CRM checks all of it again and adds the agent's provider.
fn qa_view(
    pack: &RulePack,
    report: &ScoreReport,
    state: &WidgetState,
    user: &crate::decision::User,
    t: &Texts,
    language: &str,
) -> Html {
    let form = &state.form;
    let mut makers: Vec<&crate::decision::User> = Vec::new();
    for decision in &state.decisions {
        if decision.maker.id != user.id && !makers.iter().any(|known| known.id == decision.maker.id) {
            makers.push(&decision.maker);
        }
    }
    if makers.is_empty() {
        return html! { <p class="hint qa">{ t.q_none_to_review }</p> };
    }
    let steps = report.checklist.iter().map(|entry| {
        let item = &pack.checklist[entry.item];
        html! {
            <li><label>
                <input type="checkbox" data-intent="toggle-qa-step" data-intent-value={ item.id.clone() } checked={ form.qa_missed.contains(&item.id) } />
                { " " }{ item.text.get(language) }
            </label></li>
        }
    });
    let risks = report.hits.iter().map(|hit| {
        let rule = &pack.rules[hit.rule];
        html! {
            <li><label>
                <input type="checkbox" data-intent="toggle-qa-risk" data-intent-value={ rule.id.clone() } checked={ form.qa_ignored.contains(&rule.id) } />
                { format!(" {}: {}", rule.id, rule.title.get(language)) }
            </label></li>
        }
    });
    html! {
        <fieldset class="qa" part="qa">
            <legend>{ t.q_title }</legend>
            <label for={ QA_AGENT_FIELD }>{ t.q_agent }</label>
            <select id={ QA_AGENT_FIELD } data-intent="choose-qa-agent">
                <option value="" selected={ form.qa_agent.is_empty() }>{ t.d_choose }</option>
                { for makers.iter().map(|maker| html! {
                    <option value={ maker.id.clone() } selected={ form.qa_agent == maker.id }>{ maker.name.clone() }</option>
                }) }
            </select>
            <label for={ QA_SEVERITY_FIELD }>{ t.q_severity }</label>
            <select id={ QA_SEVERITY_FIELD } data-intent="choose-qa-severity">
                { for Severity::ALL.iter().zip(t.q_severities.iter()).map(|(severity, label)| html! {
                    <option value={ severity.name() } selected={ form.qa_severity == severity.name() || (form.qa_severity.is_empty() && *severity == Severity::None) }>{ *label }</option>
                }) }
            </select>
            if !report.checklist.is_empty() {
                <fieldset><legend>{ t.q_missed }</legend><ul class="qa-steps">{ for steps }</ul></fieldset>
            }
            if !report.hits.is_empty() {
                <fieldset><legend>{ t.q_ignored }</legend><ul class="qa-risks">{ for risks }</ul></fieldset>
            }
            <p class="hint">{ t.q_hint }</p>
        </fieldset>
    }
}

/// A decision of this user that the CRM refused: the case, the outcome, the CRM's reason.
fn refused_item(pack: &RulePack, refused: &RefusedDecision, t: &Texts, language: &str) -> Html {
    let outcome = pack.decision_policy.outcome_label(&refused.outcome, language);
    html! {
        <li class="refused-item" data-refused={ refused.id.clone() }>
            { format!("{} — {}: {}", refused.case_id, outcome, refused.reason) }
            <button type="button" data-intent="dismiss-refused" data-intent-value={ refused.id.clone() }>{ t.d_dismiss }</button>
        </li>
    }
}

fn decision_item(
    pack: &RulePack,
    decision: &Decision,
    state: &WidgetState,
    user: &crate::decision::User,
    t: &Texts,
    language: &str,
) -> Html {
    let outcome = pack.decision_policy.outcome_label(&decision.outcome, language);
    let state_text = match &decision.state {
        DecisionState::Decided => t.d_decided.to_owned(),
        DecisionState::PendingConfirmation if decision.maker.id == user.id => t.d_awaits_other.to_owned(),
        DecisionState::PendingConfirmation if decision.confirmed_by == CheckerRole::Communications => {
            t.d_pending_comms.to_owned()
        }
        DecisionState::PendingConfirmation => t.d_pending.to_owned(),
        DecisionState::Confirmed { by, .. } => format!("{} {}", t.d_confirmed_by, by.name),
        DecisionState::Rejected { by, note_of_checker, .. } => {
            format!("{} {}: {note_of_checker}", t.d_rejected_by, by.name)
        }
    };
    let can_check = decision.state == DecisionState::PendingConfirmation
        && user.role.checks(decision.confirmed_by)
        && decision.maker.id != user.id;
    let note_id = format!("{CHECK_NOTE_PREFIX}{}", decision.id);
    html! {
        <li class={ format!("decision-item state-{}", state_name(&decision.state)) } data-decision={ decision.id.clone() }>
            <span class="decision-outcome">{ outcome }</span>
            { format!(" — {} {} · {}", t.d_by, decision.maker.name, decision.reference.clone().unwrap_or_default()) }
            <span class="decision-state">{ format!(" · {state_text}") }</span>
            if let Some(reply) = &decision.reply_text {
                // Case-adjacent text typed by a colleague: shown as text, never as markup.
                <p class="reply-text"><span class="reply-label">{ t.d_reply_shown }</span>{ " " }<q>{ reply.clone() }</q></p>
            }
            if can_check {
                <label for={ note_id.clone() }>{ t.d_check_note }</label>
                <textarea id={ note_id } rows="1" data-intent="edit-check-note" data-intent-value={ decision.id.clone() }
                    value={ state.form.check_note(&decision.id).to_owned() } />
                <span class="check-buttons">
                    <button type="button" data-intent="confirm-decision" data-intent-value={ decision.id.clone() }>{ t.d_confirm }</button>
                    <button type="button" data-intent="reject-decision" data-intent-value={ decision.id.clone() }>{ t.d_reject }</button>
                </span>
            }
        </li>
    }
}

fn state_name(state: &DecisionState) -> &'static str {
    match state {
        DecisionState::Decided => "decided",
        DecisionState::PendingConfirmation => "pending",
        DecisionState::Confirmed { .. } => "confirmed",
        DecisionState::Rejected { .. } => "rejected",
    }
}
