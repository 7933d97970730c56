//! The Request Tracker 5 adapter (REST 2.0, same origin, RT's session cookie, `cache: no-store`,
//! never `If-Modified-Since`): a decision is a private comment on the ticket carrying the
//! decision record (see `crate::request_tracker`), plus custom fields and status; decisions are
//! read back from the ticket's comments only (never correspondence), minus the records RT's
//! four-eye scrip refused. RT enforces the four-eye rule itself (rights on the decision-state
//! field, and the scrip that re-derives each record with `riskpane rt-verdict` and reverts what
//! it refuses); this adapter only reads back what RT kept. The current user comes from
//! `window.RT.CurrentUser`.

use super::crm_client::{CrmClient, encode};
use super::{CheckRequest, CrmError};
use crate::decision::{Check, Checkers, Decision, DecisionState, Role, User};
use crate::json::object_of;
use crate::profile::{CrmApi, RtSettings};
use crate::record_note;
use crate::request_tracker::{self, BLOCK_START, REFUSAL_MARK, RecordComment, SEARCH_TEXT};
use crate::rules::RulePack;
use crate::value::SmallSet;
use serde_json::Value;
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// Attachments asked for per page when reading comments back.
const PER_PAGE: usize = 100;
/// More pages than this is not a ticket a person handles; stop rather than loop.
const MAX_PAGES: usize = 50;

/// Decisions in a Request Tracker ticket.
pub(crate) struct RtClient {
    http: CrmClient,
    settings: RtSettings,
    pack: Rc<RulePack>,
    /// The signed-in RT user, with the role their group gives (experts, Communications).
    user: Option<User>,
    /// Names of the experts' and Communications' members, from the ticket island.
    checkers: Checkers,
}

/// `RT ticket #N` for a ticket RT names in an answer (`{"id": N}` or `{"id": "N"}`).
fn ticket_reference(ticket: &Value) -> Option<String> {
    match ticket.get("id")? {
        Value::String(id) => Some(format!("RT ticket #{id}")),
        Value::Number(id) => Some(format!("RT ticket #{id}")),
        _ => None,
    }
}

impl RtClient {
    /// An adapter for the page's RT session; reads the user, the experts and Communications from the page.
    pub(crate) fn new(api: CrmApi, settings: RtSettings, pack: Rc<RulePack>) -> RtClient {
        let island = super::read_island(&settings.island);
        let checkers =
            record_note::checkers_in(&island, &settings.experts_pointer, settings.communications_pointer.as_deref());
        let user = current_user(&checkers);
        RtClient { http: CrmClient { api, token: None }, settings, pack, user, checkers }
    }

