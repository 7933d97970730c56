//! `cargo xtask demo`: builds the widget, assembles the demo CRM page (`www/`) with the package
//! under `/riskpane/`, and serves it with the reference CRM (the `reference-crm` workspace member:
//! decision API, SQLite, the demo cases) on http://127.0.0.1:8080/. `cargo xtask serve` runs the
//! reference CRM on an assembled site. The server is its own binary, so xtask never compiles SQLite.

use crate::dist::run_dist;
use crate::tools::{copy_dir, root, run as run_command};
use std::path::PathBuf;

/// Assembles `target/www`: the demo pages plus the built package under `riskpane/`.
pub(crate) fn assemble() -> Result<PathBuf, String> {
    let package = run_dist()?;
    let site = root().join("target/www");
    if site.exists() {
        std::fs::remove_dir_all(&site).map_err(|error| format!("cannot clean {}: {error}", site.display()))?;
    }
    copy_dir(&root().join("www"), &site)?;
    copy_dir(&package, &site.join("riskpane"))?;
    Ok(site)
}

/// Builds and runs `reference-crm` with xtask's flags (`--root` is the binary's `--site`);
/// returns when the server stops.
pub(crate) fn run_reference_crm(args: &[String]) -> Result<(), String> {
    run_command("cargo", &["build", "--quiet", "--package", "reference-crm"])?;
    let mut forwarded = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        forwarded.push(if arg == "--root" { "--site".to_owned() } else { arg.clone() });
        if let Some(value) = iter.next() {
            forwarded.push(value.clone());
        }
    }
    for (name, default) in
        [("--site", root().join("target/www")), ("--db", root().join("target/demo/decisions.sqlite"))]
    {
        if !forwarded.iter().any(|arg| arg == name) {
            forwarded.push(name.to_owned());
            forwarded.push(default.display().to_string());
        }
    }
    let binary = root().join("target/debug/reference-crm");
    let status = std::process::Command::new(&binary)
        .args(&forwarded)
        .status()
        .map_err(|error| format!("cannot start {}: {error}", binary.display()))?;
    if status.success() { Ok(()) } else { Err(format!("reference-crm stopped: {status}")) }
}

/// Builds and serves the demo.
pub(crate) fn run_demo(port: u16) -> Result<(), String> {
    assemble()?;
    println!("\nriskpane demo: open http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    run_reference_crm(&["--port".to_owned(), port.to_string()])
}
