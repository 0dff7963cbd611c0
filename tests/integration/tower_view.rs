//! The session as a tower service, as a tower user drives it.

use sessio::Session;
use sessio_tests::Server;
use tower::{Service, ServiceExt};

/// `Buffer::new(session)` shares one session between tasks; its calls are
/// spawned.
#[tokio::test]
async fn a_buffered_session_is_called_from_spawned_tasks() {
    let server = Server::echo().await;
    let buffer = tower::buffer::Buffer::new(Session::new(), 16);
    let mut tasks = Vec::new();
    for n in 0..4 {
        let mut buffer = buffer.clone();
        let url = server.url(&format!("/n/{n}"));
        tasks.push(tokio::spawn(async move {
            let request = sessio::Request::new(sessio::Method::GET, url);
            let response = buffer.ready().await?.call(request).await?;
            Ok::<_, tower::BoxError>(response.status())
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 200);
    }
}

/// The same for the session as an HTTP service (`http::Request` in,
/// `http::Response` out).
#[tokio::test]
async fn a_buffered_http_session_is_called_from_spawned_tasks() {
    let server = Server::echo().await;
    let buffer: tower::buffer::Buffer<http::Request<sessio::Body>, _> =
        tower::buffer::Buffer::new(Session::new(), 16);
    let mut tasks = Vec::new();
    for n in 0..4 {
        let mut buffer = buffer.clone();
        let url = server.url(&format!("/n/{n}"));
        tasks.push(tokio::spawn(async move {
            let request = http::Request::get(url).body(sessio::Body::empty()).unwrap();
            let response = buffer.ready().await?.call(request).await?;
            Ok::<_, tower::BoxError>(response.status())
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 200);
    }
}

/// `Session::http_service()` is a service of one request type: `ServiceExt`
/// needs no annotations on it.
#[tokio::test]
async fn the_http_service_takes_service_ext_without_annotations() {
    let server = Server::echo().await;
    let request = || {
        http::Request::get(server.url("/get"))
            .body(sessio::Body::empty())
            .unwrap()
    };
    let mut client = Session::new().http_service();
    let response = client.ready().await.unwrap().call(request()).await.unwrap();
    assert_eq!(response.status(), 200);
    let response = client.clone().oneshot(request()).await.unwrap();
    assert_eq!(response.status(), 200);
    let status = client
        .map_response(|response| response.status())
        .map_err(|err| err.to_string())
        .oneshot(request())
        .await;
    assert_eq!(status, Ok(http::StatusCode::OK));
}

/// The HTTP view hands the body on as it arrives, decoded as the
/// `Accept-Encoding` it sent implies.
#[tokio::test]
async fn the_http_view_streams_its_body_decoded() {
    use http_body_util::BodyExt;

    let server = Server::echo().await;
    let client = Session::new().http_service();
    let gzip = http::Request::get(server.url("/gzip"))
        .body(sessio::Body::empty())
        .unwrap();
    let response = client.clone().oneshot(gzip).await.unwrap();
    assert!(response.headers().get("content-encoding").is_none());
    assert!(response.headers().get("content-length").is_none());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["path"], "/gzip");

    // tower-http's response-body timeout outside the session: the head comes
    // back, and the body's first stall past 50 ms ends it (the server waits
    // 400 ms between bytes).
    let timed = tower::ServiceBuilder::new()
        .layer(tower_http::timeout::ResponseBodyTimeoutLayer::new(
            std::time::Duration::from_millis(50),
        ))
        .service(client.clone());
    let drip = http::Request::get(server.url("/drip?n=3&gap_ms=400"))
        .body(sessio::Body::empty())
        .unwrap();
    let response = timed.oneshot(drip).await.unwrap();
    assert_eq!(response.status(), 200, "the head came back before the body");
    let err = response.into_body().collect().await.unwrap_err();
    assert!(
        err.is::<tower_http::timeout::TimeoutError>(),
        "the body timed out outside the session: {err}"
    );

    // tower-http's trace layer sees each chunk as it comes.
    let chunks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = chunks.clone();
    let traced = tower::ServiceBuilder::new()
        .layer(tower_http::trace::TraceLayer::new_for_http().on_body_chunk(
            move |_chunk: &bytes::Bytes, _latency: std::time::Duration, _span: &tracing::Span| {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            },
        ))
        .service(client);
    let drip = http::Request::get(server.url("/drip?n=3&gap_ms=20"))
        .body(sessio::Body::empty())
        .unwrap();
    let response = traced.oneshot(drip).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"xxx");
    assert_eq!(
        chunks.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "one per write"
    );
}

/// tower-http's `FollowRedirectLayer` as a hop layer would follow redirects
/// out of sight of the session (its history, limits and cookie jar): refused
/// at `build()` with an error that says why.
#[test]
fn follow_redirect_layer_is_refused_as_a_hop_layer() {
    let err = Session::builder()
        .layer(tower_http::follow_redirect::FollowRedirectLayer::new())
        .build()
        .unwrap_err();
    assert!(err.is_builder(), "{err:?}");
    assert!(err.to_string().contains("FollowRedirectLayer"), "{err}");
    assert!(err.to_string().contains("max_redirects"), "{err}");
}
