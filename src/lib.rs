//! riskpane: a risk score, its explanation and a checklist for the customer-care case on screen.
//!
//! Pipeline, in module order: a case's JSON becomes typed `case::CaseFacts`; a rule pack's TOML is
//! compiled by `rules::compile_source` into a `rules::RulePack`; `engine::assess` scores the facts
//! against the pack into an `engine::ScoreReport`; `report` turns the report into its documented
//! JSON and text forms. The core (`case`, `rules`, `engine`, `canonical`, `report`) is pure: no
//! I/O, no clock, no randomness, no web crates, so it runs natively (CLI, tests, benchmarks) and in
//! the browser alike. See ARCHITECTURE.md.

pub mod case;
pub mod profile;
pub mod rules;
pub mod engine;
pub mod decision;
pub mod crm_origin;
pub mod request_tracker;
pub mod flow;
pub mod canonical;
pub mod compiled;
mod json;
pub mod report;
#[cfg(not(target_arch = "wasm32"))]
pub mod backtest;

#[cfg(target_arch = "wasm32")]
mod host;
#[cfg(target_arch = "wasm32")]
mod ui;
#[cfg(target_arch = "wasm32")]
pub mod api;

pub use case::CaseFacts;
pub use engine::{ScoreReport, assess};
pub use rules::{RulePack, compile_source};
