//! How a decision lives in a Request Tracker ticket, without any I/O (the host's RT adapter does
//! the calls): the private comment that carries it (the note format of `record_note`, shared with
//! django-helpdesk), reading records back from comments under RT's authorship rules and its
//! refusals, the custom-field and status update that goes with a decision, and telling RT's
//! "HTTP 200 with an error message" answers apart from successes.

use crate::decision::{Checkers, Decision};
use crate::profile::RtSettings;
use crate::record_note::{self, Note};
use crate::rules::RulePack;
use crate::value::SmallSet;
use serde_json::{Map, Value};

// The note format and its authorship rules are shared with django-helpdesk (`record_note`).
pub use crate::record_note::{
    BLOCK_END, BLOCK_START, FOUR_EYES_FLAG, note_body as comment_body, records_in, state_value,
};
/// Starts the machine-readable line of RT's note that refuses a record (see [`refusal_note`]).
pub const REFUSAL_MARK: &str = "RISKPANE DECISION REFUSED: transaction ";
/// Starts the machine-readable line of RT's note on a repeated record (see [`repeat_note`]).
pub const REPEAT_MARK: &str = "RISKPANE DECISION REPEATED: transaction ";
/// Text common to records and refusal notes: what the read-back searches comments for.
pub const SEARCH_TEXT: &str = "RISKPANE DECISION";
/// RT's own user: scrips write as it, no person can.
pub const RT_SYSTEM: &str = "RT_System";

pub mod verdict;

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
pub fn refused_transactions(comments: &[RecordComment]) -> SmallSet<String> {
    let mut refused = SmallSet::new();
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

/// The decisions of a ticket, from its comments in the order RT wrote them, under the authorship
/// rules of [`record_note::decisions_from_notes`]; records RT refused (see
/// [`refused_transactions`]) do not count. The caller passes comments only, never correspondence.
#[must_use]
pub fn decisions_from_comments(comments: &[RecordComment], checkers: &Checkers) -> Vec<Decision> {
    let refused = refused_transactions(comments);
    let notes: Vec<Note<'_>> = comments
        .iter()
        .filter(|comment| !refused.contains(&comment.transaction))
        .map(|comment| Note { author: &comment.author, content: &comment.content })
        .collect();
    record_note::decisions_from_notes(&notes, checkers)
}

/// The ticket update that goes with a decision: score, band, flags (the fired rules' categories,
/// plus [`FOUR_EYES_FLAG`] while pending), the decision state when the author checks decisions
/// (an expert, or Communications; RT refuses it from anyone else), and the status the profile maps a final outcome to.
#[must_use]
pub fn ticket_update(pack: &RulePack, settings: &RtSettings, decision: &Decision, author_is_checker: bool) -> Value {
    let mut fields = Map::new();
    fields.insert(settings.score_field.clone(), Value::String(decision.snapshot.score.to_string()));
    fields.insert(settings.band_field.clone(), Value::from(record_note::decided_band(decision)));
    let flags = record_note::flags(pack, decision);
    fields.insert(
        settings.flags_field.clone(),
        Value::Array(flags.into_iter().map(|flag| Value::String(flag.to_owned())).collect()),
    );
    if author_is_checker {
        fields.insert(settings.state_field.clone(), Value::from(state_value(&decision.state)));
    }
    let mut update = Map::new();
    update.insert("CustomFields".to_owned(), Value::Object(fields));
    if let (true, Some(status)) = (record_note::is_final(decision), settings.status.get(&decision.outcome)) {
        update.insert("Status".to_owned(), Value::String(status.clone()));
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
    let values_of = |name: &str| -> Option<SmallSet<String>> {
        fields.iter().find(|field| field.get("name").and_then(Value::as_str) == Some(name)).map(|field| {
            field.get("values").and_then(Value::as_array).map(|values| strings_in(values)).unwrap_or_default()
        })
    };
    if let Some(expected) = update.get("CustomFields").and_then(Value::as_object) {
        for (name, wanted) in expected {
            let wanted: SmallSet<String> = match wanted {
                Value::Array(items) => strings_in(items),
                Value::String(text) => SmallSet::from([text.clone()]),
                _ => SmallSet::new(),
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

/// The strings among JSON values, as a set.
pub(crate) fn strings_in(values: &[Value]) -> SmallSet<String> {
    let mut set = SmallSet::new();
    set.extend(values.iter().filter_map(|value| value.as_str().map(str::to_owned)));
    set
}

fn quoted(values: &SmallSet<String>) -> String {
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

/// The queue pattern reports go to (seeded by the RT extension's `initialdata.pl`; only the
/// "Risk Experts" group may create tickets in it).
pub const PATTERN_QUEUE: &str = "Fraud Advisory";
/// First line of the machine-readable pattern report in a Fraud Advisory ticket.
pub const PATTERN_START: &str = "-----BEGIN RISKPANE PATTERN REPORT-----";
/// Last line of it.
pub const PATTERN_END: &str = "-----END RISKPANE PATTERN REPORT-----";

/// The TicketSQL that finds the Fraud Advisory ticket already filed for this pattern report (its
/// id is in the subject, `pattern_ticket`), so a send repeated after a lost answer files no second
/// ticket; `None` for an id that is not a plain UUID (nothing is quoted into the query).
#[must_use]
pub fn pattern_ticket_query(report: &crate::pattern::PatternReport) -> Option<String> {
    let plain = !report.id.is_empty() && report.id.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    plain.then(|| format!("Queue = '{PATTERN_QUEUE}' AND Subject LIKE 'Pattern report {} from'", report.id))
}

/// The RT ticket (`POST /ticket`) that files a pattern report with the Fraud Advisory Team: in
/// [`PATTERN_QUEUE`], referring to the case's ticket, its text a summary (draft rule, note, case,
/// pack) and the report as JSON between [`PATTERN_START`] and [`PATTERN_END`], which
/// `riskpane backtest --draft` reads once cut out. Its subject names the report's id.
#[must_use]
pub fn pattern_ticket(report: &crate::pattern::PatternReport) -> Value {
    let json = crate::json::write::to_text(&crate::pattern::report_json(report));
    let content = format!(
        "Pattern report {} by {} on ticket #{} ({} {}, {})\n\nDraft rule ({}):\n  {}\n\nNote: {}\n\n{PATTERN_START}\n{json}\n{PATTERN_END}\n",
        report.id,
        report.author.name,
        report.case_id,
        report.pack.id,
        report.pack.version,
        report.created_at,
        report.category,
        report.draft_rule,
        report.note,
    );
    let subject: String =
        format!("Pattern report {} from ticket #{}: {}", report.id, report.case_id, report.draft_rule)
            .chars()
            .take(200)
            .collect();
    crate::json::object_of(vec![
        ("Queue", Value::from(PATTERN_QUEUE)),
        ("Subject", Value::String(subject)),
        ("Content", Value::String(content)),
        ("ContentType", Value::from("text/plain")),
        ("RefersTo", Value::String(report.case_id.clone())),
    ])
}
