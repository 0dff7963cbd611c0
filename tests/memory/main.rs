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
use sessio_tests::{Server, respond};

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

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
