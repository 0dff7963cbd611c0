//! The ready-made adapters: `MockAdapter` (canned answers, recorded requests),
//! `ServiceAdapter` (an in-process axum app) and origin-safe mounts, each
//! through a full Session so that cookies, redirects, hooks and auth apply.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sessio::{ErrorKind, Hook, Method, MockAdapter, MockResponse, ServiceAdapter, Session};
use sessio_tests::Server;

#[tokio::test]
async fn a_mock_answers_from_its_table_in_turn_and_records_every_request() {
    let mock = MockAdapter::new();
    mock.on(
        Method::GET,
        "https://api.test/items",
        MockResponse::json(200, "[1]"),
    )
    .on(
        Method::PUT,
        "https://api.test/items/1",
        MockResponse::new(503),
    )
    .on(
        Method::PUT,
        "https://api.test/items/1",
        MockResponse::new(204),
    )
    .on_any(
        "https://api.test/health?deep=1",
        MockResponse::text(200, "deep"),
    );
    let s = Session::builder()
        .header("x-client", "tests")
        .auth(sessio::Auth::bearer("t0k"))
        .mount("https://api.test/", mock.clone())
        .build()
        .unwrap();

    let r = s
        .get("https://api.test/items")
        .param("page", "2")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(
        r.text().await.unwrap(),
        "[1]",
        "a route without a query takes any"
    );
    let statuses = [
        s.put("https://api.test/items/1")
            .body("a")
            .send()
            .await
            .unwrap()
            .status(),
        s.put("https://api.test/items/1")
            .body("b")
            .send()
            .await
            .unwrap()
            .status(),
        s.put("https://api.test/items/1")
            .body("c")
            .send()
            .await
            .unwrap()
            .status(),
    ];
    assert_eq!(statuses, [503, 204, 204], "in turn, then the last for good");
    let r = s
        .head("https://api.test/health?deep=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "on_any takes every method");
    let err = s.get("https://api.test/health").send().await.unwrap_err();
    assert!(
        err.is_connect(),
        "a route with a query needs that query: {err}"
    );

    mock.assert_calls(Method::PUT, "https://api.test/items/1", 3);
    assert_eq!(mock.calls(Method::GET, "https://api.test/items"), 1);
    let seen = mock.requests();
    assert_eq!(seen.len(), 6);
    assert_eq!(seen[0].url().as_str(), "https://api.test/items?page=2");
    assert_eq!(seen[0].headers()["x-client"], "tests");
    assert_eq!(seen[0].headers()["authorization"], "Bearer t0k");
    assert_eq!(seen[2].text(), "b");
    assert_eq!(seen[2].headers()["content-length"], "1");
    mock.clear_requests();
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn cookies_redirects_and_hooks_apply_through_a_mock() {
    let mock = MockAdapter::new();
    mock.on(
        Method::POST,
        "http://app.test/login",
        MockResponse::new(303)
            .header("set-cookie", "sid=42; Path=/")
            .header("location", "/home"),
    )
    .on(
        Method::GET,
        "http://app.test/home",
        MockResponse::text(200, "welcome"),
    );
    let hops = Arc::new(AtomicUsize::new(0));
    let counted = hops.clone();
    let s = Session::builder()
        .hook(Hook::response(move |response| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move { Ok(response) }
        }))
        .mount("http://app.test/", mock.clone())
        .build()
        .unwrap();
    let r = s
        .post("http://app.test/login")
        .body("user=a")
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().as_str(), "http://app.test/home");
    assert_eq!(r.history().len(), 1);
    assert_eq!(r.text().await.unwrap(), "welcome");
    assert_eq!(hops.load(Ordering::SeqCst), 2, "one hook call per hop");
    assert_eq!(s.cookies().get("sid").unwrap().as_deref(), Some("42"));
    let home = &mock.requests()[1];
    assert_eq!(home.method(), Method::GET, "303 turns POST into GET");
    assert_eq!(home.headers()["cookie"], "sid=42");
    assert!(home.body().is_empty());
}

