//! The per-host connection cap, the pool timeout and the pool counts, against a
//! loopback server that counts the connections it has open.

use std::sync::Arc;
use std::time::Duration;

use crate::eventually;
use futures_util::future::join_all;
use sessio::{HttpAdapter, RetryPolicy, Session};
use sessio_tests::{Server, ServerOptions, respond};
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

/// Sends `/slow` from a task of its own and waits until the server has it:
/// its connection is then busy until the gate opens.
async fn hold(
    session: &Session,
    server: &Server,
) -> tokio::task::JoinHandle<sessio::Result<sessio::Response>> {
    let holder = tokio::spawn({
        let (session, url) = (session.clone(), server.url("/slow"));
        async move { session.get(url).send().await }
    });
    eventually("the slow request is served", || server.requests() == 1).await;
    holder
}

/// A session whose `http://` requests go through an adapter the test can
/// ask for its pool's counts.
fn session_over_its_own_adapter() -> (HttpAdapter, Session) {
    let adapter = HttpAdapter::new();
    let session = Session::builder()
        .mount("http://", adapter.clone())
        .build()
        .unwrap();
    (adapter, session)
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
    let holder = hold(&session, &server).await;

    let err = session.get(server.url("/fast")).send().await.unwrap_err();
    assert!(err.is_pool_timeout(), "{err}");
    assert!(err.is_timeout() && !err.is_connect(), "{err}");
    assert!(
        err.report()
            .to_string()
            .contains("max_connections_per_host"),
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
    let holder = hold(&session, &server).await;

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
    let (adapter, session) = session_over_its_own_adapter();
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
        err.report()
            .to_string()
            .contains("max_connections_per_host"),
        "{err}"
    );
}

