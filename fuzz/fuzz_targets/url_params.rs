//! URL preparation with params: the session's and the request's, merged and
//! appended as requests does. A prepared http(s) request must always become a
//! valid `http::Request` with a host, and no prepared URL with a host has raw
//! spaces or control bytes.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sessio::{Method, Request, Session};

fn session() -> &'static Session {
    static SESSION: OnceLock<Session> = OnceLock::new();
    SESSION.get_or_init(|| {
        Session::builder()
            .param("session", "1")
            .build()
            .expect("a session with a param")
    })
}

fuzz_target!(|data: &[u8]| {
    // The URL, then key, value, key, value... separated by NUL.
    let text = String::from_utf8_lossy(data);
    let mut pieces = text.split('\0');
    let url = pieces.next().unwrap_or_default();
    let mut request = Request::new(Method::GET, url);
    let rest: Vec<&str> = pieces.collect();
    for pair in rest.chunks(2) {
        let value = pair.get(1).copied().unwrap_or_default();
        request
            .parts_mut()
            .params
            .push((pair[0].to_owned(), value.to_owned()));
    }
    let Ok(prepared) = session().prepare(request) else {
        return;
    };
    let prepared_url = prepared.url().as_str().to_owned();
    // An opaque URL (`z:a b`, no host) passes through as requests leaves it,
    // spaces included; it can never be sent (no host), so only URLs with a
    // host must be free of raw spaces and control bytes.
    assert!(
        prepared.url().cannot_be_a_base()
            || !prepared_url.bytes().any(|b| b <= b' ' || b == 0x7f),
        "raw space or control byte in {prepared_url:?}"
    );
    // Other schemes pass through unprepared, as in requests (`e:x` is left to
    // the adapter lookup); an http(s) URL always converts and keeps its host.
    let web = matches!(prepared.url().scheme(), "http" | "https");
    match prepared.into_http() {
        Ok(http) => assert!(
            !web || http.uri().host().is_some(),
            "{prepared_url:?} lost its host"
        ),
        Err(err) if web => panic!("{prepared_url:?} was prepared but does not convert: {err}"),
        Err(err) => assert!(err.is_builder(), "{prepared_url:?}: {err}"),
    }
});