    /// Follows a REST 2.0 collection's pages: requests `path` (which has a query already) with
    /// `per_page` and `page` appended and returns every page's `items`, stopping after a short page
    /// or `MAX_PAGES`. `what` names the collection in the error for an answer without `items`.
    async fn pages(&self, method: &str, path: &str, body: Option<&str>, what: &str) -> Result<Vec<Value>, CrmError> {
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let paged = format!("{path}&per_page={PER_PAGE}&page={page}");
            let mut answer = self.http.call(method, &paged, body.map(str::to_owned), None).await?;
            let Some(Value::Array(items)) = answer.get_mut("items").map(Value::take) else {
                return Err(CrmError::BadResponse(format!("{what} without `items`")));
            };
            // RT gives no total to non-superusers: a short page is the last one.
            let last = items.len() < PER_PAGE;
            all.extend(items);
            if last {
                break;
            }
        }
        Ok(all)
    }

    /// The ticket's transactions, `{"id", "Type", "Created"}` each, oldest first.
    async fn history(&self, ticket: &str) -> Result<Vec<Value>, CrmError> {
        let path = format!("/ticket/{}/history?fields=Type,Created", encode(ticket));
        self.pages("GET", &path, None, "history").await
    }

    /// The ticket's comments that carry decision records or RT's refusals and contain `text`,
    /// oldest first.
    async fn record_comments(&self, ticket: &str, text: &str) -> Result<Vec<RecordComment>, CrmError> {
        let query = crate::json::write::to_text(&Value::Array(vec![object_of(vec![
            ("field", Value::from("Content")),
            ("operator", Value::from("LIKE")),
            ("value", Value::from(text)),
        ])]));
        let path = format!(
            "/ticket/{}/attachments?fields=Content,ContentType,Creator,TransactionId&orderby=id&order=ASC",
            encode(ticket)
        );
        let mut found = Vec::new();
        for item in self.pages("POST", &path, Some(&query), "attachments").await? {
            let content = item.get("Content").and_then(Value::as_str).unwrap_or_default();
            let author = item.pointer("/Creator/id").and_then(Value::as_str).unwrap_or_default();
            let transaction = item.get("TransactionId").and_then(Value::as_str).unwrap_or_default();
            // The widget and RT's scrip write text/plain; RT's checker reads only that part too.
            let plain = item.get("ContentType").and_then(Value::as_str) == Some("text/plain");
            if plain && (content.contains(BLOCK_START) || content.contains(REFUSAL_MARK)) {
                found.push(RecordComment {
                    transaction: transaction.to_owned(),
                    author: author.to_owned(),
                    content: content.to_owned(),
                });
            }
        }
        if found.is_empty() {
            return Ok(found);
        }
        // Only comment transactions (RT's private notes): correspondence, which customers write
        // too, never carries a decision. RT's REST 2.0 writes ids as strings.
        let mut comments = SmallSet::new();
        comments.extend(
            self.history(ticket)
                .await?
                .iter()
                .filter(|item| item.get("Type").and_then(Value::as_str) == Some("Comment"))
                .filter_map(|item| item.get("id").and_then(Value::as_str).map(str::to_owned)),
        );
        found.retain(|comment| comments.contains(&comment.transaction));
        Ok(found)
    }

    /// Sends an update RT answers with a message array; any refused change is an error.
    async fn send(&self, method: &str, path: &str, body: Value) -> Result<Vec<String>, CrmError> {
        let answer = self.http.call(method, path, Some(crate::json::write::to_text(&body)), None).await?;
        let messages: Vec<String> = answer
            .as_array()
            .ok_or_else(|| {
                CrmError::BadResponse(format!(
                    "expected RT's message list, got {}",
                    crate::json::write::to_text(&answer)
                ))
            })?
            .iter()
            .map(|message| message.as_str().map_or_else(|| crate::json::write::to_text(message), str::to_owned))
            .collect();
        let failures = request_tracker::failures(&messages);
        if failures.is_empty() { Ok(messages) } else { Err(CrmError::Refused(failures.join("; "))) }
    }

    /// Files a pattern report as a ticket in the Fraud Advisory queue that refers to the case's
    /// ticket (`request_tracker::pattern_ticket`); returns `RT ticket #N`. RT has no idempotency
    /// key, so the report's id is in the subject and a ticket that already has it is the answer:
    /// a send repeated after a lost answer (the widget resends the same report) files nothing new.
    async fn report_pattern(&self, report: &crate::pattern::PatternReport) -> Result<String, CrmError> {
        if let Some(query) = request_tracker::pattern_ticket_query(report) {
            let path = format!("/tickets?query={}&fields=Subject", encode(&query));
            let filed = self.pages("GET", &path, None, "tickets").await?;
            if let Some(reference) = filed.first().and_then(ticket_reference) {
                return Ok(reference);
            }
        }
        let body = crate::json::write::to_text(&request_tracker::pattern_ticket(report));
        let answer = self.http.call("POST", "/ticket", Some(body), None).await?;
        ticket_reference(&answer)
            .ok_or_else(|| CrmError::BadResponse("RT created no ticket for the pattern report".to_owned()))
    }

    /// Writes `decision` as a private comment, then the fields and status that go with it.
    async fn write(&self, decision: &Decision) -> Result<(), CrmError> {
        let ticket = encode(&decision.case_id);
        let comment = object_of(vec![
            ("Subject", Value::from("riskpane decision")),
            ("Content", Value::from(request_tracker::comment_body(&self.pack, decision))),
            ("ContentType", Value::from("text/plain")),
        ]);
        // 201 and no failure in the messages: the comment is there (its text is looked up before
        // any resend, so a comment that did land is never written twice).
        self.send("POST", &format!("/ticket/{ticket}/comment"), comment).await?;
        // RT's scrip judged the record while the comment was written: fields only for a kept one.
        self.kept(&decision.case_id, &decision.id, |stored| stored.state == decision.state).await?;
        self.update_ticket(decision).await
    }

    /// Whether RT kept the record of decision `id` in the state `expected` wants; if not, RT's
    /// reason (its scrip's note) as the error.
    async fn kept(&self, case_id: &str, id: &str, expected: impl Fn(&Decision) -> bool) -> Result<(), CrmError> {
        let comments = self.record_comments(case_id, id).await?;
        let stored = request_tracker::decisions_from_comments(&comments, &self.checkers)
            .into_iter()
            .find(|decision| decision.id == id);
        if stored.as_ref().is_some_and(expected) {
            return Ok(());
        }
        let reason = request_tracker::refusal_reason(&comments, id)
            .unwrap_or_else(|| "the record is not among the decisions it keeps".to_owned());
        Err(CrmError::Refused(format!("Request Tracker refused the decision: {reason}")))
    }

    /// Sets the fields and status that go with `decision`, then reads the ticket back: RT's
    /// messages follow the user's language, the ticket does not. Anything not applied (RT refuses
    /// "Decision State" to non-experts) is an error.
    async fn update_ticket(&self, decision: &Decision) -> Result<(), CrmError> {
        let checker = self.user.as_ref().is_some_and(|user| user.role != Role::Agent);
        let update = request_tracker::ticket_update(&self.pack, &self.settings, decision, checker);
        let path = format!("/ticket/{}", encode(&decision.case_id));
        self.send("PUT", &path, update.clone()).await?;
        let ticket = self.http.call("GET", &path, None, None).await?;
        let problems = request_tracker::unapplied(&update, &ticket);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(CrmError::Refused(format!("RT did not apply: {}", problems.join("; "))))
        }
    }

    /// The decision with this id in the ticket, under RT's authorship rules.
    pub(crate) async fn find(&self, case_id: &str, id: &str) -> Result<Option<Decision>, CrmError> {
        let comments = self.record_comments(case_id, id).await?;
        Ok(request_tracker::decisions_from_comments(&comments, &self.checkers)
            .into_iter()
            .find(|decision| decision.id == id)
            .map(|decision| with_reference(decision, case_id)))
    }

    /// Stores a proposal or final decision exactly once: it is looked up first, because an earlier
    /// attempt (before a timeout or a reload) may have landed.
    pub(crate) async fn submit(&self, decision: &Decision) -> Result<Decision, CrmError> {
        let comments = self.record_comments(&decision.case_id, &decision.id).await?;
        let stored = request_tracker::decisions_from_comments(&comments, &self.checkers)
            .into_iter()
            .find(|stored| stored.id == decision.id);
        if let Some(stored) = stored {
            // The comment landed; make sure the fields did too (unchanged values are no-ops in RT).
            let stored = with_reference(stored, &decision.case_id);
            self.update_ticket(&stored).await?;
            return Ok(stored);
        }
        if let Some(reason) = request_tracker::refusal_reason(&comments, &decision.id) {
            // An earlier attempt landed and RT refused it: writing it again would be refused again.
            return Err(CrmError::Refused(format!("Request Tracker refused the decision: {reason}")));
        }
        self.write(decision).await?;
        // What was written is the record (update_ticket has read the ticket back): no second look-up.
        Ok(with_reference(decision.clone(), &decision.case_id))
    }

    /// Confirms or rejects a pending decision as the signed-in RT user: the comment first (RT's
    /// scrip accepts the checked record only from an expert who is not the maker, repeating the
    /// proposal), then the fields and status, which RT keeps only once it accepted the record.
    async fn check(&self, request: CheckRequest<'_>) -> Result<Decision, CrmError> {
        let CheckRequest { case_id, id, check, note, at } = request;
        let user = self.user.clone().ok_or_else(|| CrmError::Refused("not signed in to Request Tracker".to_owned()))?;
        let stored = self
            .find(case_id, id)
            .await?
            .ok_or_else(|| CrmError::Refused(format!("decision {id} is not in ticket {case_id}")))?;
        let already = match &stored.state {
            DecisionState::Confirmed { by, .. } => check == Check::Confirm && by.id == user.id,
            DecisionState::Rejected { by, .. } => check == Check::Reject && by.id == user.id,
            _ => false,
        };
        if already {
            // An earlier attempt wrote the comment; make sure the fields followed.
            self.update_ticket(&stored).await?;
            return Ok(stored);
        }
        let checked = check
            .apply(&stored, user, at.to_owned(), note.to_owned())
            .map_err(|error| CrmError::Refused(error.to_string()))?;
        let comment = object_of(vec![
            ("Subject", Value::from("riskpane decision checked")),
            ("Content", Value::from(request_tracker::comment_body(&self.pack, &checked))),
            ("ContentType", Value::from("text/plain")),
        ]);
        self.send("POST", &format!("/ticket/{}/comment", encode(case_id)), comment).await?;
        self.kept(case_id, id, |stored| stored.state == checked.state).await?;
        self.update_ticket(&checked).await?;
        Ok(with_reference(checked, case_id))
    }

    /// The history-derived facts the profile asks for (contacts in the last 7 days).
    async fn history_facts(&self, case_id: &str, fact: &str) -> Result<Value, CrmError> {
        let items = self.history(case_id).await?;
        let contacts = request_tracker::contacts_within(&items, super::now_seconds(), 7);
        Ok(object_of(vec![(fact, Value::from(contacts))]))
    }

    /// A ticket's decisions.
    pub(crate) async fn list(&self, case_id: &str) -> Result<Vec<Decision>, CrmError> {
        let comments = self.record_comments(case_id, SEARCH_TEXT).await?;
        Ok(request_tracker::decisions_from_comments(&comments, &self.checkers)
            .into_iter()
            .map(|decision| with_reference(decision, case_id))
            .collect())
    }
}

