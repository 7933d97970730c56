//! CRM profiles: where each fact of a case is shown on a CRM page and how to read it.
//!
//! A profile (`pkg-config/crm/*.toml`, compiled to JSON for the browser by `riskpane compile`)
//! maps fact names to sources: a CSS selector (text or attribute, one element or all of them) or a
//! JSON island (`<script type="application/json">` + JSON pointer). It also says how the page
//! writes numbers (`1.299,00 €`), dates and yes/no. Reading the page happens in `host/`; this
//! module is pure: it turns displayed strings into typed fact values, or says why it cannot.

use crate::rules::FactType;
use crate::value::Decimal;
use crate::value::SmallMap;
use crate::value::text::fold;
use crate::value::time::{SECONDS_PER_DAY, days_from_civil, parse_date, parse_datetime};
use crate::value::{FactValue, TextValue};
use serde::{Deserialize, Serialize};

/// The profile format version this build reads.
pub const PROFILE_SCHEMA_VERSION: i64 = 1;

/// Where one fact comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FactSource {
    /// CSS selector, relative to the profile's root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// Read this attribute instead of the text content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    /// Read every matching element (a list); otherwise the first.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    /// Split one text into a list at this separator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
    /// Selector of a `<script type="application/json">` island.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<String>,
    /// JSON pointer (RFC 6901) into the island, e.g. `/order/total`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Displayed label → enum value (`"Artikel nicht erhalten" = "item_not_received"`).
    #[serde(default, skip_serializing_if = "SmallMap::is_empty")]
    pub values: SmallMap<String, String>,
}

/// How the widget authenticates to the CRM's API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CrmAuth {
    /// The page's session cookie (same origin).
    #[default]
    Cookie,
    /// A bearer token the host page passes in the `token` option.
    Bearer,
}

/// Where the CRM's decision API is (the generic REST contract, pkg-config/crm/generic-rest.openapi.yaml).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrmApi {
    /// Which adapter talks to it: the generic REST contract or Request Tracker's REST 2.0.
    #[serde(default)]
    pub kind: CrmKind,
    /// Base URL of the API on the page's origin, e.g. `/api` or `/REST/2.0`.
    pub base: String,
    /// Authentication.
    #[serde(default)]
    pub auth: CrmAuth,
    /// Name of a `<meta>` tag whose content is sent as the CSRF header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf_meta: Option<String>,
    /// Name of a cookie whose value is sent as the CSRF header (double-submit cookies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf_cookie: Option<String>,
    /// Header carrying the CSRF token.
    #[serde(default = "default_csrf_header")]
    pub csrf_header: String,
    /// A request without an answer after this long counts as failed (ambiguously: it may have landed).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u32,
    /// URL templates (after `base`), with `{case_id}` and `{id}` placeholders (generic kind).
    #[serde(default)]
    pub endpoints: CrmEndpoints,
    /// Where Request Tracker keeps the widget's results (`kind = "request_tracker"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_tracker: Option<RtSettings>,
    /// Where django-helpdesk keeps the widget's results (`kind = "django_helpdesk"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub django_helpdesk: Option<HelpdeskSettings>,
}

/// The adapter a CRM API needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CrmKind {
    /// The generic REST contract (pkg-config/crm/generic-rest.openapi.yaml).
    #[default]
    Generic,
    /// Request Tracker 5's REST 2.0: decisions as private comments, results in custom fields.
    RequestTracker,
    /// django-helpdesk's REST API: decisions as internal follow-ups, results in custom fields.
    DjangoHelpdesk,
}

/// How decisions map onto a Request Tracker ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RtSettings {
    /// Selector of the ticket's JSON island (written by the riskpane Mason callback).
    pub island: String,
    /// JSON pointer, in the island, to the names of the "Risk Experts" group's members: their role is
    /// expert, and only their comments may confirm or reject.
    pub experts_pointer: String,
    /// JSON pointer, in the island, to the names of the "Communications" group's members: they
    /// confirm or reject public replies (outcomes with `confirmed_by = "communications"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communications_pointer: Option<String>,
    /// Custom field receiving the score (0..100).
    pub score_field: String,
    /// Custom field receiving the band.
    pub band_field: String,
    /// Custom field receiving the decision state; RT lets only experts modify it.
    pub state_field: String,
    /// Multi-value custom field receiving the fired rules' categories, plus `four-eyes` while a
    /// decision waits for its second approval.
    pub flags_field: String,
    /// Outcome id → ticket status set once the decision is final (decided or confirmed).
    #[serde(default, skip_serializing_if = "SmallMap::is_empty")]
    pub status: SmallMap<String, String>,
    /// Fact filled from the ticket's history over REST: the contacts (create and correspond
    /// transactions) in the 7 days before now, e.g. `case.contacts_7d`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_contacts_fact: Option<String>,
}

