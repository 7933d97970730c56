//! riskpane: a risk score, its explanation and a checklist for the customer-care case on screen.
//!
//! Pipeline, in module order: a case's JSON becomes typed `case::CaseFacts`; a rule pack's TOML is
//! compiled by `rules::compile_source` into a `rules::RulePack`; `engine::assess` scores the facts
//! against the pack into an `engine::ScoreReport`; `report` turns the report into its documented
//! JSON and text forms. The core (`case`, `rules`, `engine`, `canonical`, `report`) is pure: no
//! I/O, no clock, no randomness, no web crates, so it runs natively (CLI, tests, benchmarks) and in
//! the browser alike. See ARCHITECTURE.md.
//!
//! The modules are declared bottom-up: each may import only those declared before it (the tidy
//! test `nothing_below_imports_anything_above` checks), so `value` is the ground floor and `api` the
//! top.

pub mod value;
mod json;
pub mod crm_origin;
pub mod canonical;
pub mod rules;
pub mod profile;
pub mod case;
pub mod engine;
pub mod decision;
pub mod report;
pub mod compiled;
pub mod request_tracker;
pub mod flow;
#[cfg(not(target_arch = "wasm32"))]
pub mod backtest;

#[cfg(target_arch = "wasm32")]
mod ui;
#[cfg(target_arch = "wasm32")]
mod host;
#[cfg(target_arch = "wasm32")]
pub mod api;

pub use case::CaseFacts;
pub use engine::{ScoreReport, assess};
pub use rules::{RulePack, compile_source};
