//! The `riskpane` command-line tool for rule authors: lint packs, score case files, try expressions.
//!
//! Exit codes: 0 success; 1 the pack or expression has errors (all printed with file, line:col
//! and a caret snippet); 2 usage or input problems (missing file, invalid JSON). Never a panic
//! or a backtrace: every failure is one clear message on stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool prints by design

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use riskpane::backtest;
use riskpane::rules::diagnostic::{PackError, render};
use riskpane::rules::lang::Value;
use riskpane::rules::lang::eval::{Env, Trace, eval};
use riskpane::{CaseFacts, RulePack, assess, compile_source, report};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

// Backtests parse and score millions of small JSON rows on all cores; glibc's allocator spent ~30 %
// of that time in malloc/free (perf), mimalloc's thread-local heaps far less (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "riskpane",
    version,
    about = "Lint rule packs, score cases, try rule-language expressions, backtest and compare packs, evaluate text signals"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check rule packs; print every error with file, line:col and a caret snippet.
    Lint {
        /// Rule pack TOML files.
        #[arg(required = true)]
        packs: Vec<PathBuf>,
    },
    /// Score a case file against a rule pack.
    Score {
        /// Rule pack TOML file.
        #[arg(long)]
        pack: PathBuf,
        /// Case JSON file (nested keys are fact names).
        #[arg(long)]
        case: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Language of rule titles and checklist texts (falls back to English).
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Re-score a recorded decision's case and check that score, band and fired rules are
    /// reproduced exactly (exit 0) or print the differences (exit 1).
    Replay {
        /// Decision record JSON (docs/decision-record.md).
        #[arg(long)]
        decision: PathBuf,
        /// The case JSON the decision was made on.
        #[arg(long)]
        case: PathBuf,
        /// Rule pack TOML file.
        #[arg(long)]
        pack: PathBuf,
    },
    /// Write the browser-ready JSON of a rule pack or CRM profile (detected from its contents).
    Compile {
        /// Rule pack or CRM profile TOML file.
        file: PathBuf,
        /// Output file; stdout when absent.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Score historical cases (NDJSON or CSV) with a pack: score distribution, bands, per-rule fire
    /// rate, precision and unknown facts, precision / recall / F1 and money at each band threshold.
    Backtest {
        /// Rule pack TOML file.
        #[arg(long)]
        pack: PathBuf,
        #[command(flatten)]
        cases: CaseFile,
        /// Money fact summed as money at stake (default: order.total_eur, else the first money fact).
        #[arg(long)]
        amount: Option<String>,
        /// A pattern report (JSON, from the widget or the CRM): its draft rule runs as rule `DRAFT`
        /// with 0 points, and its fire rate, precision and recall lead the report.
        #[arg(long)]
        draft: Option<PathBuf>,
    },
    /// Score the same cases with two packs: which cases change band, and which rule changes caused it.
    Diff {
        /// The pack as it is now.
        #[arg(long)]
        base: PathBuf,
        /// The changed pack.
        #[arg(long)]
        pack: PathBuf,
        #[command(flatten)]
        cases: CaseFile,
    },
    /// The open internal fraud reports (case type `internal_report`, status not `closed`) of a
    /// case file, scored with the pack, highest score first.
    Reports {
        /// Rule pack TOML file.
        #[arg(long)]
        pack: PathBuf,
        /// Cases: NDJSON, one case JSON per line (as for `backtest`).
        #[arg(long)]
        cases: PathBuf,
        /// Output on stdout.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Aggregate risk experts' QA reviews of Tier 2 handling over a period: by provider, by agent,
    /// by missed checklist step and ignored rule, with each agent's feedback.
    Qa {
        /// QA reviews: NDJSON, one `riskpane.qa_review` per line (docs/qa-review.md).
        #[arg(long)]
        reviews: PathBuf,
        /// First day of the period (YYYY-MM-DD, inclusive, UTC).
        #[arg(long)]
        from: String,
        /// Last day of the period (YYYY-MM-DD, inclusive, UTC).
        #[arg(long)]
        to: String,
        /// Output on stdout.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Also write a self-contained HTML report with plots here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Measure the pack's text signals on a labelled message corpus (tests/fixtures/evaluation/):
    /// recall per signal and language, false positives on benign look-alikes, precision.
    Evaluate {
        /// Rule pack TOML file.
        #[arg(long)]
        pack: PathBuf,
        /// NDJSON corpus: {"id", "lang", "labels": [...], "lookalike_of", "channel", "text"} per line.
        #[arg(long)]
        corpus: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Train a pack classifier (`[classifiers.NAME]`) on labelled corpus parts; prints its TOML
    /// tables for the pack, or with `--by-part` how it reads each part when trained on the others.
    Train {
        /// The class: `data_subject_request` (any data-subject right) or a corpus label.
        #[arg(long)]
        class: String,
        /// NDJSON corpus parts (as for `evaluate`); repeat for several.
        #[arg(long, required = true)]
        corpus: Vec<PathBuf>,
        /// Terms kept (the strongest by weight).
        #[arg(long, default_value_t = 3000)]
        terms: usize,
        /// The probability from which a text reads as the class.
        #[arg(long, default_value_t = 0.5)]
        threshold: f64,
        /// Instead of the classifier: leave each part out in turn, train on the rest, measure on it.
        #[arg(long)]
        by_part: bool,
        /// The table's name, `[classifiers.NAME]` (default: the class).
        #[arg(long)]
        name: Option<String>,
        /// Train against the class's look-alikes only: a second reading that tells the class from
        /// the texts that imitate it.
        #[arg(long)]
        against_lookalikes: bool,
        /// Train on the customer's own words as PACK reads them: its `customer.message` fact's
        /// `own_words` cut quoted replies, forwarded mail and the agent's side of a chat from every
        /// message first.
        #[arg(long, value_name = "PACK")]
        own_words: Option<PathBuf>,
    },
    /// Request Tracker's four-eye check (run by RT's scrip, not by people): reads what RT knows
    /// about a ticket as JSON on stdin (island-shaped ticket, history, staff comments with decision
    /// blocks and their RT authors, experts, the change being made) and prints RT's verdict as
    /// JSON: refused records with the note RT posts, and why the change may not stand.
    RtVerdict {
        /// Rule pack TOML file (the care pack the widget uses).
        #[arg(long)]
        pack: PathBuf,
        /// Request Tracker CRM profile TOML file (pkg-config/crm/request-tracker.toml).
        #[arg(long)]
        profile: PathBuf,
    },
    /// The QA reviews a note-based CRM kept, as `riskpane.qa_review` lines for `qa` (run by the
    /// CRMs' export scripts: Request Tracker's `rt-qa-export`, django-helpdesk's
    /// `riskpane_qa_export`, which hand over one ticket per line on stdin: its decision comments,
    /// the groups and each author's service provider from the CRM's directory). A ticket that does
    /// not read, or a review left out or lacking a provider, is said on stderr and never ends the
    /// run; exit 2 after it.
    QaExport,
    /// django-helpdesk's four-eye check (run by the riskpane app before a follow-up with a
    /// decision record, or a change of the decision state, band or closing status, is stored):
    /// reads the same evidence as `rt-verdict` on stdin (follow-up ids as transactions, staff as
    /// privileged) and prints the verdict as JSON: refused and repeated records, the accepted
    /// decisions, and why the change may not stand.
    HelpdeskVerdict {
        /// Rule pack TOML file (the care pack the widget uses).
        #[arg(long)]
        pack: PathBuf,
        /// django-helpdesk CRM profile TOML file (pkg-config/crm/django-helpdesk.toml).
        #[arg(long)]
        profile: PathBuf,
    },
    /// Type-check one expression against a pack's facts and evaluate it.
    Eval {
        /// Rule pack TOML file.
        #[arg(long)]
        pack: PathBuf,
        /// Case JSON file; without it every fact is unknown.
        #[arg(long)]
        case: Option<PathBuf>,
        /// The expression, e.g. 'order.total_eur > 400 and account.age_days < 14'.
        #[arg(long)]
        expr: String,
    },
}

/// The historical cases and how to read them.
#[derive(clap::Args)]
struct CaseFile {
    /// Cases: NDJSON (one case JSON per line) or CSV with a header row (by the `.csv` extension).
    #[arg(long)]
    cases: PathBuf,
    /// Field or column holding the fraud label (true/false, 1/0, yes/no, fraud/legit).
    #[arg(long)]
    label: Option<String>,
    /// Field or column holding the case id (shown for changed cases).
    #[arg(long)]
    id: Option<String>,
    /// CSV column named differently from its fact: `--map "Order value=order.total_eur"` (repeatable).
    #[arg(long = "map", value_name = "COLUMN=FACT")]
    map: Vec<String>,
    /// Output on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also write a self-contained HTML report with plots here.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Text,
}

/// A failure: its message and exit code.
struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    fn input(message: String) -> Failure {
        Failure { message, code: 2 }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Lint { packs } => lint(&packs),
        Command::Score { pack, case, format, lang } => score(&pack, &case, format, &lang),
        Command::Eval { pack, case, expr } => evaluate(&pack, case.as_deref(), &expr),
        Command::Compile { file, out } => compile(&file, out.as_deref()),
        Command::Replay { decision, case, pack } => replay(&decision, &case, &pack),
        Command::Backtest { pack, cases, amount, draft } => backtest(&pack, &cases, amount, draft.as_deref()),
        Command::Diff { base, pack, cases } => diff(&base, &pack, &cases),
        Command::Reports { pack, cases, format } => reports(&pack, &cases, format),
        Command::Qa { reviews, from, to, format, out } => qa(&reviews, &from, &to, format, out.as_deref()),
        Command::Evaluate { pack, corpus, format } => evaluate_corpus(&pack, &corpus, format),
        Command::Train { class, corpus, terms, threshold, by_part, name, against_lookalikes, own_words } => {
            let name = name.unwrap_or_else(|| class.clone());
            let own_words_from = own_words.as_ref().map(|pack| pack.display().to_string());
            let options = backtest::train::TrainOptions { class, terms, threshold, against_lookalikes, own_words_from };
            train(&name, &corpus, &options, by_part, own_words.as_deref())
        }
        Command::RtVerdict { pack, profile } => rt_verdict(&pack, &profile),
        Command::QaExport => qa_export(),
        Command::HelpdeskVerdict { pack, profile } => helpdesk_verdict(&pack, &profile),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.message.trim_end());
            ExitCode::from(failure.code)
        }
    }
}

/// Writes to stdout; a closed pipe (`riskpane score … | head`) is not an error worth a panic.
fn emit(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
}

fn read(path: &Path, what: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|error| Failure::input(format!("error: cannot read {what} {}: {error}", path.display())))
}