#[tokio::test]
async fn unmatched_requests_go_to_the_fallback_or_fail_naming_the_routes() {
    let mock = MockAdapter::new();
    mock.on(Method::GET, "http://app.test/a", MockResponse::new(200));
    let s = Session::builder()
        .mount("http://app.test/", mock)
        .build()
        .unwrap();
    let err = s.delete("http://app.test/a").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect);
    let text = err.to_string();
    assert!(text.contains("DELETE http://app.test/a"), "{text}");
    assert!(
        text.contains("GET http://app.test/a"),
        "lists the routes: {text}"
    );

    let echo = MockAdapter::from_fn(|request| {
        MockResponse::text(
            200,
            format!("{} {}", request.method(), request.url().path()),
        )
    });
    echo.on(
        Method::GET,
        "http://echo.test/fixed",
        MockResponse::text(200, "fixed"),
    );
    let s = Session::builder()
        .mount("http://echo.test/", echo.clone())
        .build()
        .unwrap();
    let text = |path: &'static str| {
        let s = s.clone();
        async move {
            s.delete(format!("http://echo.test{path}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert_eq!(text("/x/y").await, "DELETE /x/y");
    assert_eq!(
        s.get("http://echo.test/fixed")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "fixed",
        "routes first"
    );
    assert_eq!(echo.requests().len(), 2);
}

#[tokio::test]
async fn mock_errors_and_bad_mocks_are_typed() {
    let mock = MockAdapter::new();
    mock.on(
        Method::GET,
        "http://app.test/down",
        MockResponse::connect_error("refused"),
    )
    .on(
        Method::GET,
        "http://app.test/bad-status",
        MockResponse::new(1000),
    )
    .on(
        Method::GET,
        "http://app.test/bad-header",
        MockResponse::new(200).header("x", "a\nb"),
    )
    .on(Method::GET, "not a url", MockResponse::new(200));
    let s = Session::builder()
        .mount("http://app.test/", mock)
        .build()
        .unwrap();
    let err = s.get("http://app.test/down").send().await.unwrap_err();
    assert!(
        err.is_connect() && err.report().to_string().contains("refused"),
        "{err}"
    );
    for path in ["bad-status", "bad-header"] {
        let err = s
            .get(format!("http://app.test/{path}"))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_builder(), "{path}: {err}");
    }
    let err = s.get("http://app.test/other").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidUrl, "{err}");
    assert!(err.report().to_string().contains("not a url"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn a_slow_mock_is_bounded_by_the_session_timeouts() {
    let mock = MockAdapter::new();
    mock.on(
        Method::GET,
        "http://app.test/slow",
        MockResponse::text(200, "late").delay(Duration::from_secs(60)),
    );
    let s = Session::builder()
        .timeout(Duration::from_secs(2))
        .mount("http://app.test/", mock.clone())
        .build()
        .unwrap();
    let err = s.get("http://app.test/slow").send().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    let r = s
        .get("http://app.test/slow")
        .timeout(Duration::from_secs(120))
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "late");
}

/// An axum app that says what it received.
fn app() -> axum::Router {
    use axum::http::{HeaderMap, Uri};
    use axum::response::Redirect;
    use axum::routing::get;

    axum::Router::new()
        .route(
            "/seen",
            get(|uri: Uri, headers: HeaderMap| async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .map_or("-", |v| v.to_str().unwrap())
                        .to_owned()
                };
                format!("{uri} host={} cookie={}", header("host"), header("cookie"))
            }),
        )
        .route(
            "/login",
            get(|| async {
                (
                    [("set-cookie", "sid=7; Path=/")],
                    Redirect::to("/seen?after=login"),
                )
            }),
        )
}

#[tokio::test]
async fn a_service_adapter_hands_the_app_what_a_server_would() {
    let s = Session::builder()
        .mount("http://app.internal", ServiceAdapter::new(app()))
        .mount("http://raw.internal/", app())
        .build()
        .unwrap();
    let r = s.get("http://app.internal/login").send().await.unwrap();
    assert_eq!(r.history().len(), 1);
    assert_eq!(
        r.text().await.unwrap(),
        "/seen?after=login host=app.internal cookie=sid=7",
        "origin form, Host from the URL, the cookie of the redirect"
    );
    let r = s.get("http://app.internal:8080/seen").send().await.unwrap();
    assert_eq!(
        r.text().await.unwrap(),
        "/seen host=app.internal:8080 cookie=sid=7"
    );
    // Mounted bare, the app sees the absolute URL and no Host.
    let r = s.get("http://raw.internal/seen").send().await.unwrap();
    assert_eq!(
        r.text().await.unwrap(),
        "http://raw.internal/seen host=- cookie=-"
    );
}

