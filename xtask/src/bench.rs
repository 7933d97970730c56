//! `cargo xtask bench`: measures the release widget and the engine against the budgets that
//! BENCHMARKS.md states and writes that file's measured section (between
//! `<!-- bench:begin -->` and `<!-- bench:end -->`; the analysis around it is written by hand).
//! Measured: transfer size (gzip -9, brotli) and the top size contributors (twiggy); browser
//! timings in Debian's Chromium over the DevTools protocol (tests/browser/bench.mjs); engine
//! throughput and pack compile cost (criterion, benches/assess.rs); and the anchors in the same
//! run: a Yew hello world built the same way (size floor) and the care pack's logic in JsonLogic
//! evaluated by json-logic-js under Node on the same synthetic cases (xtask/bench/).

use crate::dist::{bindgen_and_optimise, run_dist};
use crate::jsonlogic::pack_to_jsonlogic;
use crate::tools::{ensure_npm_packages, gzip_size, root, run, run_in};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

const BEGIN: &str = "<!-- bench:begin -->";
const END: &str = "<!-- bench:end -->";
/// Synthetic cases (seed 7) both engines score for the JsonLogic anchor (benches/assess.rs uses the same).
const ANCHOR_CASES: u64 = 2000;

fn output_of(program: &str, args: &[&str], dir: &Path) -> Result<String, String> {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|error| format!("cannot run {program}: {error}"))?;
    if !output.status.success() {
        return Err(format!("{program} {} failed:\n{}", args.join(" "), String::from_utf8_lossy(&output.stderr)));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Brotli (quality 11) size, with Node's zlib.
fn brotli_size(path: &Path) -> Result<usize, String> {
    let script = "const z=require('zlib');const b=require('fs').readFileSync(process.argv[1]);\
                  console.log(z.brotliCompressSync(b,{params:{[z.constants.BROTLI_PARAM_QUALITY]:11}}).length)";
    let text = path.to_string_lossy().into_owned();
    output_of("node", &["-e", script, &text], &root())?
        .trim()
        .parse()
        .map_err(|_| "brotli size: not a number".to_owned())
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

#[derive(Clone, Copy, Debug)]
struct Sizes {
    gzip: usize,
    brotli: usize,
    wasm_raw: u64,
}

fn sizes(files: &[&Path], wasm: &Path) -> Result<Sizes, String> {
    let mut gzip = 0;
    let mut brotli = 0;
    for file in files {
        gzip += gzip_size(file)?;
        brotli += brotli_size(file)?;
    }
    Ok(Sizes { gzip, brotli, wasm_raw: std::fs::metadata(wasm).map_or(0, |meta| meta.len()) })
}

/// Top size contributors of the widget's wasm before wasm-opt (the optimised file has no names).
/// Sizes by name, largest first.
type SizeList = Vec<(String, u64)>;

fn twiggy_top(wasm: &Path) -> Result<(SizeList, SizeList, u64), String> {
    if Command::new("twiggy").arg("--version").output().is_err() {
        run("cargo", &["install", "twiggy"])?;
    }
    let csv = output_of("twiggy", &["top", "-n", "100000", "-f", "csv", &wasm.to_string_lossy()], &root())?;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut items = Vec::new();
    for record in reader.records().flatten() {
        let (Some(name), Some(size)) = (record.get(0), record.get(1).and_then(|size| size.parse::<u64>().ok())) else {
            continue;
        };
        // Names and wasm-bindgen's descriptors are not shipped (wasm-bindgen and wasm-opt drop them).
        if name.contains("function names") || name.contains("__wasm_bindgen_unstable") || name.starts_with("export ") {
            continue;
        }
        items.push((name.to_owned(), size));
    }
    let total: u64 = items.iter().map(|(_, size)| size).sum();
    let mut by_crate: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for (name, size) in &items {
        *by_crate.entry(crate_of(name)).or_default() += size;
    }
    let mut by_crate: Vec<(String, u64)> = by_crate.into_iter().collect();
    by_crate.sort_by_key(|entry| std::cmp::Reverse(entry.1));
    by_crate.truncate(12);
    items.sort_by_key(|entry| std::cmp::Reverse(entry.1));
    items.truncate(15);
    Ok((items, by_crate, total))
}

/// The crate an item belongs to, from its demangled name (`<serde_json::de::… as …>` → serde_json).
fn crate_of(name: &str) -> String {
    if name.starts_with("data segment") {
        return "data (string and table constants)".to_owned();
    }
    let trimmed = name.trim_start_matches(['<', '&']).trim_start_matches("mut ").trim_start_matches("dyn ");
    let head: String = trimmed.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    match head.as_str() {
        "" => "other".to_owned(),
        "impl" => name.split(" for ").nth(1).map_or("other".to_owned(), crate_of),
        _ => head,
    }
}

/// The Yew hello world, built like the widget; returns its gzip and brotli sizes (wasm + glue).
fn hello_yew() -> Result<Sizes, String> {
    let dir = root().join("xtask/bench/hello-yew");
    let target = root().join("target/hello-yew");
    let target_text = target.to_string_lossy().into_owned();
    run_in(
        &dir,
        "cargo",
        &[
            "build",
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
            "--target-dir",
            &target_text,
        ],
    )?;
    let out = target.join("pkg");
    let wasm =
        bindgen_and_optimise(&target.join("wasm32-unknown-unknown/wasm-release/hello_yew.wasm"), &out, "hello_yew")?;
    sizes(&[&wasm, &out.join("hello_yew.js")], &wasm)
}

/// Criterion's results: (benchmark id, elements per iteration, mean ns per iteration).
fn criterion_results() -> Result<Vec<(String, f64, f64)>, String> {
    run("cargo", &["bench", "--bench", "assess"])?;
    let mut results = Vec::new();
    let base = root().join("target/criterion");
    let mut stack = vec![base.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() && path.file_name().is_some_and(|name| name == "new") {
                let read = |file: &str| -> Option<Value> {
                    serde_json::from_str(&std::fs::read_to_string(path.join(file)).ok()?).ok()
                };
                if let (Some(benchmark), Some(estimates)) = (read("benchmark.json"), read("estimates.json")) {
                    let id = benchmark["full_id"].as_str().unwrap_or_default().to_owned();
                    let elements = benchmark["throughput"]["Elements"].as_f64().unwrap_or(1.0);
                    let mean = estimates["mean"]["point_estimate"].as_f64().unwrap_or(0.0);
                    results.push((id, elements, mean));
                }
            } else if path.is_dir() && path.file_name().is_some_and(|name| name != "report") {
                stack.push(path);
            }
        }
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(results)
}

/// The JsonLogic anchor: the care pack in JsonLogic, the synthetic cases, the engine's scores.
fn jsonlogic_anchor() -> Result<Value, String> {
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
    let source =
        std::fs::read_to_string(root().join("pkg-config/rules/care.toml")).map_err(|error| error.to_string())?;
    let pack = riskpane::compile_source("care.toml", &source).map_err(|errors| errors.to_string())?;
    let cases = riskpane::backtest::synth::cases(ANCHOR_CASES, 7);
    let scores: Vec<i64> = cases
        .iter()
        .map(|case| riskpane::engine::score(&pack, &riskpane::CaseFacts::from_json(&pack, case).0).score)
        .collect();
    let ndjson: String = cases.iter().map(|case| case.to_string() + "\n").collect();
    let write = |name: &str, text: &str| {
        std::fs::write(dir.join(name), text).map_err(|error| format!("cannot write {name}: {error}"))
    };
    write("care.jsonlogic.json", &pack_to_jsonlogic(&pack).to_string())?;
    write("cases.ndjson", &ndjson)?;
    write("native-scores.json", &serde_json::to_string(&scores).map_err(|error| error.to_string())?)?;
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let output = output_of(
        "node",
        &[
            "xtask/bench/jsonlogic-bench.mjs",
            &path("care.jsonlogic.json"),
            &path("cases.ndjson"),
            &path("native-scores.json"),
        ],
        &root(),
    )?;
    serde_json::from_str(output.trim()).map_err(|error| format!("jsonlogic bench output: {error}: {output}"))
}

fn browser() -> Result<Value, String> {
    crate::demo::assemble()?;
    let tests = root().join("tests/browser");
    ensure_npm_packages(&tests)?;
    crate::tools::ensure_chromium()?;
    // The harness serves the demo page with the reference CRM's binary.
    crate::tools::run("cargo", &["build", "--quiet", "--package", "reference-crm"])?;
    let output = output_of("node", &["bench.mjs"], &tests)?;
    let line = output.lines().last().unwrap_or_default();
    serde_json::from_str(line).map_err(|error| format!("browser bench output: {error}: {output}"))
}

fn verdict(value: f64, budget: f64, unit: &str) -> String {
    if value <= budget {
        format!("met (budget {budget} {unit})")
    } else {
        format!("**missed** by {:.1} {unit} ({:.1}x the {budget} {unit} budget)", value - budget, value / budget)
    }
}

fn ms(value: &Value) -> f64 {
    value.as_f64().unwrap_or(f64::NAN)
}

/// Runs every measurement and rewrites the measured section of BENCHMARKS.md.
pub(crate) fn run_bench() -> Result<(), String> {
    let package = run_dist()?;
    let mut builds = Vec::new();
    for build in crate::dist::BUILDS {
        let [wasm, glue, entry] = build.files().map(|file| package.join(file));
        builds.push((build, sizes(&[&wasm, &glue, &entry], &wasm)?));
    }
    // The largest build is the widget's figure (the budget holds for every page) and twiggy's subject.
    let (largest, widget) = builds.iter().max_by_key(|(_, sizes)| sizes.gzip).copied().ok_or("no builds")?;
    let (top, by_crate, code_total) = twiggy_top(&largest.raw_wasm())?;
    let hello = hello_yew()?;
    let anchor = jsonlogic_anchor()?;
    let criterion = criterion_results()?;
    let browser = browser()?;

    let mut out = String::new();
    let date = output_of("date", &["-u", "+%Y-%m-%d %H:%M UTC"], &root())?;
    let cpu = output_of("sh", &["-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2; nproc"], &root())?;
    let cpu = cpu.split_whitespace().collect::<Vec<_>>().join(" ");
    let _ = writeln!(out, "{BEGIN}");
    let _ = writeln!(
        out,
        "_Written by `cargo xtask bench` on {} — {cpu} cores, Chromium {}. Re-run it to refresh; \
         timings are medians of the runs shown, on a shared machine._\n",
        date.trim(),
        browser["chromium"].as_str().unwrap_or("?")
    );
    write_sizes(&mut out, &builds, &widget, &hello, &top, &by_crate, code_total);
    write_browser(&mut out, &browser);
    write_engine(&mut out, &criterion, &anchor)?;
    let _ = write!(out, "{END}");
    replace_measured_section(&out)?;
    println!("{out}");
    println!("bench: BENCHMARKS.md updated");
    Ok(())
}

/// Transfer size of the widget and the Yew hello world, and the top contributors (twiggy).
fn write_sizes(
    out: &mut String,
    builds: &[(crate::dist::Build, Sizes)],
    widget: &Sizes,
    hello: &Sizes,
    top: &SizeList,
    by_crate: &SizeList,
    code_total: u64,
) {
    let _ = writeln!(out, "### Transfer size (release build, wasm + JS glue + entry module, per CRM)\n");
    let _ = writeln!(out, "| | gzip -9 | brotli 11 | raw wasm |\n|---|---|---|---|");
    for (build, sizes) in builds {
        let _ = writeln!(
            out,
            "| `{}` ({}) | {} | {} | {} |",
            build.entry,
            build.crm,
            kb(sizes.gzip),
            kb(sizes.brotli),
            kb(sizes.wasm_raw as usize)
        );
    }
    let _ = writeln!(
        out,
        "| anchor: Yew hello world, same profile and steps | {} | {} | {} |",
        kb(hello.gzip),
        kb(hello.brotli),
        kb(hello.wasm_raw as usize)
    );
    let _ = writeln!(
        out,
        "| largest build ÷ hello world | {:.1}x | {:.1}x | |\n\nBudget ≤ 100 KB gzip for every build: {}.\n",
        widget.gzip as f64 / hello.gzip as f64,
        widget.brotli as f64 / hello.brotli as f64,
        verdict(widget.gzip as f64 / 1024.0, 100.0, "KB")
    );
    let _ = writeln!(
        out,
        "Top contributors (twiggy, the wasm before wasm-bindgen/wasm-opt: {} of code and data; the shipped file is {} raw):\n",
        kb(code_total as usize),
        kb(widget.wasm_raw as usize)
    );
    let _ = writeln!(out, "| by crate | bytes | share |\n|---|---|---|");
    for (name, size) in by_crate {
        let _ = writeln!(out, "| {name} | {size} | {:.1}% |", 100.0 * *size as f64 / code_total as f64);
    }
    let _ = writeln!(out, "\n| largest items | bytes |\n|---|---|");
    for (name, size) in top {
        let short: String = name.chars().take(110).collect();
        let _ = writeln!(out, "| `{}` | {size} |", short.replace('|', "\\|"));
    }
}

/// The browser timings and memory, desktop and with 4x CPU throttling, with their verdicts.
fn write_browser(out: &mut String, browser: &Value) {
    let _ = writeln!(out, "\n### Browser (demo CRM page, reference server, Chromium over CDP)\n");
    let _ = writeln!(out, "| metric | desktop | 4x CPU throttling | budget |\n|---|---|---|---|");
    let row = |key: &str, field: &str| (ms(&browser["desktop"][key][field]), ms(&browser["throttled4x"][key][field]));
    let (first_desktop, first_slow) = row("firstScoreMs", "median");
    let (first_min_d, first_min_s) = row("firstScoreMs", "min");
    let (first_max_d, first_max_s) = row("firstScoreMs", "max");
    let runs = browser["desktop"]["firstScoreMs"]["runs"].as_u64().unwrap_or(0);
    let _ = writeln!(
        out,
        "| script start → first score painted, median of {runs} (min–max) | {first_desktop:.0} ms ({first_min_d:.0}–{first_max_d:.0}) | {first_slow:.0} ms ({first_min_s:.0}–{first_max_s:.0}) | ≤ 150 ms desktop, ≤ 600 ms throttled |"
    );
    let (task_desktop, task_slow) = row("longestTaskMs", "median");
    let (task_max_d, task_max_s) = row("longestTaskMs", "max");
    let _ = writeln!(
        out,
        "| longest main-thread task during mount, median (max) | {task_desktop:.1} ms ({task_max_d:.1}) | {task_slow:.1} ms ({task_max_s:.1}) | ≤ 50 ms desktop |"
    );
    let (rescore_d, rescore_s) = row("rescore", "median");
    let (p95_d, p95_s) = row("rescore", "p95");
    let _ = writeln!(
        out,
        "| re-score after a case change (engine + render), median / p95 of 1,000 | {rescore_d:.2} / {p95_d:.2} ms | {rescore_s:.2} / {p95_s:.2} ms | ≤ 5 ms desktop |"
    );
    let memory = |mode: &str, when: &str, field: &str| browser[mode][when][field].as_f64().unwrap_or(0.0) / 1_048_576.0;
    for (label, field) in [("wasm memory", "wasmBytes"), ("JS heap (after GC)", "jsHeapBytes")] {
        let trio = |mode: &str| {
            format!(
                "{:.2} → {:.2} → {:.2} MB",
                memory(mode, "memoryAfterFirstScore", field),
                memory(mode, "memoryAfterRescores", field),
                memory(mode, "memoryAfter2000Rescores", field)
            )
        };
        let budget = if field == "wasmBytes" { "≤ 3 MB, no growth" } else { "no growth" };
        let _ = writeln!(
            out,
            "| {label}: after first score → 1,000 → 2,000 re-scores | {} | {} | {budget} |",
            trio("desktop"),
            trio("throttled4x")
        );
    }
    let _ = writeln!(
        out,
        "\nVerdicts (desktop): first score {}; longest task {}; re-score {}.\n",
        verdict(first_desktop, 150.0, "ms"),
        verdict(task_desktop, 50.0, "ms"),
        verdict(rescore_d, 5.0, "ms")
    );
}

/// The engine's criterion results and the JsonLogic anchor.
fn write_engine(out: &mut String, criterion: &[(String, f64, f64)], anchor: &Value) -> Result<(), String> {
    let _ = writeln!(out, "### Engine (native, one core, criterion)\n");
    let _ = writeln!(out, "| benchmark | per second | mean per iteration |\n|---|---|---|");
    let mut care_per_second = 0.0;
    let mut synthetic_per_second = (0.0, 0.0);
    for (id, elements, mean) in criterion {
        let per_second = elements * 1e9 / mean;
        if id.starts_with("assess/care") {
            care_per_second = per_second;
        }
        if id == "care-synthetic/assess" {
            synthetic_per_second.0 = per_second;
        }
        if id == "care-synthetic/score" {
            synthetic_per_second.1 = per_second;
        }
        let what = if id.starts_with("compile") { "compilations" } else { "cases" };
        let _ = writeln!(out, "| {id} | {per_second:.0} {what} | {:.1} µs |", mean / 1000.0);
    }
    let _ = writeln!(
        out,
        "\nBudget ≥ 500,000 assessments/s/core on the shipped pack (care, realistic cases, full report): {}.\n",
        if care_per_second >= 500_000.0 {
            format!("met ({care_per_second:.0}/s)")
        } else {
            format!("**missed**: {care_per_second:.0}/s, {:.0}% of the target", 100.0 * care_per_second / 500_000.0)
        }
    );
    let jsonlogic = anchor["per_second_median"].as_f64().unwrap_or(0.0);
    let node = output_of("node", &["--version"], &root())?;
    let _ = writeln!(out, "### Anchor: the care pack in JsonLogic (json-logic-js 2.0.5 under Node {})\n", node.trim());
    let _ = writeln!(
        out,
        "The same {} synthetic cases (seed 7), score only, one core: json-logic-js {jsonlogic:.0} cases/s; \
         riskpane `assess` (full report) {:.0}/s = **{:.1}x**, `score` {:.0}/s = **{:.1}x**. \
         The two agree on {:.1}% of the scores (JsonLogic has no unknown: a missing fact is null).\n",
        anchor["cases"],
        synthetic_per_second.0,
        synthetic_per_second.0 / jsonlogic,
        synthetic_per_second.1,
        synthetic_per_second.1 / jsonlogic,
        100.0 * anchor["agreement"].as_f64().unwrap_or(0.0)
    );
    Ok(())
}

/// Puts `out` between the markers of BENCHMARKS.md (appends a section when they are missing).
fn replace_measured_section(out: &str) -> Result<(), String> {
    let path = root().join("BENCHMARKS.md");
    let current = std::fs::read_to_string(&path).map_err(|error| format!("cannot read BENCHMARKS.md: {error}"))?;
    let updated = match (current.find(BEGIN), current.find(END)) {
        (Some(start), Some(end)) if end > start => format!("{}{out}{}", &current[..start], &current[end + END.len()..]),
        _ => format!("{current}\n## Measured by `cargo xtask bench`\n\n{out}\n"),
    };
    std::fs::write(&path, updated).map_err(|error| format!("cannot write BENCHMARKS.md: {error}"))?;
    Ok(())
}
