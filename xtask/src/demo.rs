//! `cargo xtask demo`: builds the widget, assembles the demo CRM page (`www/`) with the package
//! under `/riskpane/`, and serves it with the reference CRM server (decision API, SQLite) on
//! http://127.0.0.1:8080/.

use crate::dist::run_dist;
use crate::reference_server;
use crate::tools::{copy_dir, root};
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

/// Builds and serves the demo.
pub(crate) fn run_demo(port: u16) -> Result<(), String> {
    let site = assemble()?;
    let database = root().join("target/demo/decisions.sqlite");
    if let Some(parent) = database.parent() {
        std::fs::create_dir_all(parent).map_err(|error| format!("cannot create {}: {error}", parent.display()))?;
    }
    println!("\nriskpane demo: open http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    println!(
        "decision API tokens: {}",
        reference_server::USERS
            .iter()
            .map(|user| format!("{} ({}, {})", user.token, user.name, user.role))
            .collect::<Vec<_>>()
            .join("; ")
    );
    reference_server::serve(&site, &database, port, None)
}
