//! A small HTTP/1.1 server on `std::net` for the reference CRM. Written here rather than on
//! tiny_http because tiny_http has no deadline for a request's head or body and starts a thread per
//! connection without a bound (four unfinished bodies blocked its four workers; 300 half-open
//! connections made 203 threads). Here every connection has its own thread, but at most
//! [`Limits::max_connections`] at once (the next one gets 503 and is closed), and each read has a
//! deadline: the whole head within `head_timeout`, the whole body within `body_timeout`, the next
//! request on a kept-alive connection within `idle_timeout`. Heads and bodies have size limits;
//! only `Content-Length` bodies are accepted (no chunked uploads: browsers' `fetch` with a string
//! body never sends one). Responses go out in one write (head and body together), so Nagle's
//! algorithm never holds a body back.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Bounds on what one client may hold or send.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Connections served at once; more are answered 503 and closed.
    pub max_connections: usize,
    /// The request line and headers must arrive within this time.
    pub head_timeout: Duration,
    /// The body must arrive within this time after the head.
    pub body_timeout: Duration,
    /// A kept-alive connection is closed after this long without a new request.
    pub idle_timeout: Duration,
    /// A response must be taken by the client within this time.
    pub write_timeout: Duration,
    /// Largest request line plus headers.
    pub max_head: usize,
    /// Largest body.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 128,
            head_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(15),
            write_timeout: Duration::from_secs(30),
            max_head: 16 * 1024,
            max_body: 64 * 1024,
        }
    }
}

/// One request, read completely.
#[derive(Debug)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target as sent (path and query, still percent-encoded).
    pub target: String,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// The body (at most `max_body` bytes).
    pub body: Vec<u8>,
}

impl Request {
    /// The first header of that name (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// The target's path, without the query.
    #[must_use]
    pub fn path(&self) -> &str {
        self.target.split(['?', '#']).next().unwrap_or("/")
    }
}

/// A response.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers besides `Content-Length` and `Connection`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON response that is never cached.
    #[must_use]
    pub fn json(status: u16, body: &serde_json::Value) -> Response {
        Response {
            status,
            headers: vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("Cache-Control".to_owned(), "no-store".to_owned()),
            ],
            body: body.to_string().into_bytes(),
        }
    }
}

/// What to do with a request's answer (the fault injection drops or delays some).
#[derive(Debug)]
pub enum Reply {
    /// Answer.
    Send(Response),
    /// Close the connection without an answer.
    Drop,
    /// Answer after a pause.
    Delay(Duration, Response),
}