/// How decisions map onto a django-helpdesk ticket (its REST API, Django REST framework).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelpdeskSettings {
    /// Selector of the ticket's JSON island (written by the riskpane app's template override).
    pub island: String,
    /// JSON pointer, in the island, to the ids of the "Risk Experts" group's members.
    pub experts_pointer: String,
    /// JSON pointer, in the island, to the ids of the "Communications" group's members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communications_pointer: Option<String>,
    /// JSON pointer, in the island, to the signed-in user (`{"id", "name"}`).
    pub user_pointer: String,
    /// Custom field (its name, as in `custom_<name>`) receiving the score.
    pub score_field: String,
    /// Custom field receiving the band.
    pub band_field: String,
    /// Custom field receiving the decision state; the helpdesk takes it only as the accepted
    /// decision says.
    pub state_field: String,
    /// Custom field receiving the flags (the fired rules' categories, plus `four-eyes` while
    /// waiting), comma-separated: a django-helpdesk custom field holds one value.
    pub flags_field: String,
    /// Outcome id → django-helpdesk status number (as text: `"3"`, its API takes either) set
    /// once the decision is final. Text, like Request Tracker's statuses, so the widget holds one
    /// map type (each costs its own copy of the map code in the wasm).
    #[serde(default, skip_serializing_if = "SmallMap::is_empty")]
    pub status: SmallMap<String, String>,
}

/// The generic REST contract's endpoints, as URL templates relative to `CrmApi::base`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrmEndpoints {
    /// POST a decision.
    pub create: String,
    /// GET a case's decisions.
    pub list: String,
    /// GET one decision.
    pub get: String,
    /// POST a confirmation.
    pub confirm: String,
    /// POST a rejection.
    pub reject: String,
    /// POST an expert's pattern report on a case (issue 17; `riskpane.pattern_report`).
    pub pattern_reports: String,
}

impl Default for CrmEndpoints {
    fn default() -> CrmEndpoints {
        CrmEndpoints {
            create: "/cases/{case_id}/decisions".to_owned(),
            list: "/cases/{case_id}/decisions".to_owned(),
            get: "/decisions/{id}".to_owned(),
            confirm: "/decisions/{id}/confirm".to_owned(),
            reject: "/decisions/{id}/reject".to_owned(),
            pattern_reports: "/cases/{case_id}/pattern-reports".to_owned(),
        }
    }
}

impl CrmEndpoints {
    /// Fills a template's `{case_id}` / `{id}` with an already encoded value.
    #[must_use]
    pub fn fill(template: &str, value: &str) -> String {
        template.replace("{case_id}", value).replace("{id}", value)
    }
}

pub(crate) fn default_timeout_ms() -> u32 {
    10_000
}

pub(crate) fn default_csrf_header() -> String {
    "X-CSRF-Token".to_owned()
}

/// How a CRM page is read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrmProfile {
    /// Profile id.
    pub id: String,
    /// Profile version.
    pub version: String,
    /// Selector of the element holding the case; watched for changes.
    pub root: String,
    /// Where the case's id is shown: checklist ticks are kept per case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_key: Option<FactSource>,
    /// Decimal separator of numbers shown on the page (`.` or `,`).
    #[serde(default = "default_decimal_separator")]
    pub decimal_separator: char,
    /// Date formats tried in order, with tokens `YYYY`, `MM`, `DD` (ISO dates always work).
    #[serde(default)]
    pub date_formats: Vec<String>,
    /// Datetime formats tried in order, tokens as dates plus `HH`, `mm`, `ss` (RFC 3339 always works).
    #[serde(default)]
    pub datetime_formats: Vec<String>,
    /// Offset of datetimes shown without one, e.g. `+01:00`.
    #[serde(default = "default_utc_offset")]
    pub utc_offset: String,
    /// Fact name → source.
    pub sources: SmallMap<String, FactSource>,
    /// The CRM's decision API, if decisions are posted back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<CrmApi>,
}

pub(crate) fn default_decimal_separator() -> char {
    '.'
}

pub(crate) fn default_utc_offset() -> String {
    "+00:00".to_owned()
}

