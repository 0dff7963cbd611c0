//! Response heads and bodies that are malformed, oversized or oddly framed.

use bytes::Bytes;
use sessio::{ErrorKind, Session};
use sessio_tests::{FaultServer, Server, Step};

use super::{ok, within};

/// A connection that answers one request with `bytes` and closes.
fn once(bytes: impl Into<Bytes>) -> Vec<Step> {
    vec![Step::ReadRequest, Step::Write(bytes.into()), Step::Close]
}

/// A connection that answers one request with `bytes`, then answers `reused`
/// to the next one if the client sends it on the same connection.
fn then_reused(bytes: impl Into<Bytes>) -> Vec<Step> {
    vec![
        Step::ReadRequest,
        Step::Write(bytes.into()),
        Step::ReadRequest,
        Step::Write(ok("reused")),
        Step::AwaitClose,
    ]
}

// Row 6
#[tokio::test]
async fn stray_bytes_after_a_body_close_the_connection_and_are_never_a_response() {
    // The stray bytes are a whole response: parsed as the answer to the next
    // request, they would be response smuggling.
    let server = FaultServer::start(vec![
        then_reused(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\
             HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\ngarbage",
        ),
        vec![Step::Serve(ok("fresh"))],
    ])
    .await;
    let s = Session::new();
    within(10, async {
        let r = s.get(server.url("/first")).send().await.unwrap();
        assert_eq!(
            r.text().await.unwrap(),
            "ok",
            "exactly Content-Length bytes"
        );
        let r = s.get(server.url("/second")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fresh");
    })
    .await;
    assert_eq!(
        server.connections(),
        2,
        "the connection with stray bytes was closed"
    );
    assert_eq!(server.requests("GET", "/second"), 1);
}

// Row 12
/// Response heads are bounded as Python's http.client bounds them: a header line
/// of more than 64 KiB or more than 100 header fields is a typed error, and
/// both limits can be raised on the adapter.
#[tokio::test]
async fn huge_header_lines_and_too_many_headers_are_errors() {
    let long = "x".repeat(70 * 1024);
    let server = Server::start(move |req| {
        let long = long.clone();
        async move {
            let mut response = http::Response::builder();
            match req.uri().path() {
                "/long" => response = response.header("x-long", long),
                _ => {
                    for i in 0..101 {
                        response = response.header(format!("x-h{i}"), "v");
                    }
                }
            }
            response.body(sessio_tests::full("")).unwrap()
        }
    })
    .await;
    let s = Session::new();
    let err = s.get(server.url("/long")).send().await.unwrap_err();
    assert!(err.is_request(), "{err:?}");
    assert!(err.report().to_string().contains("x-long"), "{err}");
    let err = s.get(server.url("/many")).send().await.unwrap_err();
    assert!(err.is_request(), "{err:?}");

    let roomy = sessio::HttpAdapter::builder()
        .max_header_line(128 * 1024)
        .max_response_headers(200)
        .build()
        .unwrap();
    let s = Session::builder().mount("http://", roomy).build().unwrap();
    let r = s.get(server.url("/long")).send().await.unwrap();
    assert_eq!(r.headers()["x-long"].len(), 70 * 1024);
    let r = s.get(server.url("/many")).send().await.unwrap();
    assert_eq!(
        r.headers().len(),
        101 + 2,
        "the 101 fields, date and content-length"
    );
}

// Row 12
#[tokio::test]
async fn a_huge_header_line_is_a_request_error_on_a_connection_that_stays_well_framed() {
    // The limit is sessio's (64 KiB, http.client's), checked once hyper has
    // parsed the whole head (its own buffer stops at about 400 KiB, see row
    // 13): the response is well framed and its small body is drained, so the
    // connection is not broken and is used again, for the right answer.
    let head = format!(
        "HTTP/1.1 200 OK\r\nX-Huge: {}\r\nContent-Length: 2\r\n\r\nok",
        "h".repeat(100 * 1024)
    );
    let server = FaultServer::start(vec![then_reused(head), vec![Step::Serve(ok("fresh"))]]).await;
    let s = Session::new();
    within(10, async {
        let err = s.get(server.url("/huge")).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Request, "{err:?}");
        assert!(err.report().to_string().contains("x-huge"), "{err}");
        let r = s.get(server.url("/after")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "reused", "not the stale body");
    })
    .await;
    assert_eq!(server.requests("GET", "/after"), 1);
    assert_eq!(server.connections(), 1);
}

