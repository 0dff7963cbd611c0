//! What a response says about its connection (`Response::connection`), and the
//! idle / in-use counts of `pool_stats`, against loopback servers.

use crate::eventually;
use sessio::{HttpAdapter, Session, Version};
use sessio_tests::{Server, TestCa, respond};

#[tokio::test]
async fn each_response_says_whether_its_connection_was_reused() {
    let server = Server::echo().await;
    let session = Session::new();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let r = session.get(server.url("/")).send().await.unwrap();
        seen.push(r.connection().expect("HttpAdapter sets it").clone());
    }
    assert!(!seen[0].is_reused(), "{:?}", seen[0]);
    assert!(seen[1].is_reused() && seen[2].is_reused(), "{seen:?}");
    assert!(seen.iter().all(|c| c.id() == seen[0].id()), "{seen:?}");
    assert_eq!(server.connections(), 1);

    let first = &seen[0];
    assert_eq!(first.remote_addr(), Some(server.addr()));
    let local = first.local_addr().expect("local address");
    assert!(local.ip().is_loopback() && local.port() != server.addr().port());
    assert!(first.connect_time().is_some(), "{first:?}");
    assert_eq!(first.tls_time(), None, "plain HTTP has no handshake");
}

#[tokio::test]
async fn without_pooling_every_response_has_a_new_connection() {
    let server = Server::echo().await;
    let session = Session::builder().unpooled().build().unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let r = session.get(server.url("/")).send().await.unwrap();
        let conn = r.connection().unwrap();
        assert!(!conn.is_reused(), "{conn:?}");
        ids.push(conn.id());
    }
    ids.dedup();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert_eq!(server.connections(), 3);
}

#[tokio::test]
async fn tls_connections_report_the_handshake_time() {
    let ca = TestCa::new();
    let server = Server::start_tls(&ca, sessio_tests::echo).await;
    for http2 in [false, true] {
        let session = Session::builder()
            .add_root_certificate_pem(ca.ca_pem())
            .http2(http2)
            .build()
            .unwrap();
        let first = session.get(server.url("/")).send().await.unwrap();
        let second = session.get(server.url("/")).send().await.unwrap();
        let expected = if http2 {
            Version::HTTP_2
        } else {
            Version::HTTP_11
        };
        assert_eq!(second.version(), expected);
        let (a, b) = (first.connection().unwrap(), second.connection().unwrap());
        assert!(
            a.tls_time().is_some() && a.connect_time().is_some(),
            "{a:?}"
        );
        assert_eq!(a.remote_addr(), Some(server.addr()));
        assert!(
            !a.is_reused() && b.is_reused(),
            "http2={http2}: {a:?} {b:?}"
        );
        assert_eq!(a.id(), b.id());
    }
}

#[tokio::test]
async fn a_redirect_hop_reuses_the_connection_of_the_hop_before() {
    let server = Server::start(|req| async move {
        match req.uri().path() {
            "/from" => respond(302, &[("location", "/to")], ""),
            _ => respond(200, &[], "there"),
        }
    })
    .await;
    let r = Session::new()
        .get(server.url("/from"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.history().len(), 1);
    let conn = r.connection().unwrap().clone();
    assert_eq!(r.text().await.unwrap(), "there");
    assert!(conn.is_reused(), "{conn:?}");
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn pool_stats_count_a_connection_in_use_until_its_body_is_read() {
    let server = Server::start(|_| async { respond(200, &[], "x".repeat(100_000)) }).await;
    let adapter = HttpAdapter::new();
    let session = Session::builder()
        .mount("http://", adapter.clone())
        .build()
        .unwrap();
    let stats = adapter.pool_stats();
    assert_eq!((stats.open, stats.idle, stats.in_use), (0, 0, 0));

    // Two responses held unread: two connections, both in use.
    let mut a = session
        .get(server.url("/a"))
        .stream(true)
        .send()
        .await
        .unwrap();
    let b = session
        .get(server.url("/b"))
        .stream(true)
        .send()
        .await
        .unwrap();
    let stats = adapter.pool_stats();
    assert_eq!(
        (stats.open, stats.idle, stats.in_use),
        (2, 0, 2),
        "{stats:?}"
    );

    // One read to the end: its connection goes back to the pool, idle.
    while a.chunk().await.unwrap().is_some() {}
    let stats = adapter.pool_stats();
    assert_eq!(
        (stats.open, stats.idle, stats.in_use),
        (2, 1, 1),
        "{stats:?}"
    );

    // The other dropped unread: hyper closes that connection.
    drop(b);
    eventually("the unread connection closes", || {
        adapter.pool_stats().open == 1
    })
    .await;
    let stats = adapter.pool_stats();
    assert_eq!(
        (stats.open, stats.idle, stats.in_use),
        (1, 1, 0),
        "{stats:?}"
    );

    // The idle one is reused, and is in use while the new response is held.
    let c = session
        .get(server.url("/c"))
        .stream(true)
        .send()
        .await
        .unwrap();
    assert!(c.connection().unwrap().is_reused());
    let stats = adapter.pool_stats();
    assert_eq!(
        (stats.open, stats.idle, stats.in_use),
        (1, 0, 1),
        "{stats:?}"
    );
    assert_eq!(c.bytes().await.unwrap().len(), 100_000);
    assert_eq!(adapter.pool_stats().in_use, 0);
}

#[tokio::test]
async fn responses_report_the_lookup_connect_tls_write_and_first_byte_times() {
    let ca = TestCa::new();
    let server = Server::start_tls(&ca, |_| async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        respond(200, &[], "ok")
    })
    .await;
    let lookups = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = lookups.clone();
    let addr = server.addr();
    let session = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .resolver(move |_host: &str| -> sessio::Resolving {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(std::future::ready(Ok(vec![addr])))
        })
        .build()
        .unwrap();
    let url = format!("https://localhost:{}/", addr.port());
    let first = session.get(&url).send().await.unwrap();
    let a = first.connection().unwrap().clone();
    assert!(a.dns_time().is_some(), "a name was looked up: {a:?}");
    assert!(
        a.connect_time().is_some() && a.tls_time().is_some(),
        "{a:?}"
    );
    assert!(a.write_time().is_some(), "{a:?}");
    let first_byte = a.first_byte_time().expect("time to first byte");
    assert!(
        first_byte >= std::time::Duration::from_millis(50),
        "the server waited 50 ms before answering: {a:?}"
    );
    assert!(a.write_time() <= Some(first_byte), "{a:?}");

    let second = session.get(&url).send().await.unwrap();
    let b = second.connection().unwrap();
    assert!(b.is_reused() && b.id() == a.id(), "{b:?}");
    assert!(b.first_byte_time().unwrap() >= std::time::Duration::from_millis(50));
    assert_eq!(lookups.load(std::sync::atomic::Ordering::SeqCst), 1);

    // An IP address in the URL is not looked up.
    let direct = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .build()
        .unwrap()
        .get(server.url("/"))
        .send()
        .await
        .unwrap();
    assert_eq!(direct.connection().unwrap().dns_time(), None);
}