fn load_pack(path: &Path) -> Result<RulePack, Failure> {
    let source = read(path, "rule pack")?;
    compile_source(&path.display().to_string(), &source)
        .map_err(|errors| Failure { message: errors.to_string(), code: 1 })
}

fn load_case(pack: &RulePack, path: &Path) -> Result<(CaseFacts, Vec<riskpane::case::FieldIssue>), Failure> {
    let text = read(path, "case")?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|error| Failure::input(format!("error: {} is not valid JSON: {error}", path.display())))?;
    if !json.is_object() {
        return Err(Failure::input(format!(
            "error: {} must hold a JSON object whose keys are fact names",
            path.display()
        )));
    }
    Ok(CaseFacts::from_json(pack, &json))
}

fn lint(paths: &[PathBuf]) -> Result<(), Failure> {
    let mut failed = Vec::new();
    for path in paths {
        let source = match read(path, "rule pack") {
            Ok(source) => source,
            Err(failure) => {
                eprintln!("{}", failure.message);
                failed.push(2);
                continue;
            }
        };
        match compile_source(&path.display().to_string(), &source) {
            Ok(pack) => emit(&format!(
                "{}: ok ({} {}, {} facts, {} rules, {} checklist items, {} outcomes)\n",
                path.display(),
                pack.id,
                pack.version,
                pack.facts.len(),
                pack.rules.len(),
                pack.checklist.len(),
                pack.decision_policy.outcomes.len()
            )),
            Err(errors) => {
                eprintln!("{errors}");
                failed.push(1);
            }
        }
    }
    match failed.iter().max() {
        None => Ok(()),
        Some(&code) => Err(Failure { message: String::new(), code }),
    }
}

