//! Content-Encoding decoding on read, with urllib3's rules: `gzip`/`x-gzip`,
//! `deflate` (zlib-wrapped or raw), `br`, `zstd`, chains of at most five codings,
//! unknown codings passed through. Each coding is behind its cargo feature; a
//! build without any never makes a decoder.
//!
//! Memory is bounded on the output side: the chain is pulled from its end, each
//! coding is fed at most [`INPUT_SLICE`] bytes at a time and asked for more only
//! when the next one needs it, and one pull yields at most what the reader asks
//! for. A coding never holds more than one step's output beyond what was asked
//! of it, however much a small input inflates.
#![cfg_attr(
    not(any(
        feature = "gzip",
        feature = "deflate",
        feature = "brotli",
        feature = "zstd"
    )),
    allow(dead_code, unused_variables, unreachable_code)
)]

mod stage;
#[cfg(all(
    test,
    feature = "gzip",
    feature = "deflate",
    feature = "brotli",
    feature = "zstd"
))]
mod tests;

use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use http::header::CONTENT_ENCODING;

use crate::{Error, ErrorKind, Result};
use stage::Stage;

/// The longest chain of codings accepted (urllib3's `max_decode_links`).
pub(crate) const MAX_CODINGS: usize = 5;

/// Each coding is fed at most this many bytes at a time.
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
    links: Vec<Link>,
}

/// One coding of the chain, with what it was given and what it made.
struct Link {
    stage: Stage,
    /// Input not consumed yet.
    input: Bytes,
    /// Whether the input before it has ended.
    input_ended: bool,
    /// Output not pulled yet.
    output: BytesMut,
    /// Whether the coding's stream is complete.
    done: bool,
}

/// What one pull gave.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Pulled {
    /// Decoded bytes (never more than asked for).
    Data(Bytes),
    /// Nothing until more raw input is pushed.
    NeedsInput,
    /// The body is fully decoded.
    End,
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
        let known = |c: &&str| kind(c).is_some();
        if !codings.iter().any(known) {
            return Ok(None);
        }
        if codings.len() > MAX_CODINGS {
            return Err(Error::new(
                ErrorKind::Decode,
                format!(
                    "too many content encodings in the chain: {} > {MAX_CODINGS}",
                    codings.len()
                ),
            ));
        }
        let links = codings
            .iter()
            .rev()
            .filter_map(|c| kind(c))
            .map(|kind| {
                Ok(Link {
                    stage: Stage::new(kind)?,
                    input: Bytes::new(),
                    input_ended: false,
                    output: BytesMut::new(),
                    done: false,
                })
            })
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(decode_error)?;
        Ok(Some(ContentDecoder { links }))
    }

    /// Whether the decoder has used up the raw input it was given.
    pub(crate) fn wants_input(&self) -> bool {
        let first = &self.links[0];
        first.input.is_empty() && !first.input_ended && !first.done
    }

    /// More raw input (only when [`wants_input`](Self::wants_input)).
    pub(crate) fn push(&mut self, raw: Bytes) {
        debug_assert!(self.wants_input(), "input pushed before the last was used");
        self.links[0].input = raw;
    }

    /// The raw body has ended.
    pub(crate) fn end_input(&mut self) {
        self.links[0].input_ended = true;
    }

    /// At most `max` decoded bytes.
    pub(crate) fn pull(&mut self, max: usize) -> Result<Pulled> {
        let last = self.links.len() - 1;
        self.fill(last, max)?;
        let link = &mut self.links[last];
        if !link.output.is_empty() {
            let n = link.output.len().min(max);
            return Ok(Pulled::Data(link.output.split_to(n).freeze()));
        }
        if link.done {
            return Ok(Pulled::End);
        }
        Ok(Pulled::NeedsInput)
    }

    /// Runs coding `i` until it has `want` bytes of output, is done, or needs raw
    /// input that has not come yet.
    fn fill(&mut self, i: usize, want: usize) -> Result<()> {
        while self.links[i].output.len() < want && !self.links[i].done {
            if self.links[i].input.is_empty() && !self.links[i].input_ended && i > 0 {
                self.fill(i - 1, INPUT_SLICE)?;
                let (upstream, link) = split(&mut self.links, i);
                if !upstream.output.is_empty() {
                    let n = upstream.output.len().min(INPUT_SLICE);
                    link.input = upstream.output.split_to(n).freeze();
                } else if upstream.done {
                    link.input_ended = true;
                } else {
                    return Ok(()); // the first coding waits for raw input
                }
            }
            let link = &mut self.links[i];
            if link.input.is_empty() && !link.input_ended {
                return Ok(()); // raw input has not come yet
            }
            let end = link.input.is_empty() && link.input_ended;
            let slice = link.input.len().min(INPUT_SLICE);
            let before = link.output.len();
            let progress = link
                .stage
                .run(&link.input[..slice], end, &mut link.output)
                .map_err(decode_error)?;
            let _ = link.input.split_to(progress.consumed);
            let stuck = progress.consumed == 0 && link.output.len() == before && !end;
            // A coding whose stream ended ignores what follows it, as urllib3 does.
            if progress.done || stuck {
                link.done = true;
            }
        }
        Ok(())
    }
}

/// Coding `i` and the one before it.
fn split(links: &mut [Link], i: usize) -> (&mut Link, &mut Link) {
    let (before, after) = links.split_at_mut(i);
    (&mut before[i - 1], &mut after[0])
}

/// The coding of a `Content-Encoding` token, when this build decodes it.
/// Whether `headers` name a `Content-Encoding` this build decodes.
pub(crate) fn is_decoded_on_read(headers: &HeaderMap) -> bool {
    headers
        .get_all(CONTENT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| kind(coding.trim()).is_some())
}

fn kind(coding: &str) -> Option<&'static str> {
    let lower = coding.to_ascii_lowercase();
    let kind = match lower.as_str() {
        "gzip" | "x-gzip" => "gzip",
        other => other,
    };
    CODINGS.iter().copied().find(|known| *known == kind)
}

fn decode_error(err: std::io::Error) -> Error {
    Error::new(ErrorKind::Decode, err)
}
