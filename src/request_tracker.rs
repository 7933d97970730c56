//! How a decision lives in a Request Tracker ticket, without any I/O (the host's RT adapter does
//! the calls): the private comment that carries it (a readable summary plus a machine-readable
//! block with the decision record), reading records back from comments under RT's authorship
//! rules, the custom-field and status update that goes with a decision, and telling RT's
//! "HTTP 200 with an error message" answers apart from successes.

use crate::decision::{Decision, DecisionState, Role};
use crate::profile::RtSettings;
use crate::rules::RulePack;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// First line of the machine-readable block in a comment.
pub const BLOCK_START: &str = "-----BEGIN RISKPANE DECISION-----";
/// Last line of the machine-readable block.
pub const BLOCK_END: &str = "-----END RISKPANE DECISION-----";
/// Flag value set while a decision waits for its second approval.
pub const FOUR_EYES_FLAG: &str = "four-eyes";
/// Starts the machine-readable line of RT's note that refuses a record (see [`refusal_note`]).
pub const REFUSAL_MARK: &str = "RISKPANE DECISION REFUSED: transaction ";
/// Starts the machine-readable line of RT's note on a repeated record (see [`repeat_note`]).
pub const REPEAT_MARK: &str = "RISKPANE DECISION REPEATED: transaction ";
/// Text common to records and refusal notes: what the read-back searches comments for.
pub const SEARCH_TEXT: &str = "RISKPANE DECISION";
/// RT's own user: scrips write as it, no person can.
pub const RT_SYSTEM: &str = "RT_System";

pub mod verdict;

/// The value of the decision-state custom field for a state.
#[must_use]
pub fn state_value(state: &DecisionState) -> &'static str {
    match state {
        DecisionState::Decided => "decided",
        DecisionState::PendingConfirmation => "pending_confirmation",
        DecisionState::Confirmed { .. } => "confirmed",
        DecisionState::Rejected { .. } => "rejected",
    }
}

/// The private comment that records `decision`: a summary for people reading the ticket, then the
/// decision record as JSON between [`BLOCK_START`] and [`BLOCK_END`].
#[must_use]
pub fn comment_body(pack: &RulePack, decision: &Decision) -> String {
    let outcome = pack.decision_policy.outcome_label(&decision.outcome, "en");
    let mut text = String::new();
    let headline = match &decision.state {
        DecisionState::Decided => "decided".to_owned(),
        DecisionState::PendingConfirmation => "proposed, waits for a second approval (four-eye principle)".to_owned(),
        DecisionState::Confirmed { by, .. } => format!("confirmed by {} ({})", by.name, by.id),
        DecisionState::Rejected { by, .. } => format!("rejected by {} ({})", by.name, by.id),
    };
    let _ = writeln!(text, "riskpane decision: {outcome} - {headline}");
    let snapshot = &decision.snapshot;
    let _ = writeln!(
        text,
        "Score {}/100, band {} (rule pack {} {})",
        snapshot.score, snapshot.band, decision.pack_id, decision.pack_version
    );
    if !snapshot.hits.is_empty() {
        let hits: Vec<String> = snapshot.hits.iter().map(|(rule, points)| format!("{rule} (+{points})")).collect();
        let _ = writeln!(text, "Rules: {}", hits.join(", "));
    }
    if let Some(band_override) = &decision.band_override {
        let _ = writeln!(
            text,
            "Band overridden: {} -> {} ({}): {}",
            band_override.from, band_override.to, band_override.reason_code, band_override.note
        );
    }
    let _ = writeln!(text, "Reason: {}", decision.reason_code);
    let _ = writeln!(text, "Proposed by: {} ({}) at {}", decision.maker.name, decision.maker.id, decision.created_at);
    if !decision.note.trim().is_empty() {
        let _ = writeln!(text, "Note: {}", decision.note.trim());
    }
    if let DecisionState::Confirmed { note_of_checker, at, .. } | DecisionState::Rejected { note_of_checker, at, .. } =
        &decision.state
    {
        let _ = writeln!(text, "Checked at {at}: {}", note_of_checker.trim());
    }
    if !decision.checklist_done.is_empty() {
        let _ = writeln!(text, "Checklist done: {}", decision.checklist_done.join(", "));
    }
    let _ = writeln!(text, "Decision id: {}", decision.id);
    // Free text (notes) may contain the markers: inside the record, five dashes can only stand in
    // a JSON string, where `\u002d` is the same dash, so the block cannot be cut short.
    let record = serde_json::to_string(decision).unwrap_or_default().replace("-----", "-\\u002d---");
    let _ = write!(text, "\n{BLOCK_START}\n{record}\n{BLOCK_END}\n");
    text
}