fn replay(decision_path: &Path, case_path: &Path, pack_path: &Path) -> Result<(), Failure> {
    let pack = load_pack(pack_path)?;
    let text = read(decision_path, "decision record")?;
    let decision: riskpane::decision::Decision = serde_json::from_str(&text).map_err(|error| {
        Failure::input(format!("error: {} is not a decision record: {error}", decision_path.display()))
    })?;
    let (facts, _) = load_case(&pack, case_path)?;
    let score_report = assess(&pack, &facts);
    let differences = riskpane::decision::replay_differences(&pack, &score_report, &decision);
    if differences.is_empty() {
        emit(&format!(
            "reproduced: decision {} — score {}, band {}, {} fired rules, pack {} {}\n",
            decision.id,
            decision.snapshot.score,
            decision.snapshot.band,
            decision.snapshot.hits.len(),
            pack.id,
            pack.version
        ));
        Ok(())
    } else {
        let mut message = format!("not reproduced: decision {} differs in {} ways\n", decision.id, differences.len());
        for difference in differences {
            message.push_str("  ");
            message.push_str(&difference);
            message.push('\n');
        }
        Err(Failure { message, code: 1 })
    }
}

fn rt_verdict(pack_path: &Path, profile_path: &Path) -> Result<(), Failure> {
    use riskpane::request_tracker::{refusal_note, repeat_note, verdict};
    let (pack, profile) = verdict_inputs(pack_path, profile_path)?;
    let settings = profile.api.as_ref().and_then(|api| api.request_tracker.clone()).ok_or_else(|| {
        Failure::input(format!("error: {} has no [profile.api.request_tracker] section", profile_path.display()))
    })?;
    let evidence = read_evidence("RT's ticket evidence")?;
    let result = verdict::verdict(&pack, &profile, &verdict::VerdictFields::of_rt(&settings), &evidence);
    let refused: Vec<serde_json::Value> = result
        .refused
        .iter()
        .map(|refused| {
            serde_json::json!({ "transaction": refused.transaction, "decision": refused.decision,
                "reason": refused.reason, "note": refusal_note(refused) })
        })
        .collect();
    let repeated: Vec<serde_json::Value> = result
        .repeated
        .iter()
        .map(|repeated| {
            serde_json::json!({ "transaction": repeated.transaction, "decision": repeated.decision,
                "first": repeated.first, "note": repeat_note(repeated) })
        })
        .collect();
    emit_verdict(&result, &refused, &repeated);
    Ok(())
}

