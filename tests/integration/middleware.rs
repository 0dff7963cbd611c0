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

/// The timeouts of a user's own middleware are timeouts: tower's `TimeoutLayer`
/// around the adapters, and a tokio timeout inside a mounted service.
#[tokio::test]
async fn timeouts_of_user_layers_and_adapters_are_timeouts() {
    use std::time::Duration;

    let slow = tower::service_fn(|_req: http::Request<sessio::Body>| async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        Ok::<_, std::convert::Infallible>(http::Response::new(sessio::ResponseBody::from("late")))
    });
    let s = sessio::Session::builder()
        .mount("http://slow.test/", slow)
        .layer(tower::timeout::TimeoutLayer::new(Duration::from_millis(50)))
        .build()
        .unwrap();
    let err = s.get("http://slow.test/").send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.kind(), sessio::ErrorKind::Timeout);

    let self_limited = tower::service_fn(|_req: http::Request<sessio::Body>| async {
        let late = tokio::time::sleep(Duration::from_secs(5));
        tokio::time::timeout(Duration::from_millis(50), late).await?;
        Ok::<_, tokio::time::error::Elapsed>(http::Response::new(sessio::ResponseBody::empty()))
    });
    let s = sessio::Session::builder()
        .mount("http://limited.test/", self_limited)
        .build()
        .unwrap();
    let err = s.get("http://limited.test/").send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}
