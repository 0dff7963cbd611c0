//! The prepare steps on requests without session state.

use http::Method;
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};

use super::*;
use crate::{Auth, Body};

#[test]
fn prepare_sets_content_length_as_requests() {
    let mut request = Request::new(Method::POST, "http://example.com/");
    request.parts_mut().body = Some(RequestBody {
        body: Body::from("abc"),
        content_type: None,
    });
    let prepared = request.prepare().unwrap();
    assert_eq!(prepared.headers()[CONTENT_LENGTH], "3");
    assert!(!prepared.headers().contains_key(CONTENT_TYPE));

    let prepared = Request::new(Method::POST, "http://example.com/")
        .prepare()
        .unwrap();
    assert_eq!(prepared.headers()[CONTENT_LENGTH], "0");

    let prepared = Request::new(Method::GET, "http://example.com/")
        .prepare()
        .unwrap();
    assert!(!prepared.headers().contains_key(CONTENT_LENGTH));
}

#[test]
fn stream_bodies_are_chunked() {
    let mut request = Request::new(Method::PUT, "http://example.com/");
    let stream = futures_util::stream::iter(vec![Ok::<_, std::io::Error>("x")]);
    request.parts_mut().body = Some(RequestBody {
        body: Body::wrap_stream(stream),
        content_type: None,
    });
    let prepared = request.prepare().unwrap();
    assert_eq!(prepared.headers()[TRANSFER_ENCODING], "chunked");
    assert!(!prepared.headers().contains_key(CONTENT_LENGTH));
}

#[test]
fn url_credentials_become_basic_auth() {
    let prepared = Request::new(Method::GET, "http://us%40er:p%3Ass@example.com/")
        .prepare()
        .unwrap();
    // base64("us@er:p:ss")
    assert_eq!(prepared.headers()[AUTHORIZATION], "Basic dXNAZXI6cDpzcw==");
    let uri = prepared.into_http().unwrap().uri().clone();
    assert_eq!(uri.to_string(), "http://example.com/");
}

#[test]
fn explicit_auth_wins_over_url_credentials_and_disabled_drops_both() {
    let mut request = Request::new(Method::GET, "http://u:p@example.com/");
    request.parts_mut().auth = AuthSetting::Set(Auth::bearer("t"));
    let prepared = request.prepare().unwrap();
    assert_eq!(prepared.headers()[AUTHORIZATION], "Bearer t");
}

#[test]
fn lowercase_methods_are_upper_cased() {
    let method = Method::from_bytes(b"patch").unwrap();
    let prepared = Request::new(method, "http://example.com/")
        .prepare()
        .unwrap();
    assert_eq!(prepared.method(), Method::PATCH);
}
