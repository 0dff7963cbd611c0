//! Connect, read (idle) and total timeouts, session-wide and per request.

use std::time::{Duration, Instant};

use sessio::{ErrorKind, Session};
use sessio_tests::{Server, SilentServer};

#[tokio::test]
async fn connect_timeout_covers_a_stalled_tls_handshake() {
    let silent = SilentServer::start().await;
    let s = Session::builder()
        .connect_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = s.get(silent.url("https", "/")).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectTimeout, "{err:?}");
    assert!(err.is_timeout() && err.is_connect());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_request_connect_timeout_overrides_the_session() {
    let silent = SilentServer::start().await;
    let s = Session::builder()
        .connect_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = s
        .get(silent.url("https", "/"))
        .connect_timeout(Duration::from_millis(150))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectTimeout, "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn read_timeout_before_the_head() {
    let server = Server::echo().await;
    let s = Session::builder()
        .read_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = s.get(server.url("/delay/2000")).send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReadTimeout, "{err:?}");
    assert!(err.is_timeout());
    assert_eq!(err.url().unwrap().path(), "/delay/2000");
    // the same session still works afterwards
    assert!(s.get(server.url("/delay/0")).send().await.is_ok());
    // and a request can allow more time
    let r = s
        .get(server.url("/delay/300"))
        .read_timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert!(r.ok());
}

#[tokio::test]
async fn read_timeout_applies_between_body_chunks() {
    let server = Server::echo().await;
    // Margins for a loaded machine: gaps of 50 ms are a tenth of the 500 ms read
    // timeout, a stall of 2 s is four times it.
    let s = Session::builder()
        .read_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    // a trickle never idle for long passes although the whole body (12 × 50 ms)
    // takes longer than the read timeout
    let started = Instant::now();
    let r = s
        .get(server.url("/drip?n=12&gap_ms=50"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().len(), 12);
    assert!(started.elapsed() >= Duration::from_millis(550));
    // a stall mid-body fails, with stream(false) inside send()...
    let err = s
        .get(server.url("/drip?n=2&gap_ms=2000"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReadTimeout, "{err:?}");
    // ...and with stream(true) while reading
    let r = s
        .get(server.url("/drip?n=2&gap_ms=2000"))
        .stream(true)
        .send()
        .await
        .unwrap();
    let err = r.bytes().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn total_timeout_bounds_the_whole_request() {
    let server = Server::echo().await;
    let s = Session::new();
    let err = s
        .get(server.url("/drip?n=20&gap_ms=100"))
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    let err = Session::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap()
        .get(server.url("/delay/1000"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
}

/// After the total timeout, nothing is sent again: not a retry of the adapter's
/// policy (a GET it would otherwise retry at once, twice).
#[tokio::test]
async fn nothing_is_retried_after_the_total_timeout() {
    use sessio::RetryPolicy;
    use sessio_tests::{FaultServer, Step};

    let server =
        FaultServer::every(vec![Step::ReadHead, Step::Sleep(Duration::from_secs(5))]).await;
    let session = Session::builder()
        .timeout(Duration::from_millis(300))
        .max_retries(RetryPolicy::new().total(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = session.get(server.url("/slow")).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // a retry would have opened a second connection at once
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.connections(), 1, "no second attempt");
    assert_eq!(server.total_requests(), 1);
}

/// A server that stops reading an upload: the write timeout ends it (without
/// it, only the total timeout would), and an upload that goes through is not
/// bothered by it.
#[tokio::test]
async fn the_write_timeout_ends_a_stalled_upload() {
    use sessio_tests::{FaultServer, Step};

    let server =
        FaultServer::every(vec![Step::ReadHead, Step::Sleep(Duration::from_secs(20))]).await;
    let session = Session::builder()
        .write_timeout(Duration::from_millis(300))
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let started = Instant::now();
    // far more than the socket buffers on both sides take
    let upload = vec![b'u'; 64 << 20];
    let err = session
        .post(server.url("/upload"))
        .body(upload)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WriteTimeout, "{err}");
    assert!(err.is_timeout());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    let echo = Server::echo().await;
    let response = session
        .post(echo.url("/"))
        .write_timeout(Duration::from_millis(300))
        .body(vec![b'u'; 1 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // a zero write timeout fails a stalled write, never one that goes through
    let response = session
        .post(echo.url("/"))
        .write_timeout(Duration::ZERO)
        .body("small")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// A body that trickles (a byte every 50 ms, forever as far as the client can
/// tell) never trips a read timeout longer than its gaps, since that counts
/// per read; the total timeout is what ends it.
#[tokio::test]
async fn only_the_total_timeout_ends_a_trickling_body() {
    use sessio_tests::{FaultServer, Step};

    let head = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
    let server = FaultServer::every(vec![
        Step::ReadHead,
        Step::write(head),
        Step::Trickle(vec![b't'; 100_000].into(), Duration::from_millis(50)),
    ])
    .await;
    let session = Session::builder()
        .read_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = session
        .get(server.url("/trickle"))
        .timeout(Duration::from_millis(1500))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Timeout,
        "the total timeout, not the read: {err}"
    );
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(1400), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
}

/// requests' `timeout=None`: one request switches off the session's timeouts
/// (all of them, or one with `Duration::MAX`).
#[tokio::test]
async fn a_request_can_switch_off_the_session_timeouts() {
    let server = Server::echo().await;
    let session = Session::builder()
        .timeout(Duration::from_millis(300))
        .read_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let slow = server.url("/delay/900");
    let err = session.get(&slow).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");

    let r = session.get(&slow).no_timeout().send().await.unwrap();
    assert_eq!(r.status(), 200);

    let r = session
        .get(&slow)
        .timeout(Duration::MAX)
        .read_timeout(Duration::MAX)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
