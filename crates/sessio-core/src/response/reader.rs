//! Reading a raw body and decoding it in bounded steps, with the cap on what is
//! read into memory.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use http::HeaderMap;
use http_body::Body as _;
use http_body_util::BodyExt;

use super::ResponseBody;
use super::capped::{CappedBuffer, check_size};
use super::decode::{ContentDecoder, Pulled};
use crate::{BoxError, Error, ErrorKind, Result};

/// Reads a raw body into memory; more than `max` bytes is a body error, at once
/// when the body announces more (its `Content-Length`), and before the buffer
/// grows past `max` otherwise.
async fn collect_capped<B>(body: &mut B, max: u64) -> Result<Bytes>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    let hint = body.size_hint();
    check_size(hint.lower(), max)?;
    // Most bodies come in one frame: kept as it is, no buffer made.
    let Some(first) = next_data(body).await? else {
        return Ok(Bytes::new());
    };
    check_size(first.len() as u64, max)?;
    let Some(second) = next_data(body).await? else {
        return Ok(first);
    };
    let mut buffer = CappedBuffer::new(max, hint.exact())?;
    buffer.push(first)?;
    buffer.push(second)?;
    while let Some(data) = next_data(body).await? {
        buffer.push(data)?;
    }
    Ok(buffer.finish())
}

/// The next data frame of a raw body (trailers and empty frames skipped).
async fn next_data<B>(body: &mut B) -> Result<Option<Bytes>>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| body_error(e.into()))?;
        if let Ok(data) = frame.into_data()
            && !data.is_empty()
        {
            return Ok(Some(data));
        }
    }
    Ok(None)
}

/// A raw body error as a sessio error: sessio errors (timeouts) stay as they are.
fn body_error(err: BoxError) -> Error {
    match err.downcast::<Error>() {
        Ok(err) => *err,
        Err(other) => Error::new(ErrorKind::Body, other),
    }
}

/// The most decoded bytes one read yields (a chunk of `bytes_stream()` or
/// `chunk()`); identity bodies come in the chunks the connection gives.
pub(crate) const MAX_CHUNK: usize = 64 * 1024;

/// Reads a raw body and decodes it in bounded steps.
pub(crate) struct Reader {
    source: Source,
    decoder: DecoderState,
    done: bool,
}

/// Where the raw bytes come from: the connection, memory once buffered, or an
/// error to give once.
enum Source {
    Body(ResponseBody),
    Buffered(Option<Bytes>),
    Failed(Option<Error>),
}

impl Source {
    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BoxError>>> {
        match self {
            Source::Buffered(bytes) => Poll::Ready(bytes.take().map(Ok)),
            Source::Failed(err) => Poll::Ready(err.take().map(|err| Err(err.into()))),
            Source::Body(body) => loop {
                match std::task::ready!(Pin::new(&mut *body).poll_frame(cx)) {
                    None => return Poll::Ready(None),
                    Some(Err(err)) => return Poll::Ready(Some(Err(err))),
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            return Poll::Ready(Some(Ok(data)));
                        }
                    }
                }
            },
        }
    }

    fn into_body(self) -> ResponseBody {
        match self {
            Source::Body(body) => body,
            Source::Buffered(Some(bytes)) => ResponseBody::from(bytes),
            Source::Buffered(None) | Source::Failed(_) => ResponseBody::empty(),
        }
    }
}

enum DecoderState {
    Unknown,
    Identity,
    Decoding(Box<ContentDecoder>),
}

impl Reader {
    fn new(source: Source) -> Self {
        Reader {
            source,
            decoder: DecoderState::Unknown,
            done: false,
        }
    }

    /// A reader of a body still on the connection.
    pub(crate) fn streaming(body: ResponseBody) -> Self {
        Self::new(Source::Body(body))
    }

    /// A reader of a body already in memory.
    pub(crate) fn buffered(bytes: Bytes) -> Self {
        Self::new(Source::Buffered(Some(bytes)))
    }

    /// A reader of a body already in memory and decoded: given as it is.
    pub(crate) fn decoded(bytes: Bytes) -> Self {
        Reader {
            source: Source::Buffered(Some(bytes)),
            decoder: DecoderState::Identity,
            done: false,
        }
    }

    /// A reader that gives `err`, then the end.
    pub(crate) fn failed(err: Error) -> Self {
        Reader {
            source: Source::Failed(Some(err)),
            decoder: DecoderState::Identity,
            done: false,
        }
    }

    /// Whether the raw body is in memory: reading it never waits.
    pub(crate) fn is_buffered(&self) -> bool {
        matches!(self.source, Source::Buffered(_))
    }

    /// Whether nothing of the decoded body was asked for yet.
    pub(crate) fn untouched(&self) -> bool {
        matches!(self.decoder, DecoderState::Unknown)
    }

    /// The raw body, when it is in memory and nothing was read yet.
    pub(crate) fn unread_buffer(&self) -> Option<&Bytes> {
        match (&self.source, &self.decoder) {
            (Source::Buffered(Some(bytes)), DecoderState::Unknown) => Some(bytes),
            _ => None,
        }
    }

    /// The raw body, without decoding.
    pub(crate) fn into_body(self) -> ResponseBody {
        self.source.into_body()
    }

    /// Reads the rest of the raw body into memory without decoding it; more than
    /// `max` bytes is a body error.
    pub(crate) async fn buffer_raw(&mut self, max: u64) -> Result<()> {
        let Source::Body(body) = &mut self.source else {
            return Ok(());
        };
        let all = collect_capped(body, max).await?;
        self.source = Source::Buffered(Some(all));
        Ok(())
    }

