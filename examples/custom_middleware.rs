//! Middleware of your own in a Session: a layer that signs every request as
//! it goes out (each redirect hop included), tower-http's `TraceLayer` per
//! hop, and a timeout around the whole exchange.
//!
//!     cargo run --example custom_middleware

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use sessio::{Body, HopService, Session, http};
use sessio_tests::{Server, respond};
use tower::ServiceBuilder;
use tower_http::trace::TraceLayer;

/// Signs a request: a digest of the method, the path and a shared secret in
/// `x-signature` (a stand-in for an HMAC scheme).
fn sign(mut request: http::Request<Body>) -> http::Request<Body> {
    let mut digest = DefaultHasher::new();
    (request.method().as_str(), request.uri().path(), "secret").hash(&mut digest);
    let value = format!("{:016x}", digest.finish());
    let value = http::HeaderValue::from_str(&value).expect("hex is a valid header value");
    request.headers_mut().insert("x-signature", value);
    request
}

#[tokio::main]
async fn main() -> sessio::Result<()> {
    let server = Server::start(|req| async move {
        let signature = req
            .headers()
            .get("x-signature")
            .map_or("none", |v| v.to_str().unwrap_or("?"))
            .to_owned();
        match req.uri().path() {
            "/old" => respond(301, &[("location", "/new")], ""),
            path => respond(200, &[], format!("{path} signed {signature}")),
        }
    })
    .await;

    let signing = tower::layer::layer_fn(|inner: HopService| {
        ServiceBuilder::new().map_request(sign).service(inner)
    });
    let session = Session::builder()
        .layer(signing)
        .layer(TraceLayer::new_for_http())
        .exchange_layer(tower::timeout::TimeoutLayer::new(Duration::from_secs(10)))
        .build()?;

    let response = session.get(server.url("/old")).send().await?;
    println!("followed {} redirect(s)", response.history().len());
    println!("{}", response.text().await?);
    Ok(())
}
