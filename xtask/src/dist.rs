//! `cargo xtask dist`: the release wasm (size-optimised profile) → wasm-bindgen `--target web` →
//! `wasm-opt -Oz` (npm `binaryen`), glue and entry minified by `terser` → the npm package in
//! `target/dist/npm` with compiled packs and profiles; prints the gzip size of what a browser
//! downloads.

use crate::tools::{ensure_npm_packages, ensure_wasm_bindgen, ensure_wasm_target, gzip_size, root, run};
use std::path::{Path, PathBuf};

/// Where the npm package is assembled.
pub(crate) fn package_dir() -> PathBuf {
    root().join("target/dist/npm")
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|error| format!("cannot write {}: {error}", path.display()))
}

fn compile_dir(from: &str, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|error| format!("cannot create {}: {error}", to.display()))?;
    let dir = root().join(from);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|error| format!("cannot read {}: {error}", dir.display()))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    entries.sort();
    for path in entries {
        let source =
            std::fs::read_to_string(&path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let name = format!("{from}/{}", path.file_name().map(|name| name.to_string_lossy()).unwrap_or_default());
        let json = if source.lines().any(|line| line.trim() == "[profile]") {
            let profile =
                riskpane::profile::CrmProfile::from_toml(&name, &source).map_err(|errors| errors.to_string())?;
            riskpane::compiled::profile_to_json(&profile)?
        } else {
            let pack = riskpane::compile_source(&name, &source).map_err(|errors| errors.to_string())?;
            riskpane::compiled::pack_to_json(&pack)?
        };
        let stem = path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
        write(&to.join(format!("{stem}.json")), &json)?;
    }
    Ok(())
}

/// wasm-bindgen `--target web` into `out` as `name`, then `wasm-opt -Oz`; returns the .wasm path.
pub(crate) fn bindgen_and_optimise(input: &Path, out: &Path, name: &str) -> Result<PathBuf, String> {
    let out_text = out.to_string_lossy().into_owned();
    let input_text = input.to_string_lossy().into_owned();
    run("wasm-bindgen", &["--target", "web", "--out-dir", &out_text, "--out-name", name, &input_text])?;
    let wasm = out.join(format!("{name}_bg.wasm"));
    let wasm_text = wasm.to_string_lossy().into_owned();
    let wasm_opt = root().join("xtask/node_modules/.bin/wasm-opt").to_string_lossy().into_owned();
    run(
        &wasm_opt,
        &[
            "-Oz",
            // Measured on the LTO build (issue 15): global type-based optimisation, the knowledge
            // that memory below 1 KiB is unused and that fresh memory is zero, run to a fixed point:
            // about 2 KB gzip less than -Oz alone.
            "--gufa",
            "--low-memory-unused",
            "--zero-filled-memory",
            "--converge",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
            &wasm_text,
            "-o",
            &wasm_text,
        ],
    )?;
    minify(&out.join(format!("{name}.js")))?;
    Ok(wasm)
}

/// Minifies an ES module in place with terser (npm, pure JavaScript): the wasm-bindgen glue and the
/// package's entry. Measured (issue 15): glue 9.4 → 6.8 KB gzip, entry 2.3 → 1.2 KB. The readable
/// entry stays in `pkg-config/npm/riskpane.js`.
fn minify(file: &Path) -> Result<(), String> {
    let terser = root().join("xtask/node_modules/.bin/terser").to_string_lossy().into_owned();
    let path = file.to_string_lossy().into_owned();
    run(&terser, &[&path, "--module", "--compress", "--mangle", "--output", &path])
}

/// Builds the package; returns its directory.
pub(crate) fn run_dist() -> Result<PathBuf, String> {
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    let tools = root().join("xtask");
    ensure_npm_packages(&tools)?;
    // `cargo rustc --crate-type cdylib`, not `cargo build`: the crate is both `cdylib` and `rlib`
    // (the CLI and tests link it), and with two crate types cargo drops `-C lto` (cargo#9672,
    // rust#51009), so the profile's `lto = true` was silently off for the widget (BENCHMARKS.md).
    run(
        "cargo",
        &[
            "rustc",
            "--lib",
            "--crate-type",
            "cdylib",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
        ],
    )?;
    let out = package_dir();
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|error| format!("cannot clean {}: {error}", out.display()))?;
    }
    let wasm = bindgen_and_optimise(
        &root().join("target/wasm32-unknown-unknown/wasm-release/riskpane.wasm"),
        &out,
        "riskpane_wasm",
    )?;
    let version = env!("CARGO_PKG_VERSION");
    for file in ["riskpane.js", "riskpane.d.ts", "README.md", "custom-elements.json", "package.json"] {
        let text = std::fs::read_to_string(root().join("pkg-config/npm").join(file))
            .map_err(|error| format!("cannot read {file}: {error}"))?;
        write(&out.join(file), &text.replace("{{version}}", version))?;
    }
    minify(&out.join("riskpane.js"))?;
    compile_dir("pkg-config/rules", &out.join("packs"))?;
    compile_dir("pkg-config/crm", &out.join("profiles"))?;
    let wasm_size = gzip_size(&wasm)?;
    let glue_size = gzip_size(&out.join("riskpane_wasm.js"))?;
    let entry_size = gzip_size(&out.join("riskpane.js"))?;
    let raw_wasm = std::fs::metadata(&wasm).map_or(0, |meta| meta.len());
    println!("\npackage: {}", out.display());
    println!("wasm: {raw_wasm} bytes, {wasm_size} bytes gzip -9");
    println!("js glue: {glue_size} bytes gzip -9; entry riskpane.js: {entry_size} bytes gzip -9");
    println!(
        "transfer size (wasm + js, gzip -9): {} bytes = {:.1} KB",
        wasm_size + glue_size + entry_size,
        (wasm_size + glue_size + entry_size) as f64 / 1024.0
    );
    Ok(out)
}