/// The authored TOML file: `schema_version` and `[profile]` with `[profile.sources."fact"]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    schema_version: i64,
    profile: CrmProfile,
}

/// Everything wrong with a CRM profile's TOML, the way `RulePackErrors` is for a pack: each
/// problem with its `line:col` where the TOML parser knows it; shown one per problem as
/// `error: … --> file:line:col`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileErrors {
    /// The profile's file name, as given.
    pub file_name: String,
    /// The problems: what is wrong, and where (line, column) when known.
    pub problems: Vec<(String, Option<(usize, usize)>)>,
}

impl std::fmt::Display for ProfileErrors {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, (message, at)) in self.problems.iter().enumerate() {
            if index > 0 {
                formatter.write_str("\n")?;
            }
            write!(formatter, "error: {message}\n --> {}", self.file_name)?;
            if let Some((line, column)) = at {
                write!(formatter, ":{line}:{column}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ProfileErrors {}

impl CrmProfile {
    /// Reads and checks a profile's TOML source.
    ///
    /// # Errors
    /// Every problem found, with `line:col` where the TOML parser knows it.
    pub fn from_toml(file_name: &str, source: &str) -> Result<CrmProfile, ProfileErrors> {
        let errors = |problems| ProfileErrors { file_name: file_name.to_owned(), problems };
        let file: ProfileFile = toml::from_str(source).map_err(|error| {
            let at = error.span().map_or((1, 1), |span| crate::rules::diagnostic::line_col(source, span.start));
            errors(vec![(error.message().trim_end_matches('.').to_owned(), Some(at))])
        })?;
        let mut problems = Vec::new();
        if file.schema_version != PROFILE_SCHEMA_VERSION {
            problems.push(format!(
                "unsupported schema_version {}; this build reads {PROFILE_SCHEMA_VERSION}",
                file.schema_version
            ));
        }
        let profile = file.profile;
        if !matches!(profile.decimal_separator, '.' | ',') {
            problems.push(format!("decimal_separator must be `.` or `,`, found `{}`", profile.decimal_separator));
        }
        if parse_offset(&profile.utc_offset).is_none() {
            problems.push(format!("utc_offset must look like +01:00, found `{}`", profile.utc_offset));
        }
        let key_source = profile.case_key.iter().map(|source| ("case_key", source));
        for (name, source) in profile.sources.iter().map(|(name, source)| (name.as_str(), source)).chain(key_source) {
            match (&source.selector, &source.json) {
                (Some(_), Some(_)) | (None, None) => {
                    problems.push(format!("source `{name}` needs exactly one of `selector` or `json`"));
                }
                (None, Some(_)) if !source.pointer.as_deref().unwrap_or("").starts_with('/') => {
                    problems.push(format!("source `{name}` needs a JSON `pointer` starting with `/`"));
                }
                _ => {}
            }
        }
        if let Some(api) = &profile.api {
            match (api.kind, &api.request_tracker) {
                (CrmKind::RequestTracker, None) => {
                    problems.push("api kind `request_tracker` needs `[profile.api.request_tracker]`".to_owned());
                }
                (CrmKind::Generic | CrmKind::DjangoHelpdesk, Some(_)) => {
                    problems.push("`[profile.api.request_tracker]` needs `kind = \"request_tracker\"`".to_owned());
                }
                _ => {}
            }
            match (api.kind, &api.django_helpdesk) {
                (CrmKind::DjangoHelpdesk, None) => {
                    problems.push("api kind `django_helpdesk` needs `[profile.api.django_helpdesk]`".to_owned());
                }
                (CrmKind::Generic | CrmKind::RequestTracker, Some(_)) => {
                    problems.push("`[profile.api.django_helpdesk]` needs `kind = \"django_helpdesk\"`".to_owned());
                }
                _ => {}
            }
        }
        if problems.is_empty() {
            Ok(profile)
        } else {
            Err(errors(problems.into_iter().map(|problem| (problem, None)).collect()))
        }
    }
}

/// A value as read from the page, before typing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RawValue {
    /// The text (or attribute) of one element.
    Text(String),
    /// The texts of all matching elements.
    Texts(Vec<String>),
    /// A value from a JSON island or passed in by the host page.
    Json(serde_json::Value),
}

/// The case as read from the page: fact name → raw value, plus the case's key.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RawCaseFields {
    /// Fact name → raw value.
    pub values: SmallMap<String, RawValue>,
    /// The case's identity on the page (checklist ticks are kept per case).
    pub case_key: Option<String>,
    /// Problems reading the page (for example an island that is not valid JSON), per fact.
    pub read_issues: Vec<(String, String)>,
}

fn parse_offset(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 6 || bytes[3] != b':' {
        return None;
    }
    let sign = match bytes[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hours: i64 = text.get(1..3)?.parse().ok()?;
    let minutes: i64 = text.get(4..6)?.parse().ok()?;
    Some(sign * (hours * 3600 + minutes * 60))
}

/// Parses a number as a page shows it: `1.299,00 €` (decimal `,`), `€ 1,299.00`, `-12`, `12 Tage`.
/// Currency signs and units before or after the number are ignored; grouping separators
/// (`.`/`,` — whichever is not the decimal separator —, spaces, `'`) are dropped.
#[must_use]
pub fn parse_number(text: &str, decimal_separator: char) -> Option<Decimal> {
    let is_core = |c: char| c.is_ascii_digit() || matches!(c, '-' | '\u{2212}' | '+');
    let start = text.find(is_core)?;
    let end = text.rfind(|c: char| c.is_ascii_digit())? + 1;
    if end <= start {
        return None;
    }
    let (prefix, core, suffix) = (&text[..start], &text[start..end], &text[end..]);
    if prefix.chars().any(|c| c.is_ascii_digit()) || suffix.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let group_separator = if decimal_separator == ',' { '.' } else { ',' };
    let mut normalized = String::with_capacity(core.len());
    for (index, character) in core.char_indices() {
        match character {
            '0'..='9' => normalized.push(character),
            '-' | '\u{2212}' if index == 0 => normalized.push('-'),
            '+' if index == 0 => {}
            c if c == decimal_separator && !normalized.contains('.') => normalized.push('.'),
            c if c == group_separator || matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'' | '\u{2019}') => {}
            _ => return None,
        }
    }
    Decimal::parse(&normalized)
}

const TRUE_WORDS: [&str; 13] = ["true", "yes", "y", "ja", "j", "oui", "si", "sì", "tak", "1", "✓", "✔", "x"];
const FALSE_WORDS: [&str; 10] = ["false", "no", "n", "nein", "non", "nie", "0", "✗", "✘", "-"];

/// Parses a date with a `YYYY`/`MM`/`DD` format; one-digit days and months are accepted.
fn parse_with_format(text: &str, format: &str) -> Option<(i64, [u32; 5])> {
    let mut parts = [0u32; 5]; // month, day, hour, minute, second
    let mut year: Option<i64> = None;
    let mut rest = text.trim();
    let mut format_rest = format;
    while !format_rest.is_empty() {
        let (token, width) = ["YYYY", "MM", "DD", "HH", "mm", "ss"]
            .iter()
            .find(|token| format_rest.starts_with(**token))
            .map_or((None, 1), |token| (Some(*token), token.len()));
        if let Some(token) = token {
            let max_digits = if token == "YYYY" { 4 } else { 2 };
            let digits = rest.bytes().take(max_digits).take_while(u8::is_ascii_digit).count();
            if digits == 0 || (token == "YYYY" && digits != 4) {
                return None;
            }
            let value: u32 = rest[..digits].parse().ok()?;
            rest = &rest[digits..];
            match token {
                "YYYY" => year = Some(i64::from(value)),
                "MM" => parts[0] = value,
                "DD" => parts[1] = value,
                "HH" => parts[2] = value,
                "mm" => parts[3] = value,
                _ => parts[4] = value,
            }
            format_rest = &format_rest[width..];
        } else {
            let expected = format_rest.chars().next()?;
            let found = rest.chars().next()?;
            if expected != found {
                return None;
            }
            rest = &rest[found.len_utf8()..];
            format_rest = &format_rest[expected.len_utf8()..];
        }
    }
    if !rest.trim().is_empty() || parts[2] > 23 || parts[3] > 59 || parts[4] > 59 {
        return None;
    }
    Some((days_from_civil(year?, parts[0], parts[1])?, parts))
}

/// Turns a displayed string into a value of the fact's type, or says why it cannot.
/// `Ok(None)` means the page shows the field empty (the fact is missing, not malformed).
///
/// # Errors
/// A lowercase description of why the text does not fit the type.
pub fn parse_displayed(
    fact_type: &FactType,
    text: &str,
    source: &FactSource,
    profile: &CrmProfile,
) -> Result<Option<FactValue>, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() || matches!(trimmed, "—" | "–" | "n/a" | "N/A") {
        return Ok(None);
    }
    let shown = || {
        let excerpt: String = trimmed.chars().take(40).collect();
        format!("\"{excerpt}{}\"", if trimmed.chars().count() > 40 { "…" } else { "" })
    };
    let value = match fact_type {
        FactType::Text => FactValue::Text(TextValue::new(trimmed)),
        FactType::Int | FactType::Number | FactType::Money => {
            let number = parse_number(trimmed, profile.decimal_separator)
                .ok_or_else(|| format!("{} is not a number; treated as unknown", shown()))?;
            if *fact_type == FactType::Int && number.to_int().is_none() {
                return Err(format!("{} is not a whole number; treated as unknown", shown()));
            }
            FactValue::Number(number)
        }
        FactType::Bool => {
            let folded = fold(trimmed);
            if TRUE_WORDS.contains(&folded.as_str()) {
                FactValue::Bool(true)
            } else if FALSE_WORDS.contains(&folded.as_str()) {
                FactValue::Bool(false)
            } else {
                return Err(format!("{} is not yes or no; treated as unknown", shown()));
            }
        }
        FactType::Date => {
            let days = parse_date(trimmed)
                .or_else(|| parse_datetime(trimmed).map(|seconds| seconds.div_euclid(SECONDS_PER_DAY)))
                .or_else(|| {
                    profile
                        .date_formats
                        .iter()
                        .find_map(|format| parse_with_format(trimmed, format))
                        .map(|(days, _)| days)
                })
                .ok_or_else(|| format!("{} is not a date in a known format; treated as unknown", shown()))?;
            FactValue::Date(days)
        }
        FactType::DateTime => {
            let offset = parse_offset(&profile.utc_offset).unwrap_or(0);
            let seconds = parse_datetime(trimmed)
                .or_else(|| {
                    profile.datetime_formats.iter().chain(&profile.date_formats).find_map(|format| {
                        parse_with_format(trimmed, format).map(|(days, [_, _, hour, minute, second])| {
                            days * SECONDS_PER_DAY + i64::from(hour * 3600 + minute * 60 + second) - offset
                        })
                    })
                })
                .or_else(|| parse_date(trimmed).map(|days| days * SECONDS_PER_DAY - offset))
                .ok_or_else(|| format!("{} is not a date and time in a known format; treated as unknown", shown()))?;
            FactValue::DateTime(seconds)
        }
        FactType::Enum(values) => {
            let folded = fold(trimmed);
            let mapped = source.values.iter().find(|(label, _)| fold(label) == folded).map(|(_, value)| value.as_str());
            let candidate = fold(mapped.unwrap_or(trimmed));
            let value = values
                .iter()
                .find(|value| fold(value) == candidate)
                .ok_or_else(|| format!("{} is not one of {}; treated as unknown", shown(), values.join(", ")))?;
            FactValue::Text(TextValue::new(value))
        }
        FactType::List => {
            let items: Vec<TextValue> = match &source.separator {
                Some(separator) => trimmed
                    .split(separator.as_str())
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(TextValue::new)
                    .collect(),
                None => vec![TextValue::new(trimmed)],
            };
            FactValue::List(items)
        }
    };
    Ok(Some(value))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly by design
mod tests {
    use super::*;

