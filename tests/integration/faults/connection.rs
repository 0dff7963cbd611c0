//! Connections that die: closed while idle, closed or reset under a request,
//! reset or cut short mid-body, never accepted, refused.

use std::time::{Duration, Instant};

use sessio::{ErrorKind, RetryPolicy, Session};
use sessio_tests::{FaultServer, Server, Step};

use super::{ok, within};

// Row 1
#[tokio::test]
async fn a_pooled_connection_the_server_closed_is_replaced_without_an_error() {
    // The first connection answers and then closes while idle; the POST that
    // follows goes out on a new connection, once.
    let server = FaultServer::start(vec![
        vec![Step::ReadRequest, Step::Write(ok("first")), Step::Close],
        vec![Step::Serve(ok("fresh"))],
    ])
    .await;
    let s = Session::new();
    within(10, async {
        let r = s.get(server.url("/first")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "first");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let r = s.post(server.url("/order")).body("x").send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fresh");
    })
    .await;
    assert_eq!(server.connections(), 2);
    assert_eq!(server.requests("POST", "/order"), 1);
    assert_eq!(server.total_requests(), 2);
    let stats = s.pool_stats();
    assert_eq!((stats.created, stats.reused), (2, 0), "{stats:?}");
}

// Row 1
#[tokio::test]
async fn idle_connections_expire_after_the_pool_idle_timeout() {
    // keep the idle timeout below servers' keep-alive
    let server = Server::echo().await;
    // Margins for a loaded machine: two requests back to back take a few
    // milliseconds of the 300 ms idle timeout; the pause is over three times it.
    let s = Session::builder()
        .pool_idle_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    s.get(server.url("/")).send().await.unwrap();
    s.get(server.url("/")).send().await.unwrap();
    assert_eq!(server.connections(), 1);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    s.get(server.url("/")).send().await.unwrap();
    assert_eq!(server.connections(), 2, "the idle connection was dropped");
}

/// Connection 0 answers `/first`, then reads the next request and `last`s
/// (closes or resets) without answering; later connections answer `fresh`.
async fn drops_the_second_request(last: Step) -> FaultServer {
    FaultServer::start(vec![
        vec![
            Step::ReadRequest,
            Step::Write(ok("first")),
            Step::ReadRequest,
            last,
        ],
        vec![Step::Serve(ok("fresh"))],
    ])
    .await
}

// Row 2
#[tokio::test]
async fn a_post_on_a_reused_connection_the_server_drops_is_a_request_error_and_not_resent() {
    // Retries are on, but a POST that was written is never sent again: neither
    // by hyper-util (it retries only requests never written) nor by the policy.
    for last in [Step::Close, Step::Reset] {
        let server = drops_the_second_request(last.clone()).await;
        let s = Session::builder()
            .max_retries(RetryPolicy::new().total(3))
            .build()
            .unwrap();
        within(10, async {
            let r = s.get(server.url("/first")).send().await.unwrap();
            assert_eq!(r.text().await.unwrap(), "first");
            let err = s
                .post(server.url("/order"))
                .body("order=1")
                .send()
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Request, "{last:?}: {err:?}");
            assert!(err.is_request() && !err.is_connect(), "{err}");
            let r = s.get(server.url("/after")).send().await.unwrap();
            assert_eq!(r.text().await.unwrap(), "fresh", "{last:?}");
        })
        .await;
        assert_eq!(server.requests("POST", "/order"), 1, "{last:?}: sent once");
        assert_eq!(server.connections(), 2, "{last:?}");
    }
}

// Row 2
#[tokio::test]
async fn a_get_on_a_reused_connection_the_server_drops_is_retried_only_when_retries_are_on() {
    // Default (requests): no retry, a typed error.
    let server = drops_the_second_request(Step::Close).await;
    let s = Session::new();
    within(10, async {
        s.get(server.url("/first")).send().await.unwrap();
        let err = s.get(server.url("/again")).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Request, "{err:?}");
    })
    .await;
    assert_eq!(server.requests("GET", "/again"), 1);

    // With a policy: the GET is idempotent and is sent again, on a new connection.
    let server = drops_the_second_request(Step::Reset).await;
    let s = Session::builder()
        .max_retries(RetryPolicy::new().total(2))
        .build()
        .unwrap();
    within(10, async {
        s.get(server.url("/first")).send().await.unwrap();
        let r = s.get(server.url("/again")).send().await.unwrap();
        assert_eq!(r.attempts(), 2);
        assert_eq!(r.text().await.unwrap(), "fresh");
    })
    .await;
    assert_eq!(server.requests("GET", "/again"), 2);
    assert_eq!(server.connections(), 2);
}

