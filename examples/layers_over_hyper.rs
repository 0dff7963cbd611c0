//! sessio's layers without a `Session`: redirects (with their history), a cookie
//! jar, default headers, auth and a timeout stacked with `tower::ServiceBuilder`
//! over hyper-util's own pooled `Client`. Only `sessio-layers` is used (its
//! modules re-export the few sessio-core types their layers take: `Auth`,
//! `Timeouts`): the requests are `http::Request<Full<Bytes>>`, the responses
//! hyper's, and the errors tower's `BoxError`.
//!
//! Run it with `cargo run --example layers_over_hyper`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sessio_layers::BoxError;
use sessio_layers::auth::{AddAuthLayer, Auth};
use sessio_layers::cookies::{CookiesLayer, Jar};
use sessio_layers::default_headers::DefaultHeadersLayer;
use sessio_layers::redirect::{RedirectHistory, RedirectLayer, TooManyRedirects};
use sessio_layers::timeout::{TimeoutLayer, Timeouts};
use tower::{ServiceBuilder, ServiceExt};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let server = sessio_tests::Server::echo().await;

    let hyper_client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let jar = Arc::new(Jar::new());
    let mut defaults = HeaderMap::new();
    defaults.insert(
        "user-agent",
        HeaderValue::from_static("layers-over-hyper/1"),
    );
    let timeouts = Timeouts::new()
        .read(Duration::from_secs(5))
        .total(Duration::from_secs(10));
    // Outermost first: headers and auth once per request, then every redirect hop
    // goes through the cookie jar and the timeout down to hyper-util.
    let client = ServiceBuilder::new()
        .layer(DefaultHeadersLayer::new(defaults))
        .layer(AddAuthLayer::new(Auth::bearer("secret-token")))
        .layer(RedirectLayer::new().max_redirects(5))
        .layer(CookiesLayer::new(jar.clone()))
        .layer(TimeoutLayer::new(timeouts))
        .service(hyper_client);

    // The server answers with a 302 that sets a cookie; the redirect is followed
    // and the cookie goes with the next hop.
    let request = Request::get(server.url("/cookies/set?session=42")).body(Full::default())?;
    let response = client.clone().oneshot(request).await?;
    let history = response
        .extensions()
        .get::<RedirectHistory>()
        .expect("a redirect was followed")
        .clone();
    for hop in &history.followed {
        println!(
            "{} {} -> {}",
            hop.request.method,
            hop.request.url,
            hop.response.status()
        );
    }
    println!(
        "{} {} -> {}",
        history.request.method,
        history.request.url,
        response.status()
    );
    let body = response.into_body().collect().await?.to_bytes();
    let seen: serde_json::Value = serde_json::from_slice(&body)?;
    println!("the server saw:");
    for name in ["user-agent", "authorization", "cookie"] {
        println!("  {name}: {}", seen["headers"][name]);
    }
    println!(
        "the jar holds session={}",
        jar.get("session").unwrap().unwrap_or_default()
    );

    // A redirect loop ends with the layer's own error, carrying the history.
    let looping = Request::get(server.url("/loop")).body(Full::default())?;
    let err = client.oneshot(looping).await.unwrap_err();
    let too_many = err
        .downcast::<TooManyRedirects>()
        .expect("too many redirects");
    println!(
        "{too_many} ({} redirects recorded)",
        too_many.history().len()
    );
    Ok(())
}
