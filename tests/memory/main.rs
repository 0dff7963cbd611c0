//! Peak memory while reading decompression bombs through a session: a test
//! binary of its own, so that its counting allocator sees this test alone.
//!
//! Each body is a few kilobytes that inflate to 32 MiB of zeros, through one
//! coding or a chain. Streamed, it comes in chunks of at most 64 KiB; read into
//! memory under a 1 MiB cap, it fails once past the cap. Either way the
//! process's live heap grows by a few MiB at most, never by the inflated size.

use std::io::Write;

use futures_util::StreamExt;
use peak_alloc::PeakAlloc;
use sessio::Session;
use sessio_tests::{FaultServer, Server, Step, respond};

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// The heap is the process's: the tests take turns, so that one's peak is
/// not another's allocations (the harness runs tests on parallel threads).
async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    TURN.lock().await
}

/// Peak growth of the live heap while `f` runs.
async fn peak_growth<F: std::future::Future<Output = T>, T>(f: F) -> (T, usize) {
    let base = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    let out = f.await;
    (out, ALLOCATOR.peak_usage().saturating_sub(base))
}

const INFLATED: usize = 32 << 20;
const PEAK_LIMIT: usize = 8 << 20;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        w.write_all(data).unwrap();
    }
    out
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 3).unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn decompression_bombs_stay_small_in_memory() {
    let _turn = one_at_a_time().await;
    let zeros = vec![0u8; INFLATED];
    let bombs: Vec<(&'static str, Vec<u8>)> = vec![
        ("gzip", gzip(&zeros)),
        ("deflate", zlib(&zeros)),
        ("br", brotli(&zeros)),
        ("zstd", zstd(&zeros)),
        ("gzip, gzip", gzip(&gzip(&zeros))),
        ("deflate, br", brotli(&zlib(&zeros))),
        ("zstd, gzip, deflate", zlib(&gzip(&zstd(&zeros)))),
    ];
    drop(zeros);
    for (encoding, body) in bombs {
        let body = bytes::Bytes::from(body);
        let server = Server::start(move |_req| {
            let body = body.clone();
            async move { respond(200, &[("content-encoding", encoding)], body) }
        })
        .await;

        let streamed = Session::new();
        let (largest, total) = {
            let ((largest, total), peak) = peak_growth(async {
                let r = streamed
                    .get(server.url("/"))
                    .stream(true)
                    .send()
                    .await
                    .unwrap();
                let mut stream = r.bytes_stream();
                let (mut largest, mut total) = (0, 0);
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk.unwrap();
                    largest = largest.max(chunk.len());
                    total += chunk.len();
                }
                (largest, total)
            })
            .await;
            assert!(
                peak < PEAK_LIMIT,
                "{encoding}, streamed: the heap grew by {peak} bytes"
            );
            (largest, total)
        };
        assert_eq!(total, INFLATED, "{encoding}: every byte decoded");
        assert!(
            largest <= 64 << 10,
            "{encoding}: a chunk of {largest} bytes"
        );

        let capped = Session::builder()
            .max_decompressed_size(1 << 20)
            .build()
            .unwrap();
        let (err, peak) = peak_growth(async {
            let r = capped.get(server.url("/")).send().await.unwrap();
            r.bytes().await.unwrap_err()
        })
        .await;
        assert!(err.is_body(), "{encoding}: {err:?}");
        assert!(
            peak < PEAK_LIMIT,
            "{encoding}, buffered: the heap grew by {peak} bytes"
        );
    }
}

/// The cap of the over-the-cap tests: small enough to read quickly, large enough
/// that doubling a buffer past it would stand out.
const CAP: usize = 8 << 20;

/// How far a buffered read over its cap may go beyond it: the block being
/// filled.
const BLOCK: usize = 64 << 10;

/// What a request holds while a body streams through it, whatever the reader
/// keeps: hyper's read buffer (at most 400 KiB), the decoder's window (32 KiB
/// for gzip), the connection's task and the pool's state (measured: 0.3 to
/// 0.8 MiB; a buffer that doubled past the cap would add the whole cap).
const CONNECTION: usize = 1 << 20;

