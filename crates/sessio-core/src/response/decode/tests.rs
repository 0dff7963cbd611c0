//! Decoding tests: each coding, chains, limits, pieces of any size.

use std::io::Write;

use super::*;
use flate2::Compression;
use http::HeaderValue;

fn headers(encoding: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_ENCODING, HeaderValue::from_str(encoding).unwrap());
    headers
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Decodes `data` fed in 3-byte pieces, pulling at most `max` bytes at a time;
/// returns the output and the largest piece pulled.
fn decode_pulling(encoding: &str, data: &[u8], max: usize) -> Result<(Vec<u8>, usize)> {
    let mut decoder = ContentDecoder::for_headers(&headers(encoding))?.expect("a decoder");
    let mut out = Vec::new();
    let mut largest = 0;
    let mut pieces = data.chunks(3);
    loop {
        match decoder.pull(max)? {
            Pulled::Data(bytes) => {
                largest = largest.max(bytes.len());
                out.extend_from_slice(&bytes);
            }
            Pulled::NeedsInput => match pieces.next() {
                Some(piece) => decoder.push(Bytes::copy_from_slice(piece)),
                None => decoder.end_input(),
            },
            Pulled::End => return Ok((out, largest)),
        }
    }
}

fn decode_all(encoding: &str, data: &[u8]) -> Result<Vec<u8>> {
    decode_pulling(encoding, data, 64 * 1024).map(|(out, _)| out)
}

#[test]
fn gzip_and_aliases_decode_in_small_chunks() {
    let data = gzip(b"hello gzip");
    assert_eq!(decode_all("gzip", &data).unwrap(), b"hello gzip");
    assert_eq!(decode_all("X-GZIP", &data).unwrap(), b"hello gzip");
}

#[test]
fn deflate_accepts_zlib_and_raw() {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(b"zlib body").unwrap();
    assert_eq!(
        decode_all("deflate", &z.finish().unwrap()).unwrap(),
        b"zlib body"
    );
    let mut r = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
    r.write_all(b"raw body").unwrap();
    assert_eq!(
        decode_all("deflate", &r.finish().unwrap()).unwrap(),
        b"raw body"
    );
}

#[test]
fn chains_decode_in_reverse_order_and_stop_after_five() {
    let twice = gzip(&gzip(b"twice"));
    assert_eq!(decode_all("gzip, gzip", &twice).unwrap(), b"twice");
    let err = ContentDecoder::for_headers(&headers("gzip, gzip, gzip, gzip, gzip, gzip"))
        .err()
        .unwrap();
    assert!(err.is_decode());
}

#[test]
fn unknown_codings_pass_through() {
    assert!(
        ContentDecoder::for_headers(&headers("compress"))
            .unwrap()
            .is_none()
    );
    assert!(
        ContentDecoder::for_headers(&headers("identity"))
            .unwrap()
            .is_none()
    );
}

#[test]
fn zstd_decodes() {
    let data = zstd::stream::encode_all(&b"zstd body"[..], 3).unwrap();
    assert_eq!(decode_all("zstd", &data).unwrap(), b"zstd body");
}

#[test]
fn corrupt_and_truncated_gzip_are_decode_errors() {
    assert!(
        decode_all("gzip", b"not gzip at all")
            .unwrap_err()
            .is_decode()
    );
    let data = gzip(b"a longer body that will be cut short");
    assert!(
        decode_all("gzip", &data[..data.len() / 2])
            .unwrap_err()
            .is_decode()
    );
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        w.write_all(data).unwrap();
    }
    out
}

#[test]
fn brotli_decodes_whole_and_cut_short() {
    let data = brotli(b"brotli body");
    assert_eq!(decode_all("br", &data).unwrap(), b"brotli body");
    assert!(
        decode_all("br", &data[..data.len() - 1])
            .unwrap_err()
            .is_decode()
    );
    assert!(
        decode_all("br", b"\xff\xff\xff not brotli")
            .unwrap_err()
            .is_decode()
    );
}

/// A bomb: a few kilobytes that inflate to 32 MiB, through one coding or a
/// chain of them, is pulled in pieces no larger than asked for.
#[test]
fn bombs_come_out_in_pieces_no_larger_than_asked_for() {
    let zeros = vec![0u8; 32 << 20];
    let zlib = |data: &[u8]| {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    };
    let zstd = |data: &[u8]| zstd::stream::encode_all(data, 3).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("gzip", gzip(&zeros)),
        ("deflate", zlib(&zeros)),
        ("br", brotli(&zeros)),
        ("zstd", zstd(&zeros)),
        ("gzip, gzip", gzip(&gzip(&zeros))),
        ("deflate, br", brotli(&zlib(&zeros))),
    ];
    for (encoding, body) in cases {
        assert!(
            body.len() < 64 << 10,
            "{encoding}: a small body ({})",
            body.len()
        );
        let (out, largest) = decode_pulling(encoding, &body, 16 * 1024).unwrap();
        assert_eq!(out.len(), zeros.len(), "{encoding}");
        assert!(
            largest <= 16 * 1024,
            "{encoding}: a piece of {largest} bytes"
        );
    }
}
