//! User tower layers on every hop: they see the final headers, in order.

use std::sync::{Arc, Mutex};

use http::{HeaderName, HeaderValue};
use sessio::{Auth, HopService, Session};
use sessio_tests::Server;
use tower::ServiceBuilder;
use tower_http::set_header::SetRequestHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::seen;

#[tokio::test]
async fn tower_http_set_request_header_layer_runs_on_every_request() {
    let server = Server::echo().await;
    let s = Session::builder()
        .layer(SetRequestHeaderLayer::overriding(
            HeaderName::from_static("x-signed"),
            HeaderValue::from_static("yes"),
        ))
        .build()
        .unwrap();
    for _ in 0..2 {
        let v = seen(s.get(server.url("/"))).await;
        assert_eq!(v["headers"]["x-signed"], "yes");
    }
}

#[tokio::test]
async fn tower_http_trace_layer_wraps_the_session() {
    let server = Server::echo().await;
    let s = Session::builder()
        .layer(TraceLayer::new_for_http())
        .build()
        .unwrap();
    let v = seen(s.get(server.url("/traced"))).await;
    assert_eq!(v["path"], "/traced");
    let r = s.get(server.url("/gzip")).send().await.unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        v["path"], "/gzip",
        "bodies pass through the layer and decode"
    );
}

#[tokio::test]
async fn a_layer_sees_the_final_headers_and_layers_nest_in_order() {
    let server = Server::echo().await;
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let recorder = |tag: &'static str, log: Arc<Mutex<Vec<String>>>| {
        tower::layer::layer_fn(move |inner: HopService| {
            let log = log.clone();
            ServiceBuilder::new()
                .map_request(move |req: http::Request<sessio::Body>| {
                    let auth = req
                        .headers()
                        .get("authorization")
                        .map(|v| v.to_str().unwrap().to_owned())
                        .unwrap_or_default();
                    log.lock().unwrap().push(format!("{tag} {auth}"));
                    req
                })
                .service(inner)
        })
    };
    let s = Session::builder()
        .auth(Auth::bearer("final"))
        .layer(recorder("outer", log.clone()))
        .layer(recorder("inner", log.clone()))
        .build()
        .unwrap();
    seen(s.get(server.url("/"))).await;
    assert_eq!(
        *log.lock().unwrap(),
        ["outer Bearer final", "inner Bearer final"]
    );
}