/// A note-based CRM's QA reviews: one ticket per stdin line in, one review per stdout line out.
fn qa_export() -> Result<(), Failure> {
    use std::io::{BufRead as _, Write as _};
    let mut troubles = 0_u64;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (number, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.map_err(|error| Failure::input(format!("error: cannot read stdin: {error}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let ticket: backtest::qa_export::TicketComments = match serde_json::from_str(&line) {
            Ok(ticket) => ticket,
            Err(error) => {
                troubles += 1;
                eprintln!("line {}: not a ticket of a QA export script: {error}", number + 1);
                continue;
            }
        };
        let found = backtest::qa_export::reviews_of(&ticket);
        for warning in &found.warnings {
            troubles += 1;
            eprintln!("{}", backtest::text::printable(warning));
        }
        for review in &found.reviews {
            writeln!(out, "{}", serde_json::to_string(review).unwrap_or_default())
                .map_err(|error| Failure::input(format!("error: cannot write stdout: {error}")))?;
        }
    }
    out.flush().map_err(|error| Failure::input(format!("error: cannot write stdout: {error}")))?;
    if troubles > 0 {
        return Err(Failure::input(format!("qa-export: {troubles} ticket(s) or review(s) need a look (above)")));
    }
    Ok(())
}

/// django-helpdesk's verdict: the same judge as Request Tracker's, on the same evidence; the
/// riskpane app refuses (HTTP 403) what it refuses, so no notes are written.
fn helpdesk_verdict(pack_path: &Path, profile_path: &Path) -> Result<(), Failure> {
    use riskpane::request_tracker::verdict;
    let (pack, profile) = verdict_inputs(pack_path, profile_path)?;
    let settings = profile.api.as_ref().and_then(|api| api.django_helpdesk.clone()).ok_or_else(|| {
        Failure::input(format!("error: {} has no [profile.api.django_helpdesk] section", profile_path.display()))
    })?;
    let evidence = read_evidence("django-helpdesk's ticket evidence")?;
    let result = verdict::verdict(&pack, &profile, &verdict::VerdictFields::of_helpdesk(&settings), &evidence);
    let refused: Vec<serde_json::Value> = result.refused.iter().map(|refused| serde_json::json!(refused)).collect();
    let repeated: Vec<serde_json::Value> = result.repeated.iter().map(|repeated| serde_json::json!(repeated)).collect();
    emit_verdict(&result, &refused, &repeated);
    Ok(())
}

fn verdict_inputs(
    pack_path: &Path,
    profile_path: &Path,
) -> Result<(riskpane::RulePack, riskpane::profile::CrmProfile), Failure> {
    let pack = load_pack(pack_path)?;
    let source = read(profile_path, "crm profile")?;
    let profile = riskpane::profile::CrmProfile::from_toml(&profile_path.display().to_string(), &source)
        .map_err(|errors| Failure { message: errors.to_string(), code: 1 })?;
    Ok((pack, profile))
}

fn read_evidence(what: &str) -> Result<riskpane::request_tracker::verdict::TicketEvidence, Failure> {
    let mut input = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)
        .map_err(|error| Failure::input(format!("error: cannot read stdin: {error}")))?;
    serde_json::from_str(&input).map_err(|error| Failure::input(format!("error: stdin is not {what}: {error}")))
}

fn emit_verdict(
    result: &riskpane::request_tracker::verdict::Verdict,
    refused: &[serde_json::Value],
    repeated: &[serde_json::Value],
) {
    let decisions: Vec<serde_json::Value> = result
        .decisions
        .iter()
        .map(|decision| {
            serde_json::json!({ "id": decision.id, "outcome": decision.outcome,
                "state": riskpane::record_note::state_value(&decision.state) })
        })
        .collect();
    let answer = serde_json::json!({ "refused": refused, "repeated": repeated, "decisions": decisions, "score": result.score,
        "band": result.band, "change_refused": result.change_refused });
    emit(&format!("{answer}\n"));
}

fn compile(path: &Path, out: Option<&Path>) -> Result<(), Failure> {
    let source = read(path, "file")?;
    let name = path.display().to_string();
    let is_profile = source.lines().any(|line| line.trim() == "[profile]");
    let json = if is_profile {
        let profile = riskpane::profile::CrmProfile::from_toml(&name, &source)
            .map_err(|errors| Failure { message: errors.to_string(), code: 1 })?;
        riskpane::compiled::profile_to_json(&profile)
    } else {
        let pack = compile_source(&name, &source).map_err(|errors| Failure { message: errors.to_string(), code: 1 })?;
        riskpane::compiled::pack_to_json(&pack)
    }
    .map_err(|message| Failure { message: format!("error: {message}"), code: 1 })?;
    match out {
        Some(out) => std::fs::write(out, json + "\n")
            .map_err(|error| Failure::input(format!("error: cannot write {}: {error}", out.display())))?,
        None => emit(&format!(
            "{json}
"
        )),
    }
    Ok(())
}

fn score(pack_path: &Path, case_path: &Path, format: Format, language: &str) -> Result<(), Failure> {
    let pack = load_pack(pack_path)?;
    let (facts, issues) = load_case(&pack, case_path)?;
    let score_report = assess(&pack, &facts);
    match format {
        Format::Json => {
            let json = report::to_json(&pack, &facts, &issues, &score_report, language);
            emit(&format!("{}\n", serde_json::to_string_pretty(&json).unwrap_or_default()));
        }
        Format::Text => emit(&report::to_text(&pack, &facts, &issues, &score_report, language)),
    }
    Ok(())
}

fn evaluate_corpus(pack_path: &Path, corpus_path: &Path, format: Format) -> Result<(), Failure> {
    let pack = load_pack(pack_path)?;
    let corpus = read(corpus_path, "corpus")?;
    let report = backtest::corpus::evaluate(&pack, &corpus)
        .map_err(|message| Failure::input(format!("error: {}: {message}", corpus_path.display())))?;
    match format {
        Format::Json => emit(&format!("{}\n", serde_json::to_string_pretty(&report).unwrap_or_default())),
        Format::Text => emit(&report.to_text()),
    }
    Ok(())
}

fn train(
    name: &str,
    corpus_paths: &[PathBuf],
    options: &backtest::train::TrainOptions,
    by_part: bool,
    own_words_pack: Option<&Path>,
) -> Result<(), Failure> {
    if !(options.threshold > 0.0 && options.threshold < 1.0) {
        return Err(Failure::input("error: --threshold is a probability strictly between 0 and 1".to_owned()));
    }
    let own_words_pack = own_words_pack.map(load_pack).transpose()?;
    let mut parts = Vec::new();
    for path in corpus_paths {
        let mut messages = backtest::corpus::read_messages(&read(path, "corpus")?)
            .map_err(|message| Failure::input(format!("error: {}: {message}", path.display())))?;
        if let Some(pack) = &own_words_pack {
            backtest::corpus::keep_own_words(pack, &mut messages)
                .map_err(|message| Failure::input(format!("error: {message}")))?;
        }
        parts.push((path.display().to_string(), messages));
    }
    let failed = |message: String| Failure::input(format!("error: {message}"));
    if by_part {
        let mut out = String::from(
            "part (held out)                                   recall          benign read as the class\n",
        );
        let (mut positives, mut found, mut benign, mut fired) = (0, 0, 0, 0);
        for held in backtest::train::by_part(&parts, options).map_err(failed)? {
            let _ = writeln!(
                out,
                "{:<49} {:>5.1}% {:>7}  {:>5.1}% {:>7}",
                held.part,
                percent_of(held.found, held.positives),
                format!("{}/{}", held.found, held.positives),
                percent_of(held.benign_fired, held.benign),
                format!("{}/{}", held.benign_fired, held.benign)
            );
            (positives, found, benign, fired) =
                (positives + held.positives, found + held.found, benign + held.benign, fired + held.benign_fired);
        }
        let _ = writeln!(
            out,
            "{:<49} {:>5.1}% {:>7}  {:>5.1}% {:>7}",
            "all parts",
            percent_of(found, positives),
            format!("{found}/{positives}"),
            percent_of(fired, benign),
            format!("{fired}/{benign}")
        );
        emit(&out);
        return Ok(());
    }
    let messages: Vec<_> = parts.iter().flat_map(|(_, messages)| messages.iter().cloned()).collect();
    let trained = backtest::train::train(&messages, options).map_err(failed)?;
    let names: Vec<String> = parts.into_iter().map(|(name, _)| name).collect();
    emit(&trained.to_toml(name, options, &names));
    Ok(())
}

fn percent_of(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 }
}

