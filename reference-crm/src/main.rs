//! `reference-crm`: the reference CRM server the demo and the browser tests run on.
//!
//! `reference-crm [--port N] [--site DIR] [--db FILE] [--faults RATE [--fault-delay-ms MS] [--fault-seed N]]`
//! serves DIR (default target/www) and the decision API (SQLite in FILE, default
//! target/demo/decisions.sqlite) on http://127.0.0.1:N/ (default 8080; 0 picks a free port).

use reference_crm::{Config, Faults, ensure_parent, http::Limits, serve};
use std::path::PathBuf;
use std::process::ExitCode;

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|arg| arg == name).and_then(|index| args.get(index + 1)).cloned()
}

fn parse<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, String> {
    flag(args, name).map_or(Ok(default), |text| text.parse().map_err(|_| format!("invalid {name} `{text}`")))
}

fn config(args: &[String]) -> Result<Config, String> {
    let known = ["--port", "--site", "--db", "--faults", "--fault-delay-ms", "--fault-seed"];
    for (index, arg) in args.iter().enumerate() {
        if index % 2 == 0 && !known.contains(&arg.as_str()) {
            return Err(format!("unknown argument `{arg}`"));
        }
    }
    let faults = match flag(args, "--faults") {
        None => None,
        Some(_) => Some(Faults::new(
            parse(args, "--faults", 0.0)?,
            parse(args, "--fault-delay-ms", 3000)?,
            parse(args, "--fault-seed", 7)?,
        )),
    };
    Ok(Config {
        site: flag(args, "--site").map_or_else(|| PathBuf::from("target/www"), PathBuf::from),
        database: flag(args, "--db").map_or_else(|| PathBuf::from("target/demo/decisions.sqlite"), PathBuf::from),
        port: parse(args, "--port", 8080)?,
        faults,
        limits: Limits::default(),
    })
}

#[allow(clippy::print_stderr)] // a command-line tool reports its failure
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = config(&args).and_then(|config| {
        ensure_parent(&config.database)?;
        serve(config)
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("reference-crm: {message}");
            ExitCode::from(2)
        }
    }
}
