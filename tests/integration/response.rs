//! The response as a user reads it: status, reason, URL, headers, request, elapsed,
//! links, text and JSON rules, and decode-on-read.

use futures_util::StreamExt;
use sessio::{Session, StatusCode, Version};
use sessio_tests::Server;

#[tokio::test]
async fn status_reason_and_error_for_status() {
    let server = Server::echo().await;
    let s = Session::new();
    let r = s.get(server.url("/status/404")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(!r.ok());
    assert_eq!(r.reason(), "Not Found");
    let err = r.error_for_status().unwrap_err();
    assert!(err.is_status());
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(
        err.to_string(),
        format!(
            "404 Client Error: Not Found for url ({})",
            server.url("/status/404")
        )
    );
    assert_eq!(err.response().unwrap().status(), 404);

    let r = s.get(server.url("/status/500")).send().await.unwrap();
    let err = r.error_for_status_ref().unwrap_err();
    assert!(err.to_string().starts_with("500 Server Error"));
    assert_eq!(
        err.response().unwrap().status(),
        500,
        "a copy of the response"
    );
    // the server's own reason phrase, in the error of either form
    let custom = sessio_tests::raw_server(sessio_tests::RawReply::Bytes(
        b"HTTP/1.1 404 Nowhere To Be Found\r\nContent-Length: 4\r\n\r\ngone",
    ))
    .await;
    let r = s.get(custom.url("http", "/x")).send().await.unwrap();
    let by_ref = r.error_for_status_ref().unwrap_err().to_string();
    assert!(
        by_ref.starts_with("404 Client Error: Nowhere To Be Found"),
        "{by_ref}"
    );
    let err = r.error_for_status().unwrap_err();
    assert!(
        err.to_string()
            .starts_with("404 Client Error: Nowhere To Be Found")
    );
    let response = err.into_response().unwrap();
    assert_eq!(response.url().path(), "/x");
    assert_eq!(
        response.text().await.unwrap(),
        "gone",
        "the body comes with it"
    );
    let r = s.get(server.url("/status/204")).send().await.unwrap();
    assert!(r.ok());
    assert!(r.error_for_status().is_ok());

    let r = s.get(server.url("/reason")).send().await.unwrap();
    assert_eq!(
        r.reason(),
        "All Good",
        "the server's own reason phrase is kept"
    );
}

#[tokio::test]
async fn response_metadata() {
    let server = Server::echo().await;
    let s = Session::new();
    let url = server.url("/meta?x=1#frag");
    let r = s.get(&url).send().await.unwrap();
    assert_eq!(r.url().as_str(), url);
    assert_eq!(r.version(), Version::HTTP_11);
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.request().method(), sessio::Method::GET);
    assert_eq!(r.request().url().as_str(), url);
    assert!(r.request().headers().contains_key("user-agent"));
    assert!(r.history().is_empty());
    assert!(!r.is_redirect());
    assert!(r.content_length().unwrap() > 0);
}

#[tokio::test]
async fn elapsed_is_the_time_to_the_response_head() {
    let server = Server::echo().await;
    let s = Session::new();
    let started = std::time::Instant::now();
    let r = s.get(server.url("/delay/200")).send().await.unwrap();
    let wall = started.elapsed();
    // The server waits 200 ms before it answers; elapsed cannot be less, nor more
    // than the whole call took.
    assert!(
        r.elapsed() >= std::time::Duration::from_millis(200),
        "{:?}",
        r.elapsed()
    );
    assert!(r.elapsed() <= wall, "{:?} > {wall:?}", r.elapsed());
}

#[tokio::test]
async fn links_are_keyed_by_rel() {
    let server = Server::echo().await;
    let r = Session::new()
        .get(server.url("/links"))
        .send()
        .await
        .unwrap();
    let links = r.links();
    assert_eq!(links["next"].url(), "http://example.com/p?page=2");
    assert_eq!(links["last"].url(), "http://example.com/p?page=9");
}

#[tokio::test]
async fn text_and_json_follow_requests_charset_rules() {
    let server = Server::echo().await;
    let s = Session::new();
    let r = s.get(server.url("/charset/latin1")).send().await.unwrap();
    assert_eq!(r.encoding().as_deref(), Some("ISO-8859-1"));
    assert_eq!(r.text().await.unwrap(), "café");
    let r = s.get(server.url("/json-utf16")).send().await.unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["k"], "v");
    let r = s.get(server.url("/bytes/3")).send().await.unwrap();
    let err = r.json::<serde_json::Value>().await.unwrap_err();
    assert!(err.is_decode());
    assert_eq!(err.url().unwrap().path(), "/bytes/3");
}

#[tokio::test]
async fn bodies_are_decoded_on_read_and_headers_kept() {
    let server = Server::echo().await;
    let s = Session::new();
    for coding in ["gzip", "deflate", "zstd"] {
        let r = s
            .get(server.url(&format!("/{coding}")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.headers()["content-encoding"],
            coding,
            "headers stay as sent"
        );
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["path"], format!("/{coding}"));
    }
    let r = s.get(server.url("/gzip-twice")).send().await.unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["path"], "/gzip-twice");
}

