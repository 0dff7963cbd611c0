//! Redirects through a whole session against real loopback servers: chains,
//! methods and bodies, limits, loops, history, `allow_redirects(false)`.

use sessio::{ErrorKind, Method, Session, StatusCode};
use sessio_tests::Server;

#[tokio::test]
async fn a_chain_is_followed_and_its_history_kept() {
    let server = Server::echo().await;
    let s = Session::new();
    let r = s.get(server.url("/redirect/3")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.url().path(), "/redirect/0");
    let history = r.history();
    assert_eq!(history.len(), 3);
    let paths: Vec<&str> = history.iter().map(|h| h.url().path()).collect();
    assert_eq!(paths, ["/redirect/3", "/redirect/2", "/redirect/1"]);
    for (i, hop) in history.iter().enumerate() {
        assert_eq!(hop.status(), 302);
        assert!(hop.is_redirect());
        assert_eq!(hop.request().url().path(), paths[i]);
        assert_eq!(hop.history().len(), i, "history[i].history == history[:i]");
        assert_eq!(hop.reason(), "Found");
    }
    assert_eq!(
        r.request().url().path(),
        "/redirect/0",
        "the final request, as sent"
    );
    assert_eq!(
        server.connections(),
        1,
        "drained redirect bodies keep the connection"
    );
}

#[tokio::test]
async fn the_limit_is_requests_max_redirects() {
    let server = Server::echo().await;
    let s = Session::builder().max_redirects(3).build().unwrap();
    let r = s.get(server.url("/redirect/3")).send().await.unwrap();
    assert_eq!(r.history().len(), 3, "N redirects are followed");

    let err = s.get(server.url("/redirect/4")).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Redirect);
    assert!(
        err.to_string().starts_with(&format!(
            "Exceeded 3 redirects for url ({}",
            server.url("/")
        )),
        "{err}"
    );
    let last = err.response().expect("the last response");
    assert_eq!(last.status(), 302);
    assert_eq!(last.url().path(), "/redirect/1");
    assert_eq!(last.history().len(), 3);

    let zero = Session::builder().max_redirects(0).build().unwrap();
    assert!(
        zero.get(server.url("/redirect/1"))
            .send()
            .await
            .unwrap_err()
            .is_redirect()
    );
    assert_eq!(Session::new().max_redirects(), 30);
}