/// The decision record of a comment: the last block, the one `comment_body` appends. Blocks
/// earlier in the text (typed into a note, say) are not records; a block that does not parse is
/// none.
#[must_use]
pub fn records_in(content: &str) -> Vec<Decision> {
    let Some(start) = content.rfind(BLOCK_START) else { return Vec::new() };
    let after = &content[start + BLOCK_START.len()..];
    let Some(end) = after.find(BLOCK_END) else { return Vec::new() };
    serde_json::from_str::<Decision>(after[..end].trim()).map(|decision| vec![decision]).unwrap_or_default()
}

/// RT's note refusing a record: why, for people, and a [`REFUSAL_MARK`] line for the read-back.
/// It never contains [`BLOCK_START`], so it is no record itself.
#[must_use]
pub fn refusal_note(refused: &verdict::RefusedRecord) -> String {
    format!(
        "riskpane: Request Tracker refused the decision record of transaction #{} (decision {}).\nReason: {}\n\n{REFUSAL_MARK}{}, decision {}\n",
        refused.transaction, refused.decision, refused.reason, refused.transaction, refused.decision
    )
}

/// RT's note on a record that repeats an earlier one word for word (a resend whose first copy had
/// landed): for people reading the ticket, and a [`REPEAT_MARK`] line. The repeat changes nothing;
/// the read-back counts the decision once. It never contains [`BLOCK_START`] or [`REFUSAL_MARK`].
#[must_use]
pub fn repeat_note(repeated: &verdict::RepeatedRecord) -> String {
    format!(
        "riskpane: Request Tracker counts the decision record of transaction #{} once: it repeats transaction #{} word for word (decision {}; a resend after a lost answer) and changes nothing.\n\n{REPEAT_MARK}{}, decision {}, first {}\n",
        repeated.transaction,
        repeated.first,
        repeated.decision,
        repeated.transaction,
        repeated.decision,
        repeated.first
    )
}

/// A private comment (RT transaction type `Comment`; never correspondence) that carries decision
/// records or RT's refusal of one, as RT returned it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordComment {
    /// RT's transaction id.
    pub transaction: String,
    /// RT's user name of the comment's author (RT sets it from the session: it cannot be forged).
    pub author: String,
    /// The comment's text.
    pub content: String,
}

/// The transactions whose records RT refused: the [`REFUSAL_MARK`] lines of notes RT itself
/// (its scrip, as [`RT_SYSTEM`]) wrote. The same line in anyone else's comment means nothing.
#[must_use]
pub fn refused_transactions(comments: &[RecordComment]) -> BTreeSet<String> {
    let mut refused = BTreeSet::new();
    refused.extend(
        comments
            .iter()
            .filter(|comment| comment.author == RT_SYSTEM)
            .flat_map(|comment| comment.content.lines())
            .filter_map(|line| line.trim().strip_prefix(REFUSAL_MARK))
            .filter_map(|rest| rest.split(',').next())
            .map(|transaction| transaction.trim().to_owned()),
    );
    refused
}

