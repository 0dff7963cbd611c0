//! Content-Encoding decoding on read, with urllib3's rules: `gzip`/`x-gzip`,
//! `deflate` (zlib-wrapped or raw), `br`, `zstd`, chains of at most five codings,
//! unknown codings passed through. Each coding is behind its cargo feature; a
//! build without any never makes a decoder.
#![cfg_attr(
    not(any(
        feature = "gzip",
        feature = "deflate",
        feature = "brotli",
        feature = "zstd"
    )),
    allow(dead_code, unused_variables)
)]

use std::io;
#[cfg(any(
    feature = "gzip",
    feature = "deflate",
    feature = "brotli",
    feature = "zstd"
))]
use std::io::Write;

use bytes::Bytes;
use http::HeaderMap;
use http::header::CONTENT_ENCODING;

use crate::{Error, Result};

/// The longest chain of codings accepted (urllib3's `max_decode_links`).
pub(crate) const MAX_CODINGS: usize = 5;

/// Input is fed to the decoders in slices this large, so that one poll never
/// inflates more than a bounded amount.
pub(crate) const INPUT_SLICE: usize = 4 * 1024;

/// The codings this build decodes (cargo features `gzip`, `deflate`, `brotli`,
/// `zstd`), in the order `Accept-Encoding` lists them.
const CODINGS: &[&str] = &[
    #[cfg(feature = "gzip")]
    "gzip",
    #[cfg(feature = "deflate")]
    "deflate",
    #[cfg(feature = "brotli")]
    "br",
    #[cfg(feature = "zstd")]
    "zstd",
];

/// The `Accept-Encoding` a session sends: the codings this build decodes, or
/// `None` when it decodes none.
pub fn accept_encoding() -> Option<&'static str> {
    static VALUE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let value = VALUE.get_or_init(|| CODINGS.join(", "));
    (!value.is_empty()).then_some(value.as_str())
}

/// Decodes a body whose `Content-Encoding` lists one or more codings.
pub(crate) struct ContentDecoder {
    /// In decoding order: the last coding applied comes first.
    stages: Vec<Stage>,
}

enum Stage {
    #[cfg(feature = "gzip")]
    Gzip(flate2::write::MultiGzDecoder<Vec<u8>>),
    /// `deflate` before its first two bytes told zlib from raw deflate.
    #[cfg(feature = "deflate")]
    DeflateUnknown(Vec<u8>),
    #[cfg(feature = "deflate")]
    Zlib(flate2::write::ZlibDecoder<Vec<u8>>),
    #[cfg(feature = "deflate")]
    RawDeflate(flate2::write::DeflateDecoder<Vec<u8>>),
    #[cfg(feature = "brotli")]
    Brotli(Box<brotli_decompressor::DecompressorWriter<Vec<u8>>>),
    #[cfg(feature = "zstd")]
    Zstd(zstd::stream::write::Decoder<'static, Vec<u8>>),
    /// A build without decoders has no stage.
    #[cfg(not(any(
        feature = "gzip",
        feature = "deflate",
        feature = "brotli",
        feature = "zstd"
    )))]
    None(std::convert::Infallible),
}

impl ContentDecoder {
    /// The decoder for a response's headers; `None` when nothing needs decoding.
    pub(crate) fn for_headers(headers: &HeaderMap) -> Result<Option<ContentDecoder>> {
        let mut codings: Vec<&str> = Vec::new();
        for value in headers.get_all(CONTENT_ENCODING) {
            let Ok(value) = value.to_str() else {
                continue;
            };
            codings.extend(value.split(',').map(str::trim).filter(|c| !c.is_empty()));
        }
        if codings.is_empty() {
            return Ok(None);
        }
        let known = |c: &&str| Stage::kind(c).is_some();
        if !codings.iter().any(known) {
            return Ok(None);
        }
        if codings.len() > MAX_CODINGS {
            return Err(Error::decode(format!(
                "too many content encodings in the chain: {} > {MAX_CODINGS}",
                codings.len()
            )));
        }
        let stages = codings
            .iter()
            .rev()
            .filter_map(|c| Stage::new(c).transpose())
            .collect::<io::Result<Vec<_>>>()
            .map_err(Error::decode)?;
        Ok(Some(ContentDecoder { stages }))
    }

    /// Feeds raw bytes and returns what could be decoded so far.
    pub(crate) fn decode(&mut self, input: &[u8]) -> Result<Bytes> {
        let mut data = input.to_vec();
        for stage in &mut self.stages {
            stage.write(&data).map_err(Error::decode)?;
            data = stage.take();
        }
        Ok(Bytes::from(data))
    }

    /// Signals the end of the raw body and returns the last decoded bytes.
    /// A stream cut short is an error.
    pub(crate) fn finish(&mut self) -> Result<Bytes> {
        let mut data = Vec::new();
        for stage in &mut self.stages {
            if !data.is_empty() {
                stage.write(&data).map_err(Error::decode)?;
            }
            stage.finish().map_err(Error::decode)?;
            data = stage.take();
        }
        Ok(Bytes::from(data))
    }
}