    #[test]
    fn an_api_kind_and_its_settings_go_together() {
        let head = "schema_version = 1\n[profile]\nid = \"t\"\nversion = \"1\"\nroot = \"body\"\n[profile.sources]\n";
        let missing = format!("{head}[profile.api]\nkind = \"request_tracker\"\nbase = \"/REST/2.0\"\n");
        let error = CrmProfile::from_toml("rt.toml", &missing).unwrap_err().to_string();
        assert_eq!(error, "error: api kind `request_tracker` needs `[profile.api.request_tracker]`\n --> rt.toml");
        let stray = format!(
            "{head}[profile.api]\nbase = \"/api\"\n[profile.api.request_tracker]\nisland = \"#t\"\nexperts_pointer = \"/e\"\n\
             score_field = \"S\"\nband_field = \"B\"\nstate_field = \"D\"\nflags_field = \"F\"\n"
        );
        assert!(
            CrmProfile::from_toml("rt.toml", &stray)
                .unwrap_err()
                .to_string()
                .contains("needs `kind = \"request_tracker\"`")
        );
        let shipped =
            CrmProfile::from_toml("request-tracker.toml", include_str!("../pkg-config/crm/request-tracker.toml"))
                .unwrap();
        let api = shipped.api.unwrap();
        assert_eq!(api.kind, CrmKind::RequestTracker);
        assert_eq!(api.request_tracker.unwrap().status.get("restrict_account").map(String::as_str), Some("resolved"));
    }