/// Why RT refused the latest record of decision `id`: the reason line of RT's last note naming it.
#[must_use]
pub fn refusal_reason(comments: &[RecordComment], id: &str) -> Option<String> {
    let names_it = |line: &str| {
        line.trim()
            .strip_prefix(REFUSAL_MARK)
            .and_then(|rest| rest.split_once(", decision "))
            .is_some_and(|(_, named)| named.trim() == id)
    };
    comments
        .iter()
        .rev()
        .filter(|comment| comment.author == RT_SYSTEM)
        .find(|comment| comment.content.lines().any(names_it))
        .map(|comment| {
            comment
                .content
                .lines()
                .find_map(|line| line.strip_prefix("Reason: "))
                .unwrap_or("no reason given")
                .trim()
                .to_owned()
        })
}

/// The decisions of a ticket, from its comments in the order RT wrote them: the latest trusted
/// record of each decision id wins. Records RT refused (see [`refused_transactions`]) do not
/// count. A proposal counts only when its author is its maker; a confirmation or rejection only
/// when its author is its checker, a member of the experts group and not the maker, it follows
/// that decision's proposal and leaves it as it was. Anything else (a record typed into a comment
/// by hand) is ignored. The caller passes comments only, never correspondence.
#[must_use]
pub fn decisions_from_comments(comments: &[RecordComment], experts: &BTreeSet<String>) -> Vec<Decision> {
    let refused = refused_transactions(comments);
    let mut decisions: Vec<Decision> = Vec::new();
    for comment in comments.iter().filter(|comment| !refused.contains(&comment.transaction)) {
        for record in records_in(&comment.content) {
            let known = decisions.iter().position(|decision| decision.id == record.id);
            match (&record.state, known) {
                (DecisionState::Decided | DecisionState::PendingConfirmation, None)
                    if record.maker.id == comment.author =>
                {
                    decisions.push(record);
                }
                (DecisionState::Confirmed { by, .. } | DecisionState::Rejected { by, .. }, Some(index)) => {
                    let proposal = &decisions[index];
                    let trusted = by.id == comment.author
                        && by.role == Role::Expert
                        && experts.contains(&comment.author)
                        && comment.author != proposal.maker.id
                        && proposal.state == DecisionState::PendingConfirmation
                        && unchanged(proposal, &record);
                    if trusted {
                        decisions[index] = record;
                    }
                }
                _ => {}
            }
        }
    }
    decisions
}

/// Whether a confirmation or rejection repeats its proposal exactly (only state, checker and the
/// checker's note are new).
fn unchanged(proposal: &Decision, checked: &Decision) -> bool {
    let strip = |decision: &Decision| Decision {
        reference: None,
        state: DecisionState::PendingConfirmation,
        ..decision.clone()
    };
    strip(proposal) == strip(checked)
}

/// The ticket update that goes with a decision: score, band, flags (the fired rules' categories,
/// plus [`FOUR_EYES_FLAG`] while pending), the decision state when the author is an expert (RT
/// refuses it from anyone else), and the status the profile maps a final outcome to.
#[must_use]
pub fn ticket_update(pack: &RulePack, settings: &RtSettings, decision: &Decision, author_is_expert: bool) -> Value {
    let mut fields = Map::new();
    fields.insert(settings.score_field.clone(), json!(decision.snapshot.score.to_string()));
    let band = decision.band_override.as_ref().map_or(&decision.snapshot.band, |band_override| &band_override.to);
    fields.insert(settings.band_field.clone(), json!(band));
    let mut flags: BTreeSet<&str> = BTreeSet::new();
    flags.extend(
        decision
            .snapshot
            .hits
            .iter()
            .filter_map(|(id, _)| pack.rules.iter().find(|rule| rule.id == *id))
            .map(|rule| rule.category.name()),
    );
    if decision.state == DecisionState::PendingConfirmation {
        flags.insert(FOUR_EYES_FLAG);
    }
    fields.insert(settings.flags_field.clone(), json!(flags.into_iter().collect::<Vec<_>>()));
    if author_is_expert {
        fields.insert(settings.state_field.clone(), json!(state_value(&decision.state)));
    }
    let mut update = Map::new();
    update.insert("CustomFields".to_owned(), Value::Object(fields));
    let is_final = matches!(decision.state, DecisionState::Decided | DecisionState::Confirmed { .. });
    if let (true, Some(status)) = (is_final, settings.status.get(&decision.outcome)) {
        update.insert("Status".to_owned(), json!(status));
    }
    Value::Object(update)
}

