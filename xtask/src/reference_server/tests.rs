//! The reference server over real HTTP on 127.0.0.1: idempotent create, identity from the token,
//! four-eye enforcement, 400 on malformed or oversized bodies, persistence across a restart.

use super::{MAX_BODY, Store, WORKERS, bind, run_with_faults};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

struct Running {
    server: Arc<tiny_http::Server>,
    address: String,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    fn start(database: &Path) -> Running {
        let store = Store::open(database).unwrap();
        let (server, address) = bind(0).unwrap();
        let server = Arc::new(server);
        let serving = Arc::clone(&server);
        let site = std::env::temp_dir();
        let thread = std::thread::spawn(move || run_with_faults(&serving, store, &site, None));
        Running { server, address, thread: Some(thread) }
    }

    /// One HTTP/1.1 request; returns status and JSON body.
    fn call(&self, method: &str, path: &str, token: Option<&str>, key: Option<&str>, body: &[u8]) -> (u16, Value) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
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
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status: u16 = response.split_whitespace().nth(1).unwrap().parse().unwrap();
        let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }

    fn stop(mut self) {
        for _ in 0..WORKERS {
            self.server.unblock();
        }
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

fn database(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("riskpane-refserver-{}-{name}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

fn record(id: &str, case_id: &str, second: bool) -> Value {
    json!({
        "id": id, "case_id": case_id, "outcome": "restrict_account", "reason_code": "ATO_SUSPECTED",
        "note": "takeover after e-mail change", "created_at": "2026-11-25T10:01:00Z",
        "maker": { "id": "eva", "name": "Somebody Else", "role": "expert" },
        "snapshot": { "score": 90, "band": "critical", "hits": [["ATO-001", 25]] },
        "pack_id": "care", "pack_version": "1.0.0", "pack_hash": "a".repeat(64), "input_hash": "b".repeat(64),
        "checklist_done": ["ato-freeze"], "requires_second_approval": second,
        "state": if second { "pending_confirmation" } else { "decided" }
    })
}

const ID: &str = "3f2b8c1e-0d6a-4e0f-9a43-5b1f2a9c7d10";

#[test]
fn create_is_idempotent_and_the_maker_comes_from_the_token() {
    let running = Running::start(&database("idempotent"));
    let body = record(ID, "C-1", true).to_string();
    let (status, first) =
        running.call("POST", "/api/cases/C-1/decisions", Some("demo-agent-kim"), Some(ID), body.as_bytes());
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["decision"]["maker"]["id"], "kim", "the body claimed eva; the token says kim");
    let (status, again) =
        running.call("POST", "/api/cases/C-1/decisions", Some("demo-agent-kim"), Some(ID), body.as_bytes());
    assert_eq!(status, 200);
    assert_eq!(again["replayed"], true);
    assert_eq!(again["reference"], first["reference"]);
    let changed = record(ID, "C-1", false).to_string();
    let (status, _) =
        running.call("POST", "/api/cases/C-1/decisions", Some("demo-agent-kim"), Some(ID), changed.as_bytes());
    assert_eq!(status, 409, "same id, different decision");
    let (status, list) = running.call("GET", "/api/cases/C-1/decisions", Some("demo-expert-eva"), None, b"");
    assert_eq!(status, 200);
    assert_eq!(list["decisions"].as_array().unwrap().len(), 1, "resending never makes a second row");
    running.stop();
}

#[test]
fn four_eyes_are_enforced_by_the_server() {
    let running = Running::start(&database("four-eyes"));
    let body = record(ID, "C-2", true).to_string();
    let (status, _) =
        running.call("POST", "/api/cases/C-2/decisions", Some("demo-expert-eva"), Some(ID), body.as_bytes());
    assert_eq!(status, 201);
    let confirm = |token: &str| {
        running.call("POST", &format!("/api/decisions/{ID}/confirm"), Some(token), None, br#"{"note":"ok"}"#)
    };
    assert_eq!(confirm("demo-expert-eva").0, 403, "the maker cannot confirm");
    assert_eq!(confirm("demo-agent-kim").0, 403, "agents cannot confirm");
    let (status, rejected) =
        running.call("POST", &format!("/api/decisions/{ID}/reject"), Some("demo-expert-max"), None, br#"{"note":" "}"#);
    assert_eq!(status, 400, "{rejected}");
    let (status, confirmed) = confirm("demo-expert-max");
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["decision"]["state"], "confirmed");
    assert_eq!(confirmed["decision"]["by"]["id"], "max");
    assert_eq!(confirm("demo-expert-max").0, 409, "only pending decisions");
    running.stop();
}

#[test]
fn malformed_oversized_and_unauthenticated_requests_are_rejected() {
    let running = Running::start(&database("malformed"));
    let post = |body: &[u8], key: Option<&str>, token: Option<&str>| {
        running.call("POST", "/api/cases/C-3/decisions", token, key, body)
    };
    assert_eq!(post(b"{}", Some(ID), None).0, 401);
    assert_eq!(post(b"{}", Some(ID), Some("forged-token")).0, 401);
    let (status, problem) = post(b"{not json", Some(ID), Some("demo-agent-kim"));
    assert_eq!((status, problem["error"].as_str().unwrap()), (400, "body is not valid JSON"));
    let mut bad = record(ID, "C-3", true);
    bad["pack_hash"] = json!("short");
    assert_eq!(post(bad.to_string().as_bytes(), Some(ID), Some("demo-agent-kim")).0, 400);
    let mut wrong_state = record(ID, "C-3", true);
    wrong_state["state"] = json!("confirmed");
    let (status, problem) = post(wrong_state.to_string().as_bytes(), Some(ID), Some("demo-agent-kim"));
    assert_eq!(status, 400, "{problem}");
    assert_eq!(post(record(ID, "OTHER", true).to_string().as_bytes(), Some(ID), Some("demo-agent-kim")).0, 400);
    assert_eq!(
        post(record(ID, "C-3", true).to_string().as_bytes(), Some("another-key"), Some("demo-agent-kim")).0,
        400
    );
    let huge = vec![b' '; MAX_BODY + 10];
    let (status, problem) = post(&huge, Some(ID), Some("demo-agent-kim"));
    assert_eq!(status, 400, "{problem}");
    assert!(problem["error"].as_str().unwrap().contains("larger than"));
    running.stop();
}

#[test]
fn decisions_survive_a_restart() {
    let path = database("restart");
    let running = Running::start(&path);
    let body = record(ID, "C-4", true).to_string();
    assert_eq!(
        running.call("POST", "/api/cases/C-4/decisions", Some("demo-agent-kim"), Some(ID), body.as_bytes()).0,
        201
    );
    running.stop();
    let restarted = Running::start(&path);
    let (status, list) = restarted.call("GET", "/api/cases/C-4/decisions", Some("demo-expert-eva"), None, b"");
    assert_eq!(status, 200);
    assert_eq!(list["decisions"][0]["id"], ID);
    assert_eq!(list["decisions"][0]["state"], "pending_confirmation");
    let (status, _) =
        restarted.call("POST", "/api/cases/C-4/decisions", Some("demo-agent-kim"), Some(ID), body.as_bytes());
    assert_eq!(status, 200, "idempotency holds across restarts");
    restarted.stop();
}
