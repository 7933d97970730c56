//! Static files for the demo and the browser tests, on 127.0.0.1 only. Serves `.wasm` as
//! `application/wasm`; pages under `/csp/` are the same site sent with a strict
//! Content-Security-Policy, so the tests can prove the widget runs under one.

use crate::http::{Response, percent_decode};
use std::path::{Component, Path, PathBuf};

/// The policy sent with `/csp/` pages; the nonce is fixed because the page is static.
pub const STRICT_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'nonce-riskpane-demo'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|ext| ext.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Maps a URL path to a file under `root`, refusing anything that would leave it.
fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let mut resolved = root.to_path_buf();
    for segment in path.split('/').filter(|segment| !segment.is_empty()) {
        let segment = percent_decode(segment)?;
        let mut components = Path::new(&segment).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(part)), None) => resolved.push(part),
            (Some(Component::CurDir), None) => {}
            _ => return None,
        }
    }
    if resolved.is_dir() {
        resolved.push("index.html");
    }
    resolved.is_file().then_some(resolved)
}

/// The response for a static file under `root` (`path` without the query).
#[must_use]
pub fn respond(root: &Path, path: &str) -> Response {
    // `/csp/…` serves the same files as `/…`, with a strict Content-Security-Policy.
    let under_csp = path.starts_with("/csp/");
    let file_path = path.strip_prefix("/csp").filter(|rest| rest.starts_with('/')).unwrap_or(path);
    let text = |status: u16, body: &str| Response {
        status,
        headers: vec![("Content-Type".to_owned(), "text/plain; charset=utf-8".to_owned())],
        body: body.as_bytes().to_vec(),
    };
    let Some(file) = resolve(root, file_path) else { return text(404, "not found") };
    match std::fs::read(&file) {
        Ok(bytes) => {
            let mut headers = vec![
                ("Content-Type".to_owned(), content_type(&file).to_owned()),
                ("Cache-Control".to_owned(), "no-store".to_owned()),
            ];
            if under_csp {
                headers.push(("Content-Security-Policy".to_owned(), STRICT_CSP.to_owned()));
            }
            Response { status: 200, headers, body: bytes }
        }
        Err(_) => text(500, "cannot read file"),
    }
}