// Row 13
#[tokio::test]
async fn too_many_or_endless_headers_fail_fast_with_a_request_error() {
    let mut many = String::from("HTTP/1.1 200 OK\r\n");
    for i in 0..200 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("Content-Length: 0\r\n\r\n");
    let server = FaultServer::start(vec![
        once(many),
        // endless header fields, and one endless header line
        vec![
            Step::ReadRequest,
            Step::write("HTTP/1.1 200 OK\r\n"),
            Step::Flood(Bytes::from_static(b"X-Endless: v\r\n")),
        ],
        vec![
            Step::ReadRequest,
            Step::write("HTTP/1.1 200 OK\r\nX-Long: "),
            Step::Flood(Bytes::from(vec![b'x'; 16 * 1024])),
        ],
        vec![Step::Serve(ok("fresh"))],
    ])
    .await;
    let s = Session::new();
    within(10, async {
        for path in ["/many", "/endless-fields", "/endless-line"] {
            let err = s.get(server.url(path)).send().await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Request, "{path}: {err:?}");
        }
        let r = s.get(server.url("/after")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fresh");
    })
    .await;
    // The client hung up on the floods (their writes failed), and only the
    // last connection is still open.
    server
        .eventually("the floods stop", |s| s.open_connections() == 1)
        .await;
    assert_eq!(server.connections(), 4);
}

// Row 14
#[tokio::test]
async fn every_invalid_status_line_is_a_request_error_and_a_missing_reason_is_fine() {
    let bad: [&'static str; 4] = [
        "HTTP/1.1 abc\r\nContent-Length: 0\r\n\r\n",
        "HTTX/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 1000 OK\r\nContent-Length: 0\r\n\r\n",
        // HTTP/0.9: a body with no status line at all
        "<html>hello</html>\r\n\r\n",
    ];
    let mut scripts: Vec<Vec<Step>> = bad.iter().map(|b| once(*b)).collect();
    scripts.push(once("HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok"));
    let server = FaultServer::start(scripts).await;
    let s = Session::new();
    within(10, async {
        for (i, line) in bad.iter().enumerate() {
            let path = format!("/bad/{i}");
            let err = s
                .post(server.url(&path))
                .body("x")
                .send()
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Request, "{line:?}: {err:?}");
        }
        let r = s.get(server.url("/no-reason")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.reason(),
            "",
            "as requests: the empty reason the server sent"
        );
        assert_eq!(r.text().await.unwrap(), "ok");
    })
    .await;
    for i in 0..bad.len() {
        assert_eq!(server.requests("POST", &format!("/bad/{i}")), 1);
    }
    assert_eq!(server.connections(), bad.len() + 1);
}

// Row 15
#[tokio::test]
async fn an_http10_body_without_length_is_read_until_close_and_not_pooled() {
    let server = FaultServer::every(once("HTTP/1.0 200 OK\r\n\r\nread until close")).await;
    let s = Session::new();
    within(10, async {
        for _ in 0..2 {
            let r = s.get(server.url("/old")).send().await.unwrap();
            assert_eq!(r.version(), sessio::Version::HTTP_10);
            assert_eq!(r.text().await.unwrap(), "read until close");
        }
    })
    .await;
    assert_eq!(server.connections(), 2);
    assert_eq!(s.pool_stats().open, 0);
}

// Row 16
#[tokio::test]
async fn broken_chunked_bodies_are_body_errors() {
    let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    let broken = [
        format!("{chunked}zz\r\nhello\r\n0\r\n\r\n"),
        // a size of 40 hex digits overflows any integer
        format!("{chunked}{}\r\nhello\r\n0\r\n\r\n", "f".repeat(40)),
        // no last chunk before the close
        format!("{chunked}5\r\nhello\r\n"),
    ];
    let mut scripts: Vec<Vec<Step>> = broken.iter().map(|b| once(b.clone())).collect();
    scripts.push(vec![Step::Serve(ok("fresh"))]);
    let server = FaultServer::start(scripts).await;
    let s = Session::new();
    within(10, async {
        for (i, body) in broken.iter().enumerate() {
            let err = s
                .get(server.url(&format!("/{i}")))
                .send()
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Body, "{body:?}: {err:?}");
        }
        let r = s.get(server.url("/after")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fresh");
    })
    .await;
    assert_eq!(server.connections(), broken.len() + 1);
}

