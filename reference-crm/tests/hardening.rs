//! The reference CRM under slow and greedy clients, over real HTTP on 127.0.0.1: connections that
//! send their headers byte by byte or never finish their body do not block an honest request;
//! the number of connections (and so of threads) is bounded; a head that never ends is answered
//! 408 at its deadline; an oversized head 431. Every attack here is bounded in count and time.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod running;

use running::{Running, database};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Connections served at once (reference_crm::http::Limits::default).
const MAX_CONNECTIONS: usize = 128;

#[test]
fn slow_headers_and_unfinished_bodies_do_not_block_an_honest_request() {
    let server = Running::start(&database("slowloris"));
    let stop = Arc::new(AtomicBool::new(false));
    let mut attackers = Vec::new();
    // 40 clients sending a head one byte every 100 ms (a 4-second head, under the 10 s deadline).
    for _ in 0..40 {
        let (address, stop) = (server.address.clone(), Arc::clone(&stop));
        attackers.push(std::thread::spawn(move || {
            let mut stream = TcpStream::connect(address).unwrap();
            for byte in b"GET /api/me HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaa" {
                if stop.load(Ordering::SeqCst) || stream.write_all(&[*byte]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }));
    }
    // 40 clients announcing a 1000-byte body and sending 10 bytes of it.
    let mut unfinished = Vec::new();
    for _ in 0..40 {
        let mut stream = TcpStream::connect(&server.address).unwrap();
        stream
            .write_all(b"POST /api/cases/C-2026-4711/decisions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer demo-agent-kim\r\nContent-Length: 1000\r\n\r\n{\"id\":\"12")
            .unwrap();
        unfinished.push(stream);
    }
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let (status, me) = server.call("GET", "/api/me", Some("demo-expert-eva"), None, b"");
    assert_eq!((status, me["id"].as_str()), (200, Some("eva")));
    assert!(started.elapsed() < Duration::from_secs(2), "the honest request waited {:?}", started.elapsed());
    stop.store(true, Ordering::SeqCst);
    for attacker in attackers {
        attacker.join().unwrap();
    }
    drop(unfinished);
    server.stop();
}

#[test]
fn connections_and_threads_are_bounded() {
    let server = Running::start(&database("bounded"));
    let idle_threads = server.threads();
    // 300 half-open connections that never send a byte.
    let mut held: Vec<TcpStream> = (0..300).map(|_| TcpStream::connect(&server.address).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(500));
    let threads = server.threads();
    assert!(threads <= idle_threads + MAX_CONNECTIONS, "{threads} threads for 300 connections (idle: {idle_threads})");
    // The ones past the bound were answered 503 and closed at once.
    let mut refused = 0;
    for stream in &mut held {
        stream.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let mut answer = Vec::new();
        if stream.read_to_end(&mut answer).is_ok() && answer.starts_with(b"HTTP/1.1 503") {
            refused += 1;
        }
    }
    assert!(refused >= 300 - MAX_CONNECTIONS, "{refused} of 300 connections were turned away");
    // Once they go, the server answers again.
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.call("GET", "/api/me", Some("demo-agent-kim"), None, b"").0, 200);
    server.stop();
}

#[test]
fn a_head_that_never_ends_gets_408_and_an_oversized_head_431() {
    let server = Running::start(&database("deadlines"));
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream.write_all(b"GET /api/me HTTP/1.1\r\nHost: x\r\n").unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 408"), "{}", String::from_utf8_lossy(&answer));
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(9) && waited < Duration::from_secs(15), "answered after {waited:?}");
    let mut stream = TcpStream::connect(&server.address).unwrap();
    let huge = format!("GET /api/me HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(20 * 1024));
    stream.write_all(huge.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 431"), "{}", String::from_utf8_lossy(&answer));
    server.stop();
}