/// A server whose every answer takes `delay`.
async fn slow(delay: Duration) -> Server {
    Server::start(move |_| async move {
        tokio::time::sleep(delay).await;
        respond(200, &[], "ok")
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_sequential_requests_use_exactly_one_connection_every_time() {
    // The connection goes back to the pool when its body ends, on the task
    // that read it; the next request finds it even when the connection's own
    // task runs on the other thread and has not yet caught up.
    for round in 0..20 {
        let server = Server::echo().await;
        let session = Session::new();
        for _ in 0..1000 {
            let r = session.get(server.url("/")).send().await.unwrap();
            assert_eq!(r.status(), 200);
        }
        assert_eq!(server.connections(), 1, "round {round}");
        let stats = session.pool_stats();
        assert_eq!(
            (stats.created, stats.reused),
            (1, 999),
            "round {round}: {stats:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_login_redirect_chains_use_one_connection() {
    let server = Server::start(|req| async move {
        match req.uri().path() {
            "/login" => respond(
                302,
                &[("location", "/home"), ("set-cookie", "session=s1; Path=/")],
                "",
            ),
            _ => {
                let cookie = req.headers().get("cookie").cloned();
                respond(200, &[], if cookie.is_some() { "in" } else { "out" })
            }
        }
    })
    .await;
    let session = Session::new();
    for _ in 0..200 {
        let r = session
            .post(server.url("/login"))
            .body("user=a")
            .send()
            .await
            .unwrap();
        assert_eq!(r.history().len(), 1);
        assert_eq!(r.text().await.unwrap(), "in");
    }
    assert_eq!(server.requests(), 400);
    assert_eq!(server.connections(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_closing_idle_connections_never_surfaces_an_error() {
    // The server closes a connection that waits 100 ms for its next request;
    // bursts of requests are separated by pauses three times longer, so each
    // burst finds its connection closed while idle: it is noticed and
    // replaced before use, never handed out.
    let server = Server::start_with(
        None,
        ServerOptions {
            close_idle_after: Some(Duration::from_millis(100)),
            ..ServerOptions::default()
        },
        |_| async { respond(200, &[], "ok") },
    )
    .await;
    let session = Session::new();
    for burst in 0..5 {
        for _ in 0..3 {
            let r = session.get(server.url("/")).send().await;
            assert_eq!(
                r.expect("no error after an idle close").status(),
                200,
                "burst {burst}"
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(server.requests(), 15);
    assert_eq!(server.connections(), 5, "one connection per burst");
}

#[tokio::test]
async fn idle_connections_are_closed_by_the_client_after_the_idle_timeout() {
    let server = Server::echo().await;
    let session = Session::builder()
        .pool_idle_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    session.get(server.url("/")).send().await.unwrap();
    assert_eq!(server.open_connections(), 1);
    // No request comes: the connection's own task closes it.
    eventually("the idle connection is closed", || {
        server.open_connections() == 0 && session.pool_stats().open == 0
    })
    .await;
}

#[tokio::test]
async fn max_connections_caps_connections_to_every_host_together() {
    let (a, b) = (
        slow(Duration::from_millis(20)).await,
        slow(Duration::from_millis(20)).await,
    );
    let session = Session::builder().max_connections(3).build().unwrap();
    let requests = (0..24).map(|i| {
        let server = if i % 2 == 0 { &a } else { &b };
        session.get(server.url(&format!("/{i}"))).send()
    });
    for response in join_all(requests).await {
        assert_eq!(response.expect("every request succeeds").status(), 200);
    }
    assert!(
        a.peak_connections() + b.peak_connections() <= 3,
        "{} + {}",
        a.peak_connections(),
        b.peak_connections()
    );
    assert!(
        session.pool_stats().created <= 3,
        "{:?}",
        session.pool_stats()
    );
    assert_eq!(a.requests() + b.requests(), 24);
}

#[tokio::test]
async fn under_max_connections_an_idle_connection_of_another_host_makes_room() {
    let (a, b) = (Server::echo().await, Server::echo().await);
    let session = Session::builder()
        .max_connections(1)
        .pool_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    session.get(a.url("/")).send().await.unwrap();
    // A's connection is idle; B's request closes it and goes.
    session.get(b.url("/")).send().await.unwrap();
    eventually("A's idle connection is closed", || {
        a.open_connections() == 0
    })
    .await;
    assert_eq!(b.open_connections(), 1);
}

#[tokio::test]
async fn max_idle_total_closes_the_least_recently_used_idle_connection_first() {
    let (a, b, c) = (
        Server::echo().await,
        Server::echo().await,
        Server::echo().await,
    );
    let session = Session::builder().max_idle_total(2).build().unwrap();
    for server in [&a, &b, &c] {
        session.get(server.url("/")).send().await.unwrap();
    }
    eventually("A's connection, idle longest, is closed", || {
        a.open_connections() == 0
    })
    .await;
    assert_eq!((b.open_connections(), c.open_connections()), (1, 1));
    let stats = session.pool_stats();
    assert_eq!((stats.open, stats.idle), (2, 2), "{stats:?}");
    // B's is still pooled; A needs a new one.
    session.get(b.url("/")).send().await.unwrap();
    session.get(a.url("/")).send().await.unwrap();
    assert_eq!((a.connections(), b.connections()), (2, 1));
}

#[tokio::test]
async fn a_full_pool_in_all_times_out_with_a_typed_error() {
    let (server, gate) = gated(Duration::ZERO).await;
    let other = Server::echo().await;
    let session = Session::builder()
        .max_connections(1)
        .pool_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let holder = hold(&session, &server).await;
    let err = session.get(other.url("/")).send().await.unwrap_err();
    assert!(err.is_pool_timeout(), "{err}");
    assert_eq!(other.connections(), 0, "nothing was sent");
    gate.add_permits(1);
    assert_eq!(holder.await.unwrap().unwrap().status(), 200);
    // The freed place serves the other host.
    assert_eq!(
        session.get(other.url("/")).send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn pool_stats_by_key_count_each_origin_apart() {
    let (a, b) = (Server::echo().await, Server::echo().await);
    let (adapter, session) = session_over_its_own_adapter();
    for _ in 0..3 {
        session.get(a.url("/")).send().await.unwrap();
    }
    session.get(b.url("/")).send().await.unwrap();
    let keys = adapter.pool_stats_by_key();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let of = |server: &Server| {
        keys.iter()
            .find(|(key, _)| key.authority() == server.addr().to_string())
            .map(|(key, stats)| (key.scheme().to_owned(), key.route().is_none(), *stats))
            .expect("a key per origin")
    };
    let (scheme, default_route, stats) = of(&a);
    assert_eq!((scheme.as_str(), default_route), ("http", true));
    assert_eq!(
        (stats.open, stats.idle, stats.created, stats.reused),
        (1, 1, 1, 2)
    );
    assert_eq!(of(&b).2.created, 1);
    let total = keys
        .iter()
        .fold(sessio::PoolStats::default(), |sum, (_, s)| sum + *s);
    assert_eq!((total.open, total.created, total.reused), (2, 2, 2));
}

#[tokio::test]
async fn a_cap_of_zero_connections_in_all_is_a_builder_error() {
    let err = HttpAdapter::builder()
        .max_connections(0)
        .build()
        .unwrap_err();
    assert!(
        err.is_builder() && err.report().to_string().contains("max_connections"),
        "{err}"
    );
}
