//! The CRM adapter for the generic REST contract (pkg-config/crm/generic-rest.openapi.yaml):
//! posts decisions with `Idempotency-Key` = decision id, reads a case's decisions back, confirms
//! and rejects. Same origin unless the embedding allows another (`crm_origin`); auth by session cookie or a bearer token from the host page;
//! CSRF token from a meta tag named in the profile.

use super::fetch::{js_message, start, text_of};
use super::{CheckRequest, CrmError};
use crate::decision::{Check, Decision};
use crate::profile::{CrmApi, CrmAuth, CrmEndpoints};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Headers, RequestCache, RequestInit, Response};

/// How to reach the CRM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CrmClient {
    pub(crate) api: CrmApi,
    pub(crate) token: Option<String>,
}

impl CrmClient {
    /// One JSON request to the CRM; a non-2xx answer is an error carrying the CRM's message.
    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        idempotency_key: Option<&str>,
    ) -> Result<Value, CrmError> {
        let network = |error: JsValue| CrmError::Network(js_message(&error));
        let init = RequestInit::new();
        init.set_method(method);
        let headers = Headers::new().map_err(network)?;
        headers.set("Accept", "application/json").map_err(network)?;
        if let Some(body) = &body {
            headers.set("Content-Type", "application/json").map_err(network)?;
            init.set_body(&JsValue::from_str(body));
        }
        if let (CrmAuth::Bearer, Some(token)) = (self.api.auth, &self.token) {
            headers.set("Authorization", &format!("Bearer {token}")).map_err(network)?;
        }
        if let Some(key) = idempotency_key {
            headers.set("Idempotency-Key", key).map_err(network)?;
        }
        let csrf = self
            .api
            .csrf_meta
            .as_deref()
            .and_then(super::meta_content)
            .or_else(|| self.api.csrf_cookie.as_deref().and_then(super::cookie_value));
        if let Some(token) = csrf {
            headers.set(&self.api.csrf_header, &token).map_err(network)?;
        }
        init.set_headers(&headers);
        let url = format!("{}{path}", self.api.base.trim_end_matches('/'));
        let fetching = start(&url, &init, RequestCache::NoStore, self.api.timeout_ms).map_err(network)?;
        let response: Response = fetching.await.map_err(network)?.unchecked_into();
        let text = text_of(&response).await.map_err(network)?.map(String::from).unwrap_or_default();
        let json: Value = crate::json::parse(&text).map_err(|_| {
            if response.ok() {
                CrmError::BadResponse(format!("not JSON (status {})", response.status()))
            } else {
                CrmError::Http { status: response.status(), message: text.chars().take(200).collect() }
            }
        })?;
        if response.ok() {
            Ok(json)
        } else {
            // `detail`: Django REST framework's message (django-helpdesk).
            let message = ["error", "message", "detail"]
                .iter()
                .find_map(|key| json.get(*key).and_then(Value::as_str))
                .unwrap_or("error")
                .to_owned();
            Err(CrmError::Http { status: response.status(), message })
        }
    }

    fn decision_of(value: &Value) -> Result<Decision, CrmError> {
        crate::decision::from_value(value).map_err(|error| CrmError::BadResponse(format!("decision record: {error}")))
    }

    /// Stores a decision (idempotent on its id); returns the CRM's record.
    pub(crate) async fn submit(&self, decision: &Decision) -> Result<Decision, CrmError> {
        let body = decision.record_text();
        let path = CrmEndpoints::fill(&self.api.endpoints.create, &encode(&decision.case_id));
        let answer = self.call("POST", &path, Some(body), Some(&decision.id)).await?;
        Self::decision_of(&answer["decision"])
    }

    /// A case's decisions.
    pub(crate) async fn list(&self, case_id: &str) -> Result<Vec<Decision>, CrmError> {
        let answer =
            self.call("GET", &CrmEndpoints::fill(&self.api.endpoints.list, &encode(case_id)), None, None).await?;
        answer
            .get("decisions")
            .and_then(Value::as_array)
            .ok_or_else(|| CrmError::BadResponse("no `decisions` list".to_owned()))?
            .iter()
            .map(Self::decision_of)
            .collect()
    }

    /// Stores a pattern report (idempotent on its id); returns the CRM's reference.
    pub(crate) async fn report_pattern(&self, report: &crate::pattern::PatternReport) -> Result<String, CrmError> {
        let body = crate::json::write::to_text(&crate::pattern::report_json(report));
        let path = CrmEndpoints::fill(&self.api.endpoints.pattern_reports, &encode(&report.case_id));
        let answer = self.call("POST", &path, Some(body), Some(&report.id)).await?;
        answer["pattern_report"]["reference"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| CrmError::BadResponse("pattern report stored without a `reference`".to_owned()))
    }

    /// Confirms or rejects a pending decision.
    async fn check(&self, request: CheckRequest<'_>) -> Result<Decision, CrmError> {
        // Only the note: the CRM takes the checker from the token and the time from its clock.
        let mut body = String::from("{");
        crate::json::write::push_text_fields(&mut body, &[("note", request.note)]);
        body.push('}');
        let endpoints = &self.api.endpoints;
        let template = match request.check {
            Check::Confirm => &endpoints.confirm,
            Check::Reject => &endpoints.reject,
        };
        let answer = self.call("POST", &CrmEndpoints::fill(template, &encode(request.id)), Some(body), None).await?;
        Self::decision_of(&answer["decision"])
    }
}

impl super::DecisionSink for CrmClient {
    fn submit<'a>(&'a self, decision: &'a Decision) -> super::CrmFuture<'a, Decision> {
        Box::pin(CrmClient::submit(self, decision))
    }

    fn timeout_ms(&self) -> u32 {
        self.api.timeout_ms
    }

    fn list<'a>(&'a self, case_id: &'a str) -> super::CrmFuture<'a, Vec<Decision>> {
        Box::pin(CrmClient::list(self, case_id))
    }

    fn check<'a>(&'a self, request: CheckRequest<'a>) -> super::CrmFuture<'a, Decision> {
        Box::pin(CrmClient::check(self, request))
    }

    fn report_pattern<'a>(&'a self, report: &'a crate::pattern::PatternReport) -> super::CrmFuture<'a, String> {
        Box::pin(CrmClient::report_pattern(self, report))
    }
}

/// Percent-encodes a path segment.
pub(crate) fn encode(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}
