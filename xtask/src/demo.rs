//! `cargo xtask demo`: shows the scoring core on the demo pack's fixture cases.

use crate::tools::{root, run};

/// Scores every demo fixture case with the `riskpane` CLI and prints the text reports.
pub(crate) fn run_demo() -> Result<(), String> {
    let dir = root().join("tests/fixtures/demo/cases");
    let mut cases: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|error| format!("cannot read {}: {error}", dir.display()))?
        .flatten()
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "json"))
        .map(|entry| format!("tests/fixtures/demo/cases/{}", entry.file_name().to_string_lossy()))
        .collect();
    cases.sort();
    for case in &cases {
        run(
            "cargo",
            &[
                "run",
                "--quiet",
                "--release",
                "--bin",
                "riskpane",
                "--",
                "score",
                "--pack",
                "pkg-config/rules/demo.toml",
                "--case",
                case,
                "--format",
                "text",
            ],
        )?;
    }
    Ok(())
}
