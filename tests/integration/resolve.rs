//! Name resolution (fault catalogue row 23): fixed addresses, a resolver of the
//! user's, one that fails and one that hangs. No real DNS: the names end in
//! `.test` and every lookup is answered in the process.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use sessio::{HttpAdapter, Resolving, RetryPolicy, Session};
use sessio_tests::{Server, TestCa};

#[tokio::test]
async fn a_fixed_address_sends_a_name_to_the_loopback_server() {
    let server = Server::echo().await;
    let s = Session::builder()
        .resolve("API.fake.test", server.addr())
        .build()
        .unwrap();
    // No port in the URL: the fixed address's port is used.
    let r = s.get("http://api.fake.test/where").send().await.unwrap();
    let seen: Value = r.json().await.unwrap();
    assert_eq!(seen["headers"]["host"], "api.fake.test");
    assert_eq!(seen["path"], "/where");
}

#[tokio::test]
async fn tls_checks_the_name_in_the_url_not_the_address() {
    let ca = TestCa::new();
    let server = Server::start_tls(&ca, sessio_tests::echo).await;
    let adapter = |host: &str| {
        HttpAdapter::builder()
            .add_root_certificate_pem(ca.ca_pem())
            .resolve(host, server.addr())
            .build()
            .unwrap()
    };
    // The test certificate is for localhost and 127.0.0.1.
    let good = Session::builder()
        .mount("https://", adapter("localhost"))
        .build()
        .unwrap();
    let r = good
        .get(format!("https://localhost:{}/", server.addr().port()))
        .send()
        .await;
    assert_eq!(r.unwrap().status(), 200);
    let bad = Session::builder()
        .mount("https://", adapter("other.test"))
        .build()
        .unwrap();
    let err = bad
        .get(format!("https://other.test:{}/", server.addr().port()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_tls(), "{err}");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_failing_resolver_is_a_connect_error_and_nothing_is_sent() {
    let server = Server::echo().await;
    let lookups = Arc::new(AtomicUsize::new(0));
    let counted = lookups.clone();
    let registry = move |host: &str| -> Resolving {
        counted.fetch_add(1, Ordering::SeqCst);
        let host = host.to_owned();
        Box::pin(async move { Err(format!("{host} is not registered").into()) })
    };
    let s = Session::builder()
        .resolver(registry)
        .max_retries(RetryPolicy::new().total(2))
        .build()
        .unwrap();
    let err = s
        .post("http://missing.test/")
        .body("once")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err}");
    assert!(
        err.report()
            .to_string()
            .contains("missing.test is not registered"),
        "{err}"
    );
    // Nothing was sent, so even a POST is looked up again by the retries.
    assert_eq!(lookups.load(Ordering::SeqCst), 3);
    assert_eq!(server.requests(), 0);

    // IP literals are never resolved.
    let r = s.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(lookups.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn an_empty_answer_is_a_connect_error() {
    let s = Session::builder()
        .resolver(|_: &str| -> Resolving { Box::pin(std::future::ready(Ok(Vec::new()))) })
        .build()
        .unwrap();
    let err = s.get("http://nothing.test/").send().await.unwrap_err();
    assert!(err.is_connect(), "{err}");
    assert!(err.report().to_string().contains("no address"), "{err}");
}

#[tokio::test]
async fn a_hanging_resolver_is_bounded_by_the_connect_timeout() {
    let s = Session::builder()
        .resolver(|_: &str| -> Resolving { Box::pin(std::future::pending()) })
        .connect_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let outer = Duration::from_secs(10);
    let err = tokio::time::timeout(outer, s.get("http://slow-dns.test/").send())
        .await
        .expect("bounded by the connect timeout, not hanging")
        .unwrap_err();
    assert!(err.is_timeout() && err.is_connect(), "{err}");
}

#[tokio::test]
async fn a_resolver_port_is_used_when_the_url_has_none() {
    let server = Server::echo().await;
    let addr: SocketAddr = server.addr();
    let s = Session::builder()
        .resolver(move |_: &str| -> Resolving { Box::pin(std::future::ready(Ok(vec![addr]))) })
        .build()
        .unwrap();
    let r = s.get("http://registry.test/").send().await.unwrap();
    assert_eq!(r.status(), 200);
    // A port in the URL wins over the resolver's.
    let err = s.get("http://registry.test:9/").send().await.unwrap_err();
    assert!(err.is_connect(), "{err}");
}