fn evaluate(pack_path: &Path, case_path: Option<&Path>, expression: &str) -> Result<(), Failure> {
    let pack = load_pack(pack_path)?;
    let (facts, issues) = match case_path {
        Some(path) => load_case(&pack, path)?,
        None => (CaseFacts::from_values(&pack, vec![None; pack.facts.len()], Vec::new()), Vec::new()),
    };
    for issue in &issues {
        eprintln!("note: {}: {}", issue.fact, issue.problem);
    }
    let (node, _) = pack.compile_expression(expression).map_err(|errors| {
        let mut message = String::new();
        for error in &errors {
            let located = PackError {
                message: error.message.clone(),
                start: error.span.start,
                end: error.span.end,
                help: error.help.clone(),
            };
            message.push_str(&render("<expr>", expression, &located));
        }
        Failure { message, code: 1 }
    })?;
    let env = Env::new(&pack, &facts);
    let mut trace = Trace::default();
    let value = eval(&node, &env, &mut trace);
    let shown = match (&node, value) {
        (_, Value::Unknown) => "unknown".to_owned(),
        (riskpane::rules::lang::Node::Fact(slot), _) => {
            facts.value(*slot).map(riskpane::value::FactValue::display).unwrap_or_default()
        }
        (_, Value::Bool(value)) => value.to_string(),
        (_, Value::Number(number)) => number.to_string(),
        (_, Value::Text(text)) => format!("{text:?}"),
        (_, Value::Date(days)) => riskpane::value::time::format_date(days),
        (_, Value::DateTime(seconds)) => riskpane::value::time::format_datetime(seconds),
        (_, Value::List(items)) => format!("{:?}", items.iter().map(|item| item.raw.as_str()).collect::<Vec<_>>()),
    };
    emit(&format!(
        "{shown}
"
    ));
    if value == Value::Unknown {
        let missing: Vec<&str> =
            trace.missing.iter().map(|&slot| pack.facts[usize::from(slot)].name.as_str()).collect();
        if !missing.is_empty() {
            eprintln!("unknown because these facts are missing: {}", missing.join(", "));
        }
        if trace.undefined {
            eprintln!("unknown because a computation is undefined (division by zero or overflow)");
        }
    }
    Ok(())
}