impl Stage {
    fn kind(coding: &str) -> Option<&'static str> {
        let lower = coding.to_ascii_lowercase();
        let kind = match lower.as_str() {
            "gzip" | "x-gzip" => "gzip",
            "br" => "br",
            other => other,
        };
        CODINGS.iter().copied().find(|known| *known == kind)
    }

    /// The stage for one coding; `None` for `identity` and unknown codings.
    fn new(coding: &str) -> io::Result<Option<Stage>> {
        Ok(match Stage::kind(coding) {
            #[cfg(feature = "gzip")]
            Some("gzip") => Some(Stage::Gzip(flate2::write::MultiGzDecoder::new(Vec::new()))),
            #[cfg(feature = "deflate")]
            Some("deflate") => Some(Stage::DeflateUnknown(Vec::new())),
            #[cfg(feature = "brotli")]
            Some("br") => Some(Stage::Brotli(Box::new(
                brotli_decompressor::DecompressorWriter::new(Vec::new(), 4096),
            ))),
            #[cfg(feature = "zstd")]
            Some("zstd") => Some(Stage::Zstd(zstd::stream::write::Decoder::new(Vec::new())?)),
            _ => None,
        })
    }

    fn write(&mut self, input: &[u8]) -> io::Result<()> {
        match self {
            #[cfg(feature = "gzip")]
            Stage::Gzip(d) => d.write_all(input),
            #[cfg(feature = "deflate")]
            Stage::DeflateUnknown(head) => {
                head.extend_from_slice(input);
                if head.len() >= 2 {
                    let head = std::mem::take(head);
                    *self = if is_zlib_header(head[0], head[1]) {
                        Stage::Zlib(flate2::write::ZlibDecoder::new(Vec::new()))
                    } else {
                        Stage::RawDeflate(flate2::write::DeflateDecoder::new(Vec::new()))
                    };
                    self.write(&head)?;
                }
                Ok(())
            }
            #[cfg(feature = "deflate")]
            Stage::Zlib(d) => d.write_all(input),
            #[cfg(feature = "deflate")]
            Stage::RawDeflate(d) => d.write_all(input),
            #[cfg(feature = "brotli")]
            Stage::Brotli(d) => d.write_all(input),
            #[cfg(feature = "zstd")]
            Stage::Zstd(d) => d.write_all(input),
            #[cfg(not(any(
                feature = "gzip",
                feature = "deflate",
                feature = "brotli",
                feature = "zstd"
            )))]
            Stage::None(never) => match *never {},
        }
    }

    fn take(&mut self) -> Vec<u8> {
        match self {
            #[cfg(feature = "gzip")]
            Stage::Gzip(d) => std::mem::take(d.get_mut()),
            #[cfg(feature = "deflate")]
            Stage::DeflateUnknown(_) => Vec::new(),
            #[cfg(feature = "deflate")]
            Stage::Zlib(d) => std::mem::take(d.get_mut()),
            #[cfg(feature = "deflate")]
            Stage::RawDeflate(d) => std::mem::take(d.get_mut()),
            #[cfg(feature = "brotli")]
            Stage::Brotli(d) => std::mem::take(d.get_mut()),
            #[cfg(feature = "zstd")]
            Stage::Zstd(d) => std::mem::take(d.get_mut()),
            #[cfg(not(any(
                feature = "gzip",
                feature = "deflate",
                feature = "brotli",
                feature = "zstd"
            )))]
            Stage::None(never) => match *never {},
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        match self {
            #[cfg(feature = "gzip")]
            Stage::Gzip(d) => d.try_finish(),
            #[cfg(feature = "deflate")]
            Stage::DeflateUnknown(head) if head.is_empty() => Ok(()),
            #[cfg(feature = "deflate")]
            Stage::DeflateUnknown(_) => Err(truncated()),
            #[cfg(feature = "deflate")]
            Stage::Zlib(d) => d.try_finish(),
            #[cfg(feature = "deflate")]
            Stage::RawDeflate(d) => d.try_finish(),
            #[cfg(feature = "brotli")]
            Stage::Brotli(d) => d.close().map_err(|_| truncated()),
            #[cfg(feature = "zstd")]
            Stage::Zstd(d) => d.flush(),
            #[cfg(not(any(
                feature = "gzip",
                feature = "deflate",
                feature = "brotli",
                feature = "zstd"
            )))]
            Stage::None(never) => match *never {},
        }
    }
}

#[cfg(feature = "deflate")]
fn is_zlib_header(cmf: u8, flg: u8) -> bool {
    cmf & 0x0F == 8 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
}

#[cfg(any(feature = "deflate", feature = "brotli"))]
fn truncated() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "compressed body ended early")
}

#[cfg(all(
    test,
    feature = "gzip",
    feature = "deflate",
    feature = "brotli",
    feature = "zstd"
))]
mod tests {
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

    fn decode_all(encoding: &str, data: &[u8]) -> Result<Vec<u8>> {
        let mut decoder = ContentDecoder::for_headers(&headers(encoding))?.expect("a decoder");
        let mut out = Vec::new();
        for chunk in data.chunks(3) {
            out.extend_from_slice(&decoder.decode(chunk)?);
        }
        out.extend_from_slice(&decoder.finish()?);
        Ok(out)
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
}
