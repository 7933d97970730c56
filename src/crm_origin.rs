//! Which CRM API the widget may send decisions and tokens to: by default only one on the page's own
//! origin, so a profile (or a tampered profile URL) cannot send the agent's bearer token and the
//! case's decisions elsewhere. An embedding page that really uses a CRM API on another origin says
//! so with the mount option `allowCrossOriginApi: true`. Pure: the host resolves the profile's
//! `api.base` against the page's URL (the browser's URL parser) and passes both origins in.

/// Whether the widget may call an API at `api_origin` from a page at `page_origin` (both as the
/// browser serialises origins: `https://crm.example:8443`, or `null` for an opaque origin).
///
/// # Errors
/// The lowercase reason, for the console, when the API is on another origin and the embedding
/// did not opt in.
pub fn check_api_origin(api_origin: &str, page_origin: &str, allow_cross_origin: bool) -> Result<(), String> {
    // Opaque origins (`null`: file:, data:, sandboxed frames) are never the same as anything.
    let same = api_origin != "null" && api_origin.eq_ignore_ascii_case(page_origin);
    if same || allow_cross_origin {
        Ok(())
    } else {
        Err(format!(
            "the crm api at {api_origin} is not on the page's origin ({page_origin}): decisions are not sent there unless the embedding sets allowCrossOriginApi: true"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::check_api_origin;

    #[test]
    fn only_the_page_origin_unless_the_embedding_opts_in() {
        let page = "http://127.0.0.1:8080";
        assert_eq!(check_api_origin("http://127.0.0.1:8080", page, false), Ok(()));
        assert_eq!(check_api_origin("HTTP://127.0.0.1:8080", page, false), Ok(()), "origins compare without case");
        for other in
            ["http://localhost:8080", "https://127.0.0.1:8080", "http://127.0.0.1:8081", "https://evil.example"]
        {
            let refused = check_api_origin(other, page, false).unwrap_err();
            assert!(refused.contains(other) && refused.contains("allowCrossOriginApi"), "{refused}");
            assert_eq!(check_api_origin(other, page, true), Ok(()), "{other} with the opt-in");
        }
        assert!(check_api_origin("null", "null", false).is_err(), "opaque origins are never the same");
    }
}
