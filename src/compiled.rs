//! Browser-ready forms of rule packs and CRM profiles: JSON written by `riskpane compile`.
//!
//! The widget loads these instead of TOML so the wasm carries neither a TOML parser nor the
//! rule-language parser and type checker (see BENCHMARKS.md for what each costs). A compiled pack
//! holds the typed conditions and the pack hash of its TOML source, so a score computed in the
//! browser is traceable to the exact pack text.

use crate::profile::CrmProfile;
use crate::rules::RulePack;
use serde::{Deserialize, Serialize};

/// Marks a compiled pack file.
pub const PACK_FORMAT: &str = "riskpane-compiled-pack";
/// Marks a compiled profile file.
pub const PROFILE_FORMAT: &str = "riskpane-compiled-profile";
/// Version of both compiled formats; bumped whenever `RulePack` or `Node` change shape.
pub const COMPILED_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    format: String,
    format_version: u32,
    #[serde(flatten)]
    body: T,
}

#[derive(Serialize, Deserialize)]
struct PackBody {
    pack: RulePack,
}

#[derive(Serialize, Deserialize)]
struct ProfileBody {
    profile: CrmProfile,
}

/// The compiled JSON of a pack.
///
/// # Errors
/// Only if serialization fails, which a valid pack never does.
pub fn pack_to_json(pack: &RulePack) -> Result<String, String> {
    let envelope = Envelope {
        format: PACK_FORMAT.to_owned(),
        format_version: COMPILED_VERSION,
        body: PackBody { pack: pack.clone() },
    };
    serde_json::to_string(&envelope).map_err(|error| error.to_string())
}

/// Reads a compiled pack.
///
/// # Errors
/// A clear message when the text is not a compiled pack of this version.
pub fn pack_from_json(text: &str) -> Result<RulePack, String> {
    let envelope: Envelope<serde_json::Value> =
        serde_json::from_str(text).map_err(|error| format!("rule pack is not valid JSON: {error}"))?;
    check_format(&envelope.format, envelope.format_version, PACK_FORMAT)?;
    let body: PackBody = serde_json::from_value(envelope.body)
        .map_err(|error| format!("rule pack does not match compiled format {COMPILED_VERSION}: {error}"))?;
    Ok(body.pack)
}

/// The compiled JSON of a profile.
///
/// # Errors
/// Only if serialization fails.
pub fn profile_to_json(profile: &CrmProfile) -> Result<String, String> {
    let envelope = Envelope {
        format: PROFILE_FORMAT.to_owned(),
        format_version: COMPILED_VERSION,
        body: ProfileBody { profile: profile.clone() },
    };
    serde_json::to_string(&envelope).map_err(|error| error.to_string())
}

/// Reads a compiled profile.
///
/// # Errors
/// A clear message when the text is not a compiled profile of this version.
pub fn profile_from_json(text: &str) -> Result<CrmProfile, String> {
    let envelope: Envelope<serde_json::Value> =
        serde_json::from_str(text).map_err(|error| format!("crm profile is not valid JSON: {error}"))?;
    check_format(&envelope.format, envelope.format_version, PROFILE_FORMAT)?;
    let body: ProfileBody = serde_json::from_value(envelope.body)
        .map_err(|error| format!("crm profile does not match compiled format {COMPILED_VERSION}: {error}"))?;
    Ok(body.profile)
}

fn check_format(format: &str, version: u32, expected: &str) -> Result<(), String> {
    if format != expected {
        return Err(format!(
            "expected a {expected} file, found format `{format}` (compile it with `riskpane compile`)"
        ));
    }
    if version != COMPILED_VERSION {
        return Err(format!("{expected} version {version} is not supported; this build reads {COMPILED_VERSION}"));
    }
    Ok(())
}