    /// The next chunk of the decoded body; `None` at the end.
    pub(crate) async fn next_chunk(&mut self, headers: &HeaderMap) -> Result<Option<Bytes>> {
        poll_fn(|cx| self.poll_chunk(cx, headers)).await.transpose()
    }

    /// The whole decoded body; more than `max` decoded bytes is a body error,
    /// found before the buffer grows past it.
    pub(crate) async fn read_all(&mut self, headers: &HeaderMap, max: u64) -> Result<Bytes> {
        // A body in memory, not encoded, is one chunk: kept as it is.
        let Some(first) = self.next_chunk(headers).await? else {
            return Ok(Bytes::new());
        };
        check_size(first.len() as u64, max)?;
        let Some(second) = self.next_chunk(headers).await? else {
            return Ok(first);
        };
        let mut buffer = CappedBuffer::new(max, None)?;
        buffer.push(first)?;
        buffer.push(second)?;
        while let Some(chunk) = self.next_chunk(headers).await? {
            buffer.push(chunk)?;
        }
        Ok(buffer.finish())
    }

    pub(crate) fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
        headers: &HeaderMap,
    ) -> Poll<Option<Result<Bytes>>> {
        if let DecoderState::Unknown = self.decoder {
            self.decoder = match ContentDecoder::for_headers(headers) {
                Ok(Some(decoder)) => DecoderState::Decoding(Box::new(decoder)),
                Ok(None) => DecoderState::Identity,
                Err(err) => {
                    self.done = true;
                    self.decoder = DecoderState::Identity;
                    return Poll::Ready(Some(Err(err)));
                }
            };
        }
        loop {
            if let DecoderState::Decoding(decoder) = &mut self.decoder {
                match decoder.pull(MAX_CHUNK) {
                    Ok(Pulled::Data(out)) => return Poll::Ready(Some(Ok(out))),
                    Ok(Pulled::End) => return Poll::Ready(None),
                    Ok(Pulled::NeedsInput) => {}
                    Err(err) => {
                        self.done = true;
                        self.decoder = DecoderState::Identity;
                        return Poll::Ready(Some(Err(err)));
                    }
                }
            }
            if self.done {
                return Poll::Ready(None);
            }
            match self.source.poll_data(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(err))) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(body_error(err))));
                }
                Poll::Ready(Some(Ok(data))) => match &mut self.decoder {
                    DecoderState::Decoding(decoder) => decoder.push(data),
                    _ if data.is_empty() => {}
                    _ => return Poll::Ready(Some(Ok(data))),
                },
                Poll::Ready(None) => match &mut self.decoder {
                    DecoderState::Decoding(decoder) => decoder.end_input(),
                    _ => {
                        self.done = true;
                        return Poll::Ready(None);
                    }
                },
            }
        }
    }
}

/// The decoded body of a response as a `Stream` of chunks
/// (see [`Response::bytes_stream`](crate::Response::bytes_stream)).
pub struct BytesStream {
    headers: HeaderMap,
    reader: Reader,
    /// With [`chunk_size`](BytesStream::chunk_size): the size of every chunk
    /// but the last, and what was read past the last chunk given.
    sized: Option<(usize, BytesMut)>,
}

impl BytesStream {
    pub(crate) fn new(headers: HeaderMap, reader: Reader) -> Self {
        BytesStream {
            headers,
            reader,
            sized: None,
        }
    }

    /// Chunks of exactly `size` bytes, the last one shorter (requests'
    /// `iter_content(chunk_size=size)`); `0` gives the chunks as they are
    /// decoded, at most 64 KiB each (the default). At most one chunk more
    /// than `size` is kept in memory.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    ///
    /// # async fn run() -> sessio::Result<()> {
    /// let response = sessio::Session::new().get("http://127.0.0.1:8080/records").stream(true).send().await?;
    /// let mut records = response.bytes_stream().chunk_size(512);
    /// while let Some(record) = records.next().await {
    ///     assert!(record?.len() <= 512);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn chunk_size(mut self, size: usize) -> Self {
        self.sized = (size > 0).then(|| (size, BytesMut::new()));
        self
    }
}

impl Stream for BytesStream {
    type Item = Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some((size, pending)) = &mut this.sized else {
            return this.reader.poll_chunk(cx, &this.headers);
        };
        loop {
            if pending.len() >= *size {
                return Poll::Ready(Some(Ok(pending.split_to(*size).freeze())));
            }
            match std::task::ready!(this.reader.poll_chunk(cx, &this.headers)) {
                Some(Ok(chunk)) if pending.is_empty() && chunk.len() == *size => {
                    return Poll::Ready(Some(Ok(chunk)));
                }
                Some(Ok(chunk)) => pending.extend_from_slice(&chunk),
                Some(Err(err)) => return Poll::Ready(Some(Err(err))),
                None if pending.is_empty() => return Poll::Ready(None),
                None => return Poll::Ready(Some(Ok(pending.split().freeze()))),
            }
        }
    }
}

impl fmt::Debug for BytesStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BytesStream")
    }
}

/// A [`BytesStream`] as an HTTP body (see
/// [`Response::into_decoded_http`](crate::Response::into_decoded_http)).
pub(crate) struct DecodedBody(pub(crate) BytesStream);

impl http_body::Body for DecodedBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>>>> {
        let stream = &mut self.get_mut().0;
        Pin::new(stream)
            .poll_next(cx)
            .map(|chunk| chunk.map(|chunk| chunk.map(http_body::Frame::data)))
    }
}