// Row 17
#[tokio::test]
async fn chunk_extensions_and_trailers_are_ignored_and_the_connection_is_reused() {
    let server = FaultServer::start(vec![
        vec![
            Step::ReadRequest,
            Step::write(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
             5;ext=1;name=\"quoted\"\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n",
            ),
            // on the same connection: trailers past hyper's 16 KiB limit
            Step::ReadRequest,
            Step::Write(Bytes::from(format!(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
             5\r\nhello\r\n0\r\nX-Big: {}\r\n\r\n",
                "t".repeat(20 * 1024)
            ))),
            Step::ReadRequest,
            Step::Write(ok("reused")),
            Step::AwaitClose,
        ],
        vec![Step::serve_ok()],
    ])
    .await;
    let s = Session::new();
    within(10, async {
        let r = s.get(server.url("/ext")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "hello");
        let err = s.get(server.url("/big-trailers")).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Body, "{err:?}");
        let r = s.get(server.url("/after")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "ok", "a new connection");
    })
    .await;
    assert_eq!(
        server.requests("GET", "/big-trailers"),
        1,
        "sent on the first connection: its framing ended where it should"
    );
    assert_eq!(server.connections(), 2);
}

// Row 19
#[tokio::test]
async fn head_with_content_length_has_an_empty_body_and_reuses_the_connection() {
    let server = Server::start(|_req| async {
        sessio_tests::respond(200, &[("content-length", "1000")], "")
    })
    .await;
    let s = Session::new();
    let r = s.head(server.url("/")).send().await.unwrap();
    assert_eq!(r.headers()["content-length"], "1000");
    assert!(r.bytes().await.unwrap().is_empty());
    s.head(server.url("/")).send().await.unwrap();
    assert_eq!(server.connections(), 1);
    assert_eq!(server.requests(), 2);
}

// Row 20
#[tokio::test]
async fn a_204_with_a_body_is_empty_and_its_stray_bytes_close_the_connection() {
    let server = FaultServer::start(vec![
        then_reused("HTTP/1.1 204 No Content\r\n\r\nstray bytes"),
        vec![Step::Serve(ok("fresh"))],
    ])
    .await;
    let s = Session::new();
    within(10, async {
        let r = s.delete(server.url("/thing")).send().await.unwrap();
        assert_eq!(r.status(), 204);
        assert!(r.bytes().await.unwrap().is_empty());
        let r = s.get(server.url("/after")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fresh");
    })
    .await;
    assert_eq!(server.connections(), 2);
}

// Row 20
#[tokio::test]
async fn a_304_with_content_length_is_empty_and_the_connection_is_reused() {
    // No body follows a 304, whatever its Content-Length says: nothing to wait
    // for, nothing stray, the connection stays good.
    let server = FaultServer::every(then_reused(
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 1000\r\n\r\n",
    ))
    .await;
    let s = Session::new();
    within(10, async {
        let r = s.get(server.url("/cached")).send().await.unwrap();
        assert_eq!(r.status(), 304);
        assert_eq!(r.headers()["content-length"], "1000");
        assert!(r.bytes().await.unwrap().is_empty());
        let r = s.get(server.url("/after")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "reused");
    })
    .await;
    assert_eq!(server.connections(), 1);
}

// Row 25
#[tokio::test]
async fn conflicting_or_malformed_content_lengths_are_request_errors() {
    let bad = [
        "Content-Length: 5\r\nContent-Length: 6",
        "Content-Length: 5, 6",
        "Content-Length: -1",
        "Content-Length: +2",
        "Content-Length: 0x10",
    ];
    let mut scripts: Vec<Vec<Step>> = bad
        .iter()
        .map(|h| once(format!("HTTP/1.1 200 OK\r\n{h}\r\n\r\nhello!")))
        .collect();
    // the same length twice is one length
    scripts.push(once(
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    ));
    let server = FaultServer::start(scripts).await;
    let s = Session::new();
    within(10, async {
        for (i, header) in bad.iter().enumerate() {
            let err = s
                .post(server.url(&format!("/{i}")))
                .body("x")
                .send()
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Request, "{header:?}: {err:?}");
        }
        let r = s.get(server.url("/same")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "hello");
    })
    .await;
    for i in 0..bad.len() {
        assert_eq!(server.requests("POST", &format!("/{i}")), 1);
    }
    assert_eq!(server.connections(), bad.len() + 1);
}

