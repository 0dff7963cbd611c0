//! Slow servers: no head in time, a stall mid-body, a trickle. The read and
//! total timeouts themselves are pinned in `timeouts`; these rows add that the
//! timed-out connection is never used again (a late answer on it would be
//! taken for the next request's) and that a POST is not sent again.

use std::time::Duration;

use bytes::Bytes;
use sessio::{ErrorKind, RetryPolicy, Session};
use sessio_tests::{FaultServer, Step};

use super::{ok, within};

/// Answers `late` after `pause`, and `reused` to a next request on the same
/// connection.
fn slow(pause: Duration, late: &str) -> Vec<Step> {
    vec![
        Step::ReadRequest,
        Step::Sleep(pause),
        Step::Write(ok(late)),
        Step::ReadRequest,
        Step::Write(ok("reused")),
        Step::AwaitClose,
    ]
}

// Row 7
#[tokio::test]
async fn a_read_timeout_before_the_head_discards_the_connection_and_a_post_is_not_resent() {
    let pause = Duration::from_secs(2);
    let server = FaultServer::start(vec![
        slow(pause, "late"),
        slow(pause, "late"),
        vec![Step::Serve(ok("fresh"))],
    ])
    .await;
    let s = Session::builder()
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    // With retries on, a read timeout is retried for idempotent methods only.
    let retrying = Session::builder()
        .read_timeout(Duration::from_millis(300))
        .max_retries(RetryPolicy::new().total(3))
        .build()
        .unwrap();
    within(10, async {
        let err = s.get(server.url("/slow")).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ReadTimeout, "{err:?}");
        let err = retrying
            .post(server.url("/order"))
            .body("x")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ReadTimeout, "{err:?}");
        let r = s.get(server.url("/next")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fresh", "never the late answer");
    })
    .await;
    assert_eq!(server.requests("POST", "/order"), 1);
    assert_eq!(server.requests("GET", "/next"), 1);
    assert_eq!(server.connections(), 3);
}

// Row 8
#[tokio::test]
async fn a_stall_mid_body_is_a_read_timeout_in_both_phases_and_the_connection_is_discarded() {
    let stall = vec![
        Step::ReadRequest,
        Step::write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234"),
        Step::Sleep(Duration::from_secs(2)),
        Step::write("56789"),
        Step::ReadRequest,
        Step::Write(ok("reused")),
        Step::AwaitClose,
    ];
    let server =
        FaultServer::start(vec![stall.clone(), stall, vec![Step::Serve(ok("fresh"))]]).await;
    let s = Session::builder()
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    within(10, async {
        // inside send(), reading the body into memory
        let err = s.get(server.url("/buffered")).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ReadTimeout, "{err:?}");
        // and while the user reads a streamed body
        let r = s
            .get(server.url("/streamed"))
            .stream(true)
            .send()
            .await
            .unwrap();
        let err = r.bytes().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ReadTimeout, "{err:?}");
        assert!(err.is_timeout());
        let r = s.get(server.url("/next")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fresh");
    })
    .await;
    assert_eq!(server.connections(), 3);
}

// Row 9
#[tokio::test]
async fn a_trickle_passes_the_read_timeout_but_not_a_total_timeout() {
    let trickle = || {
        [
            Step::ReadRequest,
            Step::write("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n"),
            Step::Trickle(Bytes::from(vec![b'x'; 20]), Duration::from_millis(50)),
        ]
    };
    let mut reused: Vec<Step> = trickle().into();
    reused.extend(trickle());
    reused.push(Step::AwaitClose);
    let server = FaultServer::start(vec![reused, vec![Step::Serve(ok("fresh"))]]).await;
    // Margins: gaps of 50 ms against a read timeout of 500 ms; the whole body
    // takes about 1 s, against a total timeout of 300 ms.
    let s = Session::builder()
        .read_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    within(10, async {
        let r = s.get(server.url("/trickle")).send().await.unwrap();
        assert_eq!(
            r.bytes().await.unwrap().len(),
            20,
            "requests' per-read meaning"
        );
        let err = s
            .get(server.url("/trickle-again"))
            .timeout(Duration::from_millis(300))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
        let r = s.get(server.url("/next")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fresh");
    })
    .await;
    assert_eq!(
        server.requests("GET", "/trickle-again"),
        1,
        "the completed trickle left its connection reusable"
    );
    assert_eq!(server.connections(), 2, "the timed-out one was not");
}
