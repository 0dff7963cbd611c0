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

/// The common tower and tower-http layers fit `SessionBuilder::layer` as they
/// are (tower's rate limit, which is not `Clone`, behind tower's `Buffer`).
mod common_layers {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use sessio::{Body, Method, MockAdapter, MockResponse, ResponseBody, RetryPolicy, Session};

    #[tokio::test(start_paused = true)]
    async fn tower_http_timeout_answers_408_for_a_slow_hop() {
        let mock = MockAdapter::new();
        mock.on(
            Method::GET,
            "http://app.test/slow",
            MockResponse::new(200).delay(Duration::from_secs(30)),
        )
        .on(
            Method::GET,
            "http://app.test/fast",
            MockResponse::text(200, "fast"),
        );
        let s = Session::builder()
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                http::StatusCode::REQUEST_TIMEOUT,
                Duration::from_secs(1),
            ))
            .mount("http://app.test/", mock)
            .build()
            .unwrap();
        let r = s.get("http://app.test/slow").send().await.unwrap();
        assert_eq!(r.status(), 408);
        assert_eq!(r.text().await.unwrap(), "", "an empty body");
        let r = s.get("http://app.test/fast").send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fast");
    }

    #[tokio::test]
    async fn tower_http_request_body_limit_refuses_large_bodies() {
        let mock = MockAdapter::from_fn(|request| MockResponse::text(200, request.text()));
        let s = Session::builder()
            .layer(tower_http::limit::RequestBodyLimitLayer::new(8))
            .mount("http://app.test/", mock.clone())
            .build()
            .unwrap();
        let r = s
            .post("http://app.test/")
            .body("small")
            .send()
            .await
            .unwrap();
        assert_eq!(r.text().await.unwrap(), "small");
        let r = s
            .post("http://app.test/")
            .body("much too large")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413, "known length: refused before sending");
        // A stream of unknown length is cut off while it is read.
        let chunks = vec![Ok::<_, std::io::Error>("0123456"), Ok("789")];
        let err = s
            .post("http://app.test/")
            .body(Body::wrap_stream(futures_util::stream::iter(chunks)))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_body(), "{err:?}");
        assert_eq!(
            mock.requests().len(),
            1,
            "only the small body was delivered"
        );
    }

    /// An adapter that counts requests in flight at once.
    fn counting(
        peak: Arc<AtomicUsize>,
    ) -> impl tower::Service<
        http::Request<Body>,
        Response = http::Response<ResponseBody>,
        Error = std::convert::Infallible,
        Future = impl Send,
    > + Clone
    + Send
    + Sync
    + 'static {
        let now = Arc::new(AtomicUsize::new(0));
        tower::service_fn(move |_request: http::Request<Body>| {
            let (now, peak) = (now.clone(), peak.clone());
            async move {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                Ok(http::Response::new(ResponseBody::from("ok")))
            }
        })
    }

    #[tokio::test]
    async fn tower_concurrency_limit_bounds_requests_in_flight() {
        for (limit, expected) in [(Some(1), 1), (None, 8)] {
            let peak = Arc::new(AtomicUsize::new(0));
            let mut builder = Session::builder().mount("http://app.test/", counting(peak.clone()));
            if let Some(limit) = limit {
                builder = builder.layer(tower::limit::ConcurrencyLimitLayer::new(limit));
            }
            let s = builder.build().unwrap();
            let all = (0..8).map(|_| s.get("http://app.test/").send());
            for r in futures_util::future::join_all(all).await {
                assert_eq!(r.unwrap().status(), 200);
            }
            assert_eq!(peak.load(Ordering::SeqCst), expected, "limit {limit:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn tower_rate_limit_behind_a_buffer_spaces_requests_out() {
        let mock = MockAdapter::from_fn(|_| MockResponse::new(204));
        let s = Session::builder()
            .layer(
                tower::ServiceBuilder::new()
                    .buffer(16)
                    .rate_limit(2, Duration::from_secs(10)),
            )
            .mount("http://app.test/", mock.clone())
            .build()
            .unwrap();
        let started = tokio::time::Instant::now();
        for _ in 0..5 {
            assert_eq!(
                s.get("http://app.test/").send().await.unwrap().status(),
                204
            );
        }
        // Two per 10 s: the fifth request goes out in the third window.
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(20) && waited < Duration::from_secs(30),
            "{waited:?}"
        );
        assert_eq!(mock.requests().len(), 5);
    }

    #[tokio::test]
    async fn tower_retry_with_a_retry_policy_retries_each_hop() {
        let mock = MockAdapter::new();
        mock.on(Method::PUT, "http://app.test/item", MockResponse::new(503))
            .on(Method::PUT, "http://app.test/item", MockResponse::new(503))
            .on(
                Method::PUT,
                "http://app.test/item",
                MockResponse::text(200, "stored"),
            );
        let policy = RetryPolicy::new().total(3).status_forcelist([503]);
        let s = Session::builder()
            .layer(tower::retry::RetryLayer::new(policy))
            .mount("http://app.test/", mock.clone())
            .build()
            .unwrap();
        let r = s
            .put("http://app.test/item")
            .body("v")
            .send()
            .await
            .unwrap();
        assert_eq!(r.text().await.unwrap(), "stored");
        let bodies: Vec<String> = mock.requests().iter().map(|r| r.text()).collect();
        assert_eq!(bodies, ["v", "v", "v"], "the body is sent again each time");
    }
}