// Row 25
#[tokio::test]
async fn content_length_with_chunked_is_read_as_chunked_and_closes_the_connection() {
    // A server that sends both may have meant the length: what follows the
    // chunked body cannot be trusted to be the next response. The next
    // request goes on a new connection, and once only.
    let server = FaultServer::start(vec![
        then_reused(
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n\
             5\r\nhello\r\n0\r\n\r\n",
        ),
        vec![Step::Serve(ok("fresh"))],
    ])
    .await;
    let s = Session::new();
    within(10, async {
        let r = s.get(server.url("/both")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "hello", "chunked wins");
        let r = s.get(server.url("/after")).send().await.unwrap();
        assert!(!r.connection().unwrap().is_reused());
        assert_eq!(r.text().await.unwrap(), "fresh");
        // The one after that reuses the new connection as usual.
        let r = s.get(server.url("/again")).send().await.unwrap();
        assert!(r.connection().unwrap().is_reused());
    })
    .await;
    assert_eq!(server.requests("GET", "/after"), 1);
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn content_length_with_chunked_read_late_still_reads_the_whole_body() {
    // The close waits for the body: a large chunked body read slowly by the
    // user is not cut short.
    let chunk = "x".repeat(16 * 1024);
    let mut response =
        String::from("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
    for _ in 0..32 {
        response.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    response.push_str("0\r\n\r\n");
    let server =
        FaultServer::start(vec![then_reused(response), vec![Step::Serve(ok("fresh"))]]).await;
    let s = Session::new();
    within(10, async {
        let mut r = s.get(server.url("/big")).stream(true).send().await.unwrap();
        let mut read = 0;
        while let Some(bytes) = r.chunk().await.unwrap() {
            read += bytes.len();
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        assert_eq!(read, 32 * chunk.len());
        let r = s.get(server.url("/after")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fresh");
    })
    .await;
    assert_eq!(server.requests("GET", "/after"), 1);
}

// Row 26
#[tokio::test]
async fn lenient_header_syntax_bare_lf_and_latin1_pass_obs_fold_and_space_before_colon_fail() {
    let accepted = [
        &b"HTTP/1.1 200 OK\nX-Lf: bare\nContent-Length: 2\n\nok"[..],
        &b"HTTP/1.1 200 OK\r\nX-Latin: caf\xe9\r\nContent-Length: 2\r\n\r\nok"[..],
    ];
    // requests unfolds obs-fold, and drops a `Name : v` field and every field
    // after it; hyper rejects both by default.
    let rejected = [
        "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nX-Space : v\r\nContent-Length: 2\r\n\r\nok",
    ];
    let mut scripts: Vec<Vec<Step>> = accepted
        .iter()
        .map(|b| once(Bytes::copy_from_slice(b)))
        .collect();
    scripts.extend(rejected.iter().map(|b| once(*b)));
    let server = FaultServer::start(scripts).await;
    let s = Session::new();
    within(10, async {
        let r = s.get(server.url("/lf")).send().await.unwrap();
        assert_eq!(r.headers()["x-lf"], "bare");
        assert_eq!(r.text().await.unwrap(), "ok");
        let r = s.get(server.url("/latin1")).send().await.unwrap();
        assert_eq!(
            r.headers()["x-latin"].as_bytes(),
            b"caf\xe9",
            "bytes kept as sent"
        );
        assert_eq!(r.text().await.unwrap(), "ok");
        for (i, head) in rejected.iter().enumerate() {
            let err = s
                .get(server.url(&format!("/rejected/{i}")))
                .send()
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Request, "{head:?}: {err:?}");
        }
    })
    .await;
    assert_eq!(server.connections(), 4);
}
