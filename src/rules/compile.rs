//! Compiles a rule pack's TOML source into a `RulePack`, collecting every error with its span.
//!
//! The TOML is parsed into a fully spanned tree (`toml::de::DeTable`), walked by hand so that
//! unknown keys, wrong types and missing fields are all reported (serde would stop at the first),
//! then cross-checked: conditions against the fact schema, references between rules, checklist
//! items and outcomes, unique ids, band thresholds.

use super::diagnostic::{PackError, RulePackErrors};
use super::lang::check::{Scope, compile_condition};
use super::lang::keywords::{KeywordMatcher, KeywordPattern};
use super::lang::{LangError, Node, did_you_mean};
use super::{
    ALL_LANGUAGES, BandThresholds, Category, ChecklistItem, ClassifierWeights, Condition, Deadline, DecisionPolicy,
    FactDef, FactType, KeywordList, KeywordTerm, Language, LanguageMask, LocalText, Outcome, Param, ReasonCode, Rule,
    RulePack, Signal,
};
use crate::canonical::{Canonical, sha256_hex};
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The rule-pack format version this build reads.
pub const SCHEMA_VERSION: i64 = 1;

const FACT_TYPES: [&str; 9] = ["bool", "int", "number", "money", "text", "date", "datetime", "enum", "list"];

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
    fn error(&mut self, message: impl Into<String>, span: Range<usize>) {
        self.errors.push(PackError { message: message.into(), start: span.start, end: span.end, help: None });
    }

    fn error_help(&mut self, message: impl Into<String>, span: Range<usize>, help: Option<String>) {
        self.errors.push(PackError { message: message.into(), start: span.start, end: span.end, help });
    }

    fn type_name(value: &DeValue<'_>) -> &'static str {
        match value {
            DeValue::String(_) => "a string",
            DeValue::Integer(_) => "an integer",
            DeValue::Float(_) => "a float",
            DeValue::Boolean(_) => "a boolean",
            DeValue::Datetime(_) => "a datetime",
            DeValue::Array(_) => "an array",
            DeValue::Table(_) => "a table",
        }
    }

    /// Reports keys of `table` that are not in `allowed`, with a did-you-mean.
    fn check_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], context: &str) {
        for (key, _) in table {
            let name: &str = key.get_ref();
            if !allowed.contains(&name) {
                let help = did_you_mean(name, allowed.iter().copied())
                    .or_else(|| Some(format!("allowed keys: {}", allowed.join(", "))));
                self.error_help(format!("unknown key `{name}` in {context}"), key.span(), help);
            }
        }
    }

    fn table<'v, 'i>(&mut self, value: &'v Value<'i>, what: &str) -> Option<&'v DeTable<'i>> {
        if let DeValue::Table(table) = value.get_ref() {
            Some(table)
        } else {
            self.error(format!("{what} must be a table, found {}", Self::type_name(value.get_ref())), value.span());
            None
        }
    }

    fn required<'v, 'i>(
        &mut self,
        table: &'v DeTable<'i>,
        key: &str,
        table_span: &Range<usize>,
        context: &str,
    ) -> Option<&'v Value<'i>> {
        let value = table.get(key);
        if value.is_none() {
            self.error(format!("{context} is missing `{key}`"), table_span.clone());
        }
        value
    }

    fn string(&mut self, value: &Value<'_>, what: &str) -> Option<String> {
        if let DeValue::String(text) = value.get_ref() {
            if text.trim().is_empty() {
                self.error(format!("{what} must not be empty"), value.span());
                return None;
            }
            Some(text.to_string())
        } else {
            self.error(format!("{what} must be a string, found {}", Self::type_name(value.get_ref())), value.span());
            None
        }
    }

    fn integer(&mut self, value: &Value<'_>, what: &str) -> Option<i64> {
        if let DeValue::Integer(integer) = value.get_ref()
            && let Ok(parsed) = i64::from_str_radix(&integer.as_str().replace('_', ""), integer.radix())
        {
            return Some(parsed);
        }
        self.error(format!("{what} must be an integer, found {}", Self::type_name(value.get_ref())), value.span());
        None
    }

    fn string_list(&mut self, value: &Value<'_>, what: &str) -> Vec<(String, Range<usize>)> {
        let DeValue::Array(items) = value.get_ref() else {
            self.error(
                format!("{what} must be an array of strings, found {}", Self::type_name(value.get_ref())),
                value.span(),
            );
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| self.string(item, &format!("each item of {what}")).map(|text| (text, item.span())))
            .collect()
    }

    /// A string, or a table `{ en = "...", de = "..." }` with English required.
    fn local_text(&mut self, value: &Value<'_>, what: &str) -> Option<LocalText> {
        match value.get_ref() {
            DeValue::String(_) => {
                let text = self.string(value, what)?;
                Some(LocalText { translations: vec![("en".to_owned(), text)] })
            }
            DeValue::Table(table) => {
                let mut translations = Vec::new();
                for (language, text) in table {
                    let code: &str = language.get_ref();
                    if !is_language_code(code) {
                        self.error(format!("`{code}` is not a two-letter language code in {what}"), language.span());
                        continue;
                    }
                    if let Some(text) = self.string(text, &format!("{what} ({code})")) {
                        translations.push((code.to_owned(), text));
                    }
                }
                match translations.iter().position(|(code, _)| code == "en") {
                    Some(index) => {
                        let english = translations.remove(index);
                        translations.insert(0, english);
                        Some(LocalText { translations })
                    }
                    None => {
                        self.error(format!("{what} needs an English text (`en = \"...\"`)"), value.span());
                        None
                    }
                }
            }
            other => {
                self.error(
                    format!("{what} must be a string or a table of languages, found {}", Self::type_name(other)),
                    value.span(),
                );
                None
            }
        }
    }

    /// Maps an error inside a condition string to the file. Exact when the string has no escapes.
    fn condition_error(&mut self, value: &Value<'_>, condition: &str, error: LangError) {
        let span = value.span();
        let raw = self.source.get(span.clone()).unwrap_or("");
        let quote = if raw.starts_with("\"\"\"") || raw.starts_with("'''") { 3 } else { 1 };
        let mut inner_start = span.start + quote;
        if quote == 3 {
            if self.source[inner_start..].starts_with("\r\n") {
                inner_start += 2;
            } else if self.source[inner_start..].starts_with('\n') {
                inner_start += 1;
            }
        }
        let exact = self.source.get(inner_start..inner_start + condition.len()) == Some(condition);
        let (start, end, message) = if exact {
            (inner_start + error.span.start, inner_start + error.span.end, error.message)
        } else {
            (
                span.start,
                span.end,
                format!("{} (at character {} of the condition)", error.message, error.span.start + 1),
            )
        };
        self.errors.push(PackError { message, start, end, help: error.help });
    }

    /// A condition: a rule-language string, or (when `constants_allowed`) a TOML boolean.
    fn condition(
        &mut self,
        value: &Value<'_>,
        scope: &Scope<'_>,
        what: &str,
        constants_allowed: bool,
    ) -> Option<Condition> {
        if let (DeValue::Boolean(constant), true) = (value.get_ref(), constants_allowed) {
            return Some(Condition { source: constant.to_string(), node: Node::Bool(*constant) });
        }
        let source = self.string(value, what)?;
        match compile_condition(&source, scope) {
            Ok(node) => Some(Condition { source, node }),
            Err(errors) => {
                for error in errors {
                    self.condition_error(value, &source, error);
                }
                None
            }
        }
    }

    fn pack(&mut self, document: &Spanned<DeTable<'_>>) -> Option<RulePack> {
        let root = document.get_ref();
        let whole = 0..0;
        self.check_keys(
            root,
            &[
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
            ],
            "the rule pack",
        );
        if let Some(version) = self.required(root, "schema_version", &whole, "the rule pack")
            && let Some(number) = self.integer(version, "`schema_version`")
            && number != SCHEMA_VERSION
        {
            self.error(
                format!("unsupported schema_version {number}; this build reads version {SCHEMA_VERSION}"),
                version.span(),
            );
        }
        let (id, version, title) = self.pack_header(root, &whole);
        self.score_section(root);
        let bands = self.bands(root, &whole);
        let facts = self.facts(root, &whole);
        let languages = self.languages(root);
        let mut keyword_lists = self.keyword_lists(root, &languages);
        self.classifiers(root, &mut keyword_lists);
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
        let raw_checklist = self.array_of_tables(root, "checklist");
        let checklist_ids = self.unique_ids(&raw_checklist, "checklist item");
        let raw_rules = self.array_of_tables(root, "rules");
        let rule_ids = self.unique_ids(&raw_rules, "rule");
        let mut rules = Vec::new();
        let mut referenced_items = vec![false; raw_checklist.len()];
        for (raw, id) in raw_rules.iter().zip(&rule_ids) {
            if let Some(rule) = self.rule(raw, id.clone(), &rule_scope, &checklist_ids) {
                for &item in &rule.checklist {
                    referenced_items[item] = true;
                }
                rules.push(rule);
            }
        }
        let mut checklist = Vec::new();
        for ((raw, id), referenced) in raw_checklist.iter().zip(&checklist_ids).zip(&referenced_items) {
            if let Some(item) = self.checklist_item(raw, id.clone(), &late_scope, &outcome_ids, *referenced) {
                checklist.push(item);
            }
        }
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

    fn facts(&mut self, root: &DeTable<'_>, whole: &Range<usize>) -> Vec<FactDef> {
        let mut facts: Vec<FactDef> = Vec::new();
        if let Some(section) = self.required(root, "facts", whole, "the rule pack")
            && let Some(table) = self.table(section, "[facts]")
        {
            for (key, value) in table {
                let name: &str = key.get_ref();
                let context = format!("fact `{name}`");
                if !is_fact_name(name) {
                    self.error_help(
                        format!("invalid fact name `{name}`"),
                        key.span(),
                        Some("use lowercase dotted names such as `order.total_eur`".to_owned()),
                    );
                    continue;
                }
                if ["keywords", "risk", "params", "signals"]
                    .iter()
                    .any(|reserved| name == *reserved || name.starts_with(&format!("{reserved}.")))
                {
                    self.error(
                        format!("fact name `{name}` is reserved (`keywords.*`, `params.*`, `risk.*` and `signals.*`)"),
                        key.span(),
                    );
                    continue;
                }
                self.invalid_facts.push(name.to_owned());
                let Some(definition) = self.table(value, &context) else {
                    continue;
                };
                self.check_keys(definition, &["type", "values", "label"], &context);
                let Some(type_value) = self.required(definition, "type", &value.span(), &context) else {
                    continue;
                };
                let Some(type_name) = self.string(type_value, "fact type") else {
                    continue;
                };
                let fact_type = match type_name.as_str() {
                    "bool" => FactType::Bool,
                    "int" => FactType::Int,
                    "number" => FactType::Number,
                    "money" => FactType::Money,
                    "text" => FactType::Text,
                    "date" => FactType::Date,
                    "datetime" => FactType::DateTime,
                    "list" => FactType::List,
                    "enum" => {
                        let Some(values) = self.required(definition, "values", &value.span(), &context) else {
                            continue;
                        };
                        let list = self.string_list(values, "enum values");
                        let mut seen: Vec<String> = Vec::new();
                        for (text, span) in &list {
                            let folded = crate::value::text::fold(text);
                            if seen.contains(&folded) {
                                self.error(format!("enum value \"{text}\" is listed twice"), span.clone());
                            }
                            seen.push(folded);
                        }
                        if list.is_empty() {
                            self.error("an enum needs at least one value", values.span());
                        }
                        FactType::Enum(list.into_iter().map(|(text, _)| text).collect())
                    }
                    other => {
                        let help = did_you_mean(other, FACT_TYPES)
                            .or_else(|| Some(format!("types: {}", FACT_TYPES.join(", "))));
                        self.error_help(format!("unknown fact type `{other}`"), type_value.span(), help);
                        continue;
                    }
                };
                if let (Some(values), false) = (definition.get("values"), matches!(fact_type, FactType::Enum(_))) {
                    self.error("`values` is only allowed for `type = \"enum\"`", values.span());
                }
                if name == "now" && !matches!(fact_type, FactType::DateTime | FactType::Date) {
                    self.error("the `now` fact must be a datetime or a date", type_value.span());
                }
                let label =
                    definition.get("label").and_then(|label| self.local_text(label, &format!("label of {context}")));
                if let Some(index) = facts.iter().position(|fact| {
                    name.starts_with(&format!("{}.", fact.name)) || fact.name.starts_with(&format!("{name}."))
                }) {
                    self.error(
                        format!(
                            "fact `{name}` and fact `{}` cannot both exist: one would be an object holding the other",
                            facts[index].name
                        ),
                        key.span(),
                    );
                    continue;
                }
                self.invalid_facts.retain(|invalid| invalid != name);
                facts.push(FactDef { name: name.to_owned(), fact_type, label });
            }
        }
        if !facts.iter().any(|fact| fact.name == "now") {
            // "Today" is a fact: the core has no clock. Every pack can use it.
            facts.push(FactDef { name: "now".to_owned(), fact_type: FactType::DateTime, label: None });
        }
        facts
    }

    /// `[[deadlines]]`: id, label, when, from (a date or datetime fact), months, days.
    fn deadlines(&mut self, root: &DeTable<'_>, scope: &Scope<'_>, facts: &[FactDef]) -> Vec<Deadline> {
        let raws = self.array_of_tables(root, "deadlines");
        let ids = self.unique_ids(&raws, "deadline");
        let mut deadlines = Vec::new();
        for (raw, id) in raws.iter().zip(ids) {
            let context = id.as_ref().map_or_else(|| "a deadline".to_owned(), |id| format!("deadline `{id}`"));
            self.check_keys(raw.table, &["id", "label", "when", "from", "months", "days"], &context);
            let label = self
                .required(raw.table, "label", &raw.span, &context)
                .and_then(|value| self.local_text(value, "deadline label"));
            let when = self
                .required(raw.table, "when", &raw.span, &context)
                .and_then(|value| self.condition(value, scope, "`when`", true));
            let from = self.required(raw.table, "from", &raw.span, &context).and_then(|value| {
                let name = self.string(value, "`from`")?;
                match facts.iter().position(|fact| fact.name == name) {
                    Some(slot) if matches!(facts[slot].fact_type, FactType::Date | FactType::DateTime) => {
                        Some(slot as u16)
                    }
                    Some(_) => {
                        self.error(
                            format!("`from` must name a date or datetime fact; `{name}` is not one"),
                            value.span(),
                        );
                        None
                    }
                    None => {
                        let help = did_you_mean(&name, facts.iter().map(|fact| fact.name.as_str()));
                        self.error_help(format!("unknown fact `{name}`"), value.span(), help);
                        None
                    }
                }
            });
            let mut amount = |key: &str| match raw.table.get(key) {
                None => Some(0),
                Some(value) => {
                    let number = self.integer(value, &format!("`{key}`"))?;
                    if (0..=1200).contains(&number) {
                        Some(number)
                    } else {
                        self.error(format!("`{key}` must be between 0 and 1200"), value.span());
                        None
                    }
                }
            };
            let (months, days) = (amount("months"), amount("days"));
            if let (Some(id), Some(label), Some(when), Some(from), Some(months), Some(days)) =
                (id, label, when, from, months, days)
            {
                deadlines.push(Deadline { id, label, when, from, months: months as u32, days });
            }
        }
        deadlines
    }

    /// `[params]`: `name = 150` or `name = { value = 150, description = "…" }`.
    fn params(&mut self, root: &DeTable<'_>) -> Vec<Param> {
        let mut params = Vec::new();
        let Some(section) = root.get("params") else { return params };
        let Some(table) = self.table(section, "[params]") else { return params };
        for (key, value) in table {
            let name: &str = key.get_ref();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                self.error(
                    format!("invalid parameter name `{name}`: use lowercase letters, digits and `_`"),
                    key.span(),
                );
                continue;
            }
            let (number, description) = match value.get_ref() {
                DeValue::Table(definition) => {
                    self.check_keys(definition, &["value", "description"], &format!("parameter `{name}`"));
                    let description =
                        definition.get("description").and_then(|text| self.string(text, "parameter description"));
                    (self.required(definition, "value", &value.span(), &format!("parameter `{name}`")), description)
                }
                _ => (Some(value), None),
            };
            let Some(number) = number else { continue };
            let parsed = match number.get_ref() {
                DeValue::Integer(integer) => i64::from_str_radix(&integer.as_str().replace('_', ""), integer.radix())
                    .ok()
                    .map(crate::value::Decimal::from_int),
                DeValue::Float(float) => crate::value::Decimal::parse(&float.as_str().replace('_', "")),
                _ => None,
            };
            match parsed {
                Some(value) => params.push(Param { name: name.to_owned(), value, description }),
                None => self.error(format!("parameter `{name}` must be a number"), number.span()),
            }
        }
        params
    }

    /// `[languages]`: code = marker words.
    fn languages(&mut self, root: &DeTable<'_>) -> Vec<Language> {
        let mut languages = Vec::new();
        let Some(section) = root.get("languages") else {
            return languages;
        };
        let Some(table) = self.table(section, "[languages]") else {
            return languages;
        };
        for (code, markers) in table {
            let name: &str = code.get_ref();
            if !is_language_code(name) {
                self.error(format!("`{name}` is not a two-letter language code in [languages]"), code.span());
                continue;
            }
            let context = format!("the marker words of `{name}` in [languages]");
            let patterns: Vec<KeywordPattern> = self
                .string_list(markers, &context)
                .into_iter()
                .filter_map(|(marker, span)| {
                    let pattern = KeywordPattern::new(&marker);
                    if pattern.is_none() {
                        self.error("a marker word needs at least one character besides `*`", span);
                    }
                    pattern
                })
                .collect();
            if patterns.is_empty() {
                self.error(format!("{context}: none given"), markers.span());
            }
            languages.push(Language { code: name.to_owned(), markers: KeywordMatcher::new(patterns) });
        }
        if languages.len() > LanguageMask::BITS as usize {
            self.error(
                format!("[languages] lists {} languages; at most {}", languages.len(), LanguageMask::BITS),
                section.span(),
            );
        }
        languages
    }

    /// `[signals.NAME]` with `label` and `when`. A signal may use other signals (not in a cycle):
    /// they are compiled in dependency order, each inlined where it is used.
    fn signals(&mut self, root: &DeTable<'_>, signals: &mut Vec<Signal>, base: &Scope<'_>) {
        let Some(section) = root.get("signals") else {
            return;
        };
        let Some(table) = self.table(section, "[signals]") else {
            return;
        };
        let mut declared = Vec::new();
        for (name, value) in table {
            let signal_name: &str = name.get_ref();
            if signal_name.is_empty()
                || !signal_name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                self.error(
                    format!("invalid signal name `{signal_name}`: use lowercase letters, digits and `_`"),
                    name.span(),
                );
                continue;
            }
            let context = format!("signal `{signal_name}`");
            let Some(fields) = self.table(value, &context) else {
                continue;
            };
            self.check_keys(fields, &["label", "when"], &context);
            let label =
                fields.get("label").and_then(|label| self.local_text(label, &format!("the label of {context}")));
            let Some(when) = self.required(fields, "when", &value.span(), &context) else {
                continue;
            };
            let source = if let DeValue::String(text) = when.get_ref() { text.to_string() } else { String::new() };
            declared.push((signal_name.to_owned(), label, when, source, name.span()));
        }
        // Dependency order: a signal is compiled once every signal it names is.
        let mut pending: Vec<usize> = (0..declared.len()).collect();
        while !pending.is_empty() {
            let ready: Vec<usize> = pending
                .iter()
                .copied()
                .filter(|&index| {
                    signal_references(&declared[index].3)
                        .iter()
                        .all(|name| !pending.iter().any(|&other| declared[other].0 == *name))
                })
                .collect();
            if ready.is_empty() {
                let names: Vec<String> = pending.iter().map(|&index| format!("`{}`", declared[index].0)).collect();
                for &index in &pending {
                    self.error(
                        format!(
                            "signal `{}` is part of a cycle of signals using each other ({})",
                            declared[index].0,
                            names.join(", ")
                        ),
                        declared[index].4.clone(),
                    );
                }
                return;
            }
            for index in ready {
                let (name, label, when, _, _) = &declared[index];
                let scope = Scope { signals: signals.as_slice(), ..*base };
                if let Some(when) = self.condition(when, &scope, &format!("the condition of signal `{name}`"), false) {
                    signals.push(Signal { name: name.clone(), label: label.clone(), when });
                }
                pending.retain(|&other| other != index);
            }
        }
    }

    fn keyword_lists(&mut self, root: &DeTable<'_>, pack_languages: &[Language]) -> Vec<KeywordList> {
        let mut lists = Vec::new();
        let Some(section) = root.get("keywords") else {
            return lists;
        };
        let Some(table) = self.table(section, "[keywords]") else {
            return lists;
        };
        for (name, value) in table {
            let list_name: &str = name.get_ref();
            if !self.valid_name(list_name, "keyword list", name.span()) {
                continue;
            }
            let context = format!("keyword list `{list_name}`");
            let Some(languages) = self.table(value, &context) else {
                continue;
            };
            let mut terms = Vec::new();
            let mut patterns = Vec::new();
            let mut term_languages = Vec::new();
            for (language, keywords) in languages {
                let code: &str = language.get_ref();
                if code != "any" && !is_language_code(code) {
                    self.error(
                        format!("`{code}` is not a two-letter language code (or `any`) in {context}"),
                        language.span(),
                    );
                    continue;
                }
                let mask = match pack_languages.iter().position(|known| known.code == code) {
                    Some(index) => 1 << index,
                    None if code == "any" || pack_languages.is_empty() => ALL_LANGUAGES,
                    None => {
                        let codes: Vec<&str> = pack_languages.iter().map(|known| known.code.as_str()).collect();
                        self.error_help(
                            format!("{context} has keywords for `{code}`, which [languages] does not detect"),
                            language.span(),
                            Some(format!("add `{code}` to [languages], or use one of {} or `any`", codes.join(", "))),
                        );
                        continue;
                    }
                };
                for (keyword, span) in self.string_list(keywords, &format!("{context} ({code})")) {
                    if keyword.trim().trim_matches('*').contains('*') {
                        self.error(
                            format!(
                                "`*` inside `{keyword}`: it opens only the start or the end of a keyword; list the forms instead"
                            ),
                            span,
                        );
                        continue;
                    }
                    match KeywordPattern::new(&keyword) {
                        Some(pattern) => {
                            patterns.push(pattern);
                            term_languages.push(mask);
                            terms.push(KeywordTerm { language: code.to_owned(), keyword });
                        }
                        None => {
                            self.error("a keyword needs at least one character besides `*`", span);
                        }
                    }
                }
            }
            if terms.is_empty() {
                self.error(format!("{context} has no keywords"), value.span());
            }
            lists.push(KeywordList {
                name: list_name.to_owned(),
                terms,
                matcher: KeywordMatcher::new(patterns),
                term_languages,
                classifier: None,
            });
        }
        lists
    }

    /// A keyword list's or classifier's name: lowercase letters, digits and `_`.
    fn valid_name(&mut self, name: &str, what: &str, span: Range<usize>) -> bool {
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            self.error(format!("invalid {what} name `{name}`: use lowercase letters, digits and `_`"), span);
        }
        valid
    }

    fn number(&mut self, value: &Value<'_>, what: &str) -> Option<f64> {
        let parsed = match value.get_ref() {
            DeValue::Float(float) => float.as_str().replace('_', "").parse::<f64>().ok(),
            DeValue::Integer(integer) if integer.radix() == 10 => integer.as_str().replace('_', "").parse::<f64>().ok(),
            _ => None,
        };
        match parsed {
            Some(number) if number.is_finite() => Some(number),
            _ => {
                self.error(
                    format!("{what} must be a number, found {}", Self::type_name(value.get_ref())),
                    value.span(),
                );
                None
            }
        }
    }

    /// A classifier number as whole ten-thousandths.
    fn scaled(&mut self, number: f64, span: Range<usize>, what: &str) -> Option<i32> {
        let scaled = ClassifierWeights::scaled(number);
        if scaled.is_none() {
            self.error(format!("{what} is out of range (at most 100000 in absolute value)"), span);
        }
        scaled
    }

    /// `[classifiers.NAME]`: `bias`, optional `threshold`, and `[classifiers.NAME.terms]` mapping
    /// each term (a keyword: word, `start*` or phrase) to its weight. Each classifier becomes a
    /// keyword list of its terms, with the weights, after the pack's keyword lists.
    fn classifiers(&mut self, root: &DeTable<'_>, lists: &mut Vec<KeywordList>) {
        let Some(section) = root.get("classifiers") else {
            return;
        };
        let Some(table) = self.table(section, "[classifiers]") else {
            return;
        };
        for (name, value) in table {
            let classifier_name: &str = name.get_ref();
            if !self.valid_name(classifier_name, "classifier", name.span()) {
                continue;
            }
            let context = format!("classifier `{classifier_name}`");
            let Some(body) = self.table(value, &context) else {
                continue;
            };
            self.check_keys(body, &["bias", "threshold", "terms", "trained_on"], &context);
            let bias = self.required(body, "bias", &value.span(), &context).and_then(|bias| {
                self.number(bias, "`bias`").and_then(|number| self.scaled(number, bias.span(), "`bias`"))
            });
            let threshold = match body.get("threshold") {
                None => Some(0.5),
                Some(threshold) => match self.number(threshold, "`threshold`") {
                    Some(p) if p > 0.0 && p < 1.0 => Some(p),
                    Some(_) => {
                        self.error("`threshold` is a probability strictly between 0 and 1", threshold.span());
                        None
                    }
                    None => None,
                },
            };
            if let Some(trained_on) = body.get("trained_on") {
                self.string_list(trained_on, "`trained_on`");
            }
            let mut patterns = Vec::new();
            let mut weights: Vec<i32> = Vec::new();
            let mut idf: Vec<i32> = Vec::new();
            if let Some(term_table) = self
                .required(body, "terms", &value.span(), &context)
                .and_then(|terms| self.table(terms, &format!("the terms of {context}")))
            {
                for (term, value) in term_table {
                    let keyword: &str = term.get_ref();
                    let what = format!("the weight of `{keyword}`");
                    // `weight` (rarity 1), or `[weight, rarity]` as `riskpane train` writes it.
                    let numbers: Vec<&Value<'_>> = match value.get_ref() {
                        DeValue::Array(items) => items.iter().collect(),
                        _ => vec![value],
                    };
                    let scaled: Vec<Option<i32>> = numbers
                        .iter()
                        .map(|number| self.number(number, &what).and_then(|n| self.scaled(n, number.span(), &what)))
                        .collect();
                    let (weight, rarity) = match scaled[..] {
                        [Some(weight)] => (weight, 10_000),
                        [Some(weight), Some(rarity)] if rarity > 0 => (weight, rarity),
                        [Some(_), Some(_)] => {
                            self.error(format!("the rarity of `{keyword}` must be above 0"), value.span());
                            continue;
                        }
                        [_] | [_, _] => continue,
                        _ => {
                            self.error(format!("{what} must be a number or [weight, rarity]"), value.span());
                            continue;
                        }
                    };
                    match KeywordPattern::new(keyword) {
                        Some(pattern) if !keyword.trim().trim_matches('*').contains('*') => {
                            patterns.push(pattern);
                            weights.push(weight);
                            idf.push(rarity);
                        }
                        _ => self.error(
                            format!("`{keyword}` is not a term: a word, a phrase, or a word start ending in `*`"),
                            term.span(),
                        ),
                    }
                }
                if patterns.is_empty() {
                    self.error(format!("{context} has no terms"), value.span());
                }
            }
            if let (Some(bias), Some(threshold)) = (bias, threshold) {
                let cutoff = ClassifierWeights::cutoff_for(threshold);
                lists.push(KeywordList {
                    name: format!("classifiers.{classifier_name}"),
                    term_languages: Vec::new(),
                    terms: Vec::new(),
                    matcher: KeywordMatcher::new(patterns),
                    classifier: Some(ClassifierWeights { weights, idf, bias, cutoff }),
                });
            }
        }
    }

    fn array_of_tables<'a>(&mut self, root: &'a DeTable<'a>, key: &str) -> Vec<RawRule<'a>> {
        let Some(value) = root.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.error(format!("`{key}` must be an array of tables (`[[{key}]]`)"), value.span());
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| {
                self.table(item, &format!("each `[[{key}]]`")).map(|table| RawRule { table, span: item.span() })
            })
            .collect()
    }

    /// Reads every `id` and reports duplicates; `None` where an id is missing or invalid.
    fn unique_ids(&mut self, raws: &[RawRule<'_>], what: &str) -> Vec<Option<String>> {
        let mut ids: Vec<Option<String>> = Vec::new();
        for raw in raws {
            let id = self.required(raw.table, "id", &raw.span, &format!("a {what}")).and_then(|value| {
                let id = self.string(value, &format!("{what} id"))?;
                if !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
                    self.error(
                        format!("{what} id `{id}` may only contain letters, digits, `-`, `_` and `.`"),
                        value.span(),
                    );
                    return None;
                }
                if ids.iter().flatten().any(|seen| *seen == id) {
                    self.error(format!("duplicate {what} id `{id}`"), value.span());
                    return None;
                }
                Some(id)
            });
            ids.push(id);
        }
        ids
    }

    fn rule(
        &mut self,
        raw: &RawRule<'_>,
        id: Option<String>,
        scope: &Scope<'_>,
        checklist_ids: &[Option<String>],
    ) -> Option<Rule> {
        let table = raw.table;
        let context = id.as_ref().map_or_else(|| "a rule".to_owned(), |id| format!("rule `{id}`"));
        self.check_keys(
            table,
            &["id", "category", "title", "rationale", "source", "points", "when", "checklist"],
            &context,
        );
        let category = self.required(table, "category", &raw.span, &context).and_then(|value| {
            let name = self.string(value, "category")?;
            let found = Category::ALL.into_iter().find(|category| category.name() == name);
            if found.is_none() {
                let names = Category::ALL.map(Category::name);
                let help = did_you_mean(&name, names).or_else(|| Some(format!("categories: {}", names.join(", "))));
                self.error_help(format!("unknown category `{name}`"), value.span(), help);
            }
            found
        });
        let title =
            self.required(table, "title", &raw.span, &context).and_then(|value| self.local_text(value, "rule title"));
        let rationale = self
            .required(table, "rationale", &raw.span, &context)
            .and_then(|value| self.local_text(value, "rule rationale"));
        let source = self.required(table, "source", &raw.span, &context).and_then(|value| {
            let url = self.string(value, "rule source")?;
            if url.starts_with("https://") || url.starts_with("http://") {
                Some(url)
            } else {
                self.error("rule source must be an http(s) URL", value.span());
                None
            }
        });
        let points = self.required(table, "points", &raw.span, &context).and_then(|value| {
            let points = self.integer(value, "points")?;
            if points == 0 || !(-100..=100).contains(&points) {
                self.error(format!("points must be between -100 and 100 and not 0, found {points}"), value.span());
                return None;
            }
            Some(points)
        });
        let when = self
            .required(table, "when", &raw.span, &context)
            .and_then(|value| self.condition(value, scope, "`when`", false));
        let mut checklist = Vec::new();
        if let Some(value) = table.get("checklist") {
            for (item, span) in self.string_list(value, "`checklist`") {
                match checklist_ids.iter().position(|id| id.as_deref() == Some(item.as_str())) {
                    Some(index) => checklist.push(index),
                    None => {
                        let help = did_you_mean(&item, checklist_ids.iter().flatten().map(String::as_str));
                        self.error_help(format!("unknown checklist item `{item}`"), span, help);
                    }
                }
            }
        }
        Some(Rule {
            id: id?,
            category: category?,
            title: title?,
            rationale: rationale?,
            source: source?,
            points: points?,
            when: when?,
            checklist,
        })
    }

    fn checklist_item(
        &mut self,
        raw: &RawRule<'_>,
        id: Option<String>,
        scope: &Scope<'_>,
        outcome_ids: &[String],
        referenced: bool,
    ) -> Option<ChecklistItem> {
        let table = raw.table;
        let context = id.as_ref().map_or_else(|| "a checklist item".to_owned(), |id| format!("checklist item `{id}`"));
        self.check_keys(table, &["id", "text", "when", "done_when", "required_for", "blocks_while_unknown"], &context);
        let blocks_while_unknown = match table.get("blocks_while_unknown").map(|value| (value.get_ref(), value.span()))
        {
            None => true,
            Some((DeValue::Boolean(blocks), _)) => *blocks,
            Some((other, span)) => {
                self.error(
                    format!("`blocks_while_unknown` must be true or false, found {}", Self::type_name(other)),
                    span,
                );
                true
            }
        };
        let text = self
            .required(table, "text", &raw.span, &context)
            .and_then(|value| self.local_text(value, "checklist text"));
        let when = table.get("when").map(|value| self.condition(value, scope, "`when`", true));
        let done_when = table.get("done_when").map(|value| self.condition(value, scope, "`done_when`", false));
        if when.is_none() && !referenced && id.is_some() {
            self.error_help(
                format!("{context} is never added"),
                raw.span.start..raw.span.start,
                Some("give it a `when` condition or list it in a rule's `checklist`".to_owned()),
            );
        }
        let mut required_for = Vec::new();
        if let Some(value) = table.get("required_for") {
            for (outcome, span) in self.string_list(value, "`required_for`") {
                match outcome_ids.iter().position(|id| *id == outcome) {
                    Some(index) => required_for.push(index),
                    None => {
                        let help = did_you_mean(&outcome, outcome_ids.iter().map(String::as_str));
                        self.error_help(format!("unknown outcome `{outcome}`"), span, help);
                    }
                }
            }
        }
        Some(ChecklistItem {
            id: id?,
            text: text?,
            when: when.map_or(Some(None), |when| when.map(Some))?,
            done_when: done_when.map_or(Some(None), |done| done.map(Some))?,
            required_for,
            blocks_while_unknown,
        })
    }

    fn decisions(&mut self, root: &DeTable<'_>, scope: &Scope<'_>) -> (DecisionPolicy, Vec<String>) {
        let mut policy = DecisionPolicy::default();
        let mut outcome_ids = Vec::new();
        let Some(section) = self.required(root, "decisions", &(0..0), "the rule pack") else {
            return (policy, outcome_ids);
        };
        let span = section.span();
        let Some(table) = self.table(section, "[decisions]") else {
            return (policy, outcome_ids);
        };
        self.check_keys(table, &["reason_codes", "outcomes"], "[decisions]");
        if let Some(codes) = self.required(table, "reason_codes", &span, "[decisions]")
            && let Some(codes_table) = self.table(codes, "[decisions.reason_codes]")
        {
            for (code, label) in codes_table {
                let name: &str = code.get_ref();
                if !name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') {
                    self.error(format!("reason code `{name}` must be UPPER_SNAKE_CASE"), code.span());
                    continue;
                }
                if let Some(label) = self.local_text(label, &format!("label of reason code `{name}`")) {
                    policy.reason_codes.push(ReasonCode { code: name.to_owned(), label });
                }
            }
        }
        let raw_outcomes = self.array_of_tables(table, "outcomes");
        if raw_outcomes.is_empty() {
            self.error("[decisions] needs at least one `[[decisions.outcomes]]`", span);
        }
        let ids = self.unique_ids(&raw_outcomes, "outcome");
        for (raw, id) in raw_outcomes.iter().zip(ids) {
            let context = id.as_ref().map_or_else(|| "an outcome".to_owned(), |id| format!("outcome `{id}`"));
            self.check_keys(raw.table, &["id", "label", "reason_codes", "requires_second_approval"], &context);
            let label = self
                .required(raw.table, "label", &raw.span, &context)
                .and_then(|value| self.local_text(value, "outcome label"));
            let mut reason_codes = Vec::new();
            if let Some(value) = self.required(raw.table, "reason_codes", &raw.span, &context) {
                let codes = self.string_list(value, "`reason_codes`");
                if codes.is_empty() {
                    self.error(format!("{context} needs at least one reason code"), value.span());
                }
                for (code, code_span) in codes {
                    match policy.reason_codes.iter().position(|known| known.code == code) {
                        Some(index) => reason_codes.push(index),
                        None => {
                            let help = did_you_mean(&code, policy.reason_codes.iter().map(|known| known.code.as_str()));
                            self.error_help(format!("unknown reason code `{code}`"), code_span, help);
                        }
                    }
                }
            }
            let second = self
                .required(raw.table, "requires_second_approval", &raw.span, &context)
                .and_then(|value| self.condition(value, scope, "`requires_second_approval`", true));
            if let Some(id) = &id {
                outcome_ids.push(id.clone());
            }
            if let (Some(id), Some(label), Some(requires_second_approval)) = (id, label, second) {
                policy.outcomes.push(Outcome { id, label, reason_codes, requires_second_approval });
            }
        }
        (policy, outcome_ids)
    }
}

/// The names after `signals.` in a condition's source (dependencies, for ordering only: the
/// type checker reports unknown ones).
fn signal_references(source: &str) -> Vec<&str> {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    source
        .match_indices("signals.")
        .filter(|(start, _)| !source[..*start].ends_with(is_name_char))
        .map(|(start, prefix)| {
            let rest = &source[start + prefix.len()..];
            &rest[..rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len())]
        })
        .collect()
}

fn is_language_code(code: &str) -> bool {
    code.len() == 2 && code.chars().all(|c| c.is_ascii_lowercase())
}

/// `segment(.segment)*` with segments `[a-z_][a-z0-9_]*`.
fn is_fact_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|segment| {
            segment.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && segment.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}
