//! Criterion benchmark of the engine: `assess` on the demo pack for each fixture case, plus the
//! cost of compiling the pack, of reading the compiled care pack (what the widget does when it
//! loads) and of reading a case. Run with `cargo bench --bench assess`;
//! results are recorded in BENCHMARKS.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use riskpane::{CaseFacts, assess, compile_source};
use std::hint::black_box;

const DEMO: &str = include_str!("../pkg-config/rules/demo.toml");
const CASES: [(&str, &str); 4] = [
    ("inr_high_risk", include_str!("../tests/fixtures/demo/cases/inr_high_risk.json")),
    ("inr_benign_polite", include_str!("../tests/fixtures/demo/cases/inr_benign_polite.json")),
    ("inr_missing_data", include_str!("../tests/fixtures/demo/cases/inr_missing_data.json")),
    ("gdpr_erasure_de", include_str!("../tests/fixtures/demo/cases/gdpr_erasure_de.json")),
];

fn engine(criterion: &mut Criterion) {
    let pack = compile_source("demo.toml", DEMO).expect("demo pack compiles");
    let mut group = criterion.benchmark_group("assess/demo");
    group.throughput(Throughput::Elements(1));
    for (name, case) in CASES {
        let json: serde_json::Value = serde_json::from_str(case).expect("fixture is JSON");
        let (facts, _) = CaseFacts::from_json(&pack, &json);
        group.bench_function(name, |bencher| {
            bencher.iter(|| assess(black_box(&pack), black_box(&facts)));
        });
    }
    group.finish();
    let json: serde_json::Value = serde_json::from_str(CASES[0].1).expect("fixture is JSON");
    criterion.bench_function("read_case/inr_high_risk", |bencher| {
        bencher.iter(|| CaseFacts::from_json(black_box(&pack), black_box(&json)));
    });
    criterion.bench_function("compile/demo", |bencher| {
        bencher.iter(|| compile_source("demo.toml", black_box(DEMO)));
    });
}

/// The shipped domain pack on its realistic cases, assessed one after another.
fn care(criterion: &mut Criterion) {
    let pack = compile_source("care.toml", CARE).expect("care pack compiles");
    let cases: toml::Table = toml::from_str(CARE_CASES).expect("cases.toml parses");
    let all: Vec<CaseFacts> = cases["case"]
        .as_array()
        .expect("[[case]]")
        .iter()
        .map(|case| {
            let mut json = serde_json::to_value(&case["facts"]).expect("facts are JSON");
            json["now"] = "2026-11-25T10:00:00Z".into();
            CaseFacts::from_json(&pack, &json).0
        })
        .collect();
    let mut group = criterion.benchmark_group("assess/care");
    group.throughput(Throughput::Elements(all.len() as u64));
    group.bench_function("realistic cases", |bencher| {
        bencher.iter(|| {
            for facts in &all {
                black_box(assess(black_box(&pack), facts));
            }
        });
    });
    group.finish();
    criterion.bench_function("compile/care", |bencher| bencher.iter(|| compile_source("care.toml", black_box(CARE))));
    // What the widget does with the pack it fetches: read the compiled JSON (issue 15).
    let care = compile_source("care.toml", CARE).expect("care pack compiles");
    let compiled = riskpane::compiled::pack_to_json(&care).expect("care pack serializes");
    criterion.bench_function("load/care.json", |bencher| {
        bencher.iter(|| riskpane::compiled::pack_from_json(black_box(&compiled)));
    });
}

/// Cases of the synthetic history (seed 7) used by the JsonLogic anchor of `cargo xtask bench`.
pub const SYNTHETIC_CASES: u64 = 2000;

/// The care pack on the synthetic history: the full report (`assess`) and the backtests' lean
/// `score`, per case, on the same cases the JsonLogic anchor evaluates.
fn synthetic(criterion: &mut Criterion) {
    let pack = compile_source("care.toml", CARE).expect("care pack compiles");
    let all: Vec<CaseFacts> = riskpane::backtest::synth::cases(SYNTHETIC_CASES, 7)
        .iter()
        .map(|case| CaseFacts::from_json(&pack, case).0)
        .collect();
    let mut group = criterion.benchmark_group("care-synthetic");
    group.throughput(Throughput::Elements(all.len() as u64));
    group.bench_function("assess", |bencher| {
        bencher.iter(|| {
            for facts in &all {
                black_box(assess(black_box(&pack), facts));
            }
        });
    });
    group.bench_function("score", |bencher| {
        bencher.iter(|| {
            for facts in &all {
                black_box(riskpane::engine::score(black_box(&pack), facts));
            }
        });
    });
    group.finish();
}

const CARE: &str = include_str!("../pkg-config/rules/care.toml");
const CARE_CASES: &str = include_str!("../tests/fixtures/care/cases.toml");

criterion_group!(benches, engine, care, synthetic);
criterion_main!(benches);
