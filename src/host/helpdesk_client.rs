//! The django-helpdesk adapter (its REST API, Django REST framework; same origin, the session
//! cookie, and Django's CSRF token from the `csrftoken` cookie in `X-CSRFToken`, as the profile's
//! `csrf_cookie` / `csrf_header` say, sent by `CrmClient::call`): a decision is an internal
//! follow-up (`public: false`) carrying the note of `record_note`, then the custom fields and
//! status by PATCH, read back to check the helpdesk applied them. Decisions are read back from the
//! ticket's staff follow-ups only (see `crate::django_helpdesk`). django-helpdesk enforces the
//! four-eye rule itself (its riskpane app refuses with HTTP 403 and says why); HTTP 400 and 403
//! are refusals. The signed-in user, the experts and Communications come from the page's ticket island.

use super::crm_client::{CrmClient, encode};
use super::{CheckRequest, CrmError};
use crate::decision::{Check, Checkers, Decision, DecisionState, Role, User};
use crate::django_helpdesk;
use crate::profile::{CrmApi, HelpdeskSettings};
use crate::record_note::{self, note_body};
use crate::rules::RulePack;
use serde_json::Value;
use std::rc::Rc;

/// Decisions in a django-helpdesk ticket.
pub(crate) struct HelpdeskClient {
    http: CrmClient,
    settings: HelpdeskSettings,
    pack: Rc<RulePack>,
    /// The signed-in helpdesk user, with the role their group gives (experts, Communications).
    user: Option<User>,
    /// Ids of the experts' and Communications' members, from the ticket island.
    checkers: Checkers,
}

impl HelpdeskClient {
    /// An adapter for the page's helpdesk session; reads the user and the experts from the island.
    pub(crate) fn new(api: CrmApi, settings: HelpdeskSettings, pack: Rc<RulePack>) -> HelpdeskClient {
        let island = super::read_island(&settings.island);
        let checkers =
            record_note::checkers_in(&island, &settings.experts_pointer, settings.communications_pointer.as_deref());
        let user = island.pointer(&settings.user_pointer).and_then(|user| {
            let id = django_helpdesk::value_text(user.get("id"));
            let name =
                user.get("name").and_then(Value::as_str).filter(|name| !name.is_empty()).unwrap_or(&id).to_owned();
            let role = checkers.role_of(&id);
            (!id.is_empty()).then_some(User { id, name, role })
        });
        HelpdeskClient { http: CrmClient { api, token: None }, settings, pack, user, checkers }
    }

    /// One call; the helpdesk's 400 (invalid) and 403 (refused) answers are refusals.
    async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, CrmError> {
        self.http.call(method, path, body.map(crate::json::write::to_text), None).await.map_err(|error| match error {
            CrmError::Http { status: 400 | 403, message } => {
                CrmError::Refused(format!("django-helpdesk refused it: {message}"))
            }
            other => other,
        })
    }

    /// The ticket as the API returns it, with its follow-ups and custom fields.
    async fn ticket(&self, case_id: &str) -> Result<Value, CrmError> {
        self.call("GET", &format!("/tickets/{}/", encode(case_id)), None).await
    }

    /// The decision with this id in the ticket, under the authorship rules.
    async fn find(&self, case_id: &str, id: &str) -> Result<Option<Decision>, CrmError> {
        let ticket = self.ticket(case_id).await?;
        Ok(django_helpdesk::decisions(&ticket, &self.checkers)
            .into_iter()
            .find(|decision| decision.id == id)
            .map(|decision| with_reference(decision, case_id)))
    }

