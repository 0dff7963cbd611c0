//! One session, four adapters: a mock for a third-party API, an in-process
//! axum app, a server on a Unix socket, and a differently tuned HTTP pool for
//! one host. Everything runs on this machine; nothing goes to the network.
//!
//!     cargo run --example mount_adapters

use std::time::Duration;

use sessio::{HttpAdapter, Method, MockAdapter, MockResponse, ServiceAdapter, Session};
use sessio_tests::{Server, respond};

#[tokio::main]
async fn main() -> sessio::Result<()> {
    // 1. A third-party API, mocked: canned answers, in turn, and a record.
    let payments = MockAdapter::new();
    payments
        .on(
            Method::POST,
            "https://payments.example/charges",
            MockResponse::new(503),
        )
        .on(
            Method::POST,
            "https://payments.example/charges",
            MockResponse::json(201, r#"{"id": "ch_1"}"#),
        );

    // 2. An in-process axum app: no socket, but it sees a request as a server would.
    let app = axum::Router::new().route(
        "/hello",
        axum::routing::get(|headers: axum::http::HeaderMap| async move {
            format!("hello from axum, Host is {:?}", headers["host"])
        }),
    );

    // 3. A server on a Unix domain socket, and 4. a loopback HTTP server that
    //    gets a pool of its own (two connections at most, short idle time).
    #[cfg(unix)]
    let sidecar = sessio_tests::UnixServer::start(|req| async move {
        respond(
            200,
            &[],
            format!("sidecar saw {} {}", req.method(), req.uri()),
        )
    })
    .await;
    let backend = Server::start(|_| async { respond(200, &[], "backend over TCP") }).await;
    let tuned = HttpAdapter::builder()
        .max_connections_per_host(2)
        .pool_idle_timeout(Duration::from_secs(5))
        .build()?;

    let builder = Session::builder()
        .mount_origin("https://payments.example", payments.clone())
        .mount("http://app.internal", ServiceAdapter::new(app))
        .mount_origin(backend.url("/").trim_end_matches('/'), tuned.clone());
    #[cfg(unix)]
    let builder = builder.mount("http://sidecar/", sessio::UnixAdapter::new(sidecar.path()));
    let session = builder.build()?;

    let first = session
        .post("https://payments.example/charges")
        .send()
        .await?;
    let second = session
        .post("https://payments.example/charges")
        .send()
        .await?;
    println!(
        "payments: {} then {}: {}",
        first.status(),
        second.status(),
        second.text().await?
    );
    println!("payments mock saw {} requests", payments.requests().len());

    println!(
        "{}",
        session
            .get("http://app.internal/hello")
            .send()
            .await?
            .text()
            .await?
    );
    #[cfg(unix)]
    println!(
        "{}",
        session
            .get("http://sidecar/status?verbose=1")
            .send()
            .await?
            .text()
            .await?
    );
    println!(
        "{}",
        session.get(backend.url("/")).send().await?.text().await?
    );
    println!("tuned pool: {:?}", tuned.pool_stats());
    for prefix in session.mounts() {
        println!("mounted: {prefix}");
    }
    Ok(())
}
