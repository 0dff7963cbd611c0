//! Each deliberate difference from requests, as listed in the crate docs'
//! "Differences from requests" section, pinned by a test.

use std::time::Duration;

use sessio::{Auth, ErrorKind, Session};
use sessio_tests::{RawReply, Server, raw_server};

use crate::seen;

#[tokio::test]
async fn no_auth_sends_neither_session_auth_nor_url_credentials() {
    let server = Server::echo().await;
    let s = Session::builder()
        .auth(Auth::basic("u", "p"))
        .build()
        .unwrap();
    let url = format!("http://a:b@{}/", server.addr());
    let v = seen(s.get(&url).no_auth()).await;
    assert!(v["headers"].get("authorization").is_none());
}

#[tokio::test]
async fn a_closed_session_stays_closed() {
    let server = Server::echo().await;
    let s = Session::new();
    s.close().await;
    assert_eq!(
        s.get(server.url("/")).send().await.unwrap_err().kind(),
        ErrorKind::Closed
    );
}

#[tokio::test]
async fn a_session_wide_timeout_exists() {
    let server = Server::echo().await;
    let s = Session::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    assert!(
        s.get(server.url("/delay/1000"))
            .send()
            .await
            .unwrap_err()
            .is_timeout()
    );
}

#[tokio::test]
async fn a_read_timeout_while_streaming_is_a_timeout_error() {
    let server = Server::echo().await;
    let s = Session::builder()
        .read_timeout(Duration::from_millis(100))
        .stream(true)
        .build()
        .unwrap();
    let r = s
        .get(server.url("/drip?n=2&gap_ms=500"))
        .send()
        .await
        .unwrap();
    let err = r.bytes().await.unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(err.kind(), ErrorKind::ReadTimeout);
}

#[tokio::test]
async fn the_read_timeout_before_the_head_includes_connection_setup() {
    // The head's read timer starts when the adapter gets the request, so a slow
    // server counts from then; there is no separate "request written" instant.
    let server = Server::echo().await;
    let s = Session::builder()
        .read_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    assert_eq!(
        s.get(server.url("/delay/400"))
            .send()
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::ReadTimeout
    );
}

