//! The generic REST decision API (pkg-config/crm/generic-rest.openapi.yaml) with SQLite. The
//! server, not the browser, decides what is stored:
//! - who: the user comes from the bearer token, never from the body;
//! - what: every proposal is re-derived with the pure core (`riskpane::decision::propose` on the
//!   CRM's own copy of the case, scored by the care pack at the proposal's score time): outcome,
//!   reason code, required checklist items, the four-eye policy, score, band, fired rules, pack and
//!   input hash; a mismatch is 422 with the `differences`. Only experts may override a band (403);
//! - the state: `pending_confirmation` when the policy needs a second approval, else `decided`;
//! - when: `created_at` and a checker's `at` are the server's clock; the body's `created_at` is
//!   only the time the widget scored at (stored as `scored_at`), accepted within
//!   [`SCORE_MAX_AGE_SECONDS`] before the server's clock;
//! - four eyes: only a different expert confirms or rejects, only a pending decision, and a
//!   confirmation carries nothing but a note.
//!
//! A resent proposal (same `Idempotency-Key` and body) gets the stored result back.

use crate::cases::Cases;
use riskpane::backtest::qa::QaReview;
use riskpane::case::CaseFacts;
use riskpane::decision::{self, Decision, DecisionDraft, DecisionError, Role, User};
use riskpane::profile::CrmProfile;
use riskpane::rules::RulePack;
use riskpane::value::SmallSet;
use riskpane::value::time::{format_datetime, parse_datetime};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::Path;

/// How long before the server's clock a proposal's score time may lie: a decision can wait in the
/// widget's outbox through an outage and be resent, but it cannot claim a score from long ago
/// (time-dependent rules, such as deadlines, would then be the agent's choice).
pub const SCORE_MAX_AGE_SECONDS: i64 = 15 * 60;

/// How far after the server's clock a score time may lie (clock skew between browser and CRM).
pub const SCORE_MAX_SKEW_SECONDS: i64 = 2 * 60;

/// A seeded user: bearer token, id, display name, role.
pub struct SeedUser {
    /// Bearer token.
    pub token: &'static str,
    /// Stable id.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// `agent`, `expert` or `communications`.
    pub role: &'static str,
    /// The service provider the user works for (QA reviews are counted per provider).
    pub provider: &'static str,
}

impl SeedUser {
    fn user(&self) -> User {
        User {
            id: self.id.to_owned(),
            name: self.name.to_owned(),
            role: match self.role {
                "expert" => Role::Expert,
                "communications" => Role::Communications,
                _ => Role::Agent,
            },
        }
    }
}

/// One token per seeded user (the demo switches users by switching tokens).
pub const USERS: [SeedUser; 4] = [
    SeedUser { token: "demo-agent-kim", id: "kim", name: "Kim Berger", role: "agent", provider: "Atlas Care" },
    SeedUser { token: "demo-expert-eva", id: "eva", name: "Eva Lindqvist", role: "expert", provider: "Risk team" },
    SeedUser { token: "demo-expert-max", id: "max", name: "Max Okafor", role: "expert", provider: "Risk team" },
    SeedUser {
        token: "demo-comms-chris",
        id: "chris",
        name: "Chris Ahn",
        role: "communications",
        provider: "Communications",
    },
];

/// An HTTP answer: status and JSON body.
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// JSON body.
    pub body: Value,
}

fn answer(status: u16, body: Value) -> Answer {
    Answer { status, body }
}

fn error(status: u16, message: &str) -> Answer {
    answer(status, json!({ "error": message }))
}

fn refused(message: &str, differences: &[String]) -> Answer {
    answer(422, json!({ "error": message, "differences": differences }))
}

/// What the server decides with: the rule pack, the CRM profile its pages are read with, its cases.
pub struct Knowledge {
    /// The care pack.
    pub pack: RulePack,
    /// The demo CRM profile.
    pub profile: CrmProfile,
    /// The demo cases.
    pub cases: Cases,
}

/// The decision store.
pub struct Store {
    connection: Connection,
}

