//! Static files for the demo and the browser tests (served by the reference server, on 127.0.0.1
//! only). Serves `.wasm` as `application/wasm`; pages under `/csp/` are sent
//! with a strict Content-Security-Policy (`/csp/` is the site itself, under that policy), so the
//! tests can prove the widget runs under one.

use std::path::{Component, Path, PathBuf};
use tiny_http::{Header, Response};

/// The policy sent with `/csp/` pages; the nonce is fixed because the page is static.
pub(crate) const STRICT_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'nonce-riskpane-demo'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

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

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

/// Maps a URL path to a file under `root`, refusing anything that would leave it.
fn resolve(root: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let mut resolved = root.to_path_buf();
    for component in Path::new(path.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => resolved.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if resolved.is_dir() {
        resolved.push("index.html");
    }
    resolved.is_file().then_some(resolved)
}

/// Answers one request for a static file under `root`.
pub(crate) fn respond_static(request: tiny_http::Request, root: &Path, url: &str) {
    // `/csp/…` serves the same files as `/…`, with a strict Content-Security-Policy.
    let path = url.strip_prefix("/csp").filter(|rest| rest.starts_with('/')).unwrap_or(url);
    let response = match resolve(root, path) {
        Some(file) => match std::fs::read(&file) {
            Ok(bytes) => {
                let mut response = Response::from_data(bytes);
                response.add_header(header("Content-Type", content_type(&file)).unwrap_or_else(unreachable_header));
                if let Some(cache) = header("Cache-Control", "no-store") {
                    response.add_header(cache);
                }
                if url.starts_with("/csp/")
                    && let Some(csp) = header("Content-Security-Policy", STRICT_CSP)
                {
                    response.add_header(csp);
                }
                response
            }
            Err(_) => Response::from_string("cannot read file").with_status_code(500),
        },
        None => Response::from_string("not found").with_status_code(404),
    };
    let _ = request.respond(response);
}

fn unreachable_header() -> Header {
    Header::from_bytes(&b"X-Content-Type-Options"[..], &b"nosniff"[..]).expect("static header is valid")
}
