//! Compiles a rule pack's TOML source into a `RulePack`, collecting every error with its span.
//!
//! The TOML is parsed into a fully spanned tree (`toml::de::DeTable`), walked by hand so that
//! unknown keys, wrong types and missing fields are all reported (serde would stop at the first),
//! then cross-checked: conditions against the fact schema, references between rules, checklist
//! items and outcomes, unique ids, band thresholds.
//!
//! This file holds the pack-level walk (`[pack]`, `[score]`, `[bands]` and the order in which the
//! sections are read); each section's walker methods live in a file of their own, the value
//! readers they share in `read.rs`.

mod decisions;
mod facts;
mod keywords;
mod read;
mod rules;
mod signals;

use super::diagnostic::{PackError, RulePackErrors};
use super::lang::check::Scope;
use super::{BandThresholds, LocalText, RulePack};
use crate::canonical::{Canonical, sha256_hex};
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The rule-pack format version this build reads.
pub const SCHEMA_VERSION: i64 = 1;

/// The keys of a rule pack's top level.
const SECTIONS: [&str; 14] = [
    "schema_version",
    "pack",
    "score",
    "bands",
    "params",
    "facts",
    "languages",
    "keywords",
    "classifiers",
    "signals",
    "rules",
    "checklist",
    "deadlines",
    "decisions",
];

/// Compiles the TOML text of a rule pack. `file_name` is only used in messages.
///
/// # Errors
/// Every problem found, each with its location.
pub fn compile_source(file_name: &str, source: &str) -> Result<RulePack, RulePackErrors> {
    let mut walker = Walker { source, errors: Vec::new(), invalid_facts: Vec::new() };
    let (document, syntax_errors) = DeTable::parse_recoverable(source);
    for error in &syntax_errors {
        let span = error.span().unwrap_or(0..0);
        walker.errors.push(PackError {
            message: format!("invalid TOML: {}", error.message().trim_end_matches('.').trim()),
            start: span.start,
            end: span.end,
            help: None,
        });
    }
    let pack = if syntax_errors.is_empty() { walker.pack(&document) } else { None };
    let mut errors = walker.errors;
    match pack {
        Some(pack) if errors.is_empty() => Ok(pack),
        _ => {
            errors.sort_by_key(|error| (error.start, error.end));
            errors.dedup();
            Err(RulePackErrors { file_name: file_name.to_owned(), source: source.to_owned(), errors })
        }
    }
}

type Value<'i> = Spanned<DeValue<'i>>;

/// Walks the spanned TOML tree, collecting every error; its methods are spread over this
/// module's files, one per section.
struct Walker<'s> {
    source: &'s str,
    errors: Vec<PackError>,
    /// Facts whose declaration has errors; conditions using them are not reported again.
    invalid_facts: Vec<String>,
}

struct RawRule<'a> {
    table: &'a DeTable<'a>,
    span: Range<usize>,
}

