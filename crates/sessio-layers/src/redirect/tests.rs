//! Redirect layer tests over scripted `service_fn` servers.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use sessio_core::{AllowRedirects, Body};
use tower::{Layer, Service, ServiceExt, service_fn};

use super::*;

#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    uri: String,
    headers: HeaderMap,
    body: Bytes,
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// A server whose path `/<status>/<rest>` answers `status` with `Location: <rest>`
/// (URL-decoded), and anything else `200`.
fn server(
    log: Log,
) -> impl Service<Request<Body>, Response = Response<String>, Error = Infallible, Future = impl Send>
+ Clone
+ Send
+ 'static {
    service_fn(move |req: Request<Body>| {
        let log = log.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            log.lock().unwrap().push(Seen {
                method: parts.method.clone(),
                uri: parts.uri.to_string(),
                headers: parts.headers.clone(),
                body,
            });
            let path = parts.uri.path().trim_start_matches('/').to_owned();
            let mut split = path.splitn(2, '/');
            let status = split.next().and_then(|s| s.parse::<u16>().ok());
            let response = match (status, split.next()) {
                (Some(status), Some(rest)) if (300..400).contains(&status) => {
                    let location = rest.replace("%3A", ":").replace("%2F", "/");
                    Response::builder()
                        .status(status)
                        .header("location", location)
                        .body(format!("redirect body {status}"))
                }
                _ => Response::builder().body(format!("final {}", parts.uri.path())),
            };
            Ok::<_, Infallible>(response.unwrap())
        }
    })
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn with_body(method: Method, uri: &str, body: &'static str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "text/plain")
        .header("content-length", body.len())
        .body(Body::from(body))
        .unwrap()
}

fn outcome(response: &Response<String>) -> RedirectHistory {
    response
        .extensions()
        .get::<RedirectHistory>()
        .expect("redirect history")
        .clone()
}