#[tokio::test]
async fn brotli_bodies_are_decoded() {
    // "hello brotli" compressed with brotli (quality 11), generated once with Python's brotli.
    const BR: &[u8] = &[
        0x8b, 0x05, 0x80, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x62, 0x72, 0x6f, 0x74, 0x6c, 0x69,
        0x03,
    ];
    let server = Server::start(|_req| async {
        sessio_tests::respond(200, &[("content-encoding", "br")], BR)
    })
    .await;
    let r = Session::new().get(server.url("/")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "hello brotli");
}

#[tokio::test]
async fn more_than_five_codings_is_a_decode_error() {
    let server = Server::start(|_req| async {
        let mut body = b"bomb".to_vec();
        for _ in 0..6 {
            body = sessio_tests::gzip(&body);
        }
        sessio_tests::respond(
            200,
            &[("content-encoding", "gzip, gzip, gzip, gzip, gzip, gzip")],
            body,
        )
    })
    .await;
    let r = Session::new().get(server.url("/")).send().await.unwrap();
    assert!(r.bytes().await.unwrap_err().is_decode());
}

#[tokio::test]
async fn buffered_reads_stop_at_max_decompressed_size() {
    let server = Server::start(|_req| async {
        let body = sessio_tests::gzip(&vec![0u8; 4 << 20]);
        sessio_tests::respond(200, &[("content-encoding", "gzip")], body)
    })
    .await;
    let s = Session::builder()
        .max_decompressed_size(1 << 20)
        .build()
        .unwrap();
    let err = s
        .get(server.url("/"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap_err();
    assert!(err.is_body(), "{err}");
    let r = Session::new().get(server.url("/")).send().await.unwrap();
    assert_eq!(
        r.bytes().await.unwrap().len(),
        4 << 20,
        "the default cap is far larger"
    );
}

#[tokio::test]
async fn streamed_bodies_arrive_in_chunks() {
    let server = Server::echo().await;
    let s = Session::new();
    let mut r = s
        .get(server.url("/drip?n=5&gap_ms=10"))
        .stream(true)
        .send()
        .await
        .unwrap();
    let mut chunks = 0;
    while let Some(chunk) = r.chunk().await.unwrap() {
        assert_eq!(&chunk[..], b"x");
        chunks += 1;
    }
    assert_eq!(chunks, 5);

    let r = s
        .get(server.url("/gzip"))
        .stream(true)
        .send()
        .await
        .unwrap();
    let mut stream = r.bytes_stream();
    let mut all = Vec::new();
    while let Some(chunk) = stream.next().await {
        all.extend_from_slice(&chunk.unwrap());
    }
    let v: serde_json::Value = serde_json::from_slice(&all).unwrap();
    assert_eq!(v["path"], "/gzip");
}

/// `lines()` over a chunked response whose `\r\n` arrives split between two
/// writes of the server, a gzip body included.
#[tokio::test]
async fn lines_arrive_as_the_server_writes_them() {
    use std::time::Duration;

    use sessio_tests::{FaultServer, Step};

    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n";
    let server = FaultServer::start(vec![vec![
        Step::ReadRequest,
        Step::write(format!("{head}6\r\nevent\r\r\n")),
        Step::Sleep(Duration::from_millis(30)),
        Step::write("8\r\n\nda\u{e9}ta\n\r\n"),
        Step::Sleep(Duration::from_millis(30)),
        Step::write("4\r\nlast\r\n0\r\n\r\n"),
        Step::AwaitClose,
    ]])
    .await;
    let r = Session::new()
        .get(server.url("/events"))
        .stream(true)
        .send()
        .await
        .unwrap();
    let lines: Vec<String> = r.lines().map(|line| line.unwrap()).collect().await;
    assert_eq!(lines, ["event", "daéta", "last"]);

    let gzipped = Server::start(|_| async {
        let body = sessio_tests::gzip(b"a\r\nb\nc");
        let mut r = sessio_tests::respond(200, &[("content-encoding", "gzip")], body);
        r.headers_mut()
            .insert("content-type", "text/plain".parse().unwrap());
        r
    })
    .await;
    let r = Session::new()
        .get(gzipped.url("/"))
        .stream(true)
        .send()
        .await
        .unwrap();
    let lines: Vec<String> = r.lines().map(|line| line.unwrap()).collect().await;
    assert_eq!(lines, ["a", "b", "c"], "decoded before it is split");
}

/// requests' `iter_content(chunk_size=n)`: chunks of exactly `n` bytes but the
/// last, however the body arrives (one large chunk, or a byte at a time).
#[tokio::test]
async fn a_streamed_body_comes_in_chunks_of_the_size_asked_for() {
    let server = Server::echo().await;
    let s = Session::new();
    for (path, size, want) in [
        ("/bytes/1000", 300, vec![300, 300, 300, 100]),
        ("/drip?n=10&gap_ms=1", 4, vec![4, 4, 2]),
        ("/bytes/600", 300, vec![300, 300]),
    ] {
        let r = s.get(server.url(path)).stream(true).send().await.unwrap();
        let sizes: Vec<usize> = r
            .bytes_stream()
            .chunk_size(size)
            .map(|chunk| chunk.unwrap().len())
            .collect()
            .await;
        assert_eq!(sizes, want, "{path}");
    }
}

/// requests' `iter_lines(delimiter=..)`: lines end at exactly the delimiter,
/// even one split between two chunks of the body.
#[tokio::test]
async fn lines_split_at_a_delimiter_of_ones_own() {
    use sessio_tests::{FaultServer, Step};

    let chunk = |text: &str| format!("{:x}\r\n{text}\r\n", text.len());
    let server = FaultServer::every(vec![
        Step::ReadHead,
        Step::write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
        Step::write(chunk("one||tw")),
        Step::Sleep(std::time::Duration::from_millis(20)),
        Step::write(chunk("o|")),
        Step::Sleep(std::time::Duration::from_millis(20)),
        Step::write(chunk("|three\nstill three||last")),
        Step::write("0\r\n\r\n"),
        Step::Close,
    ])
    .await;
    let r = Session::new()
        .get(server.url("/"))
        .stream(true)
        .send()
        .await
        .unwrap();
    let lines: Vec<String> = r
        .lines()
        .delimiter("||")
        .map(|line| line.unwrap())
        .collect()
        .await;
    assert_eq!(lines, ["one", "two", "three\nstill three", "last"]);
}

/// requests' `r.encoding = "..."`: the encoding set on a response is the one
/// `text()` decodes with, over the server's charset.
#[tokio::test]
async fn an_encoding_set_on_the_response_decodes_its_text() {
    let server = Server::echo().await;
    let s = Session::new();
    // `/charset/latin1`: café in Latin-1, text/plain without a charset
    let r = s.get(server.url("/charset/latin1")).send().await.unwrap();
    assert_eq!(r.encoding().as_deref(), Some("ISO-8859-1"));
    let mut r = s.get(server.url("/charset/latin1")).send().await.unwrap();
    r.set_encoding("utf-8");
    assert_eq!(r.encoding().as_deref(), Some("utf-8"));
    assert_eq!(
        r.text().await.unwrap(),
        "caf\u{fffd}",
        "Latin-1 bytes read as UTF-8"
    );
    let mut r = s.get(server.url("/charset/latin1")).send().await.unwrap();
    r.set_encoding("windows-1252");
    assert_eq!(r.text().await.unwrap(), "café");
}

/// requests' `r.content`, `r.text` and `r.json()` are properties over one
/// buffered body: sessio's `bytes()`, `text()` and `json()` read it once and
/// give it again, decoded once, in memory or streamed.
#[tokio::test]
async fn a_body_read_whole_can_be_read_again_by_every_reader() {
    let server = Server::echo().await;
    let s = Session::new();
    for stream in [false, true] {
        let r = s
            .get(server.url("/gzip"))
            .stream(stream)
            .send()
            .await
            .unwrap();
        let text = r.text().await.unwrap();
        let value: serde_json::Value = r.json().await.unwrap();
        assert_eq!(value["path"], "/gzip", "stream({stream})");
        assert_eq!(r.text().await.unwrap(), text);
        assert_eq!(r.bytes().await.unwrap(), text.as_bytes());
        // A copy of a response read whole has the body too.
        let copy = r.try_clone().expect("a body read whole is in memory");
        assert_eq!(copy.text().await.unwrap(), text);
        // Given back as http, it is the decoded body, its headers to match.
        let http = r.into_http();
        assert!(http.headers().get("content-encoding").is_none());
        let body = http_body_util::BodyExt::collect(http.into_body())
            .await
            .unwrap()
            .to_bytes();
        assert_eq!(body, text.as_bytes());
    }
    assert_eq!(server.requests(), 2, "each body came over the wire once");
}

/// A streamed body read in part with `chunk()` cannot be read whole after
/// (requests: "The content for this response was already consumed"); a
/// cancelled read leaves a clear error too, never a wrong body.
#[tokio::test]
async fn a_streamed_body_read_in_part_is_a_clear_error_when_read_whole() {
    let server = Server::echo().await;
    let s = Session::new();
    let mut r = s
        .get(server.url("/drip?n=3&gap_ms=10"))
        .stream(true)
        .send()
        .await
        .unwrap();
    assert_eq!(r.chunk().await.unwrap().as_deref(), Some(&b"x"[..]));
    let err = r.text().await.unwrap_err();
    assert!(err.is_body(), "{err}");
    assert!(err.report().to_string().contains("read in part"), "{err}");
    // Reading on in chunks still works.
    assert_eq!(r.chunk().await.unwrap().as_deref(), Some(&b"x"[..]));

    let r = s
        .get(server.url("/drip?n=50&gap_ms=20"))
        .stream(true)
        .send()
        .await
        .unwrap();
    let read = tokio::time::timeout(std::time::Duration::from_millis(60), r.bytes()).await;
    assert!(read.is_err(), "the read was cut off by the timeout");
    let err = r.bytes().await.unwrap_err();
    assert!(
        err.is_body() && err.report().to_string().contains("cancelled"),
        "{err}"
    );
}
