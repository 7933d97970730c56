//! The reference CRM server: the generic REST decision API (pkg-config/crm/generic-rest.openapi.yaml)
//! for real, plus the demo site. Decisions live in SQLite, so they survive a restart. The server —
//! not the widget — enforces what matters: the user comes from the bearer token (never from the
//! body), the idempotency key makes a resent decision land once, and the four-eye rule holds
//! (only experts confirm or reject, never their own decision, only pending ones). Malformed or
//! oversized bodies get 400 with a JSON error. Listens on 127.0.0.1 only.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;
use tiny_http::{Header, Method, Request, Response, Server};

/// Threads answering requests (unblock the server this many times to stop it).
pub(crate) const WORKERS: usize = 4;

/// Largest accepted request body.
pub(crate) const MAX_BODY: usize = 64 * 1024;

/// A seeded user: bearer token, id, display name, role.
pub(crate) struct SeedUser {
    pub(crate) token: &'static str,
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) role: &'static str,
}

/// One token per seeded user (the demo switches users by switching tokens).
pub(crate) const USERS: [SeedUser; 3] = [
    SeedUser { token: "demo-agent-kim", id: "kim", name: "Kim Berger", role: "agent" },
    SeedUser { token: "demo-expert-eva", id: "eva", name: "Eva Lindqvist", role: "expert" },
    SeedUser { token: "demo-expert-max", id: "max", name: "Max Okafor", role: "expert" },
];

/// An HTTP answer: status and JSON body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

fn answer(status: u16, body: Value) -> Answer {
    Answer { status, body }
}

fn error(status: u16, message: &str) -> Answer {
    answer(status, json!({ "error": message }))
}

/// The decision store.
pub(crate) struct Store {
    connection: Connection,
}

impl Store {
    /// Opens (and creates) the SQLite database at `path`.
    pub(crate) fn open(path: &Path) -> Result<Store, String> {
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
                 CREATE INDEX IF NOT EXISTS decisions_case ON decisions(case_id);",
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

    /// Handles one API request; `None` when the path is not part of the API.
    pub(crate) fn handle(
        &self,
        method: &str,
        path: &str,
        authorization: Option<&str>,
        idempotency_key: Option<&str>,
        body: &[u8],
    ) -> Option<Answer> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        if segments.first() != Some(&"api") {
            return None;
        }
        let user = authorization
            .and_then(|value| value.strip_prefix("Bearer "))
            .and_then(|token| USERS.iter().find(|user| user.token == token.trim()));
        let Some(user) = user else { return Some(error(401, "missing or unknown bearer token")) };
        if body.len() > MAX_BODY {
            return Some(error(400, &format!("body larger than {MAX_BODY} bytes")));
        }
        let answer = match (method, segments.as_slice()) {
            ("GET", ["api", "me"]) => answer(200, json!({ "id": user.id, "name": user.name, "role": user.role })),
            ("GET", ["api", "cases", case_id, "decisions"]) => self.list(case_id),
            ("POST", ["api", "cases", case_id, "decisions"]) => self.create(user, case_id, idempotency_key, body),
            ("GET", ["api", "decisions", id]) => match self.load(id) {
                Ok(Some((_, record))) => answer(200, record),
                Ok(None) => error(404, "no such decision"),
                Err(message) => error(500, &message),
            },
            ("POST", ["api", "decisions", id, action @ ("confirm" | "reject")]) => self.check(user, id, action, body),
            _ => error(404, "no such endpoint"),
        };
        Some(answer)
    }

    fn list(&self, case_id: &str) -> Answer {
        let mut statement =
            match self.connection.prepare("SELECT record FROM decisions WHERE case_id = ?1 ORDER BY seq") {
                Ok(statement) => statement,
                Err(message) => return error(500, &message.to_string()),
            };
        let rows = statement.query_map(params![case_id], |row| row.get::<_, String>(0));
        let records: Result<Vec<Value>, String> = match rows {
            Ok(rows) => rows
                .map(|row| {
                    row.map_err(|error| error.to_string())
                        .and_then(|text| serde_json::from_str(&text).map_err(|error| error.to_string()))
                })
                .collect(),
            Err(message) => Err(message.to_string()),
        };
        match records {
            Ok(records) => answer(200, json!({ "decisions": records })),
            Err(message) => error(500, &message),
        }
    }