#[tokio::test]
async fn a_chain_is_followed_and_recorded_oldest_first() {
    let log = Log::default();
    let svc = RedirectLayer::new().layer(server(log.clone()));
    let uri = "http://a.test/302/%2F301%2F%2Fend";
    let response = svc.oneshot(get(uri)).await.unwrap();
    assert_eq!(response.body(), "final /end");
    let outcome = outcome(&response);
    let statuses: Vec<u16> = outcome
        .followed
        .iter()
        .map(|r| r.response.status().as_u16())
        .collect();
    assert_eq!(statuses, [302, 301]);
    assert_eq!(outcome.followed[0].request.url.as_str(), uri);
    assert_eq!(outcome.followed[1].request.url.path(), "/301//end");
    assert_eq!(outcome.request.url.path(), "/end");
    assert_eq!(
        outcome.followed[0].response.body(),
        "redirect body 302",
        "redirect bodies are kept, drained raw"
    );
    assert_eq!(log.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn no_redirect_means_no_extension() {
    let svc = RedirectLayer::new().layer(server(Log::default()));
    let response = svc.oneshot(get("http://a.test/plain")).await.unwrap();
    assert!(response.extensions().get::<RedirectHistory>().is_none());
}

#[tokio::test]
async fn the_kept_headers_are_given_back_only_when_no_redirect_was_followed() {
    let mut svc = RedirectLayer::new().layer(server(Log::default()));
    let mut request = with_body(Method::PUT, "http://a.test/plain", "data");
    request.headers_mut().insert("x-a", "1".parse().unwrap());
    let mut future = std::pin::pin!(svc.call(request));
    assert!(
        future.as_mut().take_request_headers().is_none(),
        "not answered yet"
    );
    let response = future.as_mut().await.unwrap();
    assert_eq!(response.body(), "final /plain");
    let kept = future
        .as_mut()
        .take_request_headers()
        .expect("the kept headers");
    assert_eq!(kept["x-a"], "1");
    assert_eq!(kept["content-type"], "text/plain");
    assert!(
        future.as_mut().take_request_headers().is_none(),
        "given back once"
    );

    let mut future = std::pin::pin!(svc.call(get("http://a.test/302/%2Fend")));
    let response = future.as_mut().await.unwrap();
    assert_eq!(response.body(), "final /end");
    assert!(
        future.as_mut().take_request_headers().is_none(),
        "after a redirect the history has the requests"
    );
}

/// Appendix B: method and body per status and method.
#[tokio::test]
async fn method_and_body_rules_of_requests() {
    let cases: &[(u16, Method, Method, bool)] = &[
        (301, Method::GET, Method::GET, false),
        (301, Method::HEAD, Method::HEAD, false),
        (301, Method::POST, Method::GET, false),
        (301, Method::PUT, Method::PUT, false),
        (302, Method::POST, Method::GET, false),
        (302, Method::PUT, Method::GET, false),
        (302, Method::DELETE, Method::GET, false),
        (302, Method::HEAD, Method::HEAD, false),
        (303, Method::POST, Method::GET, false),
        (303, Method::PATCH, Method::GET, false),
        (303, Method::HEAD, Method::HEAD, false),
        (307, Method::POST, Method::POST, true),
        (307, Method::PUT, Method::PUT, true),
        (308, Method::POST, Method::POST, true),
        (308, Method::PATCH, Method::PATCH, true),
    ];
    for (status, method, expected, keeps_body) in cases {
        let log = Log::default();
        let svc = RedirectLayer::new().layer(server(log.clone()));
        let mut request = with_body(
            method.clone(),
            &format!("http://a.test/{status}/%2Fend"),
            "secret",
        );
        request.extensions_mut().insert(AllowRedirects(true));
        svc.oneshot(request).await.unwrap();
        let seen = log.lock().unwrap()[1].clone();
        assert_eq!(seen.method, *expected, "{status} {method}");
        if *keeps_body {
            assert_eq!(seen.body, "secret", "{status} {method}");
            assert_eq!(seen.headers["content-type"], "text/plain");
        } else {
            assert!(seen.body.is_empty(), "{status} {method} drops the body");
            let length = seen.headers.get("content-length");
            if matches!(*expected, Method::PUT | Method::POST | Method::PATCH) {
                assert_eq!(
                    length.unwrap(),
                    "0",
                    "{status} {method}: http.client's zero"
                );
            } else {
                assert!(length.is_none(), "{status} {method} keeps content-length");
            }
            for name in ["content-type", "transfer-encoding", "content-encoding"] {
                assert!(
                    !seen.headers.contains_key(name),
                    "{status} {method} keeps {name}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_stream_body_is_not_replayed_on_307() {
    let log = Log::default();
    let svc = RedirectLayer::new().layer(server(log.clone()));
    let stream = futures_util::stream::iter(vec![Ok::<_, std::io::Error>("once")]);
    let request = Request::post("http://a.test/307/%2Fend")
        .body(Body::wrap_stream(stream))
        .unwrap();
    let response = svc.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    let outcome = outcome(&response);
    assert!(outcome.not_followed.unwrap().contains("stream"));
    assert_eq!(outcome.next.unwrap().url.path(), "/end");
    assert_eq!(
        log.lock().unwrap().len(),
        1,
        "the stream was sent once, never empty"
    );
}

#[tokio::test]
async fn the_limit_counts_like_requests() {
    // 3 redirects: a limit of 3 follows them all; a limit of 2 fails on the third,
    // with that response attached and a history of 2.
    let uri = "http://a.test/302/%2F302%2F%2F302%2F%2F%2Fend";
    let svc = RedirectLayer::new()
        .max_redirects(3)
        .layer(server(Log::default()));
    let response = svc.oneshot(get(uri)).await.unwrap();
    assert_eq!(outcome(&response).followed.len(), 3);

    let svc = RedirectLayer::new()
        .max_redirects(2)
        .layer(server(Log::default()));
    let err = svc.oneshot(get(uri)).await.unwrap_err();
    let too_many = err.downcast::<TooManyRedirects>().unwrap();
    assert_eq!(too_many.to_string(), "Exceeded 2 redirects.");
    assert_eq!(too_many.last().response.status(), 302);
    assert_eq!(too_many.last().request.url.path(), "/302///end");
    assert_eq!(too_many.history().len(), 2);

    let svc = RedirectLayer::new()
        .max_redirects(0)
        .layer(server(Log::default()));
    let err = svc.oneshot(get(uri)).await.unwrap_err();
    assert!(err.is::<TooManyRedirects>());

    // A request's own limit wins over the layer's, either way.
    let svc = RedirectLayer::new()
        .max_redirects(3)
        .layer(server(Log::default()));
    let mut request = get(uri);
    request.extensions_mut().insert(MaxRedirects(1));
    let err = svc.clone().oneshot(request).await.unwrap_err();
    let too_many = err.downcast::<TooManyRedirects>().unwrap();
    assert_eq!(too_many.max_redirects(), 1);
    assert_eq!(too_many.history().len(), 1);
    let svc = RedirectLayer::new()
        .max_redirects(0)
        .layer(server(Log::default()));
    let mut request = get(uri);
    request.extensions_mut().insert(MaxRedirects(3));
    let response = svc.oneshot(request).await.unwrap();
    assert_eq!(outcome(&response).followed.len(), 3);
}

#[tokio::test]
async fn not_following_returns_the_3xx_with_next() {
    let log = Log::default();
    let svc = RedirectLayer::new().layer(server(log.clone()));
    let mut request = get("http://a.test/302/%2Fend");
    request.extensions_mut().insert(AllowRedirects(false));
    let response = svc.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 302);
    let next = outcome(&response).next.unwrap();
    assert_eq!(next.url.as_str(), "http://a.test/end");
    assert_eq!(log.lock().unwrap().len(), 1);

    let head = Request::head("http://a.test/302/%2Fend")
        .body(Body::empty())
        .unwrap();
    let response = svc.oneshot(head).await.unwrap();
    assert_eq!(
        response.status(),
        200,
        "HEAD is followed like any method unless told otherwise"
    );
}

#[tokio::test]
async fn credentials_are_stripped_and_never_come_back_sec_10() {
    // A1 -> B -> A2: Authorization goes at B and does not return at A2.
    let log = Log::default();
    let svc = RedirectLayer::new().layer(server(log.clone()));
    let request =
        Request::get("http://a.test/302/http%3A%2F%2Fb.test%2F302%2Fhttp%3A%2F%2Fa.test%2Fend")
            .header("authorization", "Basic c2VjcmV0")
            .header("proxy-authorization", "Basic cHJveHk=")
            .header("cookie", "session=1")
            .header("host", "a.test")
            .body(Body::empty())
            .unwrap();
    let response = svc.oneshot(request).await.unwrap();
    assert_eq!(response.body(), "final /end");
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 3);
    assert!(log[0].headers.contains_key("authorization"));
    for hop in &log[1..] {
        assert!(!hop.headers.contains_key("authorization"), "{}", hop.uri);
        assert!(!hop.headers.contains_key("proxy-authorization"));
        assert!(!hop.headers.contains_key("cookie"));
        assert!(!hop.headers.contains_key("host"));
    }
}

#[tokio::test]
async fn same_origin_hops_keep_authorization() {
    let log = Log::default();
    let svc = RedirectLayer::new().layer(server(log.clone()));
    let request = Request::get("http://a.test/301/%2Fend")
        .header("authorization", "Bearer t")
        .body(Body::empty())
        .unwrap();
    svc.oneshot(request).await.unwrap();
    assert_eq!(log.lock().unwrap()[1].headers["authorization"], "Bearer t");
}

#[tokio::test]
async fn https_only_and_policies() {
    let svc = RedirectLayer::new()
        .https_only(true)
        .layer(server(Log::default()));
    let err = svc
        .oneshot(get("http://a.test/302/%2Fend"))
        .await
        .unwrap_err();
    assert!(err.is::<NotHttps>() && err.to_string().contains("https_only"));

    let stop = RedirectLayer::new()
        .policy(redirect_fn(|_| Action::Stop))
        .layer(server(Log::default()));
    let response = stop.oneshot(get("http://a.test/302/%2Fend")).await.unwrap();
    assert_eq!(response.status(), 302);
    assert!(outcome(&response).not_followed.is_some());

    let fail = RedirectLayer::new()
        .policy(redirect_fn(|_| Action::Error("no redirects here".into())))
        .layer(server(Log::default()));
    let err = fail
        .oneshot(get("http://a.test/302/%2Fend"))
        .await
        .unwrap_err();
    let refused = err.downcast::<PolicyError>().unwrap();
    assert_eq!(refused.url().path(), "/end");
    assert_eq!(refused.into_source().to_string(), "no redirects here");
}

#[tokio::test]
async fn an_invalid_location_is_a_redirect_error() {
    let svc = RedirectLayer::new().layer(service_fn(|_req: Request<Body>| async {
        Ok::<_, Infallible>(
            Response::builder()
                .status(302)
                .header("location", "http://")
                .body(String::new())
                .unwrap(),
        )
    }));
    let err = svc.oneshot(get("http://a.test/")).await.unwrap_err();
    assert!(err.is::<InvalidLocation>(), "{err}");
}

#[tokio::test]
async fn the_fragment_of_the_first_request_carries_over() {
    let svc = RedirectLayer::new().layer(server(Log::default()));
    let mut request = get("http://a.test/302/%2Fend");
    request
        .extensions_mut()
        .insert(sessio_core::Fragment("f".to_owned()));
    let response = svc.oneshot(request).await.unwrap();
    let outcome = outcome(&response);
    assert_eq!(outcome.followed[0].request.url.fragment(), Some("f"));
    assert_eq!(outcome.request.url.as_str(), "http://a.test/end#f");
}

#[tokio::test]
async fn the_history_says_which_requests_resent_the_body() {
    let svc = RedirectLayer::new().layer(server(Log::default()));
    let request = with_body(Method::POST, "http://a.test/307/%2F302%2F%2Fend", "b");
    let response = svc.oneshot(request).await.unwrap();
    let outcome = outcome(&response);
    let resent: Vec<bool> = outcome
        .followed
        .iter()
        .map(|f| f.request.resends_body)
        .collect();
    assert_eq!(resent, [true, true], "the first request and the 307 hop");
    assert!(!outcome.request.resends_body, "the 302 dropped it");
    assert_eq!(outcome.request.method, Method::GET);
}

/// The layer over bodies and errors that are not sessio's: `Full<Bytes>` in,
/// `Full<Bytes>` out, `std::io::Error` from the inner service.
#[tokio::test]
async fn any_body_and_error_type_works() {
    use http_body_util::Full;
    let svc = RedirectLayer::new().layer(service_fn(|req: Request<Full<Bytes>>| async move {
        if req.uri().path() == "/fail" {
            return Err(std::io::Error::other("down"));
        }
        let body = req.into_body().collect().await.unwrap().to_bytes();
        let response = match body.as_ref() {
            b"again" => Response::builder().body(Full::new(body)),
            _ => Response::builder()
                .status(308)
                .header("location", "/next")
                .body(Full::default()),
        };
        Ok(response.unwrap())
    }));
    let request = Request::put("http://a.test/")
        .body(Full::new(Bytes::from_static(b"again")))
        .unwrap();
    let response = svc.clone().oneshot(request).await.unwrap();
    assert_eq!(
        response.into_body().collect().await.unwrap().to_bytes(),
        "again"
    );
    let err = svc
        .oneshot(
            Request::get("http://a.test/fail")
                .body(Full::default())
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert!(err.is::<std::io::Error>(), "the inner error, boxed");
}

#[tokio::test]
async fn no_redirect_is_followed_past_the_deadline() {
    let log = Log::default();
    let svc = RedirectLayer::new().layer(server(log.clone()));
    let mut request = get("http://a.test/302/%2Fend");
    request
        .extensions_mut()
        .insert(sessio_core::Deadline(std::time::Instant::now()));
    let err = svc.oneshot(request).await.unwrap_err();
    let err = err.downcast::<sessio_core::Error>().unwrap();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(
        log.lock().unwrap().len(),
        1,
        "the redirect was not followed"
    );
}
