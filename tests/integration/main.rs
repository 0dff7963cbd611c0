//! Integration tests of sessio against real hyper servers on 127.0.0.1.
//! One module per area.

mod adapters;
mod bad_input;
mod cache;
mod connection;
mod cookies;
mod differences;
mod digest;
mod faults;
mod hooks;
mod http2;
mod layers_over_hyper;
mod middleware;
mod mounts;
mod multipart;
mod pool;
mod prepare;
mod progress;
mod proxies;
mod redirects;
mod resolve;
mod response;
mod retry;
mod secrets;
mod security;
mod session;
mod timeouts;
mod tls;
mod tower_view;
mod transport;
#[cfg(unix)]
mod unix;

use serde_json::Value;

/// Sends `builder` and returns what the echo server saw.
pub(crate) async fn seen(builder: sessio::RequestBuilder) -> Value {
    let response = builder.send().await.expect("request succeeds");
    assert!(response.ok(), "status {}", response.status());
    response.json().await.expect("echo JSON")
}

/// Waits (bounded: 5 s) until `done` holds.
pub(crate) async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("timed out waiting until {what}");
}
