//! Response tests: decoding, caps, status, charsets.

use std::io::Write;

use futures_util::StreamExt;
use http::StatusCode;

use crate::__private::ResponseExt;
use crate::{BytesStream, Method, PreparedRequest, Response, ResponseBody};

fn response(status: u16, headers: &[(&str, &str)], body: impl Into<ResponseBody>) -> Response {
    let mut builder = http::Response::builder().status(status);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let request = PreparedRequest::new(Method::GET, "http://example.com/x".parse().unwrap());
    Response::new(builder.body(body.into()).unwrap(), request)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[tokio::test]
async fn gzip_is_decoded_on_read_and_headers_are_kept() {
    let r = response(200, &[("content-encoding", "gzip")], gzip(b"hello"));
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(r.bytes().await.unwrap(), "hello");
}

#[tokio::test]
async fn large_gzip_bodies_stream_in_bounded_chunks() {
    let big = vec![b'a'; 8 << 20];
    let r = response(200, &[("content-encoding", "gzip")], gzip(&big));
    let mut stream = r.bytes_stream();
    let mut total = 0;
    let mut largest = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        largest = largest.max(chunk.len());
        total += chunk.len();
    }
    assert_eq!(total, big.len());
    assert!(largest <= 8 << 20 >> 1, "largest chunk {largest}");
}

#[tokio::test]
async fn buffered_reads_are_capped() {
    let mut r = response(200, &[("content-encoding", "gzip")], gzip(&[0u8; 100_000]));
    r.set_max_decompressed_size(Some(10_000));
    let err = r.bytes().await.unwrap_err();
    assert!(err.is_body(), "{err:?}");
}

#[tokio::test]
async fn error_for_status_carries_the_response() {
    let err = response(503, &[], "down").error_for_status().unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(
        err.to_string(),
        "503 Server Error: Service Unavailable for url (http://example.com/x)"
    );
    assert_eq!(err.into_response().unwrap().text().await.unwrap(), "down");
    assert!(response(600, &[], "").ok());
    assert!(response(302, &[], "").error_for_status().is_ok());
}

#[tokio::test]
async fn text_uses_the_charset_and_json_guesses_utf16() {
    let r = response(200, &[("content-type", "text/plain")], &b"caf\xe9"[..]);
    assert_eq!(r.text().await.unwrap(), "café");
    let body: Vec<u8> = "{\"k\": \"v\"}"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let r = response(200, &[], body);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["k"], "v");
    let r = response(200, &[], "{not json");
    assert!(r.json::<serde_json::Value>().await.unwrap_err().is_decode());
}

#[test]
fn redirect_predicates_follow_requests() {
    assert!(response(302, &[("location", "/x")], "").is_redirect());
    assert!(!response(302, &[], "").is_redirect());
    assert!(!response(300, &[("location", "/x")], "").is_redirect());
    assert!(response(308, &[("location", "/x")], "").is_permanent_redirect());
    assert!(!response(307, &[("location", "/x")], "").is_permanent_redirect());
}

#[test]
fn response_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Response>();
    assert_send_sync::<BytesStream>();
}

/// A body whose read was cancelled is gone: reading it again, in chunks or
/// as http, gives an error that says so, never a short body.
#[tokio::test]
async fn a_cancelled_read_leaves_an_error_never_a_short_body() {
    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(http_body::Frame::data(
        bytes::Bytes::from_static(b"part"),
    ))])
    .chain(futures_util::stream::pending());
    let r = response(
        200,
        &[],
        ResponseBody::new(http_body_util::StreamBody::new(chunks)),
    );
    {
        let read = std::pin::pin!(r.bytes());
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(std::future::Future::poll(read, &mut cx).is_pending());
    }
    let err = r.text().await.unwrap_err();
    assert!(
        err.is_body() && err.to_string().contains("cancelled"),
        "{err}"
    );
    let body = r.into_http().into_body();
    let err = http_body_util::BodyExt::collect(body).await.unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");

    // Read whole, the body stays: a copy and the http view have it, decoded.
    let r = response(200, &[("content-encoding", "gzip")], gzip(b"hello"));
    assert_eq!(r.text().await.unwrap(), "hello");
    assert_eq!(r.try_clone().unwrap().bytes().await.unwrap(), "hello");
    let http = r.into_http();
    assert!(http.headers().get("content-encoding").is_none());
    let body = http_body_util::BodyExt::collect(http.into_body())
        .await
        .unwrap();
    assert_eq!(body.to_bytes(), "hello");
}
