//! The per-host connection cap, the pool timeout and the pool counts, against a
//! loopback server that counts the connections it has open.

use std::sync::Arc;
use std::time::Duration;

use crate::eventually;
use futures_util::future::join_all;
use sessio::{HttpAdapter, RetryPolicy, Session};
use sessio_tests::{Server, respond};
use tokio::sync::Semaphore;

/// A server whose `/slow` answers only once the test adds a permit to the
/// returned gate; other paths answer after `delay`.
async fn gated(delay: Duration) -> (Server, Arc<Semaphore>) {
    let gate = Arc::new(Semaphore::new(0));
    let opened = gate.clone();
    let server = Server::start(move |req| {
        let gate = opened.clone();
        async move {
            if req.uri().path() == "/slow" {
                let _ = gate.acquire().await.map(|permit| permit.forget());
            } else {
                tokio::time::sleep(delay).await;
            }
            respond(200, &[], "ok")
        }
    })
    .await;
    (server, gate)
}

async fn many_at_once(session: &Session, server: &Server, n: usize) {
    let requests = (0..n).map(|i| session.get(server.url(&format!("/{i}"))).send());
    for response in join_all(requests).await {
        assert_eq!(response.expect("every request succeeds").status(), 200);
    }
}

#[tokio::test]
async fn sixty_four_requests_under_a_cap_of_four_share_four_connections() {
    let (server, _gate) = gated(Duration::from_millis(20)).await;
    let session = Session::builder()
        .max_connections_per_host(4)
        .build()
        .unwrap();
    many_at_once(&session, &server, 64).await;
    assert!(
        server.peak_connections() <= 4,
        "{} connections open at once",
        server.peak_connections()
    );
    assert!(
        server.connections() <= 4,
        "{} connections",
        server.connections()
    );
    assert_eq!(server.requests(), 64);
    let stats = session.pool_stats();
    assert!(stats.created <= 4, "{stats:?}");
    assert_eq!(stats.reused, 64 - stats.created, "{stats:?}");
    assert_eq!(stats.waiting, 0, "{stats:?}");
}

#[tokio::test]
async fn without_a_cap_the_same_load_opens_more_connections() {
    // The control for the test above: the cap is what keeps the count at 4.
    let (server, _gate) = gated(Duration::from_millis(50)).await;
    let session = Session::new();
    many_at_once(&session, &server, 64).await;
    assert!(
        server.peak_connections() > 4,
        "{}",
        server.peak_connections()
    );
}

#[tokio::test]
async fn a_full_pool_times_out_with_a_typed_error_and_sends_nothing() {
    let (server, gate) = gated(Duration::ZERO).await;
    let session = Session::builder()
        .max_connections_per_host(1)
        .pool_timeout(Duration::from_millis(100))
        // A pool timeout is not retried (a retry would only add to a full pool).
        .max_retries(RetryPolicy::new().total(3))
        .build()
        .unwrap();
    let holder = tokio::spawn({
        let (session, url) = (session.clone(), server.url("/slow"));
        async move { session.get(url).send().await }
    });
    eventually("the slow request is served", || server.requests() == 1).await;

    let err = session.get(server.url("/fast")).send().await.unwrap_err();
    assert!(err.is_pool_timeout(), "{err}");
    assert!(err.is_timeout() && !err.is_connect(), "{err}");
    assert!(
        err.to_string().contains("max_connections_per_host"),
        "{err}"
    );
    assert_eq!(server.requests(), 1, "the timed-out request was not sent");

    gate.add_permits(1);
    assert_eq!(holder.await.unwrap().unwrap().status(), 200);
    let r = session.get(server.url("/fast")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(server.connections(), 1, "the freed connection was reused");
}

#[tokio::test]
async fn a_cancelled_waiter_leaves_the_queue() {
    let (server, gate) = gated(Duration::ZERO).await;
    let session = Session::builder()
        .max_connections_per_host(1)
        .build()
        .unwrap();
    let holder = tokio::spawn({
        let (session, url) = (session.clone(), server.url("/slow"));
        async move { session.get(url).send().await }
    });
    eventually("the slow request is served", || server.requests() == 1).await;

    let waiter = tokio::spawn({
        let (session, url) = (session.clone(), server.url("/never-sent"));
        async move { session.get(url).send().await }
    });
    eventually("the second request waits", || {
        session.pool_stats().waiting == 1
    })
    .await;
    waiter.abort();
    assert!(waiter.await.unwrap_err().is_cancelled());
    assert_eq!(session.pool_stats().waiting, 0);

    gate.add_permits(1);
    assert_eq!(holder.await.unwrap().unwrap().status(), 200);
    let r = session.get(server.url("/after")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(server.requests(), 2, "the cancelled request was never sent");
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn pool_stats_count_connections_and_reuse() {
    let server = Server::echo().await;
    let adapter = HttpAdapter::new();
    let session = Session::builder()
        .mount("http://", adapter.clone())
        .build()
        .unwrap();
    for _ in 0..3 {
        session.get(server.url("/")).send().await.unwrap();
    }
    let stats = adapter.pool_stats();
    assert_eq!(
        (stats.open, stats.created, stats.reused),
        (1, 1, 2),
        "{stats:?}"
    );
    // The adapter is mounted twice (https:// default and http://): it is not
    // counted twice, and the unused default adapter adds nothing.
    assert_eq!(session.pool_stats(), stats);

    let unpooled = Session::builder().unpooled().build().unwrap();
    for _ in 0..3 {
        unpooled.get(server.url("/")).send().await.unwrap();
    }
    let stats = unpooled.pool_stats();
    assert_eq!((stats.created, stats.reused), (3, 0), "{stats:?}");
}

#[tokio::test]
async fn a_cap_of_zero_is_a_builder_error() {
    let err = HttpAdapter::builder()
        .max_connections_per_host(0)
        .build()
        .unwrap_err();
    assert!(err.is_builder(), "{err}");
    assert!(
        err.to_string().contains("max_connections_per_host"),
        "{err}"
    );
}
