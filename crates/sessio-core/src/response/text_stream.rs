//! `Response::text_stream`: the decoded body as text, chunk by chunk, with
//! characters split between chunks put back together.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use encoding_rs::{CoderResult, Decoder, Encoding};
use futures_core::Stream;

use super::BytesStream;
use crate::Result;

/// The text of a response body as a `Stream` of `String`s (see
/// [`Response::text_stream`](crate::Response::text_stream)).
pub struct TextStream {
    chunks: BytesStream,
    decoder: Decoder,
    // Python's ISO-8859-1: every byte is the code point of the same value.
    latin1: bool,
    ended: bool,
}

impl TextStream {
    pub(crate) fn new(chunks: BytesStream, encoding: Option<&str>) -> Self {
        let lower = encoding.map(|label| label.trim().to_ascii_lowercase());
        let latin1 = matches!(
            lower.as_deref(),
            Some("iso-8859-1" | "iso8859-1" | "latin-1" | "latin1" | "l1" | "iso_8859-1")
        );
        let decoder = match lower.as_deref() {
            // No hint, or a name that means "look at the byte-order mark".
            None | Some("utf-16" | "utf-8-sig" | "utf_8_sig" | "utf8-sig") => {
                encoding_rs::UTF_8.new_decoder()
            }
            Some("utf-16-le" | "utf_16_le") => {
                encoding_rs::UTF_16LE.new_decoder_without_bom_handling()
            }
            Some("utf-16-be" | "utf_16_be") => {
                encoding_rs::UTF_16BE.new_decoder_without_bom_handling()
            }
            Some(label) => Encoding::for_label(label.as_bytes())
                .unwrap_or(encoding_rs::UTF_8)
                .new_decoder_without_bom_handling(),
        };
        TextStream {
            chunks,
            decoder,
            latin1,
            ended: false,
        }
    }

    fn decode(&mut self, bytes: &[u8], last: bool) -> String {
        if self.latin1 {
            return bytes.iter().map(|&b| b as char).collect();
        }
        let mut text = String::with_capacity(
            self.decoder
                .max_utf8_buffer_length(bytes.len())
                .unwrap_or(bytes.len() * 3 + 4),
        );
        let (result, _, _) = self.decoder.decode_to_string(bytes, &mut text, last);
        debug_assert_eq!(
            result,
            CoderResult::InputEmpty,
            "the buffer was sized for it"
        );
        text
    }
}

impl Stream for TextStream {
    type Item = Result<String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.ended {
                return Poll::Ready(None);
            }
            match std::task::ready!(Pin::new(&mut this.chunks).poll_next(cx)) {
                Some(Ok(chunk)) => {
                    let text = this.decode(&chunk, false);
                    if !text.is_empty() {
                        return Poll::Ready(Some(Ok(text)));
                    }
                }
                Some(Err(err)) => {
                    this.ended = true;
                    return Poll::Ready(Some(Err(err)));
                }
                None => {
                    this.ended = true;
                    // A character cut off at the very end becomes U+FFFD.
                    let rest = this.decode(&[], true);
                    if !rest.is_empty() {
                        return Poll::Ready(Some(Ok(rest)));
                    }
                }
            }
        }
    }
}

impl fmt::Debug for TextStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextStream")
            .field("encoding", &self.decoder.encoding().name())
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

    async fn text_of(chunks: &[&'static [u8]], encoding: Option<&str>) -> String {
        let frames: Vec<_> = chunks
            .iter()
            .map(|c| Ok::<_, std::io::Error>(http_body::Frame::data(Bytes::from_static(c))))
            .collect();
        let body = ResponseBody::new(StreamBody::new(futures_util::stream::iter(frames)));
        let stream = BytesStream::new(HeaderMap::new(), Reader::streaming(body));
        let parts: Vec<String> = TextStream::new(stream, encoding)
            .map(|part| part.unwrap())
            .collect()
            .await;
        parts.concat()
    }

    #[tokio::test]
    async fn characters_split_between_chunks_come_out_whole() {
        assert_eq!(
            text_of(&[b"caf\xc3", b"\xa9 \xe2\x82", b"\xac"], None).await,
            "café €"
        );
        assert_eq!(
            text_of(&[b"\xef\xbb", b"\xbfbom"], None).await,
            "bom",
            "a UTF-8 BOM is dropped"
        );
        assert_eq!(
            text_of(&[b"\xff\xfeh\x00", b"i\x00"], None).await,
            "hi",
            "UTF-16 by its BOM"
        );
        assert_eq!(
            text_of(&[b"end\xc3"], None).await,
            "end\u{fffd}",
            "cut off at the end"
        );
    }

    #[tokio::test]
    async fn the_charset_decides() {
        assert_eq!(text_of(&[b"caf\xe9"], Some("ISO-8859-1")).await, "café");
        assert_eq!(text_of(&[b"\x80"], Some("windows-1252")).await, "€");
        assert_eq!(
            text_of(&[b"\x00h\x00", b"i"], Some("utf-16-be")).await,
            "hi"
        );
    }
}
