//! sessio's `tracing` spans printed by `tracing-subscriber`: one `sessio.request`
//! per send and one `sessio.hop` per request put on the wire, with
//! OpenTelemetry's HTTP client fields (`http.request.method`, `url.full` with
//! query values redacted, `server.address`, `http.response.status_code`,
//! `http.request.resend_count`...).
//!
//! Run it with `cargo run --example tracing` (the examples turn on sessio's
//! `tracing` feature; in your project: `sessio = { path = "…", features =
//! ["tracing"] }` (a checkout: not on crates.io yet) and `tracing-subscriber = "0.3"`).

use tracing_subscriber::fmt::format::FmtSpan;

#[tokio::main]
async fn main() -> sessio::Result<()> {
    tracing_subscriber::fmt()
        .with_span_events(FmtSpan::CLOSE)
        .with_target(false)
        .init();
    let server = sessio_tests::Server::echo().await;
    let s = sessio::Session::new();
    // A login redirect: a request span with two hop spans inside.
    s.get(server.url("/cookies/set?sid=1")).send().await?;
    // A plain request, and one that fails (nothing listens on port 9).
    s.get(server.url("/items")).send().await?;
    let _ = s.get("http://127.0.0.1:9/").send().await;
    Ok(())
}
