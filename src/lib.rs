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
pub mod style;
mod json;
pub mod crm_origin;
pub mod canonical;
pub mod rules;
pub mod profile;
pub mod case;
pub mod engine;
pub mod decision;
pub mod pattern;
pub mod report;
pub mod compiled;
pub mod record_note;
pub mod request_tracker;
pub mod django_helpdesk;
pub mod flow;
#[cfg(not(target_arch = "wasm32"))]
pub mod backtest;

#[cfg(target_arch = "wasm32")]
mod ui;
#[cfg(target_arch = "wasm32")]
mod host;
#[cfg(target_arch = "wasm32")]
pub mod api;

/// The widget's allocator in the browser: talc takes memory from the wasm memory as needed, like
/// Rust's default (dlmalloc), with less code in the module (BENCHMARKS.md, issue 15).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use case::CaseFacts;
pub use engine::{ScoreReport, assess};
pub use rules::{RulePack, compile_source};