/// The whole session under tower-http layers, as an `http::Request` service:
/// the session's state applies, the layer's header wins, bodies of any type go through.
#[tokio::test]
async fn a_session_is_an_http_service_under_tower_http_layers() {
    use http_body_util::{BodyExt, Full};
    use tower::ServiceExt;

    let server = Server::start(|req| async move {
        match req.uri().path() {
            "/login" => {
                sessio_tests::respond(302, &[("location", "/seen"), ("set-cookie", "sid=5")], "")
            }
            _ => sessio_tests::echo(req).await,
        }
    })
    .await;
    let session = Session::builder()
        .header("x-session", "kept")
        .build()
        .unwrap();
    let client = ServiceBuilder::new()
        .layer(SetRequestHeaderLayer::overriding(
            HeaderName::from_static("x-layer"),
            HeaderValue::from_static("outer"),
        ))
        .service(session.clone());

    let request = http::Request::get(server.url("/login"))
        .body(Full::new(bytes::Bytes::new()))
        .unwrap();
    let response = client.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200, "the redirect was followed");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["path"], "/seen");
    assert_eq!(v["headers"]["x-session"], "kept");
    assert_eq!(v["headers"]["x-layer"], "outer");
    assert_eq!(v["headers"]["cookie"], "sid=5");
    assert_eq!(
        session.cookies().get("sid").unwrap().as_deref(),
        Some("5"),
        "the session's jar"
    );

    let request = http::Request::post(server.url("/upload"))
        .header("content-type", "text/plain")
        .body(Full::new(bytes::Bytes::from_static(b"payload")))
        .unwrap();
    let response = client.oneshot(request).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["method"], "POST");
    assert_eq!(v["body"], "payload");
    assert_eq!(v["headers"]["content-length"], "7");
}

/// An exchange layer runs once per `send` and sees the final response; a hop
/// layer runs for every request of a redirect chain.
#[tokio::test(start_paused = true)]
async fn exchange_layers_wrap_the_whole_redirect_chain_and_hop_layers_each_hop() {
    use std::time::Duration;

    use sessio::{ExchangeService, Method, MockAdapter, MockResponse};

    let mock = MockAdapter::new();
    mock.on(
        Method::GET,
        "http://app.test/a",
        MockResponse::new(302).header("location", "/b"),
    )
    .on(
        Method::GET,
        "http://app.test/b",
        MockResponse::new(302).header("location", "/c"),
    )
    .on(
        Method::GET,
        "http://app.test/c",
        MockResponse::text(200, "done"),
    )
    .on(
        Method::GET,
        "http://app.test/slow",
        MockResponse::new(302)
            .header("location", "/slow2")
            .delay(Duration::from_secs(2)),
    )
    .on(
        Method::GET,
        "http://app.test/slow2",
        MockResponse::new(200).delay(Duration::from_secs(2)),
    );
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let (exchanges, hops) = (log.clone(), log.clone());
    let s = Session::builder()
        .exchange_layer(tower::layer::layer_fn(move |inner: ExchangeService| {
            let log = exchanges.clone();
            ServiceBuilder::new()
                .map_response(move |response: http::Response<sessio::ResponseBody>| {
                    log.lock()
                        .unwrap()
                        .push(format!("exchange {}", response.status().as_u16()));
                    response
                })
                .service(inner)
        }))
        .exchange_layer(tower::timeout::TimeoutLayer::new(Duration::from_secs(3)))
        .layer(tower::layer::layer_fn(move |inner: HopService| {
            let log = hops.clone();
            ServiceBuilder::new()
                .map_request(move |request: http::Request<sessio::Body>| {
                    log.lock()
                        .unwrap()
                        .push(format!("hop {}", request.uri().path()));
                    request
                })
                .service(inner)
        }))
        .mount("http://app.test/", mock)
        .build()
        .unwrap();
    let r = s.get("http://app.test/a").send().await.unwrap();
    assert_eq!(
        r.history().len(),
        2,
        "the history survives the exchange layer"
    );
    assert_eq!(r.text().await.unwrap(), "done");
    assert_eq!(
        *log.lock().unwrap(),
        ["hop /a", "hop /b", "hop /c", "exchange 200"]
    );
    // Each hop takes 2 s, under a hop timeout of 3 s it would pass; the
    // exchange timeout of 3 s bounds both together.
    let err = s.get("http://app.test/slow").send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}
