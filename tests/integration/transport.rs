//! The default HttpAdapter: pooling, HTTP/1.1 and HTTP/2, TLS with an extra root.

use sessio::{HttpAdapter, Session, Version};
use sessio_tests::{Server, TestCa};

use crate::seen;

#[tokio::test]
async fn a_session_reuses_one_connection() {
    let server = Server::echo().await;
    let s = Session::new();
    for _ in 0..5 {
        let v = seen(s.get(server.url("/pooled"))).await;
        assert_eq!(v["path"], "/pooled");
    }
    assert_eq!(server.requests(), 5);
    assert_eq!(
        server.connections(),
        1,
        "pooled: one connection for five requests"
    );
}

#[tokio::test]
async fn an_unpooled_session_opens_a_connection_per_request() {
    let server = Server::echo().await;
    let s = Session::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    for _ in 0..4 {
        seen(s.get(server.url("/unpooled"))).await;
    }
    assert_eq!(server.connections(), 4);
    let s = Session::builder().unpooled().build().unwrap();
    seen(s.get(server.url("/"))).await;
    assert_eq!(server.connections(), 5);
}

#[tokio::test]
async fn concurrent_requests_share_the_pool() {
    let server = Server::echo().await;
    let s = Session::new();
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let s = s.clone();
            let url = server.url(&format!("/c/{i}"));
            tokio::spawn(async move { s.get(url).send().await.map(|r| r.status()) })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 200);
    }
    let first_round = server.connections();
    assert!(first_round <= 16);
    for i in 0..16 {
        seen(s.get(server.url(&format!("/again/{i}")))).await;
    }
    assert_eq!(
        server.connections(),
        first_round,
        "idle connections were reused"
    );
}

#[tokio::test]
async fn http2_prior_knowledge_over_plain_http() {
    let server = Server::echo().await;
    let s = Session::builder().http2_prior_knowledge().build().unwrap();
    let r = s.get(server.url("/h2")).send().await.unwrap();
    assert_eq!(r.version(), Version::HTTP_2);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["version"], "HTTP/2.0");
    assert!(
        v["headers"].get("connection").is_none(),
        "no Connection header on HTTP/2"
    );
    assert_eq!(v["headers"]["accept"], "*/*");
    for _ in 0..3 {
        seen(s.get(server.url("/h2"))).await;
    }
    assert_eq!(server.connections(), 1, "one multiplexed connection");
}

#[tokio::test]
async fn https_with_an_extra_root_certificate() {
    let ca = TestCa::new();
    let server = Server::start_tls(&ca, sessio_tests::echo).await;
    let s = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .build()
        .unwrap();
    let r = s.get(server.url("/tls")).send().await.unwrap();
    assert_eq!(
        r.version(),
        Version::HTTP_11,
        "HTTP/1.1 unless HTTP/2 is enabled"
    );
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["path"], "/tls");
    seen(s.get(server.localhost_url("/by-name"))).await;

    let der = Session::builder()
        .add_root_certificate(ca.ca_der())
        .build()
        .unwrap();
    seen(der.get(server.url("/der"))).await;
}

#[tokio::test]
async fn https_negotiates_http2_by_alpn_when_enabled() {
    let ca = TestCa::new();
    let server = Server::start_tls(&ca, sessio_tests::echo).await;
    let s = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .http2(true)
        .build()
        .unwrap();
    let r = s.get(server.url("/alpn")).send().await.unwrap();
    assert_eq!(r.version(), Version::HTTP_2);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(
        v["headers"].get("connection").is_none(),
        "hyper drops Connection on h2"
    );
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_error() {
    let ca = TestCa::new();
    let server = Server::start_tls(&ca, sessio_tests::echo).await;
    let err = Session::new()
        .get(server.url("/"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_tls(), "{err:?}");
    assert!(err.is_connect());
    assert_eq!(err.url().unwrap().as_str(), server.url("/"));
    let text = err.report().to_string();
    assert!(
        text.contains("UnknownIssuer") && text.contains(&server.url("/")),
        "Display names the root cause and the URL: {text}"
    );
    let other = TestCa::new();
    let s = Session::builder()
        .add_root_certificate_pem(other.ca_pem())
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    assert!(s.get(server.url("/")).send().await.unwrap_err().is_tls());
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = Session::new()
        .get(format!("http://{addr}/"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(!err.is_timeout());
    assert!(
        std::error::Error::source(&err).is_some(),
        "the cause is kept"
    );
    let text = err.report().to_string();
    assert!(
        text.to_lowercase().contains("refused"),
        "Display says why: {text}"
    );
}

#[tokio::test]
async fn headers_go_out_in_title_case_on_http1() {
    let raw = sessio_tests::raw_head_server().await;
    let s = Session::builder()
        .header("x-custom-name", "v")
        .build()
        .unwrap();
    let head = s
        .get(raw.url("http", "/case"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(head.starts_with("GET /case HTTP/1.1\r\n"), "{head}");
    assert!(head.contains("\r\nUser-Agent: sessio/"), "{head}");
    assert!(head.contains("\r\nX-Custom-Name: v\r\n"), "{head}");
    assert!(head.contains("\r\nHost: 127.0.0.1:"), "{head}");
}

#[tokio::test]
async fn a_default_adapter_is_cheap_to_build_and_clone() {
    let adapter = HttpAdapter::new();
    let clone = adapter.clone();
    assert!(format!("{clone:?}").contains("pool_max_idle_per_host"));
    drop(adapter);
}

/// `verify(false)` (requests' `verify=False`) and its explicit name accept a
/// certificate nobody trusts; the default refuses it.
#[tokio::test]
async fn verify_false_accepts_an_untrusted_certificate_and_the_default_does_not() {
    let ca = TestCa::new();
    let server = Server::start_tls(&ca, sessio_tests::echo).await;
    let err = Session::new()
        .get(server.url("/"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_tls(), "{err:?}");
    for session in [
        Session::builder().verify(false).build().unwrap(),
        Session::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .unwrap(),
    ] {
        seen(session.get(server.url("/unverified"))).await;
    }
    // The name is not checked either: a certificate for 127.0.0.1 and
    // localhost, reached as `wrong.test`, fails with the CA trusted and
    // passes with verification off.
    let wrong = format!("https://wrong.test:{}/", server.addr().port());
    let trusting = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .resolve("wrong.test", server.addr())
        .build()
        .unwrap();
    let err = trusting.get(&wrong).send().await.unwrap_err();
    assert!(err.is_tls(), "{err:?}");
    let unverified = Session::builder()
        .verify(false)
        .resolve("wrong.test", server.addr())
        .build()
        .unwrap();
    seen(unverified.get(&wrong)).await;
    // Turning it back on restores the check.
    let err = Session::builder()
        .verify(false)
        .verify(true)
        .build()
        .unwrap()
        .get(server.url("/"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_tls(), "{err:?}");
}