/// What of a ticket update RT did not apply, from the ticket as RT returns it afterwards
/// (`GET /REST/2.0/ticket/{id}`): custom fields whose values differ (as sets) and a status that is
/// not the one asked for. Language-independent, unlike RT's messages, which follow the user's
/// language.
#[must_use]
pub fn unapplied(update: &Value, ticket: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let fields = ticket.get("CustomFields").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    let values_of = |name: &str| -> Option<BTreeSet<String>> {
        fields.iter().find(|field| field.get("name").and_then(Value::as_str) == Some(name)).map(|field| {
            field.get("values").and_then(Value::as_array).map(|values| strings_in(values)).unwrap_or_default()
        })
    };
    if let Some(expected) = update.get("CustomFields").and_then(Value::as_object) {
        for (name, wanted) in expected {
            let wanted: BTreeSet<String> = match wanted {
                Value::Array(items) => strings_in(items),
                Value::String(text) => BTreeSet::from([text.clone()]),
                _ => BTreeSet::new(),
            };
            match values_of(name) {
                Some(actual) if actual == wanted => {}
                // Quoted by hand: `{:?}` would bring Debug's escaping tables into the widget.
                Some(actual) => problems.push(format!("{name} is [{}], not [{}]", quoted(&actual), quoted(&wanted))),
                None => problems.push(format!("{name} is not a custom field of this ticket (or not visible)")),
            }
        }
    }
    if let Some(status) = update.get("Status").and_then(Value::as_str)
        && ticket.get("Status").and_then(Value::as_str) != Some(status)
    {
        problems.push(format!("status is not {status}"));
    }
    problems
}

/// The strings among JSON values, as a set. (Inserted one by one: collecting into a `BTreeSet`
/// sorts with a stable sort, several KB of wasm per element type.)
pub(crate) fn strings_in(values: &[Value]) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    set.extend(values.iter().filter_map(|value| value.as_str().map(str::to_owned)));
    set
}

fn quoted(values: &BTreeSet<String>) -> String {
    values.iter().map(|value| format!("\"{value}\"")).collect::<Vec<_>>().join(", ")
}

/// Contacts on a ticket in the `days` days before `now_seconds`: its create and correspond
/// transactions (`GET /REST/2.0/ticket/{id}/history?fields=Type,Created`), which RT lists for
/// every message from or to the requestor. Items without a readable time do not count.
#[must_use]
pub fn contacts_within(history: &[Value], now_seconds: i64, days: i64) -> i64 {
    let since = now_seconds - days * crate::value::time::SECONDS_PER_DAY;
    history
        .iter()
        .filter(|item| matches!(item.get("Type").and_then(Value::as_str), Some("Create" | "Correspond")))
        .filter_map(|item| item.get("Created").and_then(Value::as_str).and_then(crate::value::time::parse_datetime))
        .filter(|&created| created > since && created <= now_seconds)
        .count() as i64
}

/// The messages in an RT answer that say something failed. RT answers updates with HTTP 200 and
/// an array of messages, one per change; a refused change is only visible as its message
/// ("Invalid value for custom field", "Status 'x' isn't a valid status", "Permission Denied").
#[must_use]
pub fn failures(messages: &[String]) -> Vec<String> {
    const SIGNS: [&str; 9] = [
        "invalid",
        "isn't a valid",
        "is not a valid",
        "permission denied",
        "could not",
        "couldn't",
        "not allowed",
        "no permission",
        "failed",
    ];
    messages
        .iter()
        .filter(|message| {
            // `fold` (the rule language's case folding), not `str::to_lowercase`: one lowercase
            // table in the widget instead of two.
            let lower = crate::value::text::fold(message);
            SIGNS.iter().any(|sign| lower.contains(sign))
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests;