    fn create(&self, user: &SeedUser, case_id: &str, idempotency_key: Option<&str>, body: &[u8]) -> Answer {
        let Ok(mut record) = serde_json::from_slice::<Value>(body) else { return error(400, "body is not valid JSON") };
        if let Err(problem) = validate(&record, case_id) {
            return error(400, &problem);
        }
        let id = record["id"].as_str().unwrap_or_default().to_owned();
        if idempotency_key != Some(id.as_str()) {
            return error(400, "Idempotency-Key header must equal the decision id");
        }
        // The maker is whoever the token says, whatever the body claims.
        record["maker"] = json!({ "id": user.id, "name": user.name, "role": user.role });
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

    fn check(&self, user: &SeedUser, id: &str, action: &str, body: &[u8]) -> Answer {
        let Ok(request) = serde_json::from_slice::<Value>(if body.is_empty() { b"{}" } else { body }) else {
            return error(400, "body is not valid JSON");
        };
        let note = request.get("note").and_then(Value::as_str).unwrap_or_default().to_owned();
        let at = request.get("at").and_then(Value::as_str).unwrap_or_default().to_owned();
        if action == "reject" && note.trim().is_empty() {
            return error(400, "a rejection needs a note");
        }
        let mut record = match self.load(id) {
            Ok(Some((_, record))) => record,
            Ok(None) => return error(404, "no such decision"),
            Err(message) => return error(500, &message),
        };
        if user.role != "expert" {
            return error(403, "only experts confirm or reject decisions");
        }
        if record["maker"]["id"] == user.id {
            return error(403, "the maker of a decision cannot confirm or reject it (four-eye rule)");
        }
        if record["state"] != "pending_confirmation" {
            return error(409, "only a decision pending confirmation can be confirmed or rejected");
        }
        record["state"] = json!(if action == "confirm" { "confirmed" } else { "rejected" });
        record["by"] = json!({ "id": user.id, "name": user.name, "role": user.role });
        record["at"] = json!(at);
        record["note_of_checker"] = json!(note);
        match self.save(id, &record) {
            Ok(()) => answer(200, json!({ "decision": record })),
            Err(message) => error(500, &message),
        }
    }
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
    let expected_state = if object["requires_second_approval"] == true { "pending_confirmation" } else { "decided" };
    if text("state")? != expected_state {
        return Err(format!("`state` must be `{expected_state}` for a new decision"));
    }
    let snapshot = object.get("snapshot").and_then(Value::as_object).ok_or("`snapshot` must be an object")?;
    if !snapshot.get("score").is_some_and(Value::is_i64) || !snapshot.get("band").is_some_and(Value::is_string) {
        return Err("`snapshot` needs `score` and `band`".to_owned());
    }
    Ok(())
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes())
        .unwrap_or_else(|()| Header::from_bytes(&b"X-Invalid"[..], &b"1"[..]).expect("static header"))
}

fn header_value(request: &Request, name: &'static str) -> Option<String> {
    request.headers().iter().find(|header| header.field.equiv(name)).map(|header| header.value.as_str().to_owned())
}

/// Binds 127.0.0.1:`port` (0 picks a free port); returns the server and its address.
pub(crate) fn bind(port: u16) -> Result<(Server, String), String> {
    let cannot = |error: &dyn std::fmt::Display| format!("cannot listen on 127.0.0.1:{port}: {error}");
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).map_err(|error| cannot(&error))?;
    // tiny_http writes a response's head and body separately; on a kept-alive connection Nagle's
    // algorithm then holds the body until the browser's delayed ACK (~40 ms per request, measured
    // by `cargo xtask bench`). Accepted sockets inherit TCP_NODELAY from the listener on Linux.
    socket2::SockRef::from(&listener).set_tcp_nodelay(true).map_err(|error| cannot(&error))?;
    let server = Server::from_listener(listener, None).map_err(|error| cannot(&error))?;
    let address =
        server.server_addr().to_ip().map_or_else(|| format!("127.0.0.1:{port}"), |address| address.to_string());
    Ok((server, address))
}

/// Injected failures, for testing that no decision is lost or duplicated: with probability
/// `rate` an API request fails as a 500 before anything is stored, is processed and then has its
/// connection dropped without an answer, or is processed and answered only after `delay_ms`
/// (past the client's timeout). Deterministic for a given seed.
#[derive(Clone, Debug)]
pub(crate) struct Faults {
    pub(crate) rate: f64,
    pub(crate) delay_ms: u64,
    state: u64,
    /// Counts of injected 500s, dropped connections and delays.
    pub(crate) counts: [u64; 3],
}