/// Opens the case file, with a progress bar on stderr (hidden when stderr is not a terminal).
fn open_cases(
    file: &CaseFile,
) -> Result<
    (backtest::input::RowReader<std::io::BufReader<std::fs::File>>, backtest::input::Fields, ProgressBar),
    Failure,
> {
    let handle = std::fs::File::open(&file.cases)
        .map_err(|error| Failure::input(format!("error: cannot read cases {}: {error}", file.cases.display())))?;
    let size = handle.metadata().map_or(0, |metadata| metadata.len());
    let format = backtest::input::Format::of_path(&file.cases);
    let reader = backtest::input::RowReader::new(format, std::io::BufReader::with_capacity(1 << 20, handle))
        .map_err(|error| Failure::input(format!("error: {}: {error}", file.cases.display())))?;
    let mut columns = std::collections::BTreeMap::new();
    for mapping in &file.map {
        let (column, fact) = mapping
            .split_once('=')
            .ok_or_else(|| Failure::input(format!("error: --map \"{mapping}\" must look like COLUMN=FACT")))?;
        columns.insert(column.trim().to_owned(), fact.trim().to_owned());
    }
    let fields = backtest::input::Fields { label: file.label.clone(), id: file.id.clone(), columns };
    let progress = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
    progress.set_style(
        ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} [{bar:30}] {bytes_per_sec}, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    Ok((reader, fields, progress))
}

