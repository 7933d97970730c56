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

/// A compiled pack file. (No `#[serde(flatten)]`: it would buffer the whole pack and cost KBs of wasm.)
#[derive(Serialize, Deserialize)]
struct PackFile {
    format: String,
    format_version: u32,
    pack: RulePack,
}

/// A compiled profile file.
#[derive(Serialize, Deserialize)]
struct ProfileFile {
    format: String,
    format_version: u32,
    profile: CrmProfile,
}

/// The compiled JSON of a pack.
///
/// # Errors
/// Only if serialization fails, which a valid pack never does.
pub fn pack_to_json(pack: &RulePack) -> Result<String, String> {
    let file = PackFile { format: PACK_FORMAT.to_owned(), format_version: COMPILED_VERSION, pack: pack.clone() };
    serde_json::to_string(&file).map_err(|error| error.to_string())
}

/// Reads a compiled pack.
///
/// # Errors
/// A clear message when the text is not a compiled pack of this version.
pub fn pack_from_json(text: &str) -> Result<RulePack, String> {
    let header: Header = serde_json::from_str(text).map_err(|error| format!("rule pack is not valid JSON: {error}"))?;
    check_format(&header.format, header.format_version, PACK_FORMAT)?;
    let file: PackFile = serde_json::from_str(text)
        .map_err(|error| format!("rule pack does not match compiled format {COMPILED_VERSION}: {error}"))?;
    Ok(file.pack)
}

/// Just the format marker, read first so a wrong file gets a clear message.
#[derive(Deserialize)]
struct Header {
    format: String,
    format_version: u32,
}

/// The compiled JSON of a profile.
///
/// # Errors
/// Only if serialization fails.
pub fn profile_to_json(profile: &CrmProfile) -> Result<String, String> {
    let file =
        ProfileFile { format: PROFILE_FORMAT.to_owned(), format_version: COMPILED_VERSION, profile: profile.clone() };
    serde_json::to_string(&file).map_err(|error| error.to_string())
}

/// Reads a compiled profile.
///
/// # Errors
/// A clear message when the text is not a compiled profile of this version.
pub fn profile_from_json(text: &str) -> Result<CrmProfile, String> {
    let header: Header =
        serde_json::from_str(text).map_err(|error| format!("crm profile is not valid JSON: {error}"))?;
    check_format(&header.format, header.format_version, PROFILE_FORMAT)?;
    let file: ProfileFile = serde_json::from_str(text)
        .map_err(|error| format!("crm profile does not match compiled format {COMPILED_VERSION}: {error}"))?;
    Ok(file.profile)
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