/// Peak heap growth of streaming `url`'s body (stopping past the cap) and of
/// reading it into memory under the cap; the read must fail with a body error.
async fn streamed_and_buffered_peaks(url: &str) -> (usize, usize) {
    let session = Session::builder()
        .max_decompressed_size(CAP as u64)
        .build()
        .unwrap();
    // Streamed, the same cap ends the body: what the heap grows by then is
    // what the connection and decoder hold, whatever the reader keeps.
    let (read, streamed) = peak_growth(async {
        let r = session.get(url).stream(true).send().await.unwrap();
        let mut stream = r.bytes_stream();
        let mut read = 0;
        while let Some(Ok(chunk)) = stream.next().await {
            read += chunk.len();
        }
        read
    })
    .await;
    assert!(
        read >= CAP - BLOCK,
        "{url}: the body ended after {read} bytes"
    );
    // Read into memory: raw by `send` (unless streaming is asked for), then
    // decoded by `bytes()`.
    let (err, buffered) = peak_growth(async {
        match session.get(url).send().await {
            Ok(r) => r.bytes().await.unwrap_err(),
            Err(err) => err,
        }
    })
    .await;
    assert!(err.is_body(), "{url}: {err:?}");
    assert!(
        err.report().to_string().contains("max_decompressed_size"),
        "{url}: {err}"
    );
    (streamed, buffered)
}

#[tokio::test(flavor = "current_thread")]
async fn a_body_over_its_cap_never_holds_more_than_the_cap_and_one_block() {
    let _turn = one_at_a_time().await;
    let chunk = |size: usize| {
        let mut wire = format!("{size:x}\r\n").into_bytes();
        wire.extend(std::iter::repeat_n(b'x', size));
        wire.extend_from_slice(b"\r\n");
        bytes::Bytes::from(wire)
    };
    let endless = |head: &'static str, flood: bytes::Bytes| {
        vec![Step::ReadHead, Step::write(head), Step::Flood(flood)]
    };
    let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    let close_delimited = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
    let gzipped = bytes::Bytes::from(gzip(&vec![0u8; 2 * CAP]));
    let bomb = Server::start(move |_req| {
        let body = gzipped.clone();
        async move { respond(200, &[("content-encoding", "gzip")], body) }
    })
    .await;
    let servers = [
        (
            "chunked, large chunks",
            FaultServer::every(endless(chunked, chunk(32 << 10))).await,
        ),
        (
            "chunked, small chunks",
            FaultServer::every(endless(chunked, chunk(100))).await,
        ),
        (
            "close-delimited",
            FaultServer::every(endless(
                close_delimited,
                bytes::Bytes::from(vec![b'x'; 16 << 10]),
            ))
            .await,
        ),
    ];
    let mut cases: Vec<(&str, String)> = servers
        .iter()
        .map(|(name, server)| (*name, server.url("/")))
        .collect();
    cases.push(("gzip-decoded", bomb.url("/")));
    for (name, url) in &cases {
        let (streamed, buffered) = streamed_and_buffered_peaks(url).await;
        eprintln!("{name}: streamed peak {streamed}, buffered peak {buffered}");
        assert!(
            streamed <= CONNECTION,
            "{name}: streaming grew the heap by {streamed} bytes"
        );
        assert!(
            buffered <= CAP + BLOCK + CONNECTION,
            "{name}: the heap grew by {buffered} bytes for a cap of {CAP} \
             (streaming the same body: {streamed})"
        );
    }

    // A Content-Length over the cap fails before anything is read.
    let announced = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", CAP + 1);
    let server = FaultServer::every(vec![
        Step::ReadHead,
        Step::write(announced),
        Step::Flood(bytes::Bytes::from(vec![b'x'; 16 << 10])),
    ])
    .await;
    let session = Session::builder()
        .max_decompressed_size(CAP as u64)
        .build()
        .unwrap();
    let (err, peak) =
        peak_growth(async { session.get(server.url("/")).send().await.unwrap_err() }).await;
    assert!(err.is_body(), "{err:?}");
    assert!(
        peak < CAP / 4,
        "Content-Length over the cap: the heap grew by {peak}"
    );
}

