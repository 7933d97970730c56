//! Shared by the reference CRM's HTTP tests: starts the real `reference-crm` binary on an
//! ephemeral port with a fresh SQLite file, speaks raw HTTP/1.1 to it, and builds the decision an
//! honest widget would send (the cases come from the server's own `/crm/cases.js`, scored with the
//! same core, pack and profile).

#![allow(dead_code, clippy::unwrap_used, clippy::too_many_arguments)] // each test file uses a part; tests fail loudly; `honest` names a proposal's parts

use reference_crm::cases::Cases;
use riskpane::case::CaseFacts;
use riskpane::decision::{self, DecisionDraft, Role, User};
use riskpane::value::SmallSet;
use riskpane::value::time::format_datetime;
use serde_json::Value;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running server process.
pub(crate) struct Running {
    pub(crate) child: Child,
    pub(crate) address: String,
}

/// A fresh database path for one test.
pub(crate) fn database(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("reference-crm-{}-{name}.sqlite", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

impl Running {
    /// Starts the binary on port 0 and waits for its `serving … on http://ADDRESS/` line.
    pub(crate) fn start(database: &Path) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_reference-crm"))
            .args(["--port", "0", "--site", &std::env::temp_dir().display().to_string(), "--db"])
            .arg(database)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let address = loop {
            let line = lines.next().expect("the server printed its address").unwrap();
            if let Some(rest) = line.split(" on http://").nth(1) {
                break rest.trim_end_matches('/').to_owned();
            }
        };
        Running { child, address }
    }

    /// One HTTP/1.1 request; returns status and JSON body.
    pub(crate) fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        key: Option<&str>,
        body: &[u8],
    ) -> (u16, Value) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.address,
            body.len()
        );
        if let Some(token) = token {
            let _ = write!(head, "Authorization: Bearer {token}\r\n");
        }
        if let Some(key) = key {
            let _ = write!(head, "Idempotency-Key: {key}\r\n");
        }
        head.push_str("Content-Type: application/json\r\n\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let response = String::from_utf8_lossy(&response);
        let status: u16 = response.split_whitespace().nth(1).unwrap().parse().unwrap();
        let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }

    /// POSTs a decision record with its id as the idempotency key.
    pub(crate) fn propose(&self, token: &str, record: &Value) -> (u16, Value) {
        let case = record["case_id"].as_str().unwrap();
        let id = record["id"].as_str().unwrap();
        self.call("POST", &format!("/api/cases/{case}/decisions"), Some(token), Some(id), record.to_string().as_bytes())
    }

    /// The cases exactly as the server holds them (its `/crm/cases.js`).
    pub(crate) fn cases(&self) -> Cases {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        stream.write_all(b"GET /crm/cases.js HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let module = response.split("\r\n\r\n").nth(1).unwrap();
        let array = module.split("export const cases = ").nth(1).unwrap().trim().trim_end_matches(';');
        Cases::parse(&format!("{{\"cases\": {array}}}"), 0).unwrap()
    }

    /// The server's process id (its thread count is read from /proc).
    pub(crate) fn threads(&self) -> usize {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status.lines().find_map(|line| line.strip_prefix("Threads:")).unwrap().trim().parse().unwrap()
    }

    pub(crate) fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// The wall clock in UTC seconds (the server's clock is the same machine's).
pub(crate) fn now() -> i64 {
    reference_crm::now_seconds()
}

/// A fresh decision id (a UUID shape; unique per call within a test run).
pub(crate) fn decision_id(n: u32) -> String {
    format!("3f2b8c1e-0d6a-4e0f-9a43-{:012x}", u64::from(n) + u64::from(std::process::id()) * 1000)
}

pub(crate) fn user(id: &str) -> User {
    match id {
        "kim" => User { id: "kim".to_owned(), name: "Kim Berger".to_owned(), role: Role::Agent },
        "eva" => User { id: "eva".to_owned(), name: "Eva Lindqvist".to_owned(), role: Role::Expert },
        "chris" => User { id: "chris".to_owned(), name: "Chris Ahn".to_owned(), role: Role::Communications },
        _ => User { id: "max".to_owned(), name: "Max Okafor".to_owned(), role: Role::Expert },
    }
}

/// The public reply an honest widget sends with `reply_publicly`.
pub(crate) const REPLY: &str = "Hi Lena, we're sorry about this. We've sent you a direct message to sort it out.";

/// The record an honest widget sends: the case scored at `scored_at` with the server's pack and
/// profile, every checklist item ticked, `created_at` = the score's time; [`REPLY`] as the reply
/// text (kept only by outcomes that publish one).
pub(crate) fn honest(
    cases: &Cases,
    id: &str,
    case_id: &str,
    outcome: &str,
    reason_code: &str,
    maker: &str,
    scored_at: i64,
    band_override: Option<(&str, &str, &str)>,
) -> Value {
    let knowledge = reference_crm::knowledge(0).unwrap();
    let case = cases.get(case_id).unwrap();
    let raw = case.raw_fields(&knowledge.profile);
    let (facts, _) = CaseFacts::from_raw(&knowledge.pack, &knowledge.profile, &raw, scored_at);
    let report = riskpane::assess(&knowledge.pack, &facts);
    let ticked: SmallSet<String> = knowledge.pack.checklist.iter().map(|item| item.id.clone()).collect();
    let draft = DecisionDraft {
        id: id.to_owned(),
        case_id: case_id.to_owned(),
        outcome: outcome.to_owned(),
        reason_code: reason_code.to_owned(),
        note: "checked the case".to_owned(),
        band_override: band_override.map(|(to, code, note)| (to.to_owned(), code.to_owned(), note.to_owned())),
        reply_text: REPLY.to_owned(),
        qa: None,
        maker: user(maker),
        created_at: format_datetime(scored_at),
    };
    serde_json::to_value(decision::propose(&knowledge.pack, &report, draft, &ticked).unwrap()).unwrap()
}
