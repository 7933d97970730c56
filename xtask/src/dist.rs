//! `cargo xtask dist`: the release wasm (size-optimised profile) → wasm-bindgen `--target web` →
//! `wasm-opt -Oz` (npm `binaryen`), glue and entry minified by `terser` → the npm package in
//! `target/dist/npm` with compiled packs and profiles; prints the gzip size of what a browser
//! downloads. One build per CRM adapter ([`BUILDS`]): a page loads only the adapter it uses.

use crate::tools::{ensure_npm_packages, ensure_wasm_bindgen, ensure_wasm_target, gzip_size, root, run};
use std::path::{Path, PathBuf};

/// The per-CRM builds (issue 15): cargo features, wasm-bindgen name, entry module. Every build has
/// the generic REST adapter (the others call their CRM through it); the first is the default entry.
pub(crate) const BUILDS: [Build; 3] = [
    Build {
        features: "",
        name: "riskpane_wasm",
        entry: "riskpane.js",
        crm: "generic REST (demo, mount() with a token)",
    },
    Build { features: "crm-rt", name: "riskpane_wasm_rt", entry: "riskpane-rt.js", crm: "Request Tracker 5" },
    Build {
        features: "crm-helpdesk",
        name: "riskpane_wasm_helpdesk",
        entry: "riskpane-helpdesk.js",
        crm: "django-helpdesk",
    },
];

/// One build of the widget.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Build {
    /// Cargo features besides none of the defaults (`--no-default-features`).
    pub(crate) features: &'static str,
    /// wasm-bindgen's `--out-name`: `<name>.js` (glue) and `<name>_bg.wasm`.
    pub(crate) name: &'static str,
    /// The entry module a page loads.
    pub(crate) entry: &'static str,
    /// Which CRM pages load it.
    pub(crate) crm: &'static str,
}

impl Build {
    /// The build's wasm as rustc made it, with function names.
    pub(crate) fn raw_wasm(&self) -> PathBuf {
        root().join(format!("target/wasm32-unknown-unknown/wasm-release/{}.wasm", self.name))
    }

    /// The files a browser downloads for this build: wasm, glue, entry.
    pub(crate) fn files(&self) -> [String; 3] {
        [format!("{}_bg.wasm", self.name), format!("{}.js", self.name), self.entry.to_owned()]
    }
}

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

/// wasm-bindgen `--target web` into `out` as `name`, then `wasm-opt` twice (below); returns the .wasm path.
pub(crate) fn bindgen_and_optimise(input: &Path, out: &Path, name: &str) -> Result<PathBuf, String> {
    let out_text = out.to_string_lossy().into_owned();
    let input_text = input.to_string_lossy().into_owned();
    run("wasm-bindgen", &["--target", "web", "--out-dir", &out_text, "--out-name", name, &input_text])?;
    let wasm = out.join(format!("{name}_bg.wasm"));
    let wasm_text = wasm.to_string_lossy().into_owned();
    let wasm_opt = root().join("xtask/node_modules/.bin/wasm-opt").to_string_lossy().into_owned();
    let features = [
        "--enable-bulk-memory",
        "--enable-nontrapping-float-to-int",
        "--enable-sign-ext",
        "--enable-mutable-globals",
        "--enable-reference-types",
        "--enable-multivalue",
    ];
    let mut first = vec![
        "-Oz",
        // Measured on the LTO build (issue 15): global type-based optimisation, the knowledge
        // that memory below 1 KiB is unused and that fresh memory is zero, run to a fixed point:
        // about 2 KB gzip less than -Oz alone.
        "--gufa",
        "--low-memory-unused",
        "--zero-filled-memory",
        "--converge",
    ];
    // A second run on the result: the control flow flattened and rebuilt by the relooper, then -Oz
    // again, finds what the first fixed point left (0.8 KB gzip on the RT build, issue 15; a third
    // run gains nothing, and the same passes inside the first run's list gain a fifth of that).
    let mut second = vec!["--flatten", "--rereloop", "-Oz"];
    for passes in [&mut first, &mut second] {
        passes.extend(features);
        passes.extend([wasm_text.as_str(), "-o", wasm_text.as_str()]);
        run(&wasm_opt, passes)?;
    }
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
    let out = package_dir();
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|error| format!("cannot clean {}: {error}", out.display()))?;
    }
    std::fs::create_dir_all(&out).map_err(|error| format!("cannot create {}: {error}", out.display()))?;
    let version = env!("CARGO_PKG_VERSION");
    let template = |file: &str| -> Result<String, String> {
        let text = std::fs::read_to_string(root().join("pkg-config/npm").join(file))
            .map_err(|error| format!("cannot read {file}: {error}"))?;
        Ok(text.replace("{{version}}", version))
    };
    for build in BUILDS {
        // `cargo rustc --crate-type cdylib`, not `cargo build`: the crate is both `cdylib` and
        // `rlib` (the CLI and tests link it), and with two crate types cargo drops `-C lto`
        // (cargo#9672, rust#51009), so the profile's `lto = true` was silently off for the widget
        // (BENCHMARKS.md).
        let mut args = vec![
            "rustc",
            "--lib",
            "--crate-type",
            "cdylib",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
            "--no-default-features",
        ];
        if !build.features.is_empty() {
            args.extend(["--features", build.features]);
        }
        run("cargo", &args)?;
        // Kept with its names (before wasm-bindgen and wasm-opt) for the checks and twiggy.
        let built = root().join("target/wasm32-unknown-unknown/wasm-release/riskpane.wasm");
        std::fs::copy(&built, build.raw_wasm()).map_err(|error| format!("cannot copy {}: {error}", built.display()))?;
        bindgen_and_optimise(&build.raw_wasm(), &out, build.name)?;
        // Each entry is the same module, importing its own build's glue and wasm.
        write(&out.join(build.entry), &template("riskpane.js")?.replace("riskpane_wasm", build.name))?;
        minify(&out.join(build.entry))?;
    }
    for file in ["riskpane.d.ts", "README.md", "custom-elements.json", "package.json"] {
        write(&out.join(file), &template(file)?)?;
    }
    compile_dir("pkg-config/rules", &out.join("packs"))?;
    compile_dir("pkg-config/crm", &out.join("profiles"))?;
    println!("\npackage: {}", out.display());
    for build in BUILDS {
        let [wasm, glue, entry] = build.files().map(|file| out.join(file));
        let raw_wasm = std::fs::metadata(&wasm).map_or(0, |meta| meta.len());
        let (wasm_size, glue_size, entry_size) = (gzip_size(&wasm)?, gzip_size(&glue)?, gzip_size(&entry)?);
        let total = wasm_size + glue_size + entry_size;
        println!(
            "{} ({}): wasm {raw_wasm} bytes, {wasm_size} gzip -9; glue {glue_size}; entry {entry_size}; transfer size {total} bytes = {:.1} KB",
            build.entry,
            build.crm,
            total as f64 / 1024.0
        );
    }
    Ok(out)
}