/// The cap of the address-space test, and the limit the client runs under:
/// less than twice the cap, so that a buffer doubling past the cap cannot be
/// allocated (and Rust aborts the process when an allocation fails).
const ULIMIT_CAP: u64 = 256 << 20;
const ULIMIT_KIB: u64 = (ULIMIT_CAP * 15 / 8) >> 10;

/// Set in the child process: the URL it reads.
const CHILD_URL: &str = "SESSIO_MEMORY_CHILD_URL";

#[tokio::test(flavor = "current_thread")]
async fn under_an_address_space_limit_an_endless_body_is_an_error_not_an_abort() {
    let _turn = one_at_a_time().await;
    if let Ok(url) = std::env::var(CHILD_URL) {
        // The child: read the endless body into memory under the cap.
        let session = Session::builder()
            .max_decompressed_size(ULIMIT_CAP)
            .build()
            .unwrap();
        let err = session.get(url).send().await.unwrap_err();
        assert!(err.is_body(), "{err:?}");
        println!("child: body error: {}", err.report());
        return;
    }
    // The parent: an endless chunked body (bounded at three times the cap), and
    // this test run again in a child process under `ulimit -v`.
    let server = Server::start(|_req| async {
        let chunk = bytes::Bytes::from(vec![b'x'; 256 << 10]);
        let chunks = (3 * ULIMIT_CAP as usize) / chunk.len();
        let frames = futures_util::stream::iter(
            std::iter::repeat_n(chunk, chunks).map(|c| Ok(http_body::Frame::data(c))),
        );
        let body = http_body_util::BodyExt::boxed(http_body_util::StreamBody::new(frames));
        http::Response::new(body)
    })
    .await;
    let this_test = "under_an_address_space_limit_an_endless_body_is_an_error_not_an_abort";
    let output = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {ULIMIT_KIB} && exec \"$0\" \"$@\""))
        .arg(std::env::current_exe().unwrap())
        .args([this_test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_URL, server.url("/"))
        // one malloc arena: the limit is then spent on the body, not on
        // per-thread reservations
        .env("MALLOC_ARENA_MAX", "1")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("child: body error"),
        "the child under ulimit -v {ULIMIT_KIB} KiB ended with {:?}\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("max_decompressed_size"), "{stdout}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_long_redirect_chain_costs_memory_linear_in_its_hops() {
    let _turn = one_at_a_time().await;
    const HOPS: usize = 1000;
    let body = bytes::Bytes::from(vec![b'r'; 16 << 10]);
    let server = Server::start(move |req| {
        let body = body.clone();
        async move {
            let hop: usize = req.uri().path()[1..].parse().unwrap_or(0);
            if hop < HOPS {
                let next = format!("/{}", hop + 1);
                respond(302, &[("location", next.as_str())], body)
            } else {
                respond(200, &[], "end")
            }
        }
    })
    .await;
    let session = Session::builder().max_redirects(2 * HOPS).build().unwrap();
    let (response, peak) =
        peak_growth(async { session.get(server.url("/0")).send().await.unwrap() }).await;
    eprintln!(
        "{HOPS} hops of 16 KiB: the heap grew by {peak} bytes; now {}",
        ALLOCATOR.current_usage()
    );
    assert!(
        peak < 64 << 20,
        "{HOPS} hops of 16 KiB: the heap grew by {peak} bytes"
    );

    // The same history as before: each entry's own history is the entries before it.
    let history = response.history();
    assert_eq!(history.len(), HOPS);
    assert_eq!(history[HOPS - 1].history().len(), HOPS - 1);
    assert_eq!(history[0].history().len(), 0);
    let earlier = &history[500].history()[499];
    assert_eq!(earlier.url().path(), "/499");
    assert_eq!(earlier.status(), 302);
    assert_eq!(history[10].url().path(), "/10");
    let copy = response.try_clone().unwrap();
    assert_eq!(copy.history()[999].history()[998].url().path(), "/998");
    drop(copy);
}
