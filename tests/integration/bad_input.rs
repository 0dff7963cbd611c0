//! Bad input is a typed error before anything is sent.

use sessio::{ErrorKind, Session};
use sessio_tests::Server;

#[tokio::test]
async fn bad_urls_fail_before_sending() {
    let server = Server::echo().await;
    let s = Session::new();
    let cases = [
        ("example.com/path", ErrorKind::InvalidUrl),
        ("http://", ErrorKind::InvalidUrl),
        ("http:///path", ErrorKind::InvalidUrl),
        ("http://.example.com/", ErrorKind::InvalidUrl),
        ("http://exa mple.com/", ErrorKind::InvalidUrl),
        ("ftp://127.0.0.1/file", ErrorKind::NoAdapter),
        ("mailto:user@example.com", ErrorKind::NoAdapter),
    ];
    for (url, kind) in cases {
        let err = s.get(url).send().await.unwrap_err();
        assert_eq!(err.kind(), kind, "{url}: {err}");
        assert!(err.is_builder());
    }
    let err = s.get("example.com").send().await.unwrap_err();
    assert!(
        err.to_string()
            .contains("Perhaps you meant https://example.com?"),
        "{err}"
    );
    let err = s.get("ftp://127.0.0.1/file").send().await.unwrap_err();
    assert!(
        err.to_string()
            .contains("No connection adapters were found"),
        "{err}"
    );
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn bad_headers_fail_before_sending() {
    let server = Server::echo().await;
    let s = Session::new();
    let bad = [
        ("x-bad", "value\r\nInjected: 1"),
        ("x-bad", "value\nInjected: 1"),
        ("x-bad", " leading space"),
        ("x-bad", "\tleading tab"),
        ("bad name", "v"),
        ("x-bad\r\n", "v"),
        ("", "v"),
    ];
    for (name, value) in bad {
        let err = s
            .get(server.url("/"))
            .header(name, value)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidHeader, "{name:?}: {value:?}");
        let err = Session::builder().header(name, value).build().unwrap_err();
        assert!(err.is_builder(), "{name:?}");
    }
    let err = s
        .get(server.url("/"))
        .bearer_auth("a\r\nb")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidHeader);
    assert_eq!(server.requests(), 0, "nothing reached the server");
}

#[tokio::test]
async fn crlf_in_url_path_and_params_is_percent_encoded_never_raw() {
    let server = Server::echo().await;
    let s = Session::new();
    let r = s
        .get(server.url("/a\r\nX-Injected: 1"))
        .query(&[("k", "v\r\nX-Injected: 2")])
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["path"], "/a%0D%0AX-Injected:%201");
    assert_eq!(v["query"], "k=v%0D%0AX-Injected%3A+2");
    assert!(v["headers"].get("x-injected").is_none());
}

#[tokio::test]
async fn bad_builder_settings_are_returned_by_build() {
    let err = Session::builder()
        .add_root_certificate_pem("not a certificate")
        .build()
        .unwrap_err();
    assert!(err.is_builder());
    let err = Session::builder()
        .remove_header("bad name")
        .build()
        .unwrap_err();
    assert!(err.is_builder());
}

/// requests' `InvalidJSONError`: a NaN or infinity anywhere in a JSON body is a
/// builder error before anything is sent (serde_json would send `null`).
#[tokio::test]
async fn json_with_nan_or_infinity_is_an_error_before_sending() {
    let server = sessio_tests::Server::echo().await;
    let s = sessio::Session::new();
    let values = [serde_json::json!({"ok": 1}), serde_json::json!([1.0, 2.0])];
    for value in values {
        let r = s.post(server.url("/")).json(&value).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    let sent_before = server.requests();
    let nested = std::collections::BTreeMap::from([("reading", vec![1.0, f64::NAN])]);
    let err = s
        .post(server.url("/"))
        .json(&nested)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_builder(), "{err}");
    assert!(err.report().to_string().contains("NaN"), "{err}");
    let err = s
        .post(server.url("/"))
        .json(&f64::INFINITY)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_builder(), "{err}");
    assert_eq!(server.requests(), sent_before, "nothing was sent");
}