impl Faults {
    /// Faults at `rate` (0..1), seeded.
    pub(crate) fn new(rate: f64, delay_ms: u64, seed: u64) -> Faults {
        Faults { rate, delay_ms, state: seed.max(1), counts: [0; 3] }
    }

    fn next(&mut self) -> f64 {
        // xorshift64*: a dependency-free PRNG is plenty for picking faults.
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        (self.state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick(&mut self) -> Option<usize> {
        if self.next() >= self.rate {
            return None;
        }
        let kind = ((self.next() * 3.0) as usize).min(2);
        self.counts[kind] += 1;
        Some(kind)
    }
}

/// Answers requests until the server is unblocked: the API from `store` (with injected `faults`,
/// if any), static files from `site`.
pub(crate) fn run_with_faults(server: &Server, store: Store, site: &Path, faults: Option<Faults>) {
    // Several workers, so one slow request (or one held back on purpose) never blocks the page's
    // other requests; the store is behind a mutex (one SQLite connection).
    let store = Mutex::new(store);
    let faults = Mutex::new(faults);
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                while let Ok(request) = server.recv() {
                    answer_request(request, &store, site, &faults);
                }
            });
        }
    });
}

fn answer_request(mut request: Request, store: &Mutex<Store>, site: &Path, faults: &Mutex<Option<Faults>>) {
    {
        let url = request.url().to_owned();
        let path = url.split('?').next().unwrap_or("/").to_owned();
        if !path.starts_with("/api/") {
            // Static files (the wasm is ~600 KB) are written from their own thread: a browser that
            // stops reading a closed page's response must not block a worker forever.
            let site = site.to_path_buf();
            std::thread::spawn(move || crate::serve::respond_static(request, &site, &url));
            return;
        }
        if path == "/api/fault-stats" {
            let counts = lock(faults).as_ref().map_or([0; 3], |faults| faults.counts);
            let body = json!({ "server_errors": counts[0], "dropped_connections": counts[1], "delayed_past_timeout": counts[2] });
            let _ = request.respond(
                Response::from_string(body.to_string()).with_header(header("Content-Type", "application/json")),
            );
            return;
        }
        let fault = lock(faults).as_mut().and_then(Faults::pick);
        if fault == Some(0) {
            let response = Response::from_string(r#"{"error":"injected fault"}"#).with_status_code(500);
            let _ = request.respond(response.with_header(header("Content-Type", "application/json")));
            return;
        }
        let mut body = Vec::new();
        let read = request.as_reader().take(MAX_BODY as u64 + 1).read_to_end(&mut body);
        let answer = if read.is_err() {
            error(400, "cannot read the body")
        } else {
            let method = match request.method() {
                Method::Get => "GET",
                Method::Post => "POST",
                _ => "OTHER",
            };
            let authorization = header_value(&request, "Authorization");
            let key = header_value(&request, "Idempotency-Key");
            lock(store)
                .handle(method, &path, authorization.as_deref(), key.as_deref(), &body)
                .unwrap_or_else(|| error(404, "no such endpoint"))
        };
        let response = Response::from_string(answer.body.to_string())
            .with_status_code(answer.status)
            .with_header(header("Content-Type", "application/json"))
            .with_header(header("Cache-Control", "no-store"));
        match fault {
            // Processed, but the client never hears back: the connection closes without an answer.
            Some(1) => drop(request.into_writer()),
            Some(_) => {
                let delay = lock(faults).as_ref().map_or(0, |faults| faults.delay_ms);
                std::thread::spawn(move || {
                    std::thread::sleep(std::time::Duration::from_millis(delay));
                    let _ = request.respond(response);
                });
            }
            None => {
                let _ = request.respond(response);
            }
        }
    }
}

/// Locks a mutex, also after a worker panicked while holding it (the data is still consistent:
/// every write is one SQL statement).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Serves the API (decisions in `database`) and the site on 127.0.0.1:`port`, forever.
pub(crate) fn serve(site: &Path, database: &Path, port: u16, faults: Option<Faults>) -> Result<(), String> {
    let store = Store::open(database)?;
    let (server, address) = bind(port)?;
    if let Some(faults) = &faults {
        println!(
            "injecting faults into {:.0}% of API requests (delays of {} ms)",
            faults.rate * 100.0,
            faults.delay_ms
        );
    }
    println!("serving {} and the decision API (SQLite: {}) on http://{address}/", site.display(), database.display());
    run_with_faults(&server, store, site, faults);
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests;
