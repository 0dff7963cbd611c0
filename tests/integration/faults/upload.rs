//! Request bodies meeting a server that answers early or not at all, and
//! interim `100 Continue` responses.

use sessio::{ErrorKind, RetryPolicy, Session};
use sessio_tests::{FaultServer, Step};

use super::{ok, within};

/// An 8 MiB upload, more than the socket buffers on both sides hold: the
/// client is still writing it when the server answers.
fn upload() -> Vec<u8> {
    vec![b'u'; 8 * 1024 * 1024]
}

const TOO_LARGE: &str =
    "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo big!";

/// A session that would retry if it were allowed to: the upload must still
/// go out once.
fn retrying() -> Session {
    Session::builder()
        .max_retries(RetryPolicy::new().total(3).status_forcelist([413]))
        .build()
        .unwrap()
}

// Row 24
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_early_413_during_an_upload_is_returned_and_the_body_is_not_resent() {
    // The server reads the head only, answers 413, sends its FIN and goes on
    // reading (a lingering close, as nginx does), so the upload can finish.
    let server = FaultServer::start(vec![
        vec![
            Step::ReadHead,
            Step::write(TOO_LARGE),
            Step::Shutdown,
            Step::AwaitClose,
        ],
        vec![Step::Serve(ok("fresh"))],
    ])
    .await;
    let s = retrying();
    within(20, async {
        let r = s
            .post(server.url("/upload"))
            .body(upload())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413);
        assert_eq!(r.attempts(), 1, "a POST is not retried on a status");
        assert_eq!(r.text().await.unwrap(), "too big!");
        let r = s.get(server.url("/after")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fresh");
    })
    .await;
    assert_eq!(server.requests("POST", "/upload"), 1);
    assert_eq!(server.connections(), 2, "Connection: close was honoured");
}

// Row 24
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_early_413_then_an_abrupt_close_is_the_413_or_a_request_error_never_resent() {
    // The server answers 413 and closes with the upload unread: its kernel
    // answers the rest of the upload with an RST. hyper reads before it
    // writes, so a 413 that arrived while the client waited to write is
    // returned; but when the RST lands between hyper's read and its next
    // write (the client busy writing, on another thread), the write fails
    // first and hyper drops the connection with the 413 unread in the socket.
    // No adapter can get it back: then the user gets a typed Request error.
    // On a loaded multi-threaded runtime both happen (about 40 % errors
    // measured); either way the upload is sent once.
    for round in 0..10 {
        let server = FaultServer::start(vec![
            vec![Step::ReadHead, Step::write(TOO_LARGE), Step::Close],
            vec![Step::Serve(ok("fresh"))],
        ])
        .await;
        let s = retrying();
        within(20, async {
            match s.post(server.url("/upload")).body(upload()).send().await {
                Ok(r) => {
                    assert_eq!(r.status(), 413, "round {round}");
                    assert_eq!(r.text().await.unwrap(), "too big!");
                }
                Err(err) => {
                    assert_eq!(err.kind(), ErrorKind::Request, "round {round}: {err:?}");
                    assert!(err.report().to_string().contains("writing a body"), "{err}");
                }
            }
            let r = s.get(server.url("/after")).send().await.unwrap();
            assert_eq!(r.text().await.unwrap(), "fresh");
        })
        .await;
        assert_eq!(server.requests("POST", "/upload"), 1, "round {round}");
        assert_eq!(server.connections(), 2, "round {round}");
    }
}

// Row 24
#[tokio::test]
async fn a_close_without_an_answer_during_an_upload_is_a_request_error_and_not_resent() {
    for last in [Step::Close, Step::Reset] {
        let server = FaultServer::start(vec![
            vec![Step::ReadHead, last.clone()],
            vec![Step::Serve(ok("fresh"))],
        ])
        .await;
        let s = retrying();
        within(20, async {
            let err = s
                .post(server.url("/upload"))
                .body(upload())
                .send()
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Request, "{last:?}: {err:?}");
            let r = s.get(server.url("/after")).send().await.unwrap();
            assert_eq!(r.text().await.unwrap(), "fresh");
        })
        .await;
        assert_eq!(server.requests("POST", "/upload"), 1, "{last:?}");
        assert_eq!(server.connections(), 2, "{last:?}");
    }
}

// Row 18
#[tokio::test]
async fn an_unsolicited_100_continue_is_skipped() {
    let server = FaultServer::every(vec![
        Step::ReadRequest,
        Step::write("HTTP/1.1 100 Continue\r\n\r\n"),
        Step::Write(ok("final")),
        Step::Serve(ok("reused")),
    ])
    .await;
    let s = Session::new();
    within(10, async {
        let r = s
            .post(server.url("/form"))
            .body("a=1")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "final");
        let r = s.get(server.url("/after")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "reused");
    })
    .await;
    assert_eq!(server.requests("POST", "/form"), 1);
    assert_eq!(server.connections(), 1);
}

// Row 18
#[tokio::test]
async fn a_user_expect_100_continue_does_not_wait_for_a_100_that_never_comes() {
    // The server never sends 100 and answers only once it has read the whole
    // body: a client waiting for the 100 would hang here.
    let server = FaultServer::every(vec![Step::Serve(ok("got it"))]).await;
    let s = Session::new();
    let r = within(
        10,
        s.post(server.url("/upload"))
            .header("expect", "100-continue")
            .body(vec![b'u'; 64 * 1024])
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(r.text().await.unwrap(), "got it");
    assert_eq!(server.requests("POST", "/upload"), 1);
}