/// The application: answers one complete request.
pub type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// Accepts connections on `listener` forever and answers them with `handler`.
pub fn serve(listener: &TcpListener, limits: &Limits, handler: &Arc<Handler>) {
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else {
            // Out of file descriptors or a connection reset while queued: pause instead of spinning.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        if open.fetch_add(1, Ordering::SeqCst) >= limits.max_connections {
            open.fetch_sub(1, Ordering::SeqCst);
            // A small answer fits the socket's send buffer: this write never waits for the client.
            let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
            let _ = stream.write_all(&encode(&busy(), false));
            continue;
        }
        let held = Arc::clone(&open);
        let limits = limits.clone();
        let handler = Arc::clone(handler);
        let spawned = std::thread::Builder::new().name("reference-crm-connection".to_owned()).spawn(move || {
            serve_connection(stream, &limits, handler.as_ref());
            held.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            open.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

fn busy() -> Response {
    Response::json(503, &serde_json::json!({ "error": "too many connections, try again" }))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// The response's bytes: head and body in one buffer.
fn encode(response: &Response, keep_alive: bool) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Length: {}\r\n",
        response.status,
        reason(response.status),
        response.body.len()
    );
    for (name, value) in &response.headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str(if keep_alive { "Connection: keep-alive\r\n\r\n" } else { "Connection: close\r\n\r\n" });
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&response.body);
    bytes
}

/// Why reading a request stopped.
enum ReadFailure {
    /// The client closed the connection (or went quiet between requests): close without a word.
    Closed,
    /// A problem worth answering, then closing.
    Answer(u16, &'static str),
}

/// Reads until `buffer` holds `wanted` bytes or the deadline passes.
fn fill(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    deadline: Instant,
    until: impl Fn(&[u8]) -> bool,
    cap: usize,
) -> Result<(), bool> {
    let mut chunk = [0u8; 8192];
    while !until(buffer) {
        if buffer.len() > cap {
            return Err(false);
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(true);
        }
        if stream.set_read_timeout(Some(remaining)).is_err() {
            return Err(true);
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err(true),
            Ok(count) => buffer.extend_from_slice(&chunk[..count]),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Err(true),
        }
    }
    Ok(())
}

fn head_end(buffer: &[u8]) -> Option<usize> {
    buffer.windows(4).position(|window| window == b"\r\n\r\n")
}

/// Reads one request; `pending` carries bytes a client sent ahead (pipelining) between calls.
fn read_request(
    stream: &mut TcpStream,
    pending: &mut Vec<u8>,
    limits: &Limits,
    first: bool,
) -> Result<Request, ReadFailure> {
    // The first byte of a kept-alive connection's next request may take `idle_timeout`; from then
    // on the head has `head_timeout`.
    if pending.is_empty() {
        let wait = if first { limits.head_timeout } else { limits.idle_timeout };
        fill(stream, pending, Instant::now() + wait, |buffer| !buffer.is_empty(), usize::MAX)
            .map_err(|_| ReadFailure::Closed)?;
    }
    let head_deadline = Instant::now() + limits.head_timeout;
    match fill(stream, pending, head_deadline, |buffer| head_end(buffer).is_some(), limits.max_head) {
        Ok(()) => {}
        Err(true) => return Err(ReadFailure::Answer(408, "the request head did not arrive in time")),
        Err(false) => return Err(ReadFailure::Answer(431, "request head too large")),
    }
    let end = head_end(pending).unwrap_or(0);
    if end > limits.max_head {
        return Err(ReadFailure::Answer(431, "request head too large"));
    }
    let head = String::from_utf8_lossy(&pending[..end]).into_owned();
    pending.drain(..end + 4);
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version)) = (request_line.next(), request_line.next(), request_line.next())
    else {
        return Err(ReadFailure::Answer(400, "malformed request line"));
    };
    if !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return Err(ReadFailure::Answer(400, "malformed request line"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadFailure::Answer(400, "malformed header"));
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let mut request = Request { method: method.to_owned(), target: target.to_owned(), headers, body: Vec::new() };
    if version == "HTTP/1.0"
        && !request.header("connection").is_some_and(|value| value.eq_ignore_ascii_case("keep-alive"))
    {
        request.headers.push(("connection".to_owned(), "close".to_owned()));
    }
    if request.header("transfer-encoding").is_some() {
        return Err(ReadFailure::Answer(411, "send the body with a Content-Length"));
    }
    let length = match request.header("content-length") {
        None => 0,
        Some(text) => text.parse::<usize>().map_err(|_| ReadFailure::Answer(400, "invalid Content-Length"))?,
    };
    if length > limits.max_body {
        return Err(ReadFailure::Answer(413, "body larger than the limit"));
    }
    let body_deadline = Instant::now() + limits.body_timeout;
    fill(stream, pending, body_deadline, |buffer| buffer.len() >= length, usize::MAX)
        .map_err(|_| ReadFailure::Answer(408, "the request body did not arrive in time"))?;
    request.body = pending.drain(..length).collect();
    Ok(request)
}

fn serve_connection(mut stream: TcpStream, limits: &Limits, handler: &Handler) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(limits.write_timeout));
    let mut pending = Vec::new();
    let mut first = true;
    loop {
        let request = match read_request(&mut stream, &mut pending, limits, first) {
            Ok(request) => request,
            Err(ReadFailure::Closed) => return,
            Err(ReadFailure::Answer(status, message)) => {
                let message = if status == 413 {
                    format!("body larger than {} bytes", limits.max_body)
                } else {
                    message.to_owned()
                };
                let _ =
                    stream.write_all(&encode(&Response::json(status, &serde_json::json!({ "error": message })), false));
                linger(&mut stream);
                return;
            }
        };
        first = false;
        let keep_alive = !request.header("connection").is_some_and(|value| value.eq_ignore_ascii_case("close"));
        let response = match handler(&request) {
            Reply::Send(response) => response,
            Reply::Drop => return,
            Reply::Delay(pause, response) => {
                std::thread::sleep(pause);
                response
            }
        };
        if stream.write_all(&encode(&response, keep_alive)).is_err() || !keep_alive {
            return;
        }
    }
}

/// Closes after an early answer without resetting the connection: closing a socket with unread
/// input (the rest of an oversized body) sends a reset, which can destroy the answer before the
/// client reads it. So the write side is shut first and the input drained, bounded in time and size.
fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut drained = 0usize;
    let mut chunk = [0u8; 8192];
    while drained < 1024 * 1024 {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() || stream.set_read_timeout(Some(remaining)).is_err() {
            return;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(count) => drained += count,
        }
    }
}

/// Percent-decodes one path segment; `None` when the escapes or the UTF-8 are invalid.
#[must_use]
pub fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex =
                segment.get(index + 1..index + 3).filter(|hex| hex.bytes().all(|byte| byte.is_ascii_hexdigit()))?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn path_segments_are_percent_decoded_strictly() {
        assert_eq!(percent_decode("C-2026-4711").as_deref(), Some("C-2026-4711"));
        assert_eq!(percent_decode("K%C3%A4se%20%2F%201").as_deref(), Some("Käse / 1"));
        for bad in ["%zz", "%2", "%+1", "%C3", "50%"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
        }
    }
}
