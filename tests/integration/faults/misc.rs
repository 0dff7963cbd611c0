//! Content codings, hooks on redirect hops, and TLS handshakes gone wrong.

use sessio::{ErrorKind, Hook, Session};
use sessio_tests::{FaultServer, Server, Step};

use super::{ok, within};

// Row 27
#[tokio::test]
async fn a_corrupt_gzip_body_is_a_decode_error_and_an_unknown_coding_passes_through() {
    // (Bombs and chains: response::more_than_five_codings_is_a_decode_error,
    // response::buffered_reads_stop_at_max_decompressed_size and the memory test.)
    let server = FaultServer::every(vec![
        Step::ReadRequest,
        Step::write(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!",
        ),
        Step::ReadRequest,
        Step::write(
            "HTTP/1.1 200 OK\r\nContent-Encoding: x-custom\r\nContent-Length: 3\r\n\r\nraw",
        ),
        Step::ReadRequest,
        Step::Write(ok("reused")),
        Step::AwaitClose,
    ])
    .await;
    let s = Session::new();
    within(10, async {
        let r = s.get(server.url("/gzip")).send().await.unwrap();
        let err = r.bytes().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{err:?}");
        let r = s.get(server.url("/custom")).send().await.unwrap();
        assert_eq!(r.headers()["content-encoding"], "x-custom");
        assert_eq!(r.text().await.unwrap(), "raw", "passed through undecoded");
        let r = s.get(server.url("/after")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "reused", "the framing was intact");
    })
    .await;
    assert_eq!(server.connections(), 1);
}

// Row 31
#[tokio::test]
async fn a_hook_failing_or_panicking_on_a_redirect_hop_releases_the_connection() {
    // (hooks::a_failing_hook_is_a_typed_error_and_a_panicking_one_does_not_poison
    // covers a single hop; this one fails on the 302 of a chain.)
    let server = Server::echo().await;
    let s = Session::new();
    within(10, async {
        let err = s
            .get(server.url("/redirect/2"))
            .hook(Hook::response(|r| async move {
                if r.status() == 302 {
                    Err("no redirects here".into())
                } else {
                    Ok(r)
                }
            }))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Hook, "{err:?}");
        let err = s
            .get(server.url("/redirect/2"))
            .hook(Hook::response(|r| async move {
                if r.status() == 302 {
                    panic!("hook panic on a hop");
                }
                Ok(r)
            }))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Hook, "{err:?}");
        let r = s.get(server.url("/after")).send().await.unwrap();
        assert!(r.ok());
    })
    .await;
    assert_eq!(server.requests(), 3, "no hop after the failing one");
    assert_eq!(
        server.connections(),
        1,
        "the hop's connection went back to the pool"
    );
    assert_eq!(s.pool_stats().open, 1);
}

/// `https://` to a fault server.
fn https(server: &FaultServer) -> String {
    format!("https://{}/", server.addr())
}

// Row 32
#[tokio::test]
async fn a_plaintext_answer_to_a_tls_handshake_is_a_tls_error() {
    // (transport::an_untrusted_certificate_is_a_tls_error and
    // timeouts::connect_timeout_covers_a_stalled_tls_handshake cover an unknown
    // issuer and a stall.)
    let server = FaultServer::every(vec![
        Step::write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
        Step::AwaitClose,
    ])
    .await;
    let s = Session::new();
    let err = within(10, s.post(https(&server)).body("secret").send())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err:?}");
    assert!(err.is_connect());
    server
        .eventually("the client hangs up", |s| s.open_connections() == 0)
        .await;
    assert_eq!(server.total_requests(), 0);
    assert_eq!(s.pool_stats().open, 0);
}

// Row 32
#[tokio::test]
async fn a_reset_during_the_tls_handshake_is_a_connect_error() {
    let server = FaultServer::every(vec![Step::Reset]).await;
    let s = Session::new();
    let err = within(10, s.post(https(&server)).body("secret").send())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err:?}");
    assert_eq!(server.connections(), 1, "not retried by default");
    assert_eq!(s.pool_stats().open, 0);
}