    fn profile() -> CrmProfile {
        CrmProfile::from_toml(
            "p.toml",
            r##"
schema_version = 1
[profile]
id = "t"
version = "1"
root = "#case"
decimal_separator = ","
date_formats = ["DD.MM.YYYY"]
datetime_formats = ["DD.MM.YYYY HH:mm"]
utc_offset = "+01:00"
[profile.sources."order.total_eur"]
selector = "#total"
[profile.sources."case.type"]
selector = "#type"
values = { "Artikel nicht erhalten" = "item_not_received" }
"##,
        )
        .unwrap()
    }

    fn shown(fact_type: &FactType, text: &str) -> String {
        let profile = profile();
        let source = profile.sources.get("case.type").cloned().unwrap_or_default();
        match parse_displayed(fact_type, text, &source, &profile) {
            Ok(Some(value)) => value.display(),
            Ok(None) => "missing".to_owned(),
            Err(problem) => format!("error: {problem}"),
        }
    }

    #[test]
    fn numbers_as_pages_show_them() {
        assert_eq!(parse_number("1.299,00 €", ',').map(|d| d.to_string()).as_deref(), Some("1299"));
        assert_eq!(parse_number("€ 1,299.50", '.').map(|d| d.to_string()).as_deref(), Some("1299.5"));
        assert_eq!(parse_number("−12,5", ',').map(|d| d.to_string()).as_deref(), Some("-12.5"));
        assert_eq!(parse_number("12 Tage", ',').map(|d| d.to_string()).as_deref(), Some("12"));
        assert_eq!(parse_number("1 299,00", ',').map(|d| d.to_string()).as_deref(), Some("1299"));
        assert_eq!(parse_number("2 von 3", ','), None);
        assert_eq!(parse_number("abc", ','), None);
        assert_eq!(shown(&FactType::Money, "1.299,00 €"), "1299");
        assert_eq!(shown(&FactType::Int, "12,5"), "error: \"12,5\" is not a whole number; treated as unknown");
    }

