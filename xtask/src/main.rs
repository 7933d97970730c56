//! Developer workflows, one command each: `cargo xtask ci` (everything CI checks) and friends.
//! Each task installs what it needs when it is missing, so a fresh machine needs no manual step.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a developer tool reports progress on the terminal

mod ci;
mod demo;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  demo          score the demo pack's fixture cases and print the reports
  ci            format check, clippy (native and wasm32), all native tests, wasm32 build, lint packs
  check-rules   lint every rule pack in pkg-config/rules (or the paths given)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci::run(),
        Some("demo") => demo::run_demo(),
        Some("check-rules") => ci::check_rules(&args[1..]),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