impl Walker<'_> {
    fn pack(&mut self, document: &Spanned<DeTable<'_>>) -> Option<RulePack> {
        let root = document.get_ref();
        let whole = 0..0;
        self.check_keys(root, &SECTIONS, "the rule pack");
        self.schema_version(root, &whole);
        let (id, version, title) = self.pack_header(root, &whole);
        self.score_section(root);
        let bands = self.bands(root, &whole);
        let mut facts = self.facts(root, &whole);
        let languages = self.languages(root);
        let mut keyword_lists = self.keyword_lists(root, &languages);
        self.classifiers(root, &mut keyword_lists);
        self.own_words(root, &mut facts, &keyword_lists);
        let params = self.params(root);
        let invalid_facts = std::mem::take(&mut self.invalid_facts);
        let mut signals = Vec::new();
        self.signals(
            root,
            &mut signals,
            &Scope {
                facts: &facts,
                keyword_lists: &keyword_lists,
                allow_risk: false,
                invalid_facts: &invalid_facts,
                params: &params,
                signals: &[],
            },
        );
        let rule_scope = Scope {
            facts: &facts,
            keyword_lists: &keyword_lists,
            allow_risk: false,
            invalid_facts: &invalid_facts,
            params: &params,
            signals: &signals,
        };
        let late_scope = Scope { allow_risk: true, ..rule_scope };
        let (decision_policy, outcome_ids) = self.decisions(root, &late_scope);
        let (rules, checklist) = self.rules_and_checklist(root, &rule_scope, &late_scope, &outcome_ids);
        let deadlines = self.deadlines(root, &late_scope, &facts);
        if !self.errors.is_empty() {
            return None;
        }
        Some(RulePack {
            deadlines,
            id: id?,
            version: version?,
            title,
            facts,
            params,
            keyword_lists,
            languages,
            signals,
            rules,
            bands: bands?,
            checklist,
            decision_policy,
            hash: sha256_hex(Canonical::from_toml_table(root).to_json().as_bytes()).into(),
        })
    }

    fn schema_version(&mut self, root: &DeTable<'_>, whole: &Range<usize>) {
        if let Some(version) = self.required(root, "schema_version", whole, "the rule pack")
            && let Some(number) = self.integer(version, "`schema_version`")
            && number != SCHEMA_VERSION
        {
            self.error(
                format!("unsupported schema_version {number}; this build reads version {SCHEMA_VERSION}"),
                version.span(),
            );
        }
    }

    fn pack_header(
        &mut self,
        root: &DeTable<'_>,
        whole: &Range<usize>,
    ) -> (Option<String>, Option<String>, Option<LocalText>) {
        let Some(section) = self.required(root, "pack", whole, "the rule pack") else {
            return (None, None, None);
        };
        let span = section.span();
        let Some(table) = self.table(section, "[pack]") else {
            return (None, None, None);
        };
        self.check_keys(table, &["id", "version", "title", "description"], "[pack]");
        let id = self.required(table, "id", &span, "[pack]").and_then(|value| {
            let id = self.string(value, "pack id")?;
            if id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
                Some(id)
            } else {
                self.error("pack id may only contain letters, digits, `-`, `_` and `.`", value.span());
                None
            }
        });
        let version =
            self.required(table, "version", &span, "[pack]").and_then(|value| self.string(value, "pack version"));
        let title = table.get("title").and_then(|value| self.local_text(value, "pack title"));
        if let Some(description) = table.get("description") {
            self.local_text(description, "pack description");
        }
        (id, version, title)
    }

    fn score_section(&mut self, root: &DeTable<'_>) {
        let Some(section) = self.required(root, "score", &(0..0), "the rule pack") else {
            return;
        };
        let Some(table) = self.table(section, "[score]") else {
            return;
        };
        self.check_keys(table, &["combine"], "[score]");
        if let Some(combine) = self.required(table, "combine", &section.span(), "[score]")
            && let Some(text) = self.string(combine, "`combine`")
            && text != "sum"
        {
            self.error_help(
                format!("unsupported combine `{text}`"),
                combine.span(),
                Some("schema_version 1 supports `combine = \"sum\"`: the score is the sum of fired rules' points, clamped to 0..=100".to_owned()),
            );
        }
    }

    fn bands(&mut self, root: &DeTable<'_>, whole: &Range<usize>) -> Option<BandThresholds> {
        let section = self.required(root, "bands", whole, "the rule pack")?;
        let span = section.span();
        let table = self.table(section, "[bands]")?;
        self.check_keys(table, &["medium", "high", "critical"], "[bands]");
        let mut read = |name: &str| {
            let value = self.required(table, name, &span, "[bands]")?;
            let threshold = self.integer(value, &format!("band threshold `{name}`"))?;
            if (1..=100).contains(&threshold) {
                Some((threshold, value.span()))
            } else {
                self.error(
                    format!("band threshold `{name}` must be between 1 and 100, found {threshold}"),
                    value.span(),
                );
                None
            }
        };
        let thresholds = [("medium", read("medium")), ("high", read("high")), ("critical", read("critical"))];
        let mut rising = true;
        for pair in thresholds.windows(2) {
            if let ((lower_name, Some((lower, _))), (upper_name, Some((upper, upper_span)))) = (&pair[0], &pair[1])
                && lower >= upper
            {
                rising = false;
                self.error(
                    format!("band thresholds must rise: {lower_name} ({lower}) must be below {upper_name} ({upper})"),
                    upper_span.clone(),
                );
            }
        }
        let [(_, medium), (_, high), (_, critical)] = thresholds;
        if !rising {
            return None;
        }
        Some(BandThresholds { medium: medium?.0, high: high?.0, critical: critical?.0 })
    }
}