#[tokio::test]
async fn origin_mounts_never_match_a_lookalike_host_or_path() {
    let server = Server::echo().await;
    let mock = MockAdapter::from_fn(|_| MockResponse::text(200, "mocked"));
    let base = server.url("");
    let base = base.trim_end_matches('/');
    let s = Session::builder()
        .mount_origin(&format!("{base}/api"), mock.clone())
        .build()
        .unwrap();
    let served_by = |path: &str| {
        let (s, url) = (s.clone(), format!("{base}{path}"));
        async move {
            let text = s.get(url).send().await.unwrap().text().await.unwrap();
            if text == "mocked" { "mock" } else { "server" }
        }
    };
    assert_eq!(served_by("/api").await, "mock");
    assert_eq!(served_by("/api/v1/users?x=1").await, "mock");
    assert_eq!(
        served_by("/apix").await,
        "server",
        "not on a segment boundary"
    );
    assert_eq!(served_by("/").await, "server");
    // The same origin by another name is another origin.
    let other = server.localhost_url("/api");
    let text = s.get(other).send().await.unwrap().text().await.unwrap();
    assert_ne!(text, "mocked");
    assert_eq!(mock.requests().len(), 2);
    assert!(
        s.mounts()[0].ends_with("/api/ (origin)"),
        "{:?}",
        s.mounts()
    );

    let err = Session::builder()
        .mount_origin("https://user:pw@api.test/", MockAdapter::new())
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidUrl, "{err}");
    let err = s
        .mount_origin("mailto:x@y.test", MockAdapter::new())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidUrl, "{err}");
    s.mount_origin(&format!("{base}/"), MockAdapter::new())
        .unwrap();
    let err = s.get(format!("{base}/elsewhere")).send().await.unwrap_err();
    assert!(
        err.is_connect(),
        "the live mount took over the origin: {err}"
    );
}

#[tokio::test]
async fn closing_an_adapter_closes_idle_connections_at_once_and_busy_ones_after_their_response() {
    let server = Server::echo().await;
    let adapter = sessio::HttpAdapter::new();
    let session = Session::builder()
        .mount("http://", adapter.clone())
        .build()
        .unwrap();
    let slow = {
        let session = session.clone();
        let url = server.url("/delay/600");
        tokio::spawn(async move { session.get(url).send().await })
    };
    crate::eventually("the slow request reached the server", || {
        server.requests() == 1
    })
    .await;
    session.get(server.url("/quick")).send().await.unwrap();
    assert_eq!(server.open_connections(), 2, "one busy, one idle");

    // Let the idle connection settle: nothing but the close wakes it now.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.open_connections(), 2);
    adapter.close();
    assert!(adapter.is_closed());
    crate::eventually("the idle connection closed", || {
        server.open_connections() == 1
    })
    .await;
    let r = slow
        .await
        .unwrap()
        .expect("the response in flight is not cut off");
    assert_eq!(r.status(), 200);
    crate::eventually("the busy connection closed after its response", || {
        server.open_connections() == 0
    })
    .await;

    let err = session.get(server.url("/later")).send().await.unwrap_err();
    assert!(err.is_closed(), "{err:?}");
    assert_eq!(server.requests(), 2, "nothing was sent after close");
}

#[tokio::test]
async fn closing_a_session_closes_its_connections() {
    let server = Server::echo().await;
    let session = Session::new();
    for _ in 0..2 {
        session.get(server.url("/")).send().await.unwrap();
    }
    let adapter = session.get_adapter("http://x.test/").unwrap();
    assert_eq!(server.open_connections(), 1);
    session.close().await;
    crate::eventually("the pooled connection closed", || {
        server.open_connections() == 0
    })
    .await;
    assert_eq!(adapter.pool_stats().map(|s| s.open), Some(0));
}