impl super::DecisionSink for RtClient {
    fn submit<'a>(&'a self, decision: &'a Decision) -> super::CrmFuture<'a, Decision> {
        Box::pin(RtClient::submit(self, decision))
    }

    fn timeout_ms(&self) -> u32 {
        self.http.api.timeout_ms
    }

    fn list<'a>(&'a self, case_id: &'a str) -> super::CrmFuture<'a, Vec<Decision>> {
        Box::pin(RtClient::list(self, case_id))
    }

    fn check<'a>(&'a self, request: CheckRequest<'a>) -> super::CrmFuture<'a, Decision> {
        Box::pin(RtClient::check(self, request))
    }

    fn report_pattern<'a>(&'a self, report: &'a crate::pattern::PatternReport) -> super::CrmFuture<'a, String> {
        Box::pin(RtClient::report_pattern(self, report))
    }

    fn current_user(&self) -> Option<User> {
        self.user.clone()
    }

    fn case_facts<'a>(&'a self, case_id: &'a str) -> Option<super::CrmFuture<'a, Value>> {
        let fact = self.settings.history_contacts_fact.as_deref()?;
        Some(Box::pin(self.history_facts(case_id, fact)))
    }
}

fn with_reference(decision: Decision, case_id: &str) -> Decision {
    Decision { reference: Some(format!("RT ticket #{case_id}")), ..decision }
}

/// `window.RT.CurrentUser`, the user RT's page was rendered for.
fn current_user(checkers: &Checkers) -> Option<User> {
    let window: JsValue = web_sys::window()?.into();
    let current =
        js_sys::Reflect::get(&js_sys::Reflect::get(&window, &"RT".into()).ok()?, &"CurrentUser".into()).ok()?;
    let field = |name: &str| js_sys::Reflect::get(&current, &name.into()).ok().and_then(|value| value.as_string());
    let id = field("Name").filter(|name| !name.is_empty())?;
    let name = field("RealName").filter(|name| !name.is_empty()).unwrap_or_else(|| id.clone());
    Some(User { role: checkers.role_of(&id), id, name })
}