#[tokio::test]
async fn buffered_reads_are_capped_by_default() {
    // `bytes()`, `text()`, `json()` and `stream(false)` stop at 1 GiB unless the
    // session sets another cap. A body that announces one byte more is refused
    // at once, before anything is read...
    let over = raw_server(RawReply::Bytes(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1073741825\r\n\r\nhello",
    ))
    .await;
    let err = Session::new()
        .get(over.url("http", "/"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_body(), "{err:?}");
    assert!(
        causes(&err).contains("limit of 1073741824 bytes"),
        "{err:?}"
    );
    // ...while exactly 1 GiB is read (and found cut short here), and a session
    // without a cap reads on too.
    let exact = raw_server(RawReply::Bytes(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\nhello",
    ))
    .await;
    let err = Session::new()
        .get(exact.url("http", "/"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_body() && !causes(&err).contains("limit"), "{err:?}");
    let uncapped = Session::builder()
        .max_decompressed_size(None)
        .build()
        .unwrap();
    let err = uncapped
        .get(over.url("http", "/"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_body() && !causes(&err).contains("limit"), "{err:?}");
}

/// The error and its causes, as text.
fn causes(err: &sessio::Error) -> String {
    let mut text = err.to_string();
    let mut next = std::error::Error::source(err);
    while let Some(cause) = next {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        next = cause.source();
    }
    text
}

/// requests guesses a body's charset when nothing names one (chardet or
/// charset_normalizer, over the whole body); sessio takes valid UTF-8 as
/// UTF-8 without guessing, and asks Firefox's detector about the rest.
#[tokio::test]
async fn text_without_charset_is_utf8_when_valid_and_detected_otherwise() {
    let (shift_jis, _, _) = encoding_rs::SHIFT_JIS
        .encode("日本語のテキストです。文字コードは書かれていませんが、読めるはずです。");
    let latin1: Vec<u8> = "Voilà un texte écrit en français, sans charset déclaré."
        .chars()
        .map(|c| c as u8)
        .collect();
    let bodies = [
        ("/utf8", "caf\u{e9} na\u{ef}ve".as_bytes().to_vec()),
        ("/sjis", shift_jis.into_owned()),
        ("/latin1", latin1),
    ];
    let served = bodies.clone();
    let server =
        Server::start(move |req: http::Request<hyper::body::Incoming>| {
            let body = served
                .iter()
                .find(|(path, _)| *path == req.uri().path())
                .map(|(_, body)| body.clone())
                .unwrap_or_default();
            async move {
                sessio_tests::respond(200, &[("content-type", "application/octet-stream")], body)
            }
        })
        .await;
    let session = Session::new();
    let expected = [
        ("/utf8", "UTF-8", "café naïve"),
        (
            "/sjis",
            "Shift_JIS",
            "日本語のテキストです。文字コードは書かれていませんが、読めるはずです。",
        ),
        (
            "/latin1",
            "windows-1252",
            "Voilà un texte écrit en français, sans charset déclaré.",
        ),
    ];
    for (path, apparent, text) in expected {
        let r = session.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.encoding(), None, "{path}: nothing names a charset");
        assert_eq!(r.apparent_encoding().await.unwrap(), apparent, "{path}");
        assert_eq!(r.text().await.unwrap(), text, "{path}");
    }
}

#[tokio::test]
async fn basic_credentials_outside_latin1_are_utf8() {
    let server = Server::echo().await;
    let v = seen(
        Session::new()
            .get(server.url("/"))
            .basic_auth("ユーザー", "p"),
    )
    .await;
    // base64("ユーザー:p") of the UTF-8 bytes
    assert_eq!(v["headers"]["authorization"], "Basic 44Om44O844K244O8OnA=");
}

#[tokio::test]
async fn http1_header_names_are_title_case() {
    let raw = sessio_tests::raw_head_server().await;
    let head = Session::new()
        .get(raw.url("http", "/"))
        .header("x-lower", "1")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(head.contains("\r\nX-Lower: 1\r\n"), "{head}");
}

#[tokio::test]
async fn request_cookies_stay_with_the_first_origin() {
    let script = sessio_tests::Scripted::new(&[("http://a.test/", 302, "http://b.test/")]);
    let s = Session::builder()
        .mount("http://", script.clone())
        .build()
        .unwrap();
    s.get("http://a.test/")
        .cookie("only_a", "1")
        .send()
        .await
        .unwrap();
    let seen = script.seen();
    assert_eq!(seen[0].headers["cookie"], "only_a=1");
    assert!(
        !seen[1].headers.contains_key("cookie"),
        "requests would send it to b.test"
    );
}

#[tokio::test]
async fn elapsed_after_redirects_counts_from_the_first_request() {
    let server = Server::echo().await;
    let r = Session::new()
        .get(server.url("/redirect/2"))
        .send()
        .await
        .unwrap();
    let hops: std::time::Duration = r.history().iter().map(|h| h.elapsed()).sum();
    assert_eq!(r.history().len(), 2);
    assert!(
        r.elapsed() >= hops,
        "the final elapsed {:?} covers the hops {hops:?}",
        r.elapsed()
    );
}

/// A PUT that a 301 turns into a body-less request is sent with
/// `Content-Length: 0`, and `request()` of that hop shows it (requests'
/// `r.request.headers` does not, though http.client sends it).
#[tokio::test]
async fn a_body_less_put_after_a_301_shows_the_content_length_it_is_sent_with() {
    let server = Server::echo().await;
    let target = server.url("/landed");
    let r = Session::new()
        .put(server.url(&format!("/redirect-to?status=301&url={target}")))
        .body("payload")
        .send()
        .await
        .unwrap();
    let sent = r.request().headers();
    assert_eq!(r.request().method(), "PUT");
    assert_eq!(sent["content-length"], "0", "{sent:?}");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["method"], "PUT");
    assert_eq!(v["headers"]["content-length"], "0", "what the server saw");
    assert_eq!(v["body"], "");
}

/// `Proxy-Authorization` is added by the transport, for the proxy only: the
/// proxy gets it, `request()` never shows it (requests shows it after a
/// redirect, where `rebuild_proxies` puts it into the request's headers).
#[tokio::test]
async fn proxy_authorization_never_appears_in_the_request_view() {
    use sessio_tests::{ProxyOptions, TestProxy};

    let server = Server::echo().await;
    let proxy = TestProxy::http(ProxyOptions::default()).await;
    let s = Session::builder()
        .proxy("http", &proxy.url_with("http", "user:pass"))
        .trust_env(false)
        .build()
        .unwrap();
    let target = server.url("/landed");
    let r = s
        .get(server.url(&format!("/redirect-to?url={target}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.history().len(), 1);
    for hop in std::iter::once(&r).chain(r.history()) {
        assert!(
            hop.request().headers().get("proxy-authorization").is_none(),
            "{:?}",
            hop.request()
        );
    }
    let seen = proxy.seen();
    assert_eq!(seen.len(), 2, "both hops went through the proxy");
    assert!(
        seen.iter()
            .all(|s| s.credentials.as_deref() == Some("Basic dXNlcjpwYXNz"))
    );
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(
        v["headers"].get("proxy-authorization").is_none(),
        "the server never sees it"
    );
}
