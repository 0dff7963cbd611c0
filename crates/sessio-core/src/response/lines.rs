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
    /// With [`delimiter`](Lines::delimiter): the bytes that end a line, and
    /// how far `pending` was searched for them.
    delimiter: Option<(Vec<u8>, usize)>,
}

impl Lines {
    pub(crate) fn new(chunks: BytesStream, encoding: Option<String>, max_line: u64) -> Self {
        Lines {
            chunks,
            pending: BytesMut::new(),
            encoding,
            max_line,
            ended: false,
            delimiter: None,
        }
    }

    /// Lines end at exactly `delimiter` instead of `\n`, `\r\n` or `\r`
    /// (requests' `iter_lines(delimiter=..)`), found even when it is split
    /// between two chunks; an empty delimiter keeps the default.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    ///
    /// # async fn run() -> sessio::Result<()> {
    /// let response = sessio::Session::new().get("http://127.0.0.1:8080/records").stream(true).send().await?;
    /// let mut records = response.lines().delimiter("\x1e"); // record separator
    /// while let Some(record) = records.next().await {
    ///     println!("{}", record?);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn delimiter(mut self, delimiter: impl AsRef<[u8]>) -> Self {
        let delimiter = delimiter.as_ref();
        self.delimiter = (!delimiter.is_empty()).then(|| (delimiter.to_vec(), 0));
        self
    }

    /// The next line ended by the user's delimiter, which is removed.
    fn take_delimited(&mut self) -> Option<Option<String>> {
        let (delimiter, searched) = self.delimiter.as_mut()?;
        // (what was searched may have been taken since: the last line)
        let from = searched
            .saturating_sub(delimiter.len() - 1)
            .min(self.pending.len());
        let found = self.pending[from..]
            .windows(delimiter.len())
            .position(|window| window == delimiter.as_slice())
            .map(|at| from + at);
        let Some(at) = found else {
            *searched = self.pending.len();
            return Some(None);
        };
        let line = self.pending.split_to(at);
        self.pending.advance(delimiter.len());
        *searched = 0;
        Some(Some(decode_text(&line, self.encoding.as_deref())))
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
        if let Some(delimited) = self.take_delimited() {
            return delimited;
        }
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

    #[tokio::test]
    async fn a_delimiter_is_found_wherever_the_chunks_split_the_body() {
        let body: &'static [u8] = b"a<>bc<><>d<";
        for first in 0..=body.len() {
            for second in first..=body.len() {
                let chunks = [&body[..first], &body[first..second], &body[second..]];
                let frames = chunks.iter().map(|c| {
                    Ok::<_, std::io::Error>(http_body::Frame::data(Bytes::from_static(c)))
                });
                let body = ResponseBody::new(StreamBody::new(futures_util::stream::iter(
                    frames.collect::<Vec<_>>(),
                )));
                let stream = BytesStream::new(HeaderMap::new(), Reader::streaming(body));
                let lines: Vec<Result<String>> = Lines::new(stream, None, 1 << 20)
                    .delimiter("<>")
                    .collect()
                    .await;
                assert_eq!(
                    ok(lines),
                    ["a", "bc", "", "d<"],
                    "split at {first}, {second}"
                );
            }
        }
    }
}
