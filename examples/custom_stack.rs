//! Compose sessio with tower: a tower-http layer on every hop, an in-process
//! service mounted for one URL prefix, and the session itself used as a tower
//! `Service`.
//!
//! Run it with `cargo run --example custom_stack`.

use std::convert::Infallible;

use http::{HeaderName, HeaderValue};
use sessio::{Body, Method, Request, ResponseBody, Session};
use tower::{Service, ServiceExt, service_fn};
use tower_http::set_header::SetRequestHeaderLayer;

#[tokio::main]
async fn main() -> sessio::Result<()> {
    let server = sessio_tests::Server::echo().await;

    // An in-process "backend" mounted for one prefix: no sockets involved.
    let in_process = service_fn(|req: http::Request<Body>| async move {
        let text = format!("in-process answer for {}", req.uri().path());
        Ok::<_, Infallible>(http::Response::new(ResponseBody::from(text)))
    });

    let mut session = Session::builder()
        .layer(SetRequestHeaderLayer::overriding(
            HeaderName::from_static("x-signed"),
            HeaderValue::from_static("by-a-tower-layer"),
        ))
        .mount("http://internal.test/", in_process)
        .build()?;

    let text = session
        .get("http://internal.test/status")
        .send()
        .await?
        .text()
        .await?;
    println!("{text}");

    let seen: serde_json::Value = session
        .get(server.url("/real"))
        .send()
        .await?
        .json()
        .await?;
    println!(
        "the loopback server saw x-signed: {}",
        seen["headers"]["x-signed"]
    );

    // The session is a tower::Service<Request>.
    let request = Request::new(Method::GET, server.url("/as-service"));
    let response = ServiceExt::<Request>::ready(&mut session)
        .await?
        .call(request)
        .await?;
    println!("as a tower service: {}", response.status());
    Ok(())
}