    #[test]
    fn dates_bools_enums_and_empty_fields() {
        assert_eq!(shown(&FactType::Date, "25.11.2026"), "2026-11-25");
        assert_eq!(shown(&FactType::Date, "2026-11-25"), "2026-11-25");
        assert_eq!(shown(&FactType::Date, "5.1.2026"), "2026-01-05");
        assert_eq!(shown(&FactType::DateTime, "25.11.2026 10:15"), "2026-11-25T09:15:00Z");
        assert_eq!(shown(&FactType::DateTime, "2026-11-25T10:15:00Z"), "2026-11-25T10:15:00Z");
        assert_eq!(
            shown(&FactType::Date, "31.02.2026"),
            "error: \"31.02.2026\" is not a date in a known format; treated as unknown"
        );
        assert_eq!(shown(&FactType::Bool, "Ja"), "true");
        assert_eq!(shown(&FactType::Bool, "nein"), "false");
        assert_eq!(shown(&FactType::Bool, "vielleicht"), "error: \"vielleicht\" is not yes or no; treated as unknown");
        let enum_type = FactType::Enum(vec!["item_not_received".to_owned(), "damaged".to_owned()]);
        assert_eq!(shown(&enum_type, "Artikel nicht erhalten"), "item_not_received");
        assert_eq!(shown(&enum_type, "DAMAGED"), "damaged");
        assert_eq!(shown(&FactType::Text, "  —  "), "missing");
        assert_eq!(shown(&FactType::Text, "<script>alert(1)</script>"), "<script>alert(1)</script>");
    }

    #[test]
    fn profile_errors_are_located() {
        let error =
            CrmProfile::from_toml("bad.toml", "schema_version = 1\n[profile]\nid = 1\n").unwrap_err().to_string();
        assert!(error.contains("bad.toml:3:6"), "{error}");
        let error = CrmProfile::from_toml(
            "bad.toml",
            "schema_version = 1\n[profile]\nid = \"x\"\nversion = \"1\"\nroot = \"#c\"\n[profile.sources.\"a\"]\njson = \"#d\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("source `a` needs a JSON `pointer`"), "{error}");
    }
}
