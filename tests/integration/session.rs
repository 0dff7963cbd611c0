//! Session state that persists: default headers, params and auth, merged with
//! each request by requests' `merge_setting` rules; live updates; close.

use sessio::{Auth, Session};
use sessio_tests::Server;

use crate::seen;

#[tokio::test]
async fn default_headers_are_requests_defaults() {
    let server = Server::echo().await;
    let s = Session::new();
    let v = seen(s.get(server.url("/get"))).await;
    let h = &v["headers"];
    assert_eq!(
        h["user-agent"],
        concat!("sessio/", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(h["accept"], "*/*");
    assert_eq!(h["accept-encoding"], "gzip, deflate, br, zstd");
    assert_eq!(h["connection"], "keep-alive");
    assert_eq!(v["version"], "HTTP/1.1");
}

#[tokio::test]
async fn session_headers_persist_and_request_headers_win() {
    let server = Server::echo().await;
    let s = Session::builder()
        .header("x-test", "true")
        .header("x-other", "session")
        .build()
        .unwrap();
    for _ in 0..2 {
        let v = seen(s.get(server.url("/get")).header("x-other", "request")).await;
        assert_eq!(v["headers"]["x-test"], "true");
        assert_eq!(v["headers"]["x-other"], "request");
    }
    let v = seen(s.get(server.url("/get"))).await;
    assert_eq!(
        v["headers"]["x-other"], "session",
        "request values never stick"
    );
}

#[tokio::test]
async fn a_request_removes_a_session_header_case_insensitively() {
    // requests test_headers_on_session_with_None_are_not_sent / Appendix E
    let server = Server::echo().await;
    let s = Session::builder().header("x-test", "true").build().unwrap();
    let v = seen(s.get(server.url("/get")).remove_header("X-TEST")).await;
    assert!(v["headers"].get("x-test").is_none());
    let v = seen(s.get(server.url("/get")).remove_header("Accept-Encoding")).await;
    assert!(
        v["headers"].get("accept-encoding").is_none(),
        "a removed Accept-Encoding is never re-added"
    );
}

#[tokio::test]
async fn merged_header_order_is_session_first_then_request() {
    let server = Server::echo().await;
    let s = Session::builder()
        .remove_header("user-agent")
        .remove_header("accept")
        .remove_header("accept-encoding")
        .remove_header("connection")
        .header("a", "1")
        .header("b", "2")
        .build()
        .unwrap();
    let v = seen(s.get(server.url("/")).remove_header("b").header("c", "3")).await;
    let names: Vec<&str> = v["header_names"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .filter(|n| ["a", "b", "c"].contains(n))
        .collect();
    assert_eq!(names, ["a", "c"]);
}

#[tokio::test]
async fn session_params_are_appended_and_merged_case_sensitively() {
    let server = Server::echo().await;
    let s = Session::builder()
        .param("api-version", "2")
        .param("foo", "bar")
        .build()
        .unwrap();
    let v = seen(s.get(server.url("/get?x=1")).query(&[("a", "1")])).await;
    assert_eq!(v["query"], "x=1&api-version=2&foo=bar&a=1");
    // requests test_session_get_params_merge... params are case-sensitive
    let v = seen(s.get(server.url("/get")).query(&[("FOO", "baz")])).await;
    assert_eq!(v["query"], "api-version=2&foo=bar&FOO=baz");
    // a request value replaces the session's in place, a removed one goes
    let v = seen(
        s.get(server.url("/get"))
            .param("foo", "new")
            .remove_param("api-version"),
    )
    .await;
    assert_eq!(v["query"], "foo=new");
}

#[tokio::test]
async fn params_encode_like_urlencode_with_repeated_keys() {
    let server = Server::echo().await;
    let s = Session::new();
    let v = seen(
        s.get(server.url("/get"))
            .query(&[("k", "a b"), ("k", "é&="), ("t", "~*")]),
    )
    .await;
    assert_eq!(v["query"], "k=a+b&k=%C3%A9%26%3D&t=~%2A");
}

#[tokio::test]
async fn session_auth_persists_and_requests_override_or_opt_out() {
    let server = Server::echo().await;
    let s = Session::builder()
        .auth(Auth::basic("user", "pass"))
        .build()
        .unwrap();
    let v = seen(s.get(server.url("/"))).await;
    assert_eq!(v["headers"]["authorization"], "Basic dXNlcjpwYXNz");
    let v = seen(s.get(server.url("/")).auth(Auth::bearer("t0k"))).await;
    assert_eq!(v["headers"]["authorization"], "Bearer t0k");
    let v = seen(s.get(server.url("/")).no_auth()).await;
    assert!(v["headers"].get("authorization").is_none());
}

#[tokio::test]
async fn url_credentials_are_used_when_no_auth_is_given() {
    let server = Server::echo().await;
    let s = Session::new();
    let url = format!("http://us%3Aer:p%40ss@{}/", server.addr());
    let v = seen(s.get(&url)).await;
    // base64("us:er:p@ss")
    assert_eq!(v["headers"]["authorization"], "Basic dXM6ZXI6cEBzcw==");
    let with_session_auth = Session::builder().auth(Auth::bearer("s")).build().unwrap();
    let v = seen(with_session_auth.get(&url)).await;
    assert_eq!(
        v["headers"]["authorization"], "Bearer s",
        "session auth wins over the URL"
    );
}

#[tokio::test]
async fn live_defaults_apply_to_every_clone() {
    let server = Server::echo().await;
    let s = Session::new();
    let clone = s.clone();
    s.set_header("x-live", "1").unwrap();
    s.set_auth(Auth::bearer("live"));
    let v = seen(clone.get(server.url("/"))).await;
    assert_eq!(v["headers"]["x-live"], "1");
    assert_eq!(v["headers"]["authorization"], "Bearer live");
    clone.remove_header("x-live").unwrap();
    clone.set_auth(None);
    let v = seen(s.get(server.url("/"))).await;
    assert!(v["headers"].get("x-live").is_none());
    assert!(v["headers"].get("authorization").is_none());
    assert!(s.set_header("x-bad", "a\r\nb").unwrap_err().is_builder());
}

#[tokio::test]
async fn close_is_terminal() {
    let server = Server::echo().await;
    let s = Session::new();
    assert!(s.get(server.url("/")).send().await.is_ok());
    s.close().await;
    assert!(s.is_closed());
    let err = s.get(server.url("/")).send().await.unwrap_err();
    assert!(err.is_closed(), "{err}");
    let err = s.clone().get(server.url("/")).send().await.unwrap_err();
    assert!(err.is_closed());
}

#[tokio::test]
async fn one_shot_helpers_do_not_pool() {
    let server = Server::echo().await;
    for _ in 0..3 {
        let r = sessio::get(server.url("/get")).await.unwrap();
        assert_eq!(r.status(), 200);
    }
    assert_eq!(
        server.connections(),
        3,
        "each one-shot request has its own connection"
    );
    let r = sessio::request(sessio::Method::POST, server.url("/post"))
        .unwrap()
        .json(&serde_json::json!({"k": 1}))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["body"], "{\"k\":1}");
    assert_eq!(sessio::head(server.url("/")).await.unwrap().status(), 200);
    assert_eq!(sessio::delete(server.url("/")).await.unwrap().status(), 200);
    assert_eq!(
        sessio::options(server.url("/")).await.unwrap().status(),
        200
    );
    assert!(!sessio::session().is_closed());
}

#[tokio::test]
async fn methods_and_bodies() {
    let server = Server::echo().await;
    let s = Session::new();
    let v = seen(s.put(server.url("/put")).body("raw bytes")).await;
    assert_eq!(v["method"], "PUT");
    assert_eq!(v["body"], "raw bytes");
    assert_eq!(v["headers"]["content-length"], "9");
    assert!(v["headers"].get("content-type").is_none());

    let v = seen(
        s.patch(server.url("/"))
            .json(&serde_json::json!({"a": [1, 2]})),
    )
    .await;
    assert_eq!(v["headers"]["content-type"], "application/json");
    assert_eq!(v["body"], "{\"a\":[1,2]}");

    let v = seen(s.post(server.url("/")).form(&[("name", "a b"), ("x", "&")])).await;
    assert_eq!(
        v["headers"]["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(v["body"], "name=a+b&x=%26");
    // requests' `data={}`: no body, no Content-Type (a POST still says length 0)
    let v = seen(s.post(server.url("/")).form(&[] as &[(&str, &str)])).await;
    assert!(v["headers"].get("content-type").is_none(), "{v}");
    assert_eq!(v["headers"]["content-length"], "0");

    let v = seen(s.post(server.url("/"))).await;
    assert_eq!(v["headers"]["content-length"], "0");
    let v = seen(s.get(server.url("/"))).await;
    assert!(v["headers"].get("content-length").is_none());

    let v = seen(
        s.post(server.url("/"))
            .header("content-type", "application/vnd.custom+json")
            .json(&1),
    )
    .await;
    assert_eq!(v["headers"]["content-type"], "application/vnd.custom+json");

    let v = seen(s.delete(server.url("/"))).await;
    assert_eq!(v["method"], "DELETE");
    let v = seen(s.request(
        sessio::Method::from_bytes(b"PURGE").unwrap(),
        server.url("/"),
    ))
    .await;
    assert_eq!(v["method"], "PURGE");
}

#[tokio::test]
async fn streaming_request_bodies_are_chunked() {
    let server = Server::echo().await;
    let s = Session::new();
    let chunks: Vec<Result<&'static str, std::io::Error>> =
        vec![Ok("one,"), Ok("two,"), Ok("three")];
    let body = sessio::Body::wrap_stream(futures_util::stream::iter(chunks));
    let v = seen(s.post(server.url("/upload")).body(body)).await;
    assert_eq!(v["body"], "one,two,three");
    assert_eq!(v["headers"]["transfer-encoding"], "chunked");
}

/// requests' live `session.params[...]`, `session.hooks[...]` and
/// `session.headers.update(...)` on a built session, seen by every clone.
#[tokio::test]
async fn params_hooks_and_headers_change_live_for_every_clone() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let server = Server::echo().await;
    let s = Session::builder().param("page", "1").build().unwrap();
    let clone = s.clone();
    s.set_param("page", "2");
    s.set_param("sort", "new");
    let v = seen(clone.get(server.url("/p"))).await;
    assert_eq!(v["query"], "page=2&sort=new");
    s.remove_param("page");
    s.update_params(|params| params.push(("q".into(), "a b".into())));
    assert_eq!(
        seen(clone.get(server.url("/p"))).await["query"],
        "sort=new&q=a+b"
    );

    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let count = sessio::Hook::response(move |response| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(response)
        }
    });
    s.add_hook(count.clone());
    clone.get(server.url("/")).send().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(s.remove_hook(&count));
    clone.get(server.url("/")).send().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1, "removed for every clone");

    s.update_headers(|headers| {
        headers.insert("x-team", "core".parse().unwrap());
    })
    .unwrap();
    assert_eq!(
        seen(clone.get(server.url("/"))).await["headers"]["x-team"],
        "core"
    );
    let err = s
        .update_headers(|headers| {
            headers.insert("x-bad", " leading space".parse().unwrap());
        })
        .unwrap_err();
    assert!(err.is_builder());
    assert!(
        !s.headers().contains_key("x-bad"),
        "an invalid update changes nothing"
    );
}