// Row 3
#[tokio::test]
async fn a_server_that_reads_the_request_and_closes_gives_a_request_error_each_request_sent_once() {
    let server = FaultServer::start(vec![
        vec![Step::ReadRequest, Step::Close],
        vec![Step::ReadRequest, Step::Close],
        vec![Step::ReadRequest, Step::Reset],
        vec![Step::Serve(ok("fresh"))],
    ])
    .await;
    let s = Session::new();
    within(10, async {
        let err = s.get(server.url("/get")).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Request, "{err:?}");
        let err = s
            .post(server.url("/post"))
            .body("x")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Request, "{err:?}");
        let err = s
            .post(server.url("/reset"))
            .body("x")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Request, "{err:?}");
        let r = s.get(server.url("/after")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fresh");
    })
    .await;
    assert_eq!(server.requests("GET", "/get"), 1);
    assert_eq!(server.requests("POST", "/post"), 1);
    assert_eq!(server.requests("POST", "/reset"), 1);
    assert_eq!(server.connections(), 4, "one each, none reused");
}

/// Reads every byte of a streamed body, chunk by chunk: the bytes that came
/// before the error, and the error.
async fn read_chunks(mut r: sessio::Response) -> (usize, sessio::Error) {
    let mut got = 0;
    loop {
        match r.chunk().await {
            Ok(Some(chunk)) => got += chunk.len(),
            Ok(None) => panic!("a short body ended as if complete after {got} bytes"),
            Err(err) => return (got, err),
        }
    }
}

// Row 4
#[tokio::test]
async fn a_reset_mid_body_is_a_body_error_and_the_connection_is_not_reused() {
    // Content-Length 1000, 10 bytes, a pause so that they arrive, then an RST.
    let cut = vec![
        Step::ReadRequest,
        Step::write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789"),
        Step::Sleep(Duration::from_millis(100)),
        Step::Reset,
    ];
    let server = FaultServer::start(vec![
        cut.clone(),
        cut.clone(),
        cut,
        vec![Step::Serve(ok("fresh"))],
    ])
    .await;
    let s = Session::new();
    within(10, async {
        let err = s.get(server.url("/buffered")).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Body, "{err:?}");
        let r = s
            .get(server.url("/bytes"))
            .stream(true)
            .send()
            .await
            .unwrap();
        let err = r.bytes().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Body, "{err:?}");
        let r = s
            .get(server.url("/chunks"))
            .stream(true)
            .send()
            .await
            .unwrap();
        let (got, err) = read_chunks(r).await;
        assert!(got <= 10, "{got} bytes");
        assert_eq!(err.kind(), ErrorKind::Body, "{err:?}");
        let r = s.get(server.url("/after")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fresh");
    })
    .await;
    assert_eq!(server.connections(), 4, "one per request");
    assert_eq!(server.total_requests(), 4);
}

// Row 5
#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_a_body_error_never_a_short_ok() {
    // Content-Length 100, 10 bytes, FIN.
    let cut = vec![
        Step::ReadRequest,
        Step::write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"),
        Step::Close,
    ];
    let server = FaultServer::start(vec![
        cut.clone(),
        cut.clone(),
        cut,
        vec![Step::Serve(ok("fresh"))],
    ])
    .await;
    let s = Session::new();
    within(10, async {
        let err = s.get(server.url("/buffered")).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Body, "{err:?}");
        let r = s
            .get(server.url("/bytes"))
            .stream(true)
            .send()
            .await
            .unwrap();
        assert!(r.bytes().await.unwrap_err().is_body(), "never a short Ok");
        let r = s
            .get(server.url("/chunks"))
            .stream(true)
            .send()
            .await
            .unwrap();
        let (got, err) = read_chunks(r).await;
        assert_eq!(got, 10);
        assert!(err.is_body(), "{err:?}");
        let r = s.get(server.url("/after")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fresh");
    })
    .await;
    assert_eq!(server.connections(), 4, "one per request");
}

// Row 10
#[tokio::test]
async fn a_server_that_never_accepts_is_a_connect_timeout_and_nothing_is_sent() {
    // A listener with a backlog of 0 that never accepts: once its queue is
    // full, the kernel drops further SYNs and connecting hangs.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    for _ in 0..16 {
        let attempt = tokio::net::TcpStream::connect(addr);
        match tokio::time::timeout(Duration::from_millis(200), attempt).await {
            Ok(Ok(stream)) => queued.push(stream),
            Ok(Err(err)) => panic!("connecting to fill the queue: {err}"),
            Err(_) => break,
        }
    }
    assert!(queued.len() < 16, "the accept queue never filled");

    let s = Session::builder()
        .connect_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = within(10, s.get(format!("http://{addr}/")).send())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectTimeout, "{err:?}");
    assert!(err.is_connect() && err.is_timeout());
    let err = within(10, s.post(format!("http://{addr}/order")).body("x").send())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectTimeout, "{err:?}");
    // two timeouts of 300 ms; over three times that is a hang
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(s.pool_stats().open, 0);
    drop(listener);
}

// Row 11
#[tokio::test]
async fn a_refused_connection_is_an_immediate_connect_error() {
    // (transport::connection_refused_is_a_connect_error checks the kind and
    // the message; this adds that it is immediate, for a POST too, and leaves
    // nothing open.)
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let s = Session::new();
    let started = Instant::now();
    let err = within(5, s.post(format!("http://{addr}/order")).body("x").send())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err:?}");
    assert!(!err.is_timeout());
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(s.pool_stats().open, 0);
}
