//! requests' prepare/send split: `Session::prepare` merges the session's state
//! (steps P1–P7), `Session::send` sends exactly that and adds nothing.

use sessio::{Auth, Method, Request, Session};
use sessio_tests::Server;

#[tokio::test]
async fn prepare_shows_exactly_what_send_sends() {
    let server = Server::echo().await;
    let s = Session::builder()
        .header("x-session", "1")
        .param("p", "1")
        .auth(Auth::bearer("t"))
        .build()
        .unwrap();
    let request: Request = s
        .post(server.url("/get/test case"))
        .header("x-request", "2")
        .json(&serde_json::json!({"a": 1}))
        .build()
        .unwrap();
    assert!(
        request.headers().get("x-session").is_none(),
        "Request is unmerged intent"
    );

    let prepared = s.prepare(request).unwrap();
    assert_eq!(prepared.method(), Method::POST);
    assert_eq!(prepared.url().path(), "/get/test%20case");
    assert_eq!(prepared.url().query(), Some("p=1"));
    assert_eq!(prepared.path_url(), "/get/test%20case?p=1");
    let h = prepared.headers();
    assert_eq!(h["x-session"], "1");
    assert_eq!(h["x-request"], "2");
    assert_eq!(h["authorization"], "Bearer t");
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["content-length"], "7");
    assert_eq!(prepared.body().as_bytes(), Some(&b"{\"a\":1}"[..]));
    let shown: Vec<(String, String)> = h
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();

    let response = s.send(prepared).await.unwrap();
    assert_eq!(response.request().headers()["x-request"], "2");
    let v: serde_json::Value = response.json().await.unwrap();
    assert_eq!(v["path"], "/get/test%20case");
    for (name, value) in shown {
        assert_eq!(v["headers"][&name], value, "header {name} sent as prepared");
    }
}

#[tokio::test]
async fn send_adds_nothing_to_a_request_prepared_without_the_session() {
    let server = Server::echo().await;
    let s = Session::builder().header("x-session", "1").build().unwrap();
    let prepared = Request::new(Method::GET, server.url("/raw"))
        .prepare()
        .unwrap();
    let v: serde_json::Value = s.send(prepared).await.unwrap().json().await.unwrap();
    assert!(v["headers"].get("x-session").is_none());
    assert!(v["headers"].get("user-agent").is_none());
}

#[tokio::test]
async fn a_prepared_request_can_be_edited_before_sending() {
    let server = Server::echo().await;
    let s = Session::new();
    let mut prepared = s.prepare(s.get(server.url("/a")).build().unwrap()).unwrap();
    prepared
        .headers_mut()
        .insert("x-signature", "abc".parse().unwrap());
    prepared.url_mut().set_path("/b");
    let v: serde_json::Value = s.send(prepared).await.unwrap().json().await.unwrap();
    assert_eq!(v["path"], "/b");
    assert_eq!(v["headers"]["x-signature"], "abc");
}

#[tokio::test]
async fn session_is_a_tower_service() {
    use tower::{Service, ServiceExt};
    let server = Server::echo().await;
    let mut s = Session::builder().header("x-svc", "1").build().unwrap();
    let request = Request::new(Method::GET, server.url("/svc"));
    let response = ServiceExt::<Request>::ready(&mut s)
        .await
        .unwrap()
        .call(request)
        .await
        .unwrap();
    let v: serde_json::Value = response.json().await.unwrap();
    assert_eq!(v["headers"]["x-svc"], "1");

    let prepared = Request::new(Method::GET, server.url("/p"))
        .prepare()
        .unwrap();
    let response = ServiceExt::<sessio::PreparedRequest>::oneshot(s, prepared)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// requests' prepare / edit / send with the body changed: the new body goes out
/// whole with matching headers, and a body edited in place whose length no
/// longer matches is a typed error before anything is sent (never a hang).
#[tokio::test]
async fn a_prepared_body_can_be_replaced_and_a_mismatch_is_an_error() {
    let server = Server::echo().await;
    let s = Session::new();
    let send = |prepared| {
        let s = s.clone();
        async move {
            let r: sessio::Response = s.send(prepared).await.unwrap();
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let original = || s.prepare(s.post(server.url("/")).body("short")).unwrap();

    let mut prepared = original();
    prepared.set_body("a body longer than the first");
    let v = send(prepared).await;
    assert_eq!(v["body"], "a body longer than the first");
    assert_eq!(v["headers"]["content-length"], "28");

    let mut prepared = original();
    prepared.set_json(&serde_json::json!({"k": 1})).unwrap();
    let v = send(prepared).await;
    assert_eq!(v["body"], "{\"k\":1}");
    assert_eq!(v["headers"]["content-type"], "application/json");

    let mut prepared = original();
    prepared.set_form(&[("a", "1")]).unwrap();
    let v = send(prepared).await;
    assert_eq!(v["body"], "a=1");
    assert_eq!(
        v["headers"]["content-type"],
        "application/x-www-form-urlencoded"
    );

    let mut prepared = original();
    let chunks = vec![Ok::<_, std::io::Error>("streamed "), Ok("body")];
    prepared.set_body(sessio::Body::wrap_stream(futures_util::stream::iter(
        chunks,
    )));
    let v = send(prepared).await;
    assert_eq!(v["body"], "streamed body");
    assert_eq!(v["headers"]["transfer-encoding"], "chunked");

    let before = server.requests();
    let mut prepared = original();
    *prepared.body_mut() = sessio::Body::from("x");
    let started = std::time::Instant::now();
    let err = s.send(prepared).await.unwrap_err();
    assert!(err.is_builder(), "{err:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "no hang"
    );
    assert_eq!(server.requests(), before, "nothing was sent");
}

/// requests' `params=` on a request: `params` and `param` on the request
/// builder, after the session's own params.
#[tokio::test]
async fn a_request_takes_params_as_the_session_builder_does() {
    let server = Server::echo().await;
    let s = Session::builder().param("key", "k").build().unwrap();
    let v = crate::seen(
        s.get(server.url("/p?own=1"))
            .params(&[("q", "rust http")])
            .param("page", "2"),
    )
    .await;
    assert_eq!(v["query"], "own=1&key=k&q=rust+http&page=2");
}

/// httpx's `base_url`: relative URLs go after the base URL's path, absolute
/// ones as they are; a base URL that is not http(s) with a host fails `build`.
#[tokio::test]
async fn relative_urls_join_the_base_url() {
    let server = Server::echo().await;
    let s = Session::builder()
        .base_url(&server.url("/api"))
        .build()
        .unwrap();
    let v = crate::seen(s.get("items?page=2")).await;
    assert_eq!(v["path"], "/api/items");
    assert_eq!(v["query"], "page=2");
    let v = crate::seen(s.get("/items")).await;
    assert_eq!(v["path"], "/api/items");
    let v = crate::seen(s.get(server.url("/elsewhere"))).await;
    assert_eq!(v["path"], "/elsewhere");

    for bad in ["ftp://files.example/", "not a url", "http://h.example/?q=1"] {
        let err = Session::builder().base_url(bad).build().unwrap_err();
        assert!(err.is_builder(), "{bad}: {err}");
    }
}