fn write_report(path: Option<&Path>, html: impl FnOnce() -> String) -> Result<(), Failure> {
    if let Some(path) = path {
        std::fs::write(path, html())
            .map_err(|error| Failure::input(format!("error: cannot write {}: {error}", path.display())))?;
        eprintln!("report written to {}", path.display());
    }
    Ok(())
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

fn backtest(pack_path: &Path, file: &CaseFile, amount: Option<String>, draft: Option<&Path>) -> Result<(), Failure> {
    let mut pack = load_pack(pack_path)?;
    let pattern = draft.map(|path| add_draft(&mut pack, path)).transpose()?;
    let (mut reader, fields, progress) = open_cases(file)?;
    let options = backtest::Options { fields, amount };
    let report = backtest::backtest(&pack, &mut reader, &options, &|bytes| progress.set_position(bytes))
        .map_err(|error| Failure::input(format!("error: {error}")))?;
    progress.finish_and_clear();
    let summary = pattern.as_ref().and_then(|(pattern, rule)| backtest::draft::summary(&report, pattern, rule));
    emit(&match (file.format, &summary) {
        (Format::Json, None) => to_json(&report),
        (Format::Json, Some(summary)) => to_json(&serde_json::json!({ "draft": summary, "backtest": report })),
        (Format::Text, None) => backtest::text::backtest(&report),
        (Format::Text, Some(summary)) => backtest::draft::text(summary) + &backtest::text::backtest(&report),
    });
    write_report(file.out.as_deref(), || backtest::html::backtest(&report))
}

/// Reads a pattern report and adds its draft rule to the pack as rule `DRAFT` (0 points); returns
/// the report and the draft's condition. The draft is built again from the report's elements, so a
/// hand-edited `draft_rule` text cannot smuggle in another condition.
fn add_draft(pack: &mut RulePack, path: &Path) -> Result<(riskpane::pattern::PatternReport, String), Failure> {
    let text = read(path, "pattern report")?;
    let pattern: riskpane::pattern::PatternReport = serde_json::from_str(&text)
        .map_err(|error| Failure::input(format!("error: {} is not a pattern report: {error}", path.display())))?;
    if pattern.format != riskpane::pattern::FORMAT {
        return Err(Failure::input(format!(
            "error: {} is not a pattern report (format `{}`, expected `{}`)",
            path.display(),
            pattern.format,
            riskpane::pattern::FORMAT
        )));
    }
    if pattern.pack.hash != *pack.hash {
        eprintln!(
            "note: the report was made with pack {} {} ({}); this backtest uses {} {} ({})",
            pattern.pack.id, pattern.pack.version, pattern.pack.hash, pack.id, pack.version, pack.hash
        );
    }
    let rule = riskpane::pattern::draft_as_rule(pack, &pattern).map_err(|problems| Failure {
        message: format!(
            "error: the draft rule of {} does not fit the pack:\n  {}",
            path.display(),
            problems.join("\n  ")
        ),
        code: 1,
    })?;
    if rule.when.source != pattern.draft_rule {
        eprintln!(
            "note: the report's draft_rule text differs from its elements; the elements give: {}",
            rule.when.source
        );
    }
    let condition = rule.when.source.clone();
    pack.rules.push(rule);
    Ok((pattern, condition))
}

fn reports(pack_path: &Path, cases: &Path, format: Format) -> Result<(), Failure> {
    let pack = load_pack(pack_path)?;
    let text = read(cases, "cases")?;
    let view =
        backtest::reports::open_reports(&pack, &text).map_err(|error| Failure::input(format!("error: {error}")))?;
    emit(&match format {
        Format::Json => to_json(&view),
        Format::Text => backtest::reports::text(&view),
    });
    Ok(())
}

fn qa(reviews: &Path, from: &str, to: &str, format: Format, out: Option<&Path>) -> Result<(), Failure> {
    let text = read(reviews, "QA reviews")?;
    let summary =
        backtest::qa::summarise(&text, from, to).map_err(|error| Failure::input(format!("error: {error}")))?;
    emit(&match format {
        Format::Json => to_json(&summary),
        Format::Text => backtest::qa::text(&summary),
    });
    write_report(out, || backtest::html::qa(&summary))
}

fn diff(base_path: &Path, pack_path: &Path, file: &CaseFile) -> Result<(), Failure> {
    let base = load_pack(base_path)?;
    let pack = load_pack(pack_path)?;
    let (mut reader, fields, progress) = open_cases(file)?;
    let report = backtest::diff(&base, &pack, &mut reader, &fields, &|bytes| progress.set_position(bytes));
    progress.finish_and_clear();
    emit(&match file.format {
        Format::Json => to_json(&report),
        Format::Text => backtest::text::diff(&report),
    });
    write_report(file.out.as_deref(), || backtest::html::diff(&report))
}
