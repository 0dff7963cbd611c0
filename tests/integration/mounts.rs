//! Adapters mounted per URL prefix: longest prefix wins, case-insensitive,
//! any tower service can be an adapter, and no match is a typed error.

use std::convert::Infallible;

use sessio::{Body, ErrorKind, HttpAdapter, ResponseBody, Session};
use sessio_tests::Server;
use tower::service_fn;

fn named(
    name: &'static str,
) -> impl tower::Service<
    http::Request<Body>,
    Response = http::Response<ResponseBody>,
    Error = Infallible,
    Future = impl Send,
> + Clone
+ Send
+ Sync
+ 'static {
    service_fn(move |req: http::Request<Body>| async move {
        let text = format!("{name} {}", req.uri());
        Ok::<_, Infallible>(http::Response::new(ResponseBody::from(text)))
    })
}

#[tokio::test]
async fn the_longest_matching_prefix_serves_the_request() {
    let s = Session::builder()
        .mount("http://mock.test/", named("short"))
        .mount("http://mock.test/api/", named("long"))
        .build()
        .unwrap();
    let text = |url: &'static str| {
        let s = s.clone();
        async move { s.get(url).send().await.unwrap().text().await.unwrap() }
    };
    assert_eq!(
        text("http://mock.test/api/v1").await,
        "long http://mock.test/api/v1"
    );
    assert_eq!(
        text("http://mock.test/other").await,
        "short http://mock.test/other"
    );
    assert_eq!(
        text("HTTP://MOCK.TEST/API/x").await,
        "long http://mock.test/API/x"
    );
    assert_eq!(
        s.mounts(),
        [
            "http://mock.test/api/",
            "http://mock.test/",
            "https://",
            "http://"
        ]
    );
}

#[tokio::test]
async fn a_mounted_service_gets_the_merged_request() {
    let s = Session::builder()
        .header("x-session", "1")
        .mount(
            "mock://",
            service_fn(|req: http::Request<Body>| async move {
                let header = req.headers()["x-session"].to_str().unwrap().to_owned();
                Ok::<_, Infallible>(http::Response::new(ResponseBody::from(header)))
            }),
        )
        .build()
        .unwrap();
    let r = s.get("mock://anything/path").send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "1");
}

#[tokio::test]
async fn no_adapter_is_a_typed_error_before_sending() {
    let s = Session::new();
    let err = s.get("unix:///var/run/x.sock").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoAdapter);
    let err = s.get_adapter("gopher://x/").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoAdapter);
    assert!(s.get_adapter("HTTPS://example.com/").is_ok());
}

#[tokio::test]
async fn a_differently_tuned_pool_for_one_host() {
    let pooled = Server::echo().await;
    let unpooled = Server::echo().await;
    let s = Session::builder()
        .mount(
            unpooled.url("/"),
            HttpAdapter::builder().unpooled().build().unwrap(),
        )
        .build()
        .unwrap();
    for _ in 0..3 {
        s.get(pooled.url("/")).send().await.unwrap();
        s.get(unpooled.url("/")).send().await.unwrap();
    }
    assert_eq!(pooled.connections(), 1);
    assert_eq!(unpooled.connections(), 3);
    let adapter = s.get_adapter(&unpooled.url("/x")).unwrap();
    assert!(adapter.name().contains("HttpAdapter"));
}

#[tokio::test]
async fn mounting_on_a_live_session_applies_to_every_clone() {
    let s = Session::new();
    let clone = s.clone();
    s.mount("http://late.test/", named("late"));
    let r = clone.get("http://late.test/x").send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "late http://late.test/x");
}

#[tokio::test]
async fn adapter_errors_are_typed_and_carry_the_url() {
    let s = Session::builder()
        .mount(
            "fail://",
            service_fn(|_req: http::Request<Body>| async {
                Err::<http::Response<ResponseBody>, _>(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "backend slow",
                ))
            }),
        )
        .build()
        .unwrap();
    let err = s.get("fail://x/y").send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.url().unwrap().as_str(), "fail://x/y");
}

/// A real axum `Router` (whose body is `Send` but not `Sync`) mounted in
/// process: redirects, cookies, auth and hooks apply as over the network.
#[tokio::test]
async fn an_axum_router_is_mounted_in_process() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::http::HeaderMap;
    use axum::response::Redirect;
    use axum::routing::get;

    let app = Router::new()
        .route(
            "/login",
            get(|| async { ([("set-cookie", "sid=7; Path=/")], Redirect::to("/me")) }),
        )
        .route(
            "/me",
            get(|headers: HeaderMap| async move {
                let cookie = headers
                    .get("cookie")
                    .map(|v| v.to_str().unwrap().to_owned());
                let auth = headers
                    .get("authorization")
                    .map(|v| v.to_str().unwrap().to_owned());
                format!(
                    "cookie={} auth={}",
                    cookie.unwrap_or_default(),
                    auth.unwrap_or_default()
                )
            }),
        );
    let responses = Arc::new(AtomicUsize::new(0));
    let counted = responses.clone();
    let s = Session::builder()
        .auth(sessio::Auth::bearer("t"))
        .hook(sessio::Hook::response(move |response| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move { Ok(response) }
        }))
        .mount("http://app.test/", app)
        .build()
        .unwrap();
    let r = s.get("http://app.test/login").send().await.unwrap();
    assert_eq!(r.history().len(), 1);
    assert_eq!(r.history()[0].status(), 303);
    assert_eq!(r.url().as_str(), "http://app.test/me");
    assert_eq!(r.text().await.unwrap(), "cookie=sid=7 auth=Bearer t");
    assert_eq!(responses.load(Ordering::SeqCst), 2, "one hook call per hop");
    assert_eq!(s.cookies().get("sid").unwrap().as_deref(), Some("7"));
}

/// A user layer whose response body is not `Sync` fits `SessionBuilder::layer`.
#[tokio::test]
async fn a_layer_with_a_body_that_is_not_sync_fits() {
    use http_body_util::BodyExt;
    use http_body_util::combinators::UnsyncBoxBody;

    let unsync = tower::util::MapResponseLayer::new(|r: http::Response<ResponseBody>| {
        r.map(|body| -> UnsyncBoxBody<bytes::Bytes, sessio::BoxError> { body.boxed_unsync() })
    });
    let s = Session::builder()
        .mount("http://mock.test/", named("inner"))
        .layer(unsync)
        .build()
        .unwrap();
    let r = s.get("http://mock.test/a").send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "inner http://mock.test/a");
}