#[tokio::test]
async fn a_loop_ends_with_too_many_redirects_after_31_requests() {
    let server = Server::echo().await;
    let err = Session::new()
        .get(server.url("/loop"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_redirect());
    assert_eq!(err.response().unwrap().history().len(), 30);
    assert_eq!(server.requests(), 31);
}

#[tokio::test]
async fn redirects_without_location_and_other_3xx_are_returned() {
    let server = Server::echo().await;
    let s = Session::new();
    let r = s.get(server.url("/no-location")).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert!(!r.is_redirect());
    let r = s.get(server.url("/status/304")).send().await.unwrap();
    assert_eq!(r.status(), 304);
    let r = s
        .get(server.url("/redirect-to?status=300&url=/get"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 300);
}

#[tokio::test]
async fn method_and_body_on_each_status_over_the_wire() {
    let server = Server::echo().await;
    let s = Session::new();
    for (status, method, expected, body) in [
        (301, Method::POST, "GET", ""),
        (301, Method::PUT, "PUT", ""),
        (302, Method::PUT, "GET", ""),
        (303, Method::DELETE, "GET", ""),
        (301, Method::PATCH, "PATCH", ""),
        (307, Method::POST, "POST", "payload"),
        (308, Method::PUT, "PUT", "payload"),
    ] {
        let url = server.url(&format!("/redirect-to?status={status}&url=/echo"));
        let r = s
            .request(method.clone(), url)
            .body("payload")
            .send()
            .await
            .unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["method"], expected, "{status} {method}");
        assert_eq!(v["body"], body, "{status} {method}");
        // A hop without a body: `Content-Length: 0` for the methods that expect
        // a body (PUT/POST/PATCH, as http.client sends it), nothing for others.
        let length = v["headers"].get("content-length");
        match (body.is_empty(), expected) {
            (true, "PUT" | "POST" | "PATCH") => {
                assert_eq!(length.unwrap(), "0", "{status} {method}")
            }
            (true, _) => assert!(length.is_none(), "{status} {method}"),
            (false, _) => assert_eq!(length.unwrap(), "7", "{status} {method}"),
        }
    }
}

#[tokio::test]
async fn a_stream_body_is_not_sent_twice_on_307() {
    let server = Server::echo().await;
    let chunks = vec![Ok::<_, std::io::Error>("streamed")];
    let body = sessio::Body::wrap_stream(futures_util::stream::iter(chunks));
    let r = Session::new()
        .post(server.url("/redirect-to?status=307&url=/echo"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 307);
    assert!(r.redirect_not_followed().unwrap().contains("stream"));
    assert_eq!(r.next().unwrap().url().path(), "/echo");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn allow_redirects_false_returns_the_3xx_with_next() {
    let server = Server::echo().await;
    let s = Session::new();
    let r = s
        .get(server.url("/redirect/2"))
        .allow_redirects(false)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert!(r.history().is_empty());
    let next = r.next().expect("next");
    assert_eq!(next.url().path(), "/redirect/1");
    assert_eq!(next.method(), Method::GET);
    // requests' pattern: send the next request by hand
    let r = s.send(next.try_clone().unwrap()).await.unwrap();
    assert_eq!(r.url().path(), "/redirect/0");
    assert_eq!(r.history().len(), 1);

    let head = s.head(server.url("/redirect/1")).send().await.unwrap();
    assert_eq!(head.status(), 302, "HEAD does not follow by default");
    let head = s
        .head(server.url("/redirect/1"))
        .allow_redirects(true)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    // requests' `request('HEAD', url)` follows redirects; only `head()` does not
    let head = s
        .request(Method::HEAD, server.url("/redirect/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.history().len(), 1);
    assert_eq!(
        sessio::head(server.url("/redirect/1"))
            .await
            .unwrap()
            .status(),
        302
    );
}

#[tokio::test]
async fn relative_scheme_relative_and_utf8_locations() {
    let server = Server::echo().await;
    let s = Session::new();
    let scheme_relative = format!("//{}/scheme-relative", server.addr());
    let r = s
        .get(server.url(&format!("/redirect-to?url={scheme_relative}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().as_str(), server.url("/scheme-relative"));
    let r = s
        .get(server.url("/redirect-to?url=relative"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().path(), "/relative");
    let r = s.get(server.url("/utf8-location")).send().await.unwrap();
    assert_eq!(r.url().path(), "/caf%C3%A9");
}

#[tokio::test]
async fn fragments_carry_over_redirects() {
    let server = Server::echo().await;
    let s = Session::new();
    let r = s
        .get(server.url("/redirect/2#section"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().fragment(), Some("section"));
    assert_eq!(r.history()[1].url().fragment(), Some("section"));
    let r = s
        .get(server.url("/redirect-to?url=/get%23new#old"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.url().fragment(),
        Some("new"),
        "a new fragment replaces the old"
    );
}

#[tokio::test]
async fn an_invalid_location_is_a_typed_error() {
    let server = Server::echo().await;
    let err = Session::new()
        .get(server.url("/redirect-to?url=http://"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_redirect(), "{err}");
    let err = Session::new()
        .get(server.url("/redirect-to?url=gopher://x/"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NoAdapter);
}

#[tokio::test]
async fn https_only_refuses_plain_http_hops() {
    let server = Server::echo().await;
    let s = Session::builder().https_only(true).build().unwrap();
    let err = s.get(server.url("/redirect/1")).send().await.unwrap_err();
    assert!(err.is_redirect());
}

#[tokio::test]
async fn a_custom_policy_decides() {
    use sessio::layers::redirect::{Action, redirect_fn};
    let server = Server::echo().await;
    let s = Session::builder()
        .redirect_policy(redirect_fn(|attempt| {
            if attempt.previous().len() >= 2 {
                Action::Stop
            } else {
                Action::Follow
            }
        }))
        .build()
        .unwrap();
    let r = s.get(server.url("/redirect/5")).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.history().len(), 1);
    assert!(r.redirect_not_followed().is_some());
    assert_eq!(r.next().unwrap().url().path(), "/redirect/3");
}

#[tokio::test]
async fn redirect_bodies_are_drained_raw_never_decoded() {
    // SEC-32 / RELIABILITY §3 #29: a gzip bomb on a 302
    let server = Server::echo().await;
    let r = Session::new()
        .get(server.url("/redirect-bomb"))
        .stream(true)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let hop = &r.history()[0];
    assert_eq!(hop.headers()["content-encoding"], "gzip");
    assert!(hop.content_length().unwrap() < 64 * 1024);
}
