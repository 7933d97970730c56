//! Reads a compiled CRM profile from its JSON tree by hand, in the shape `riskpane compile` writes
//! (serde's derived `Serialize`), refusing unknown keys as the TOML reader does. In the widget this
//! replaces serde's derived visitors for the profile's types (issue 15): the widget parses JSON into
//! a `serde_json::Value` anyway, and a profile is small, so walking that tree costs little code and
//! memory.
//!
//! Compiled packs are not read this way: read through a `serde_json::Value`, the care pack (8,900
//! small JSON objects) raised the widget's wasm memory from 4.8 to 8.8 MB (BENCHMARKS.md), as each
//! small object is a B-tree node; they are `postcard` bytes, read by `pack_bytes.rs`.
//!
//! Errors name the place: `profile.api.request_tracker: unknown key `scored_field``.

use crate::json::{
    Read, boolean, field, object, object_entries, only, optional, or_default, problem, string, string_map, strings,
    unit, whole,
};
use crate::profile::{
    self, CrmApi, CrmAuth, CrmEndpoints, CrmKind, CrmProfile, FactSource, HelpdeskSettings, RtSettings,
};
use serde_json::Value;

fn fact_source(value: &Value) -> Read<FactSource> {
    let object = object(value)?;
    only(object, &["selector", "attribute", "all", "separator", "json", "pointer", "values"])?;
    Ok(FactSource {
        selector: optional(object, "selector", string)?,
        attribute: optional(object, "attribute", string)?,
        all: or_default(object, "all", boolean)?,
        separator: optional(object, "separator", string)?,
        json: optional(object, "json", string)?,
        pointer: optional(object, "pointer", string)?,
        values: or_default(object, "values", string_map)?,
    })
}

fn rt_settings(value: &Value) -> Read<RtSettings> {
    let object = object(value)?;
    only(
        object,
        &[
            "island",
            "experts_pointer",
            "communications_pointer",
            "score_field",
            "band_field",
            "state_field",
            "flags_field",
            "status",
            "history_contacts_fact",
        ],
    )?;
    Ok(RtSettings {
        island: field(object, "island", string)?,
        experts_pointer: field(object, "experts_pointer", string)?,
        communications_pointer: optional(object, "communications_pointer", string)?,
        score_field: field(object, "score_field", string)?,
        band_field: field(object, "band_field", string)?,
        state_field: field(object, "state_field", string)?,
        flags_field: field(object, "flags_field", string)?,
        status: or_default(object, "status", string_map)?,
        history_contacts_fact: optional(object, "history_contacts_fact", string)?,
    })
}

fn helpdesk_settings(value: &Value) -> Read<HelpdeskSettings> {
    let object = object(value)?;
    only(
        object,
        &[
            "island",
            "experts_pointer",
            "communications_pointer",
            "user_pointer",
            "score_field",
            "band_field",
            "state_field",
            "flags_field",
            "status",
        ],
    )?;
    Ok(HelpdeskSettings {
        island: field(object, "island", string)?,
        experts_pointer: field(object, "experts_pointer", string)?,
        communications_pointer: optional(object, "communications_pointer", string)?,
        user_pointer: field(object, "user_pointer", string)?,
        score_field: field(object, "score_field", string)?,
        band_field: field(object, "band_field", string)?,
        state_field: field(object, "state_field", string)?,
        flags_field: field(object, "flags_field", string)?,
        status: or_default(object, "status", string_map)?,
    })
}

fn endpoints(value: &Value) -> Read<CrmEndpoints> {
    let object = object(value)?;
    only(object, &["create", "list", "get", "confirm", "reject", "pattern_reports"])?;
    let defaults = CrmEndpoints::default();
    let or = |key: &str, default: String| optional(object, key, string).map(|found| found.unwrap_or(default));
    Ok(CrmEndpoints {
        create: or("create", defaults.create)?,
        list: or("list", defaults.list)?,
        get: or("get", defaults.get)?,
        confirm: or("confirm", defaults.confirm)?,
        reject: or("reject", defaults.reject)?,
        pattern_reports: or("pattern_reports", defaults.pattern_reports)?,
    })
}

