//! HTTP/2 in the pool: ALPN decides once per origin, concurrent requests share
//! one connection and wait for it while it is being made, and a full stream
//! limit or a GOAWAY opens the next connection, one at a time.

use std::time::Duration;

use futures_util::future::join_all;
use sessio::{Session, Version};
use sessio_tests::{Server, ServerOptions, TestCa, TlsOptions, respond};

async fn burst(session: &Session, url: &str, n: usize) -> Vec<Version> {
    let requests = (0..n).map(|i| session.get(format!("{url}{i}")).send());
    join_all(requests)
        .await
        .into_iter()
        .map(|r| {
            let r = r.expect("every request succeeds");
            assert_eq!(r.status(), 200);
            r.version()
        })
        .collect()
}

/// A server that lets a client open 1024 streams at once (hyper's own default
/// is 200: past it, the pool opens a second connection, as the stream limit
/// test below shows).
fn roomy() -> ServerOptions {
    ServerOptions {
        h2_max_concurrent_streams: Some(1024),
        ..ServerOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_fifty_six_first_requests_share_one_alpn_connection() {
    let ca = TestCa::new();
    let server =
        Server::start_with(Some(&ca), roomy(), |_| async { respond(200, &[], "ok") }).await;
    let session = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .http2(true)
        .build()
        .unwrap();
    let versions = burst(&session, &server.url("/"), 256).await;
    assert!(
        versions.iter().all(|v| *v == Version::HTTP_2),
        "{versions:?}"
    );
    assert_eq!(server.connections(), 1);
    assert_eq!(session.pool_stats().created, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prior_knowledge_bursts_share_one_connection() {
    let server = Server::start_with(None, roomy(), |_| async { respond(200, &[], "ok") }).await;
    let session = Session::builder().http2_prior_knowledge().build().unwrap();
    let versions = burst(&session, &server.url("/"), 256).await;
    assert!(versions.iter().all(|v| *v == Version::HTTP_2));
    assert_eq!(server.connections(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_alpn_chooses_http1_the_waiting_requests_open_their_own() {
    let ca = TestCa::new();
    let options = TlsOptions {
        http1_only: true,
        ..TlsOptions::default()
    };
    let server = Server::start_tls_with(&ca, options, |_| async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        respond(200, &[], "ok")
    })
    .await;
    let session = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .http2(true)
        .build()
        .unwrap();
    let versions = burst(&session, &server.url("/"), 16).await;
    assert!(
        versions.iter().all(|v| *v == Version::HTTP_11),
        "{versions:?}"
    );
    // HTTP/1 cannot share: once the first connection said so, the others
    // opened their own.
    let opened = server.connections();
    assert!((2..=16).contains(&opened), "{opened}");
    // The origin is known to speak HTTP/1 now: sequential requests reuse.
    for _ in 0..5 {
        session.get(server.url("/again")).send().await.unwrap();
    }
    assert_eq!(server.connections(), opened);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_stream_limit_opens_the_next_connection_not_a_burst() {
    let server = Server::start_with(
        None,
        ServerOptions {
            h2_max_concurrent_streams: Some(4),
            ..ServerOptions::default()
        },
        |_| async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            respond(200, &[], "ok")
        },
    )
    .await;
    let session = Session::builder().http2_prior_knowledge().build().unwrap();
    // Learn the limit first (the server's SETTINGS arrive with the first answer).
    session.get(server.url("/warm")).send().await.unwrap();
    let versions = burst(&session, &server.url("/"), 32).await;
    assert!(versions.iter().all(|v| *v == Version::HTTP_2));
    let opened = server.connections();
    // 32 streams four at a time need eight connections; never one per request.
    assert!(
        (2..=8).contains(&opened),
        "{opened} connections for 32 requests"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_goaway_moves_later_requests_to_a_new_connection() {
    let server = Server::start_with(
        None,
        ServerOptions {
            requests_per_connection: Some(5),
            ..ServerOptions::default()
        },
        |_| async { respond(200, &[], "ok") },
    )
    .await;
    let session = Session::builder().http2_prior_knowledge().build().unwrap();
    for i in 0..20 {
        let r = session.get(server.url(&format!("/{i}"))).send().await;
        assert_eq!(r.expect("no error across GOAWAYs").status(), 200);
    }
    assert_eq!(server.requests(), 20);
    assert_eq!(server.connections(), 4, "a connection per five requests");
}

#[tokio::test]
async fn idle_http2_connections_close_after_the_idle_timeout() {
    let server = Server::start(|_| async { respond(200, &[], "ok") }).await;
    let session = Session::builder()
        .http2_prior_knowledge()
        .pool_idle_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    session.get(server.url("/")).send().await.unwrap();
    crate::eventually("the idle HTTP/2 connection is closed", || {
        server.open_connections() == 0 && session.pool_stats().open == 0
    })
    .await;
    session.get(server.url("/")).send().await.unwrap();
    assert_eq!(server.connections(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_waiting_for_a_connection_that_fails_fail_with_it() {
    // The one connection the burst waits for cannot be made (its name does
    // not resolve, after a while): every request fails with that error, and
    // the name was looked up once, not once per request in turn.
    let lookups = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = lookups.clone();
    let session = Session::builder()
        .http2_prior_knowledge()
        .resolver(move |host: &str| -> sessio::Resolving {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let host = host.to_owned();
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Err(format!("{host} is not known").into())
            })
        })
        .build()
        .unwrap();
    let requests = (0..64).map(|i| session.get(format!("http://api.test/{i}")).send());
    for result in join_all(requests).await {
        let err = result.expect_err("the name does not resolve");
        assert!(err.is_connect(), "{err}");
        assert!(
            err.report().to_string().contains("api.test is not known"),
            "{err}"
        );
    }
    assert_eq!(lookups.load(std::sync::atomic::Ordering::SeqCst), 1);
    let stats = session.pool_stats();
    assert_eq!(
        (stats.waiting, stats.connecting, stats.open),
        (0, 0, 0),
        "{stats:?}"
    );
}
