//! Developer workflows, one command each: `cargo xtask demo` (build and serve the demo CRM page),
//! `cargo xtask ci` (everything CI checks) and friends. Each task installs what it needs when it
//! is missing, so a fresh machine needs no manual step.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a developer tool reports progress on the terminal

mod bench;
mod ci;
mod demo;
mod dist;
mod jsonlogic;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  demo [--port N]             build the widget and serve the demo CRM page on http://127.0.0.1:8080/
  ci                          everything CI checks: format, clippy, native tests, wasm build, browser tests
  dist                        build the npm package into target/dist/npm and print its gzip size
  site                        build target/www (demo pages + package) without serving it
  serve [--port N] [--root D] [--db F]
                              builds and runs the reference CRM (the `reference-crm` member): a folder
                              (default target/www) plus the decision API, decisions in SQLite (default
                              target/demo/decisions.sqlite); --faults RATE [--fault-delay-ms MS]
                              [--fault-seed N] injects failures
  browser-tests               build the site and run the Playwright tests in Debian's Chromium
  bench                       measure size, browser timings, engine throughput and the anchors (Yew
                              hello world, JsonLogic); rewrites the measured part of BENCHMARKS.md
  check-rules [PACK...]       lint rule packs (default: every pack in pkg-config/rules)
  synth [--cases N] [--seed S] [--out F]
                              a seeded synthetic labelled case history for the care pack as NDJSON
                              (default 100000 cases, seed 7, target/synth/cases.ndjson)";

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|arg| arg == name).and_then(|index| args.get(index + 1)).cloned()
}

fn port(args: &[String]) -> Result<u16, String> {
    flag(args, "--port").map_or(Ok(8080), |port| port.parse().map_err(|_| format!("invalid port `{port}`")))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    let result = match args.first().map(String::as_str) {
        Some("demo") => port(rest).and_then(demo::run_demo),
        Some("ci") => ci::run(),
        Some("dist") => dist::run_dist().map(|_| ()),
        Some("site") => demo::assemble().map(|site| println!("site: {}", site.display())),
        Some("serve") => demo::run_reference_crm(rest),
        Some("check-rules") => ci::check_rules(rest),
        Some("bench") => bench::run_bench(),
        Some("synth") => (|| {
            let count =
                flag(rest, "--cases").map_or(Ok(100_000), |n| n.parse().map_err(|_| format!("invalid count `{n}`")))?;
            let seed = flag(rest, "--seed").map_or(Ok(7), |n| n.parse().map_err(|_| format!("invalid seed `{n}`")))?;
            let out = flag(rest, "--out")
                .map_or_else(|| tools::root().join("target/synth/cases.ndjson"), std::path::PathBuf::from);
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|error| format!("cannot create {}: {error}", parent.display()))?;
            }
            riskpane::backtest::synth::write(&out, count, seed)?;
            println!("synth: {count} cases (seed {seed}) in {}", out.display());
            Ok(())
        })(),
        Some("browser-tests") => ci::browser_tests(),
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
