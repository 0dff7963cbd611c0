//! `Response::lines`: the decoded body split into lines as it arrives.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, BytesMut};
use futures_core::Stream;

use super::BytesStream;
use super::text::decode_text;
use crate::{Error, ErrorKind, Result};

/// The lines of a response body as a `Stream` of `String`s (see
/// [`Response::lines`](crate::Response::lines)).
pub struct Lines {
    chunks: BytesStream,
    pending: BytesMut,
    encoding: Option<String>,
    max_line: u64,
    ended: bool,
}

impl Lines {
    pub(crate) fn new(chunks: BytesStream, encoding: Option<String>, max_line: u64) -> Self {
        Lines {
            chunks,
            pending: BytesMut::new(),
            encoding,
            max_line,
            ended: false,
        }
    }

    /// The error for a line over the cap; nothing is read after it.
    fn too_long(&mut self) -> Error {
        self.ended = true;
        self.pending.clear();
        let why = format!(
            "a line longer than {} bytes (max_decompressed_size)",
            self.max_line
        );
        Error::msg(ErrorKind::Body, why)
    }

    /// The next whole line in `pending`, terminator removed. A `\r` at the end
    /// of what has arrived waits for the next chunk: it may be half of `\r\n`.
    fn take_line(&mut self) -> Option<String> {
        let at = self
            .pending
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')?;
        let terminator = match (self.pending[at], self.pending.get(at + 1)) {
            (b'\r', Some(b'\n')) => 2,
            (b'\r', None) if !self.ended => return None,
            _ => 1,
        };
        let line = self.pending.split_to(at);
        self.pending.advance(terminator);
        Some(decode_text(&line, self.encoding.as_deref()))
    }
}

impl Stream for Lines {
    type Item = Result<String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(line) = this.take_line() {
                if line.len() as u64 > this.max_line {
                    return Poll::Ready(Some(Err(this.too_long())));
                }
                return Poll::Ready(Some(Ok(line)));
            }
            if this.ended {
                if this.pending.is_empty() {
                    return Poll::Ready(None);
                }
                let rest = this.pending.split();
                return Poll::Ready(Some(Ok(decode_text(&rest, this.encoding.as_deref()))));
            }
            if this.pending.len() as u64 > this.max_line {
                return Poll::Ready(Some(Err(this.too_long())));
            }
            match std::task::ready!(Pin::new(&mut this.chunks).poll_next(cx)) {
                Some(Ok(chunk)) => this.pending.extend_from_slice(&chunk),
                Some(Err(err)) => {
                    this.ended = true;
                    this.pending.clear();
                    return Poll::Ready(Some(Err(err)));
                }
                None => this.ended = true,
            }
        }
    }
}

impl fmt::Debug for Lines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lines")
            .field("pending", &self.pending.len())
            .field("ended", &self.ended)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use futures_util::StreamExt;
    use http::HeaderMap;
    use http_body_util::StreamBody;

    use super::*;
    use crate::ResponseBody;
    use crate::response::reader::Reader;

    /// The lines of a body that arrives in exactly these chunks.
    async fn lines_of(
        chunks: &[&'static [u8]],
        encoding: Option<&str>,
        max: u64,
    ) -> Vec<Result<String>> {
        let frames = chunks
            .iter()
            .map(|c| Ok::<_, std::io::Error>(http_body::Frame::data(Bytes::from_static(c))));
        let body = ResponseBody::new(StreamBody::new(futures_util::stream::iter(
            frames.collect::<Vec<_>>(),
        )));
        let stream = BytesStream::new(HeaderMap::new(), Reader::streaming(body));
        Lines::new(stream, encoding.map(str::to_owned), max)
            .collect()
            .await
    }

    fn ok(lines: Vec<Result<String>>) -> Vec<String> {
        lines.into_iter().map(|l| l.unwrap()).collect()
    }

    #[tokio::test]
    async fn every_line_break_is_one_break_even_split_between_chunks() {
        let lines = lines_of(
            &[b"one\r", b"\ntwo\nthr", b"ee\rfour\r\n\r\nlast"],
            None,
            1 << 20,
        )
        .await;
        assert_eq!(ok(lines), ["one", "two", "three", "four", "", "last"]);
        let lines = lines_of(&[b"a\r"], None, 1 << 20).await;
        assert_eq!(ok(lines), ["a"], "a final \\r ends the last line");
        let lines = lines_of(&[b"", b"\n\n"], None, 1 << 20).await;
        assert_eq!(ok(lines), ["", ""]);
        assert!(lines_of(&[], None, 1 << 20).await.is_empty());
    }

    #[tokio::test]
    async fn lines_are_decoded_with_the_charset() {
        let lines = lines_of(&[b"caf\xe9\n", b"na\xefve"], Some("iso-8859-1"), 1 << 20).await;
        assert_eq!(ok(lines), ["café", "naïve"]);
        let lines = lines_of(&[b"caf\xc3", b"\xa9\n"], None, 1 << 20).await;
        assert_eq!(ok(lines), ["café"], "a character split between chunks");
    }

    #[tokio::test]
    async fn a_line_longer_than_the_cap_is_a_body_error() {
        let lines = lines_of(&[b"short\n", b"0123456789", b"0123456789\n"], None, 12).await;
        assert_eq!(lines[0].as_ref().unwrap(), "short");
        let err = lines[1].as_ref().unwrap_err();
        assert!(err.is_body(), "{err}");
        assert_eq!(lines.len(), 2, "nothing after the error");
    }
}
