//! The reference CRM: the generic REST decision API (pkg-config/crm/generic-rest.openapi.yaml) for
//! real, with SQLite, plus the demo site and the demo cases it holds. It is the engine's second
//! consumer: it re-derives every proposed decision with the pure core on its own copy of the case
//! (see `api`), so the four-eye rule holds whatever a browser sends. Listens on 127.0.0.1 only,
//! with bounded connections and deadlines (see `http`).

pub mod api;
pub mod cases;
pub mod http;
pub mod site;

use api::{Knowledge, Store};
use http::{Limits, Reply, Request, Response};
use serde_json::json;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The care pack the CRM decides with: the same source the widget's compiled pack comes from.
pub const CARE_PACK: &str = include_str!("../../pkg-config/rules/care.toml");
/// The demo CRM profile: how the demo pages show each fact.
pub const DEMO_PROFILE: &str = include_str!("../../pkg-config/crm/demo.toml");

/// The server's clock, in UTC seconds.
#[must_use]
pub fn now_seconds() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// The pack, the profile and the cases (dates relative to `start`).
///
/// # Errors
/// A shipped file does not compile (a build from a broken tree).
pub fn knowledge(start: i64) -> Result<Knowledge, String> {
    let pack = riskpane::compile_source("care.toml", CARE_PACK).map_err(|errors| format!("care pack: {errors:?}"))?;
    let profile =
        riskpane::profile::CrmProfile::from_toml("demo.toml", DEMO_PROFILE).map_err(|errors| errors.to_string())?;
    cases::check_profile(&profile)?;
    let cases = cases::Cases::parse(cases::CASES_JSON, start)?;
    Ok(Knowledge { pack, profile, cases })
}

/// Injected failures, for testing that no decision is lost or duplicated: with probability
/// `rate` an API request fails as a 500 before anything is stored, is processed and then has its
/// connection dropped without an answer, or is processed and answered only after `delay_ms`
/// (past the client's timeout). Deterministic for a given seed.
#[derive(Clone, Debug)]
pub struct Faults {
    /// Share of API requests that fail.
    pub rate: f64,
    /// Delay of the delayed answers.
    pub delay_ms: u64,
    state: u64,
    /// Counts of injected 500s, dropped connections and delays.
    pub counts: [u64; 3],
}

impl Faults {
    /// Faults at `rate` (0..1), seeded.
    #[must_use]
    pub fn new(rate: f64, delay_ms: u64, seed: u64) -> Faults {
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

/// What `serve` needs.
pub struct Config {
    /// The demo site's folder.
    pub site: PathBuf,
    /// The SQLite file.
    pub database: PathBuf,
    /// Port on 127.0.0.1 (0: any free one).
    pub port: u16,
    /// Injected failures, if any.
    pub faults: Option<Faults>,
    /// Connection limits and deadlines.
    pub limits: Limits,
}

/// Locks a mutex, also after a thread panicked while holding it (the data is still consistent:
/// every write is one SQL statement).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct App {
    store: Mutex<Store>,
    knowledge: Knowledge,
    cases_module: String,
    site: PathBuf,
    faults: Mutex<Option<Faults>>,
}

impl App {
    fn answer(&self, request: &Request) -> Reply {
        let path = request.path();
        if path == "/crm/cases.js" {
            return Reply::Send(Response {
                status: 200,
                headers: vec![
                    ("Content-Type".to_owned(), "text/javascript; charset=utf-8".to_owned()),
                    ("Cache-Control".to_owned(), "no-store".to_owned()),
                ],
                body: self.cases_module.clone().into_bytes(),
            });
        }
        if !path.starts_with("/api/") {
            return Reply::Send(site::respond(&self.site, path));
        }
        if path == "/api/fault-stats" {
            let counts = lock(&self.faults).as_ref().map_or([0; 3], |faults| faults.counts);
            let body = json!({ "server_errors": counts[0], "dropped_connections": counts[1], "delayed_past_timeout": counts[2] });
            return Reply::Send(Response::json(200, &body));
        }
        let fault = lock(&self.faults).as_mut().and_then(Faults::pick);
        if fault == Some(0) {
            return Reply::Send(Response::json(500, &json!({ "error": "injected fault" })));
        }
        let segments: Option<Vec<String>> = path.trim_matches('/').split('/').map(http::percent_decode).collect();
        let answer = match segments {
            None => api::Answer { status: 400, body: json!({ "error": "invalid percent-encoding in the path" }) },
            Some(segments) => lock(&self.store).handle(
                &self.knowledge,
                &request.method,
                &segments,
                request.header("authorization"),
                request.header("idempotency-key"),
                &request.body,
                now_seconds(),
            ),
        };
        let response = Response::json(answer.status, &answer.body);
        match fault {
            // Processed, but the client never hears back: the connection closes without an answer.
            Some(1) => Reply::Drop,
            Some(_) => {
                let delay = lock(&self.faults).as_ref().map_or(0, |faults| faults.delay_ms);
                Reply::Delay(Duration::from_millis(delay), response)
            }
            None => Reply::Send(response),
        }
    }
}

/// Serves the API and the site on 127.0.0.1, forever; prints `serving … on http://ADDRESS/` once
/// listening (the browser tests wait for that line).
///
/// # Errors
/// The database cannot be opened or the port bound.
#[allow(clippy::print_stdout)] // the line the demo user and the test harness read
pub fn serve(config: Config) -> Result<(), String> {
    let store = Store::open(&config.database)?;
    let knowledge = knowledge(now_seconds())?;
    let cases_module = knowledge.cases.to_module();
    let listener = TcpListener::bind(("127.0.0.1", config.port))
        .map_err(|error| format!("cannot listen on 127.0.0.1:{}: {error}", config.port))?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    if let Some(faults) = &config.faults {
        println!(
            "injecting faults into {:.0}% of API requests (delays of {} ms)",
            faults.rate * 100.0,
            faults.delay_ms
        );
    }
    println!(
        "decision API tokens: {}",
        api::USERS
            .iter()
            .map(|user| format!("{} ({}, {})", user.token, user.name, user.role))
            .collect::<Vec<_>>()
            .join("; ")
    );
    println!(
        "serving {} and the decision API (SQLite: {}) on http://{address}/",
        config.site.display(),
        config.database.display()
    );
    let app =
        App { store: Mutex::new(store), knowledge, cases_module, site: config.site, faults: Mutex::new(config.faults) };
    let handler: Arc<http::Handler> = Arc::new(move |request: &Request| app.answer(request));
    http::serve(&listener, &config.limits, &handler);
    Ok(())
}

/// Creates the database's folder when missing.
///
/// # Errors
/// The folder cannot be created.
pub fn ensure_parent(path: &Path) -> Result<(), String> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            std::fs::create_dir_all(parent).map_err(|error| format!("cannot create {}: {error}", parent.display()))
        }
        _ => Ok(()),
    }
}
