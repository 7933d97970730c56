//! Running commands and installing the tools tasks need (wasm32 target, wasm-bindgen CLI, npm
//! packages), idempotently, so a fresh machine needs no manual step.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (the parent of `xtask/`).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Runs a command in `dir`, echoing it; fails with its exit status.
pub(crate) fn run_in(dir: &Path, program: &str, args: &[&str]) -> Result<(), String> {
    run_in_with_env(dir, program, args, &[])
}

/// Runs a command in `dir` with extra environment variables, echoing both; fails with its exit status.
pub(crate) fn run_in_with_env(dir: &Path, program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let shown_env: Vec<String> = env.iter().map(|(name, value)| format!("{name}={value}")).collect();
    let prefix = if shown_env.is_empty() { String::new() } else { format!("{} ", shown_env.join(" ")) };
    println!("\n$ {prefix}{program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .status()
        .map_err(|error| format!("cannot start {program}: {error}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{program} {}` failed ({status})", args.join(" "))) }
}

/// Runs a command in the repository root.
pub(crate) fn run(program: &str, args: &[&str]) -> Result<(), String> {
    run_in(&root(), program, args)
}

/// Installs the `wasm32-unknown-unknown` target if rustup lacks it.
pub(crate) fn ensure_wasm_target() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|error| format!("cannot run rustup: {error}"))?;
    if String::from_utf8_lossy(&installed.stdout).lines().any(|line| line.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    run("rustup", &["target", "add", "wasm32-unknown-unknown"])
}

/// The `wasm-bindgen` crate version in Cargo.lock (the CLI must match it exactly).
fn locked_wasm_bindgen_version() -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|error| format!("cannot read Cargo.lock: {error}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|next| next.trim().strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".to_owned())
}

/// Installs the wasm-bindgen CLI matching the crate (takes minutes the first time). Without
/// `--locked`: its lockfile pins a crate version the registry mirror lacks.
pub(crate) fn ensure_wasm_bindgen() -> Result<(), String> {
    let wanted = locked_wasm_bindgen_version()?;
    let installed = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .ok()
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned());
    if installed.as_deref().is_some_and(|text| text.split_whitespace().nth(1) == Some(wanted.as_str())) {
        return Ok(());
    }
    run("cargo", &["install", "wasm-bindgen-cli", "--version", &wanted])
}

/// Runs `npm ci` (or `npm install` without a lockfile) in `dir` when a package its package.json
/// names is not in node_modules (a fresh clone, or a dependency added since the last install).
pub(crate) fn ensure_npm_packages(dir: &Path) -> Result<(), String> {
    let manifest: serde_json::Value = std::fs::read_to_string(dir.join("package.json"))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let declared = ["dependencies", "devDependencies"]
        .iter()
        .filter_map(|key| manifest.get(*key).and_then(serde_json::Value::as_object))
        .flat_map(|packages| packages.keys().cloned().collect::<Vec<_>>())
        .collect::<Vec<_>>();
    if dir.join("node_modules").exists() && declared.iter().all(|name| dir.join("node_modules").join(name).exists()) {
        return Ok(());
    }
    if dir.join("package-lock.json").exists() {
        run_in(dir, "npm", &["ci", "--no-audit", "--no-fund"])
    } else {
        run_in(dir, "npm", &["install", "--no-audit", "--no-fund"])
    }
}

/// Debian's Chromium, which the browser tests drive (Playwright must not download its own).
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";

/// Installs Debian's `chromium` when it is missing (needs root, as on CI and the dev machines).
pub(crate) fn ensure_chromium() -> Result<(), String> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    run("apt-get", &["update"])?;
    run("apt-get", &["install", "-y", "--no-install-recommends", "chromium"])
        .map_err(|error| format!("{error}; the browser tests need Debian's chromium at {CHROMIUM}"))
}

/// Installs Debian's `faketime` when it is missing: the browser tests' guard run starts the
/// servers under it with the clock moved ahead.
pub(crate) fn ensure_faketime() -> Result<(), String> {
    let found = Command::new("faketime").arg("--version").output().is_ok_and(|output| output.status.success());
    if found {
        return Ok(());
    }
    run("apt-get", &["update"])?;
    run("apt-get", &["install", "-y", "--no-install-recommends", "faketime"])
        .map_err(|error| format!("{error}; the browser tests' guard run needs Debian's faketime"))
}

/// Size of `bytes` after `gzip -9`.
pub(crate) fn gzip_size(path: &Path) -> Result<usize, String> {
    let output = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .map_err(|error| format!("cannot run gzip: {error}"))?;
    if output.status.success() { Ok(output.stdout.len()) } else { Err(format!("gzip failed on {}", path.display())) }
}

/// Copies a directory tree.
pub(crate) fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|error| format!("cannot create {}: {error}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|error| format!("cannot read {}: {error}", from.display()))?.flatten()
    {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target).map_err(|error| format!("cannot copy {}: {error}", path.display()))?;
        }
    }
    Ok(())
}
