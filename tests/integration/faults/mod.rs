//! The fault catalogue of RELIABILITY.md §3, one test per row (the row number
//! in a comment above each), against loopback servers that misbehave on
//! purpose: mostly the scripted raw-TCP [`FaultServer`](sessio_tests::FaultServer).
//!
//! What every row asserts, besides its own expectation: a typed error (a kind,
//! not a string), no panic, no hang (each exchange runs under an outer
//! `tokio::time::timeout` several times the configured timeouts), the broken
//! connection is not reused (the server counts the connections it accepted),
//! and a POST is never sent twice (the server counts each request).
//!
//! Rows covered elsewhere: 7, 8, 9 also in `timeouts`, 11 and 32 in
//! `transport` and `timeouts`, 21 in `retry`, 22 in `pool`, 27 in `response`
//! and the `memory` test, 28 and 29 in `redirects`, 31 in `hooks`, 23 (DNS,
//! with resolvers of the test's own) in `resolve`. Row 33 (proxies) waits for
//! proxy support.
//!
//! Two rows pin less than the catalogue asks, each explained at its test:
//! row 24, where an early answer followed by an RST can lose the race with a
//! failing write inside hyper, and row 25, where hyper keeps a connection
//! alive after a response with both `Content-Length` and chunked framing.

mod cancel;
mod connection;
mod framing;
mod misc;
mod timing;
mod upload;

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;

/// Runs `exchange`, failing the test if it takes longer than `secs` seconds:
/// a hang fails instead of blocking the test run.
pub(crate) async fn within<T>(secs: u64, exchange: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), exchange)
        .await
        .unwrap_or_else(|_| panic!("no answer within {secs} s: a hang"))
}

/// A keep-alive `200` response with `body` and its `Content-Length`.
pub(crate) fn ok(body: &str) -> Bytes {
    Bytes::from(format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))
}
