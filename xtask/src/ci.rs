//! `cargo xtask ci`: everything CI checks, in the order a failure is cheapest to find.

use crate::tools::{
    ensure_chromium, ensure_faketime, ensure_npm_packages, ensure_wasm_target, root, run as run_command, run_in,
    run_in_with_env,
};

/// How far the guard run moves every clock ahead (see [`browser_tests`]).
const CLOCK_SHIFT_DAYS: &str = "365";

/// The browser tests whose data has dates (the demo pages' relative dates, Request Tracker's and
/// django-helpdesk's tickets and custom fields): run a second time with the clock moved ahead.
const DATE_DEPENDENT_TESTS: [&str; 3] = ["widget.test.mjs", "rt.test.mjs", "helpdesk.test.mjs"];

/// Format, lints, tests, the wasm32 build and the shipped rule packs.
pub(crate) fn run() -> Result<(), String> {
    ensure_wasm_target()?;
    run_command("cargo", &["fmt", "--all", "--check"])?;
    run_command("cargo", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
    run_command("cargo", &["clippy", "--lib", "--target", "wasm32-unknown-unknown", "--", "-D", "warnings"])?;
    // Each per-CRM build (`dist::BUILDS`) compiles its own set of adapters: lint each.
    for build in crate::dist::BUILDS {
        let mut args = vec!["clippy", "--lib", "--target", "wasm32-unknown-unknown", "--no-default-features"];
        if !build.features.is_empty() {
            args.extend(["--features", build.features]);
        }
        args.extend(["--", "-D", "warnings"]);
        run_command("cargo", &args)?;
    }
    run_command("cargo", &["build", "--lib", "--target", "wasm32-unknown-unknown"])?;
    check_rules(&[])?;
    run_command("cargo", &["test", "--workspace"])?;
    browser_tests()?;
    println!("\nxtask ci: all checks passed");
    Ok(())
}

/// Builds the demo site (release wasm) and runs the Playwright tests in Debian's Chromium; then
/// the guard against time bombs: the date-dependent tests once more with every clock a year ahead
/// (the pages' clocks by Playwright, the reference server and Request Tracker under `faketime`,
/// the tests' own `now()`), so a test, seed or page that holds a calendar date fails today, not
/// in a week.
pub(crate) fn browser_tests() -> Result<(), String> {
    ensure_chromium()?;
    ensure_faketime()?;
    crate::demo::assemble()?;
    check_size()?;
    run_command("cargo", &["build", "--package", "xtask", "--package", "reference-crm"])?;
    let tests = root().join("tests/browser");
    ensure_npm_packages(&tests)?;
    // Request Tracker 5, the reference CRM, with the extension and the widget just built.
    // The real CRMs, with their extensions and the widget just built: Request Tracker 5 and
    // django-helpdesk (the second shows that another CRM is one profile and one adapter away).
    let rt = root().join("pkg-config/crm/request-tracker");
    let helpdesk = root().join("pkg-config/crm/django-helpdesk");
    let mut result = run_in(&rt, "bash", &["rt-up.sh"])
        .and_then(|()| run_in(&helpdesk, "bash", &["helpdesk-up.sh"]))
        .and_then(|()| run_in(&tests, "node", &["--test", "--test-concurrency=1", "--test-reporter=spec", "."]));
    if result.is_ok() {
        println!("\nxtask ci: the date-dependent browser tests again, with every clock {CLOCK_SHIFT_DAYS} days ahead");
        let shifted = [("RISKPANE_CLOCK_SHIFT_DAYS", CLOCK_SHIFT_DAYS)];
        result = run_in_with_env(&rt, "bash", &["rt-up.sh"], &shifted)
            .and_then(|()| run_in_with_env(&helpdesk, "bash", &["helpdesk-up.sh"], &shifted))
            .and_then(|()| {
                let mut args = vec!["--test", "--test-concurrency=1", "--test-reporter=spec"];
                args.extend(DATE_DEPENDENT_TESTS);
                run_in_with_env(&tests, "node", &args, &shifted)
            });
    }
    let _ = run_in(&rt, "bash", &["rt-down.sh"]);
    let _ = run_in(&helpdesk, "bash", &["helpdesk-down.sh"]);
    result
}

/// No build of the widget may grow past this (gzip -9, wasm + glue + entry of the build a CRM page
/// loads). The budget is 100 KB and is missed today (BENCHMARKS.md says why and what would close
/// it); this ratchet stops it from getting worse unnoticed. Lower it whenever the size drops.
/// (244 → 250 KB for the django-helpdesk adapter, issue 18; 250 → 247 KB with per-CRM builds, issue 15:
/// the largest, Request Tracker's, was 246.7 KB; 247 → 238 KB with the pack as postcard (−19 KB)
/// and the experts' pattern report form (+9.5 KB): Request Tracker's build is 237.0 KB; 238 → 232 KB
/// with the browser's JSON.parse (−11.5 KB) and the QA review part of the form (+5.0 KB): Request
/// Tracker's build is 230.5 KB; 232 → 226 KB with records and requests written by hand instead of
/// through serde's serializers (−5.8 KB): Request Tracker's build is 224.7 KB; 226 → 224 KB with
/// one hand-written heapsort for the sorted pairs, no sort for canonical keys and the stylesheet
/// minified (−2.4 KB), after the writer's-own-words reading of messages (+1.4 KB): Request
/// Tracker's build is 223.6 KB; 224 → 225 KB for reading other users' comments quoted in a public
/// thread as theirs (care pack 1.26.0: −5 look-alikes on part 51), with 62d87af: Request Tracker's
/// build is 224.3 KB; someone else's words in quotation marks (1.28.0) then took it to 225.0 KB,
/// 230,397 bytes; 225 → 224 KB with no `json!` in the CRM adapters' requests (−1.8 KB): Request
/// Tracker's build is 228,537 bytes; 224 → 223 KB with the page's JSON islands in a list, not a
/// B-tree map of their own (−1.0 KB): 227,513 bytes; 223 → 216 KB with sorted-`Vec` maps and sets
/// (`value::small_map`) instead of the widget's B-trees (−6.3 KB): 221,017 bytes; 216 → 215 KB with
/// the case as read from the page in one too (−1.5 KB): 219,469 bytes; 215 → 206 KB with the
/// lowercase mapping as runs, one evaluator, packs read by hand and sha2's compact rounds (−9.0 KB):
/// 210,321 bytes; 206 → 204 KB with the widget's own panic hook and a second wasm-opt run
/// (flatten, rereloop, -Oz; −1.2 KB): 208,733 bytes.)
const SIZE_RATCHET_BYTES: usize = 204 * 1024;

/// Fails when a build's transfer size is above the ratchet (deterministic, unlike timings).
fn check_size() -> Result<(), String> {
    let package = crate::dist::package_dir();
    for build in crate::dist::BUILDS {
        let mut total = 0;
        for file in build.files() {
            total += crate::tools::gzip_size(&package.join(file))?;
        }
        println!(
            "size of {}: {total} bytes gzip -9 (ratchet {SIZE_RATCHET_BYTES}, budget {})",
            build.entry,
            100 * 1024
        );
        if total > SIZE_RATCHET_BYTES {
            return Err(format!(
                "{} grew to {total} bytes gzip, above the {SIZE_RATCHET_BYTES}-byte ratchet (budget 102400): see BENCHMARKS.md",
                build.entry
            ));
        }
        check_no_stable_sort(&build.raw_wasm())?;
    }
    Ok(())
}

/// Fails when the widget's wasm holds a stable sort: `slice::sort*` (not `sort_unstable*`) or a
/// `collect()` into a `BTreeMap`/`BTreeSet` (which sorts stably before building). Each element
/// type costs its own copy of several KB (issue 15: removing the last four saved 8.7 KB gzip), and
/// the widget never needs one: fill sets with `extend`/`insert`, sort with `sort_unstable*`.
/// Read from the name section of the wasm before wasm-bindgen and wasm-opt strip it.
fn check_no_stable_sort(wasm: &std::path::Path) -> Result<(), String> {
    let bytes = std::fs::read(wasm).map_err(|error| format!("cannot read {}: {error}", wasm.display()))?;
    let holds = |marker: &[u8]| bytes.windows(marker.len()).any(|window| window == marker);
    // Without function names (a `strip` in the profile, say) the check below would pass on anything.
    if !holds(b"_ZN8riskpane") {
        return Err(format!("{} has no function names: cannot check it for stable sorts", wasm.display()));
    }
    // `core::slice::sort::stable`, as the name section spells it (legacy mangling).
    if holds(b"5slice4sort6stable") {
        return Err(format!(
            "{} holds a stable sort (a `sort`/`sort_by` or a `collect()` into a BTreeMap/BTreeSet in code the widget runs): \
             use `sort_unstable*` or fill the set with `extend` (see check_no_stable_sort in xtask/src/ci.rs)",
            wasm.display()
        ));
    }
    println!("{} holds no stable sort", wasm.display());
    Ok(())
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