fn api(value: &Value) -> Read<CrmApi> {
    let object = object(value)?;
    only(
        object,
        &[
            "kind",
            "base",
            "auth",
            "csrf_meta",
            "csrf_cookie",
            "csrf_header",
            "timeout_ms",
            "endpoints",
            "request_tracker",
            "django_helpdesk",
        ],
    )?;
    Ok(CrmApi {
        kind: or_default(object, "kind", |value| {
            unit(
                value,
                &[
                    ("generic", CrmKind::Generic),
                    ("request_tracker", CrmKind::RequestTracker),
                    ("django_helpdesk", CrmKind::DjangoHelpdesk),
                ],
            )
        })?,
        base: field(object, "base", string)?,
        auth: or_default(object, "auth", |value| {
            unit(value, &[("cookie", CrmAuth::Cookie), ("bearer", CrmAuth::Bearer)])
        })?,
        csrf_meta: optional(object, "csrf_meta", string)?,
        csrf_cookie: optional(object, "csrf_cookie", string)?,
        csrf_header: optional(object, "csrf_header", string)?.unwrap_or_else(profile::default_csrf_header),
        timeout_ms: optional(object, "timeout_ms", whole)?.unwrap_or_else(profile::default_timeout_ms),
        endpoints: or_default(object, "endpoints", endpoints)?,
        request_tracker: optional(object, "request_tracker", rt_settings)?,
        django_helpdesk: optional(object, "django_helpdesk", helpdesk_settings)?,
    })
}

/// The `profile` of a compiled profile file.
pub(super) fn profile(value: &Value) -> Read<CrmProfile> {
    let object = object(value)?;
    only(
        object,
        &[
            "id",
            "version",
            "root",
            "case_key",
            "decimal_separator",
            "date_formats",
            "datetime_formats",
            "utc_offset",
            "sources",
            "api",
        ],
    )?;
    let separator = optional(object, "decimal_separator", |value| {
        let text = string(value)?;
        let mut characters = text.chars();
        match (characters.next(), characters.next()) {
            (Some(character), None) => Ok(character),
            _ => problem("expected one character"),
        }
    })?;
    Ok(CrmProfile {
        id: field(object, "id", string)?,
        version: field(object, "version", string)?,
        root: field(object, "root", string)?,
        case_key: optional(object, "case_key", fact_source)?,
        decimal_separator: separator.unwrap_or_else(profile::default_decimal_separator),
        date_formats: or_default(object, "date_formats", strings)?,
        datetime_formats: or_default(object, "datetime_formats", strings)?,
        utc_offset: optional(object, "utc_offset", string)?.unwrap_or_else(profile::default_utc_offset),
        sources: field(object, "sources", |value| object_entries(value, fact_source))?,
        api: optional(object, "api", api)?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_profile_reads_back_and_refuses_unknown_keys() {
        use crate::compiled::{profile_from_json, profile_to_json};
        let toml = include_str!("../../pkg-config/crm/request-tracker.toml");
        let profile = crate::profile::CrmProfile::from_toml("request-tracker.toml", toml).unwrap();
        let json = profile_to_json(&profile).unwrap();
        assert_eq!(profile_from_json(&json).unwrap(), profile);
        let damaged = json.replacen(r#""score_field":"#, r#""scored_field":"#, 1);
        let error = profile_from_json(&damaged).unwrap_err().to_string();
        assert!(error.ends_with("at profile.api.request_tracker: unknown key `scored_field`"), "{error}");
        let toml = include_str!("../../pkg-config/crm/django-helpdesk.toml");
        let helpdesk = crate::profile::CrmProfile::from_toml("django-helpdesk.toml", toml).unwrap();
        let helpdesk_json = profile_to_json(&helpdesk).unwrap();
        assert_eq!(profile_from_json(&helpdesk_json).unwrap(), helpdesk);
        let damaged = json.replacen(r#""sources":{"#, r#""sources":{"x":{"selector":1},"#, 1);
        let error = profile_from_json(&damaged).unwrap_err().to_string();
        assert!(error.ends_with("at profile.sources.x.selector: expected a string"), "{error}");
    }
}
