//! `cargo xtask ci`: everything CI checks, in the order a failure is cheapest to find.

use crate::tools::{ensure_chromium, ensure_npm_packages, ensure_wasm_target, root, run as run_command, run_in};

/// Format, lints, tests, the wasm32 build and the shipped rule packs.
pub(crate) fn run() -> Result<(), String> {
    ensure_wasm_target()?;
    run_command("cargo", &["fmt", "--all", "--check"])?;
    run_command("cargo", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
    run_command("cargo", &["clippy", "--lib", "--target", "wasm32-unknown-unknown", "--", "-D", "warnings"])?;
    run_command("cargo", &["build", "--lib", "--target", "wasm32-unknown-unknown"])?;
    check_rules(&[])?;
    run_command("cargo", &["test", "--workspace"])?;
    browser_tests()?;
    println!("\nxtask ci: all checks passed");
    Ok(())
}

/// Builds the demo site (release wasm) and runs the Playwright tests in Debian's Chromium.
pub(crate) fn browser_tests() -> Result<(), String> {
    ensure_chromium()?;
    crate::demo::assemble()?;
    run_command("cargo", &["build", "--package", "xtask"])?;
    let tests = root().join("tests/browser");
    ensure_npm_packages(&tests)?;
    // Request Tracker 5, the reference CRM, with the extension and the widget just built.
    let rt = root().join("pkg-config/crm/request-tracker");
    run_in(&rt, "bash", &["rt-up.sh"])?;
    let result = run_in(&tests, "node", &["--test", "--test-concurrency=1", "--test-reporter=spec", "."]);
    let _ = run_in(&rt, "bash", &["rt-down.sh"]);
    result
}

/// Lints rule packs with the project's own compiler (`riskpane lint`).
pub(crate) fn check_rules(paths: &[String]) -> Result<(), String> {
    let mut packs: Vec<String> = paths.to_vec();
    if packs.is_empty() {
        let dir = root().join("pkg-config/rules");
        let entries = std::fs::read_dir(&dir).map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|ext| ext == "toml") {
                packs.push(format!("pkg-config/rules/{}", entry.file_name().to_string_lossy()));
            }
        }
        packs.sort();
    }
    let mut args = vec!["run", "--quiet", "--bin", "riskpane", "--", "lint"];
    args.extend(packs.iter().map(String::as_str));
    run_command("cargo", &args)
}
