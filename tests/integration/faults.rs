//! Faults of RELIABILITY.md §3 a pooled client must survive: each is a typed error
//! (never a short `Ok`, a panic or a hang), and the session keeps working.

use std::time::Duration;

use sessio::{ErrorKind, Session};
use sessio_tests::{RawReply, Server, raw_server};

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_a_body_error() {
    // §3 #5: CL 100, 10 bytes, FIN
    let server = raw_server(RawReply::Bytes(
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789",
    ))
    .await;
    let err = Session::new()
        .get(server.url("http", "/"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Body, "{err:?}");
    let r = Session::new()
        .get(server.url("http", "/"))
        .stream(true)
        .send()
        .await
        .unwrap();
    assert!(r.bytes().await.unwrap_err().is_body(), "never a short Ok");
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_a_request_error() {
    // §3 #3
    let server = raw_server(RawReply::Close).await;
    let err = Session::new()
        .post(server.url("http", "/"))
        .body("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Request, "{err:?}");
}

#[tokio::test]
async fn an_invalid_status_line_is_a_request_error() {
    // §3 #14
    let server = raw_server(RawReply::Bytes(b"HTTX/1.1 200 OK\r\n\r\n")).await;
    let err = Session::new()
        .get(server.url("http", "/"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Request, "{err:?}");
}

#[tokio::test]
async fn a_broken_chunked_body_is_a_body_error() {
    // §3 #16
    let server = raw_server(RawReply::Bytes(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    ))
    .await;
    let err = Session::new()
        .get(server.url("http", "/"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Body, "{err:?}");
}

#[tokio::test]
async fn head_with_content_length_has_an_empty_body_and_reuses_the_connection() {
    // §3 #19
    let server = Server::start(|_req| async {
        sessio_tests::respond(200, &[("content-length", "1000")], "")
    })
    .await;
    let s = Session::new();
    let r = s.head(server.url("/")).send().await.unwrap();
    assert_eq!(r.headers()["content-length"], "1000");
    assert!(r.bytes().await.unwrap().is_empty());
    s.head(server.url("/")).send().await.unwrap();
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn idle_connections_expire_after_the_pool_idle_timeout() {
    // §3 #1: keep the idle timeout below servers' keep-alive
    let server = Server::echo().await;
    // Margins for a loaded machine: two requests back to back take a few
    // milliseconds of the 300 ms idle timeout; the pause is over three times it.
    let s = Session::builder()
        .pool_idle_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    s.get(server.url("/")).send().await.unwrap();
    s.get(server.url("/")).send().await.unwrap();
    assert_eq!(server.connections(), 1);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    s.get(server.url("/")).send().await.unwrap();
    assert_eq!(server.connections(), 2, "the idle connection was dropped");
}

#[tokio::test]
async fn a_dropped_response_future_leaves_the_session_usable() {
    // §3 #30: cancellation
    let server = Server::echo().await;
    let s = Session::new();
    let slow = s.get(server.url("/delay/2000")).send();
    assert!(
        tokio::time::timeout(Duration::from_millis(50), slow)
            .await
            .is_err()
    );
    let r = s.get(server.url("/after")).send().await.unwrap();
    assert!(r.ok());
}

/// Response heads are bounded as Python's http.client bounds them: a header line
/// of more than 64 KiB or more than 100 header fields is a typed error, and
/// both limits can be raised on the adapter.
#[tokio::test]
async fn huge_header_lines_and_too_many_headers_are_errors() {
    let long = "x".repeat(70 * 1024);
    let server = Server::start(move |req| {
        let long = long.clone();
        async move {
            let mut response = http::Response::builder();
            match req.uri().path() {
                "/long" => response = response.header("x-long", long),
                _ => {
                    for i in 0..101 {
                        response = response.header(format!("x-h{i}"), "v");
                    }
                }
            }
            response.body(sessio_tests::full("")).unwrap()
        }
    })
    .await;
    let s = Session::new();
    let err = s.get(server.url("/long")).send().await.unwrap_err();
    assert!(err.is_request(), "{err:?}");
    assert!(err.to_string().contains("x-long"), "{err}");
    let err = s.get(server.url("/many")).send().await.unwrap_err();
    assert!(err.is_request(), "{err:?}");

    let roomy = sessio::HttpAdapter::builder()
        .max_header_line(128 * 1024)
        .max_response_headers(200)
        .build()
        .unwrap();
    let s = Session::builder().mount("http://", roomy).build().unwrap();
    let r = s.get(server.url("/long")).send().await.unwrap();
    assert_eq!(r.headers()["x-long"].len(), 70 * 1024);
    let r = s.get(server.url("/many")).send().await.unwrap();
    assert_eq!(
        r.headers().len(),
        101 + 2,
        "the 101 fields, date and content-length"
    );
}