impl Store {
    /// Opens (and creates) the SQLite database at `path`.
    ///
    /// # Errors
    /// The file cannot be opened or the schema created.
    pub fn open(path: &Path) -> Result<Store, String> {
        let connection = Connection::open(path).map_err(|error| format!("cannot open {}: {error}", path.display()))?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE IF NOT EXISTS decisions (
                     seq INTEGER PRIMARY KEY AUTOINCREMENT,
                     id TEXT NOT NULL UNIQUE,
                     case_id TEXT NOT NULL,
                     body_sha256 TEXT NOT NULL,
                     record TEXT NOT NULL
                 );
                 CREATE INDEX IF NOT EXISTS decisions_case ON decisions(case_id);
                 CREATE TABLE IF NOT EXISTS pattern_reports (
                     seq INTEGER PRIMARY KEY AUTOINCREMENT,
                     id TEXT NOT NULL UNIQUE,
                     case_id TEXT NOT NULL,
                     body_sha256 TEXT NOT NULL,
                     report TEXT NOT NULL
                 );",
            )
            .map_err(|error| format!("cannot create the schema: {error}"))?;
        Ok(Store { connection })
    }

    fn load(&self, id: &str) -> Result<Option<(String, Value)>, String> {
        let row: Option<(String, String)> = self
            .connection
            .query_row("SELECT body_sha256, record FROM decisions WHERE id = ?1", params![id], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()
            .map_err(|error| error.to_string())?;
        row.map(|(sha, record)| {
            serde_json::from_str(&record).map(|value| (sha, value)).map_err(|error| error.to_string())
        })
        .transpose()
    }

    fn save(&self, id: &str, record: &Value) -> Result<(), String> {
        self.connection
            .execute("UPDATE decisions SET record = ?2 WHERE id = ?1", params![id, record.to_string()])
            .map(|_| ())
            .map_err(|error| error.to_string())
    }

    /// Handles one API request (path segments already percent-decoded); `now` is the server's
    /// clock in UTC seconds.
    #[allow(clippy::too_many_arguments)] // one request's parts, named
    pub fn handle(
        &self,
        knowledge: &Knowledge,
        method: &str,
        segments: &[String],
        authorization: Option<&str>,
        idempotency_key: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Answer {
        let user = authorization
            .and_then(|value| value.strip_prefix("Bearer "))
            .and_then(|token| USERS.iter().find(|user| user.token == token.trim()));
        let Some(user) = user else { return error(401, "missing or unknown bearer token") };
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match (method, segments.as_slice()) {
            ("GET", ["api", "me"]) => answer(200, json!({ "id": user.id, "name": user.name, "role": user.role })),
            ("GET", ["api", "cases", case_id, "decisions"]) => self.list(case_id),
            ("POST", ["api", "cases", case_id, "decisions"]) => {
                self.create(knowledge, user, case_id, idempotency_key, body, now)
            }
            ("GET", ["api", "decisions", id]) => match self.load(id) {
                Ok(Some((_, record))) => answer(200, record),
                Ok(None) => error(404, "no such decision"),
                Err(message) => error(500, &message),
            },
            ("GET", ["api", "cases", case_id, "pattern-reports"]) => self.pattern_reports(case_id),
            ("GET", ["api", "qa-reviews"]) => self.qa_reviews(user),
            ("POST", ["api", "cases", case_id, "pattern-reports"]) => {
                self.report_pattern(knowledge, user, case_id, idempotency_key, body, now)
            }
            ("POST", ["api", "decisions", id, action @ ("confirm" | "reject")]) => {
                let check = if *action == "confirm" { decision::Check::Confirm } else { decision::Check::Reject };
                self.check(user, id, check, body, now)
            }
            _ => error(404, "no such endpoint"),
        }
    }

    /// A case's pattern reports, oldest first.
    fn pattern_reports(&self, case_id: &str) -> Answer {
        match self.case_rows("SELECT report FROM pattern_reports WHERE case_id = ?1 ORDER BY seq", case_id) {
            Ok(reports) => answer(200, json!({ "pattern_reports": reports })),
            Err(message) => error(500, &message),
        }
    }

    /// The JSON column of a case's rows, in the query's order.
    fn case_rows(&self, query: &str, case_id: &str) -> Result<Vec<Value>, String> {
        self.rows(query, params![case_id])
    }

    /// The JSON column of the query's rows, in its order.
    fn rows(&self, query: &str, parameters: &[&dyn rusqlite::ToSql]) -> Result<Vec<Value>, String> {
        self.connection
            .prepare(query)
            .and_then(|mut statement| {
                statement.query_map(parameters, |row| row.get::<_, String>(0))?.collect::<Result<Vec<String>, _>>()
            })
            .map_err(|error| error.to_string())
            .and_then(|texts| {
                texts.iter().map(|text| serde_json::from_str(text).map_err(|error| error.to_string())).collect()
            })
    }

    /// Stores an expert's pattern report (issue 17) for the Fraud Advisory Team, checked on the
    /// CRM's side: only experts report, under their own name (from the token), for a case the CRM
    /// has, with the CRM's pack, and the draft rule must be what the marked elements make in the
    /// rule language (`pattern::draft_rule`, which also refuses case text and dates). Idempotent
    /// on the report's id.
    fn report_pattern(
        &self,
        knowledge: &Knowledge,
        user: &SeedUser,
        case_id: &str,
        idempotency_key: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Answer {
        if user.role != "expert" {
            return error(403, "only experts report patterns to the Fraud Advisory Team");
        }
        let Ok(mut report) = serde_json::from_slice::<riskpane::pattern::PatternReport>(body) else {
            return error(400, "not a pattern report (docs/pattern-report.md)");
        };
        if report.format != riskpane::pattern::FORMAT || report.case_id != case_id {
            return error(400, "not a pattern report for this case");
        }
        if idempotency_key != Some(report.id.as_str()) {
            return error(400, "Idempotency-Key header must equal the report id");
        }
        if knowledge.cases.get(case_id).is_none() {
            return error(404, "no such case");
        }
        let pack = &knowledge.pack;
        let mut problems = Vec::new();
        if report.pack.hash != *pack.hash {
            problems.push(format!(
                "pack: the report names {} {}, the CRM uses {} {}",
                report.pack.id, report.pack.version, pack.id, pack.version
            ));
        }
        match riskpane::pattern::draft_rule(pack, &report.elements) {
            Ok(draft) if draft == report.draft_rule => {}
            Ok(draft) => {
                problems.push(format!("draft_rule: sent `{}`, the elements make `{draft}`", report.draft_rule));
            }
            Err(refused) => problems.extend(refused),
        }
        if !problems.is_empty() {
            return refused("the pattern report does not hold", &problems);
        }
        let sha = hex(&Sha256::digest(body));
        let existing: Option<(String, String)> = match self
            .connection
            .query_row("SELECT body_sha256, report FROM pattern_reports WHERE id = ?1", params![report.id], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()
        {
            Ok(existing) => existing,
            Err(message) => return error(500, &message.to_string()),
        };
        if let Some((existing_sha, stored)) = existing {
            return if existing_sha == sha {
                answer(
                    200,
                    json!({ "pattern_report": serde_json::from_str::<Value>(&stored).unwrap_or(Value::Null), "replayed": true }),
                )
            } else {
                error(409, "a different pattern report with this id exists")
            };
        }
        // Who and when are the CRM's.
        report.author = user.user();
        report.created_at = format_datetime(now);
        let Ok(mut stored) = serde_json::to_value(&report) else { return error(500, "cannot write the report") };
        let inserted = self.connection.execute(
            "INSERT INTO pattern_reports (id, case_id, body_sha256, report) VALUES (?1, ?2, ?3, '{}')",
            params![report.id, case_id, sha],
        );
        if let Err(message) = inserted {
            return error(500, &message.to_string());
        }
        stored["reference"] = json!(format!("P-{:06}", self.connection.last_insert_rowid()));
        let saved = self
            .connection
            .execute("UPDATE pattern_reports SET report = ?2 WHERE id = ?1", params![report.id, stored.to_string()]);
        match saved {
            Ok(_) => answer(201, json!({ "pattern_report": stored, "replayed": false })),
            Err(message) => error(500, &message.to_string()),
        }
    }

    /// Every QA review (a decision with a QA outcome and its findings) as `riskpane.qa_review`,
    /// oldest first: what `riskpane qa` reads (docs/qa-review.md). Experts only.
    fn qa_reviews(&self, user: &SeedUser) -> Answer {
        if user.role != "expert" {
            return error(403, "only experts read the QA reviews");
        }
        let records = match self.rows("SELECT record FROM decisions ORDER BY seq", params![]) {
            Ok(records) => records,
            Err(message) => return error(500, &message),
        };
        let reviews: Vec<Value> = records
            .iter()
            .filter_map(|record| decision::from_value(record).ok())
            .filter_map(|stored| QaReview::of_decision(&stored))
            .filter_map(|review| serde_json::to_value(review).ok())
            .collect();
        answer(200, json!({ "reviews": reviews }))
    }

    /// The makers of a case's decisions (whose handling an expert may review).
    fn makers(&self, case_id: &str) -> Result<BTreeSet<String>, String> {
        let records = self.decisions_of(case_id)?;
        Ok(records.iter().filter_map(|record| record["maker"]["id"].as_str().map(str::to_owned)).collect())
    }

    /// A case's decision records, oldest first.
    fn decisions_of(&self, case_id: &str) -> Result<Vec<Value>, String> {
        self.case_rows("SELECT record FROM decisions WHERE case_id = ?1 ORDER BY seq", case_id)
    }

    fn list(&self, case_id: &str) -> Answer {
        match self.decisions_of(case_id) {
            Ok(records) => answer(200, json!({ "decisions": records })),
            Err(message) => error(500, &message),
        }
    }

    fn create(
        &self,
        knowledge: &Knowledge,
        user: &SeedUser,
        case_id: &str,
        idempotency_key: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Answer {
        let Ok(posted) = serde_json::from_slice::<Value>(body) else { return error(400, "body is not valid JSON") };
        if let Err(problem) = validate(&posted, case_id) {
            return error(400, &problem);
        }
        let id = posted["id"].as_str().unwrap_or_default().to_owned();
        if idempotency_key != Some(id.as_str()) {
            return error(400, "Idempotency-Key header must equal the decision id");
        }
        let sha = hex(&Sha256::digest(body));
        match self.load(&id) {
            Ok(Some((existing_sha, existing))) => {
                return if existing_sha == sha {
                    answer(200, json!({ "reference": reference(&existing), "decision": existing, "replayed": true }))
                } else {
                    error(409, "a different decision with this id exists")
                };
            }
            Ok(None) => {}
            Err(message) => return error(500, &message),
        }
        let mut record = match rederive(knowledge, user, &posted, now) {
            Ok(record) => record,
            Err(refusal) => return refusal,
        };
        // A QA review names whose handling it reviews: someone who decided on this case here, and
        // their provider is the CRM's to say, not the browser's.
        if let Some(agent) = record["qa"]["agent"].as_str().map(str::to_owned) {
            match self.makers(case_id) {
                Ok(makers) if makers.contains(&agent) => {}
                Ok(_) => {
                    return refused(
                        "a quality review reviews a decision on this case",
                        &[format!("qa.agent: `{agent}` made no decision on this case")],
                    );
                }
                Err(message) => return error(500, &message),
            }
            let provider = USERS.iter().find(|known| known.id == agent).map_or("", |known| known.provider);
            record["qa"]["provider"] = json!(provider);
        }
        let inserted = self.connection.execute(
            "INSERT INTO decisions (id, case_id, body_sha256, record) VALUES (?1, ?2, ?3, ?4)",
            params![id, case_id, sha, record.to_string()],
        );
        match inserted {
            Ok(_) => {
                let seq = self.connection.last_insert_rowid();
                record["reference"] = json!(format!("D-{seq:06}"));
                if let Err(message) = self.save(&id, &record) {
                    return error(500, &message);
                }
                answer(201, json!({ "reference": record["reference"], "decision": record, "replayed": false }))
            }
            Err(message) => error(500, &message.to_string()),
        }
    }

    fn check(&self, user: &SeedUser, id: &str, check: decision::Check, body: &[u8], now: i64) -> Answer {
        let Ok(request) = serde_json::from_slice::<Value>(if body.is_empty() { b"{}" } else { body }) else {
            return error(400, "body is not valid JSON");
        };
        let Some(fields) = request.as_object() else { return error(400, "the body must be a JSON object") };
        // A confirmation or rejection says yes or no to the decision as it was proposed: it cannot
        // change it, and its time is the server's.
        let changes: Vec<String> = fields
            .keys()
            .filter(|key| *key != "note")
            .map(|key| format!("`{key}` cannot be set by a confirmation or rejection (only `note`)"))
            .collect();
        if !changes.is_empty() {
            return refused("a confirmation or rejection carries only a note", &changes);
        }
        let note = match fields.get("note") {
            None => String::new(),
            Some(Value::String(note)) => note.clone(),
            Some(_) => return error(400, "`note` must be a string"),
        };
        let mut record = match self.load(id) {
            Ok(Some((_, record))) => record,
            Ok(None) => return error(404, "no such decision"),
            Err(message) => return error(500, &message),
        };
        if user.role == "agent" {
            return error(403, "only experts (and Communications, for public replies) confirm or reject decisions");
        }
        let stored: Decision = match serde_json::from_value(record.clone()) {
            Ok(stored) => stored,
            Err(problem) => return error(500, &format!("stored decision unreadable: {problem}")),
        };
        let at = format_datetime(now);
        let checked = check.apply(&stored, user.user(), at, note);
        let checked = match checked {
            Ok(checked) => checked,
            Err(problem @ (DecisionError::SameUser | DecisionError::WrongChecker(_))) => {
                return error(403, &problem.to_string());
            }
            Err(problem @ DecisionError::NotPending) => return error(409, &problem.to_string()),
            Err(problem) => return error(400, &problem.to_string()),
        };
        let Ok(Value::Object(checked)) = serde_json::to_value(&checked) else {
            return error(500, "cannot write the decision");
        };
        // Fields of the record the core does not model (`scored_at`) stay as they are.
        if let Value::Object(record) = &mut record {
            record.extend(checked);
        }
        match self.save(id, &record) {
            Ok(()) => answer(200, json!({ "decision": record })),
            Err(message) => error(500, &message),
        }
    }
}

/// Re-derives a proposal with the core on the CRM's own copy of the case; returns the record to
/// store, or the refusal.
fn rederive(knowledge: &Knowledge, user: &SeedUser, posted: &Value, now: i64) -> Result<Value, Answer> {
    let proposal: Decision = serde_json::from_value(posted.clone())
        .map_err(|problem| error(400, &format!("not a decision record: {problem}")))?;
    let Some(case) = knowledge.cases.get(&proposal.case_id) else {
        return Err(error(404, "no such case"));
    };
    let Some(scored_at) = parse_datetime(&proposal.created_at) else {
        return Err(error(400, "`created_at` must be an RFC 3339 time"));
    };
    if scored_at < now - SCORE_MAX_AGE_SECONDS || scored_at > now + SCORE_MAX_SKEW_SECONDS {
        return Err(refused(
            "the decision was not scored just now: score the case again and decide",
            &[format!(
                "created_at: {} is not within {} minutes before the CRM's clock ({})",
                proposal.created_at,
                SCORE_MAX_AGE_SECONDS / 60,
                format_datetime(now)
            )],
        ));
    }
    let maker = user.user();
    if proposal.band_override.is_some() && maker.role != Role::Expert {
        return Err(error(403, "only experts may override the band"));
    }
    let pack = &knowledge.pack;
    let (facts, _issues) =
        CaseFacts::from_raw(pack, &knowledge.profile, &case.raw_fields(&knowledge.profile), scored_at);
    let report = riskpane::assess(pack, &facts);
    let ticked: SmallSet<String> = proposal.checklist_done.iter().cloned().collect();
    let draft = DecisionDraft::of_record(&proposal, maker, format_datetime(now));
    let derived = decision::propose(pack, &report, draft, &ticked).map_err(|problem| match problem {
        DecisionError::NotAMaker => error(403, &problem.to_string()),
        _ => refused(&problem.to_string(), &[problem.to_string()]),
    })?;
    let mut differences = decision::replay_differences(pack, &report, &proposal);
    if proposal.pack_id != derived.pack_id || proposal.pack_version != derived.pack_version {
        differences.push(format!(
            "pack: sent {} {}, the CRM uses {} {}",
            proposal.pack_id, proposal.pack_version, derived.pack_id, derived.pack_version
        ));
    }
    if proposal.requires_second_approval != derived.requires_second_approval {
        differences.push(format!(
            "requires_second_approval: sent {}, the pack's policy says {}",
            proposal.requires_second_approval, derived.requires_second_approval
        ));
    }
    if proposal.confirmed_by != derived.confirmed_by {
        differences.push(format!(
            "confirmed_by: sent {}, the pack's policy says {}",
            proposal.confirmed_by.name(),
            derived.confirmed_by.name()
        ));
    }
    if proposal.reply_text != derived.reply_text {
        differences.push("reply_text: the record's reply text is not the one the CRM derives".to_owned());
    }
    let sent_done: BTreeSet<&String> = proposal.checklist_done.iter().collect();
    let derived_done: BTreeSet<&String> = derived.checklist_done.iter().collect();
    if sent_done != derived_done {
        let listed = |items: &BTreeSet<&String>| items.iter().map(|item| item.as_str()).collect::<Vec<_>>().join(", ");
        differences.push(format!(
            "checklist_done: sent [{}], the CRM derives [{}]",
            listed(&sent_done),
            listed(&derived_done)
        ));
    }
    if let (Some(sent), Some(derived)) = (&proposal.band_override, &derived.band_override)
        && sent.from != derived.from
    {
        differences.push(format!("band_override.from: sent {}, the score's band is {}", sent.from, derived.from));
    }
    if !differences.is_empty() {
        return Err(refused("the decision does not match the CRM's own scoring of the case", &differences));
    }
    let mut record = serde_json::to_value(&derived).map_err(|problem| error(500, &problem.to_string()))?;
    record["scored_at"] = json!(proposal.created_at);
    Ok(record)
}

fn reference(record: &Value) -> Value {
    record.get("reference").cloned().unwrap_or(Value::Null)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// Checks a posted decision record's shape (docs/decision-record.md).
fn validate(record: &Value, case_id: &str) -> Result<(), String> {
    let Some(object) = record.as_object() else { return Err("a decision must be a JSON object".to_owned()) };
    let text = |key: &str| object.get(key).and_then(Value::as_str).ok_or_else(|| format!("`{key}` must be a string"));
    let id = text("id")?;
    let is_uuid = id.len() == 36
        && id
            .char_indices()
            .all(|(index, c)| if [8, 13, 18, 23].contains(&index) { c == '-' } else { c.is_ascii_hexdigit() });
    if !is_uuid {
        return Err("`id` must be a UUID".to_owned());
    }
    if text("case_id")? != case_id {
        return Err("`case_id` must match the case in the URL".to_owned());
    }
    for key in ["outcome", "reason_code", "note", "created_at", "pack_id", "pack_version"] {
        text(key)?;
    }
    for key in ["pack_hash", "input_hash"] {
        let hash = text(key)?;
        if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("`{key}` must be a SHA-256 in hex"));
        }
    }
    if !object.get("requires_second_approval").is_some_and(Value::is_boolean) {
        return Err("`requires_second_approval` must be true or false".to_owned());
    }
    // The server sets the state; a new decision can only claim one of the two states of a proposal.
    if !matches!(text("state")?, "decided" | "pending_confirmation") {
        return Err("`state` of a new decision is `decided` or `pending_confirmation`".to_owned());
    }
    let snapshot = object.get("snapshot").and_then(Value::as_object).ok_or("`snapshot` must be an object")?;
    if !snapshot.get("score").is_some_and(Value::is_i64) || !snapshot.get("band").is_some_and(Value::is_string) {
        return Err("`snapshot` needs `score` and `band`".to_owned());
    }
    Ok(())
}