    /// Writes `decision` as an internal follow-up. When the helpdesk refuses it, a copy sent
    /// earlier may have landed (its answer lost: the helpdesk refuses a repeat): then it is there.
    async fn write_note(&self, decision: &Decision) -> Result<(), CrmError> {
        let body = django_helpdesk::followup(&decision.case_id, &note_body(&self.pack, decision));
        match self.call("POST", "/followups/", Some(&body)).await {
            Ok(_) => Ok(()),
            Err(CrmError::Refused(reason)) => match self.find(&decision.case_id, &decision.id).await? {
                Some(stored) if stored.state == decision.state => Ok(()),
                _ => Err(CrmError::Refused(reason)),
            },
            Err(error) => Err(error),
        }
    }

    /// Sets the custom fields and status that go with `decision`, then reads the ticket back;
    /// anything not applied is an error.
    async fn update_ticket(&self, decision: &Decision) -> Result<(), CrmError> {
        let checker = self.user.as_ref().is_some_and(|user| user.role != Role::Agent);
        let patch = django_helpdesk::ticket_patch(&self.pack, &self.settings, decision, checker);
        self.call("PATCH", &format!("/tickets/{}/", encode(&decision.case_id)), Some(&patch)).await?;
        let ticket = self.ticket(&decision.case_id).await?;
        let problems = django_helpdesk::unapplied(&patch, &ticket);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(CrmError::Refused(format!("django-helpdesk did not apply: {}", problems.join("; "))))
        }
    }

    /// Stores a proposal or final decision exactly once: it is looked up first, because an earlier
    /// attempt (before a timeout or a reload) may have landed.
    async fn submit(&self, decision: &Decision) -> Result<Decision, CrmError> {
        if let Some(stored) = self.find(&decision.case_id, &decision.id).await? {
            // The follow-up landed; make sure the fields did too (the same values again change nothing).
            self.update_ticket(&stored).await?;
            return Ok(stored);
        }
        self.write_note(decision).await?;
        self.update_ticket(decision).await?;
        Ok(with_reference(decision.clone(), &decision.case_id))
    }

    /// Confirms or rejects a pending decision as the signed-in user: the follow-up first (the
    /// helpdesk accepts it only from an expert who is not the maker, repeating the proposal), then
    /// the fields and status.
    async fn check(&self, request: CheckRequest<'_>) -> Result<Decision, CrmError> {
        let CheckRequest { case_id, id, check, note, at } = request;
        let user = self.user.clone().ok_or_else(|| CrmError::Refused("not signed in to django-helpdesk".to_owned()))?;
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
            self.update_ticket(&stored).await?;
            return Ok(stored);
        }
        let checked = check
            .apply(&stored, user, at.to_owned(), note.to_owned())
            .map_err(|error| CrmError::Refused(error.to_string()))?;
        self.write_note(&checked).await?;
        self.update_ticket(&checked).await?;
        Ok(with_reference(checked, case_id))
    }

    /// A ticket's decisions.
    async fn list(&self, case_id: &str) -> Result<Vec<Decision>, CrmError> {
        let ticket = self.ticket(case_id).await?;
        Ok(django_helpdesk::decisions(&ticket, &self.checkers)
            .into_iter()
            .map(|decision| with_reference(decision, case_id))
            .collect())
    }
}

impl super::DecisionSink for HelpdeskClient {
    fn submit<'a>(&'a self, decision: &'a Decision) -> super::CrmFuture<'a, Decision> {
        Box::pin(HelpdeskClient::submit(self, decision))
    }

    fn timeout_ms(&self) -> u32 {
        self.http.api.timeout_ms
    }

    fn list<'a>(&'a self, case_id: &'a str) -> super::CrmFuture<'a, Vec<Decision>> {
        Box::pin(HelpdeskClient::list(self, case_id))
    }

    fn check<'a>(&'a self, request: CheckRequest<'a>) -> super::CrmFuture<'a, Decision> {
        Box::pin(HelpdeskClient::check(self, request))
    }

    fn current_user(&self) -> Option<User> {
        self.user.clone()
    }
}

fn with_reference(decision: Decision, case_id: &str) -> Decision {
    Decision { reference: Some(format!("django-helpdesk ticket #{case_id}")), ..decision }
}