/// One shape for headers on every builder and setter: names and values as
/// `&str`, `String`, `HeaderName` or `HeaderValue`, errors parked until `build()`.
#[test]
fn every_header_setter_takes_the_same_shapes() {
    use sessio::header::{ACCEPT, HeaderValue};

    let s = Session::builder()
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .header(String::from("x-owned"), String::from("v"))
        .header("x-str", "v")
        .remove_header(sessio::header::USER_AGENT)
        .build()
        .unwrap();
    assert_eq!(s.headers()["accept"], "application/json");
    assert!(!s.headers().contains_key("user-agent"));
    s.set_header(ACCEPT, "text/html").unwrap();
    s.set_header(String::from("x-owned"), HeaderValue::from_static("w"))
        .unwrap();
    s.remove_header(String::from("x-str")).unwrap();
    assert_eq!(s.headers()["x-owned"], "w");
    let err = Session::builder()
        .header("bad name", "v")
        .build()
        .unwrap_err();
    assert!(err.is_builder());
    let err = s
        .get("http://example.com/")
        .header(ACCEPT, " x")
        .build()
        .unwrap_err();
    assert!(err.is_builder());
}

/// requests' `s.verify = False`, `s.verify = "ca.pem"`, `s.proxies[..] = ..`,
/// `s.max_redirects = n`, `s.stream = True` on a live session: set on one
/// clone, every clone sends with it from then on, under a request's own.
#[tokio::test]
async fn transport_settings_change_live_for_every_clone() {
    use std::time::Duration;

    let ca = sessio_tests::TestCa::new();
    let tls = Server::start_tls(&ca, |_req| async {
        sessio_tests::respond(200, &[], "secure")
    })
    .await;
    let files = sessio_tests::TempDir::new("live-session");
    let bundle = files.write("ca.pem", ca.ca_pem());
    let session = Session::builder().trust_env(false).build().unwrap();
    let clone = session.clone();

    // verify: off, then the default trust store again, then a CA bundle
    let err = session.get(tls.url("/")).send().await.unwrap_err();
    assert!(err.is_tls(), "{err}");
    clone.set_verify(false);
    assert_eq!(
        session.get(tls.url("/")).send().await.unwrap().status(),
        200
    );
    let err = session
        .get(tls.url("/"))
        .verify(true)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_tls(), "a request's own verify(true) wins: {err}");
    clone.set_verify(true);
    assert!(session.get(tls.url("/")).send().await.unwrap_err().is_tls());
    clone.set_ca_bundle(&bundle);
    assert_eq!(
        session.get(tls.url("/")).send().await.unwrap().status(),
        200
    );
    let merged = session.merge_environment_settings(&tls.url("/")).unwrap();
    assert_eq!(merged.ca_bundle(), Some(bundle.as_path()));

    // proxies: set, then removed
    let echo = Server::echo().await;
    let proxy = sessio_tests::TestProxy::http(sessio_tests::ProxyOptions::default()).await;
    clone.set_proxy("http", &proxy.url("http")).unwrap();
    assert_eq!(
        session.get(echo.url("/via")).send().await.unwrap().status(),
        200
    );
    assert_eq!(proxy.seen().len(), 1, "through the proxy");
    assert_eq!(
        session
            .merge_environment_settings(&echo.url("/"))
            .unwrap()
            .proxy(),
        Some(proxy.url("http").trim_end_matches('/').to_owned())
    );
    assert!(
        clone
            .set_proxy("http", "ftp://nope")
            .unwrap_err()
            .is_proxy()
    );
    assert!(clone.remove_proxy("http"));
    session.get(echo.url("/direct")).send().await.unwrap();
    assert_eq!(proxy.seen().len(), 1, "direct again");
    // A session built with a proxy: the built one stays; a live no_proxy of
    // "*" sends every request directly.
    let built = Session::builder()
        .trust_env(false)
        .proxy("http", &proxy.url("http"))
        .build()
        .unwrap();
    built.get(echo.url("/built")).send().await.unwrap();
    assert_eq!(proxy.seen().len(), 2, "through the built proxy");
    assert!(!built.remove_proxy("http"), "only live proxies are removed");
    built.set_proxy("no_proxy", "*").unwrap();
    built.get(echo.url("/direct")).send().await.unwrap();
    assert_eq!(proxy.seen().len(), 2, "no_proxy * goes direct");

    // max_redirects
    clone.set_max_redirects(1);
    assert_eq!(session.max_redirects(), 1);
    let err = session
        .get(echo.url("/redirect/3"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_redirect(), "{err}");
    assert_eq!(err.response().unwrap().history().len(), 1);
    clone.set_max_redirects(3);
    let r = session.get(echo.url("/redirect/3")).send().await.unwrap();
    assert_eq!(r.history().len(), 3);

    // stream: the body is left on the connection (a copy needs it in memory)
    assert!(
        session
            .get(echo.url("/"))
            .send()
            .await
            .unwrap()
            .try_clone()
            .is_some()
    );
    clone.set_stream(true);
    assert!(session.stream());
    assert!(
        session
            .get(echo.url("/"))
            .send()
            .await
            .unwrap()
            .try_clone()
            .is_none()
    );
    let own = session
        .get(echo.url("/"))
        .stream(false)
        .send()
        .await
        .unwrap();
    assert!(
        own.try_clone().is_some(),
        "a request's own stream(false) wins"
    );

    // timeouts: a 3 s answer against a 300 ms total timeout
    clone.set_timeouts(session.timeouts().total(Duration::from_millis(300)));
    let err = session
        .get(echo.url("/delay/3000"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
}
