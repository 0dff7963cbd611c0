//! The response: status, headers, the request that produced it, and a body that
//! is decoded (gzip, deflate, br, zstd) as it is read.

mod decode;
mod links;
pub(crate) mod text;

use std::collections::BTreeMap;
use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use http::header::{CONTENT_LENGTH, LINK, LOCATION};
use http::{Extensions, HeaderMap, StatusCode, Version};
use http_body::{Body as _, Frame, SizeHint};
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use serde::de::DeserializeOwned;
use url::Url;

pub use decode::ACCEPT_ENCODING;
pub use links::Link;

use crate::__private::ErrorExt;
use crate::{BoxError, Error, ErrorKind, PreparedRequest, Result};
use decode::{ContentDecoder, INPUT_SLICE};

/// The default cap on a body read into memory with `bytes()`, `text()` or `json()`.
pub const DEFAULT_MAX_DECOMPRESSED_SIZE: u64 = 1 << 30;

/// A raw (not decoded) response body as an adapter produces it.
///
/// Any `http_body::Body` of `Bytes` that is `Send + Sync` can become one.
///
/// ```
/// use sessio_core::ResponseBody;
///
/// let body = ResponseBody::from("hello");
/// assert_eq!(http_body::Body::size_hint(&body).exact(), Some(5));
/// ```
pub struct ResponseBody {
    inner: BoxBody<Bytes, BoxError>,
}

impl ResponseBody {
    /// Wraps any body.
    pub fn new<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + Sync + 'static,
        B::Error: Into<BoxError>,
    {
        ResponseBody {
            inner: body.map_err(Into::into).boxed(),
        }
    }

    /// An empty body.
    pub fn empty() -> Self {
        Self::new(http_body_util::Empty::new())
    }
}

impl From<Bytes> for ResponseBody {
    fn from(bytes: Bytes) -> Self {
        Self::new(http_body_util::Full::new(bytes))
    }
}

impl From<&'static str> for ResponseBody {
    fn from(text: &'static str) -> Self {
        Self::from(Bytes::from_static(text.as_bytes()))
    }
}

impl From<&'static [u8]> for ResponseBody {
    fn from(bytes: &'static [u8]) -> Self {
        Self::from(Bytes::from_static(bytes))
    }
}

impl From<String> for ResponseBody {
    fn from(text: String) -> Self {
        Self::from(Bytes::from(text))
    }
}

impl From<Vec<u8>> for ResponseBody {
    fn from(bytes: Vec<u8>) -> Self {
        Self::from(Bytes::from(bytes))
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseBody")
    }
}

impl http_body::Body for ResponseBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A response to a request.
///
/// The body is read with [`bytes`](Response::bytes), [`text`](Response::text),
/// [`json`](Response::json), [`chunk`](Response::chunk) or
/// [`bytes_stream`](Response::bytes_stream); each decodes the `Content-Encoding` as it
/// reads and keeps the headers as the server sent them (requests' decode-on-read).
///
/// ```
/// # tokio_test_block_on(async {
/// use sessio_core::{Method, PreparedRequest, Response, ResponseBody};
///
/// let request = PreparedRequest::new(Method::GET, "http://example.com/".parse().unwrap());
/// let http = http::Response::builder()
///     .status(404)
///     .header("content-type", "application/json")
///     .body(ResponseBody::from("{\"error\": \"missing\"}"))
///     .unwrap();
/// let response = Response::new(http, request);
/// assert!(!response.ok());
/// assert_eq!(response.reason(), "Not Found");
/// let value: serde_json::Value = response.json().await.unwrap();
/// assert_eq!(value["error"], "missing");
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub struct Response {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    extensions: Extensions,
    reason: Option<Box<str>>,
    request: PreparedRequest,
    elapsed: Duration,
    history: Vec<Response>,
    max_decompressed_size: Option<u64>,
    next: Option<Box<PreparedRequest>>,
    not_followed: Option<String>,
    reader: Reader,
}

impl Response {
    /// A response to `request` from an `http::Response`.
    pub fn new(response: http::Response<ResponseBody>, request: PreparedRequest) -> Self {
        let (parts, body) = response.into_parts();
        Response {
            status: parts.status,
            version: parts.version,
            headers: parts.headers,
            extensions: parts.extensions,
            reason: None,
            request,
            elapsed: Duration::ZERO,
            history: Vec::new(),
            max_decompressed_size: Some(DEFAULT_MAX_DECOMPRESSED_SIZE),
            next: None,
            not_followed: None,
            reader: Reader::new(Source::Body(body)),
        }
    }

    /// A response whose body is already in memory (a drained redirect, a mock).
    pub fn buffered(response: http::Response<Bytes>, request: PreparedRequest) -> Self {
        let (parts, body) = response.into_parts();
        let mut response = Response::new(
            http::Response::from_parts(parts, ResponseBody::empty()),
            request,
        );
        response.reader = Reader::new(Source::Buffered(Some(body)));
        response
    }

    /// A copy, when the body is in memory and not read yet (history entries,
    /// responses read with `stream(false)`); `None` otherwise.
    pub fn try_clone(&self) -> Option<Response> {
        let Source::Buffered(Some(bytes)) = &self.reader.source else {
            return None;
        };
        if !matches!(self.reader.decoder, DecoderState::Unknown) {
            return None;
        }
        let mut copy = Response::buffered(
            http::Response::new(bytes.clone()),
            self.request
                .try_clone()
                .unwrap_or_else(|| self.request.snapshot()),
        );
        copy.status = self.status;
        copy.version = self.version;
        copy.headers = self.headers.clone();
        copy.extensions = self.extensions.clone();
        copy.reason = self.reason.clone();
        copy.elapsed = self.elapsed;
        copy.max_decompressed_size = self.max_decompressed_size;
        copy.history = self
            .history
            .iter()
            .filter_map(Response::try_clone)
            .collect();
        copy.next = self
            .next
            .as_deref()
            .and_then(PreparedRequest::try_clone)
            .map(Box::new);
        copy.not_followed = self.not_followed.clone();
        Some(copy)
    }

    /// Back to an `http::Response` with the raw (undecoded) body.
    pub fn into_http(self) -> http::Response<ResponseBody> {
        let mut response = http::Response::new(self.reader.source.into_body());
        *response.status_mut() = self.status;
        *response.version_mut() = self.version;
        *response.headers_mut() = self.headers;
        *response.extensions_mut() = self.extensions;
        response
    }

    /// The request the redirect of this response leads to, when redirects were not
    /// followed (requests' `Response.next`).
    pub fn next(&self) -> Option<&PreparedRequest> {
        self.next.as_deref()
    }

    /// Why a redirect was not followed although redirects were allowed (a 307/308
    /// with a body that cannot be sent again, a policy that said stop).
    pub fn redirect_not_followed(&self) -> Option<&str> {
        self.not_followed.as_deref()
    }

    /// The cookies this response sets (its `Set-Cookie` headers that parse).
    pub fn cookies(&self) -> impl Iterator<Item = cookie::Cookie<'static>> + '_ {
        self.headers
            .get_all(http::header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|text| cookie::Cookie::parse(text.to_owned()).ok())
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The HTTP version of the response.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The headers, exactly as received (`Content-Encoding` and `Content-Length` stay).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Response extensions set by the adapter.
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// The final URL of the response (the URL of the request that produced it).
    pub fn url(&self) -> &Url {
        self.request.url()
    }

    /// The request that produced this response, as sent (a stream body is left out).
    pub fn request(&self) -> &PreparedRequest {
        &self.request
    }

    /// The time from sending the request to receiving the response head.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Responses of the redirects followed to get here, oldest first.
    pub fn history(&self) -> &[Response] {
        &self.history
    }

    /// The reason phrase: the server's own (HTTP/1), else the canonical one.
    pub fn reason(&self) -> &str {
        match &self.reason {
            Some(reason) => reason,
            None => self.status.canonical_reason().unwrap_or(""),
        }
    }

    /// requests' `ok`: `false` only for 4xx and 5xx statuses.
    pub fn ok(&self) -> bool {
        !(400..600).contains(&self.status.as_u16())
    }

    /// A redirect sessio would follow: 301, 302, 303, 307 or 308 with a `Location`.
    pub fn is_redirect(&self) -> bool {
        self.headers.contains_key(LOCATION) && is_redirect_status(self.status)
    }

    /// Same as [`is_redirect`](Response::is_redirect) (httpx's name).
    pub fn has_redirect_location(&self) -> bool {
        self.is_redirect()
    }

    /// A permanent redirect: 301 or 308 with a `Location`.
    pub fn is_permanent_redirect(&self) -> bool {
        self.headers.contains_key(LOCATION) && matches!(self.status.as_u16(), 301 | 308)
    }

    /// The `Content-Length` the server announced (of the encoded body).
    pub fn content_length(&self) -> Option<u64> {
        self.headers
            .get(CONTENT_LENGTH)?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// The links of the `Link` header, keyed by `rel` (or by URL when there is no `rel`).
    pub fn links(&self) -> BTreeMap<String, Link> {
        links::links_by_rel(
            self.headers
                .get_all(LINK)
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_owned)),
        )
    }

    /// The text encoding of the body per `Content-Type` (requests' `encoding`).
    pub fn encoding(&self) -> Option<String> {
        text::encoding_from_headers(&self.headers)
    }

    /// Returns the response, or an error that carries it when the status is 4xx or 5xx
    /// (requests' `raise_for_status`).
    pub fn error_for_status(self) -> Result<Self> {
        if self.ok() {
            Ok(self)
        } else {
            let kind = ErrorKind::Status(self.status);
            Err(Error::msg(kind, "").with_response(self))
        }
    }

    /// Like [`error_for_status`](Response::error_for_status) without consuming the response.
    pub fn error_for_status_ref(&self) -> Result<&Self> {
        if self.ok() {
            Ok(self)
        } else {
            Err(Error::msg(ErrorKind::Status(self.status), "").with_url(self.url().clone()))
        }
    }

    /// The next chunk of the decoded body; `None` at the end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        let Response {
            reader, headers, ..
        } = self;
        poll_fn(|cx| reader.poll_chunk(cx, headers))
            .await
            .transpose()
    }

    /// The whole decoded body, up to the cap set with `max_decompressed_size`.
    pub async fn bytes(mut self) -> Result<Bytes> {
        let max = self.max_decompressed_size.unwrap_or(u64::MAX);
        let Some(first) = self.chunk().await? else {
            return Ok(Bytes::new());
        };
        check_size(first.len() as u64, max)?;
        let Some(second) = self.chunk().await? else {
            return Ok(first);
        };
        let mut all = BytesMut::with_capacity(first.len() + second.len());
        all.extend_from_slice(&first);
        all.extend_from_slice(&second);
        check_size(all.len() as u64, max)?;
        while let Some(chunk) = self.chunk().await? {
            all.extend_from_slice(&chunk);
            check_size(all.len() as u64, max)?;
        }
        Ok(all.freeze())
    }

    /// The decoded body as text, using the `Content-Type` charset (requests' `text`).
    ///
    /// `text/*` without a charset is ISO-8859-1 and `application/json` is UTF-8, as in
    /// requests. Without any hint a byte-order mark decides, else UTF-8; invalid
    /// sequences become U+FFFD.
    pub async fn text(self) -> Result<String> {
        let encoding = self.encoding();
        let bytes = self.bytes().await?;
        Ok(text::decode_text(&bytes, encoding.as_deref()))
    }

    /// The decoded body parsed as JSON. UTF-8, UTF-16 and UTF-32 bodies are
    /// recognised as requests' `guess_json_utf` does.
    pub async fn json<T: DeserializeOwned>(self) -> Result<T> {
        let charset = charset_param(&self.headers);
        let url = self.url().clone();
        let bytes = self.bytes().await?;
        let encoding = charset.or_else(|| {
            text::guess_json_utf(&bytes)
                .filter(|e| *e != "utf-8")
                .map(str::to_owned)
        });
        let parsed = match encoding {
            None => serde_json::from_slice(&bytes),
            Some(encoding) => serde_json::from_str(&text::decode_text(&bytes, Some(&encoding))),
        };
        parsed.map_err(|e| Error::decode(e).with_url(url))
    }

    /// The decoded body as a stream of chunks.
    pub fn bytes_stream(self) -> BytesStream {
        BytesStream {
            headers: self.headers,
            reader: self.reader,
        }
    }

    /// The raw body, without decoding.
    pub fn into_body(self) -> ResponseBody {
        self.reader.source.into_body()
    }

    /// Reads the rest of the raw body into memory without decoding it, so that a
    /// later read does not wait on the connection (requests' `stream=False`).
    pub async fn buffer_raw_body(&mut self) -> Result<()> {
        let max = self.max_decompressed_size.unwrap_or(u64::MAX);
        let Source::Body(body) = &mut self.reader.source else {
            return Ok(());
        };
        let all = collect_capped(body, max).await?;
        self.reader.source = Source::Buffered(Some(all));
        Ok(())
    }
}

impl crate::__private::ResponseExt for Response {
    /// Sets the reason phrase the server sent (HTTP/1 only).
    fn set_reason(&mut self, reason: impl Into<Box<str>>) {
        self.reason = Some(reason.into());
    }

    /// Sets the time from sending to receiving the head.
    fn set_elapsed(&mut self, elapsed: Duration) {
        self.elapsed = elapsed;
    }

    /// Sets the redirect history (oldest first).
    fn set_history(&mut self, history: Vec<Response>) {
        self.history = history;
    }

    /// Sets the request a redirect would go to (see [`Response::next`]).
    fn set_next(&mut self, next: Option<PreparedRequest>) {
        self.next = next.map(Box::new);
    }

    /// Records why a redirect was not followed (see [`Response::redirect_not_followed`]).
    fn set_redirect_not_followed(&mut self, reason: impl Into<String>) {
        self.not_followed = Some(reason.into());
    }

    /// Sets the cap on buffered reads (`None`: no cap).
    fn set_max_decompressed_size(&mut self, max: Option<u64>) {
        self.max_decompressed_size = max;
    }
}

/// The statuses a redirect is followed for (with a `Location`): 301, 302, 303, 307, 308.
pub fn is_redirect_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// Reads a raw body into memory; more than `max` bytes is a body error.
pub(crate) async fn collect_capped<B>(body: &mut B, max: u64) -> Result<Bytes>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    let mut buffered = BytesMut::new();
    let mut single: Option<Bytes> = None;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| body_error(e.into()))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        match single.take() {
            None if buffered.is_empty() => single = Some(data),
            None => buffered.extend_from_slice(&data),
            Some(first) => {
                buffered.extend_from_slice(&first);
                buffered.extend_from_slice(&data);
            }
        }
        let len = single.as_ref().map_or(buffered.len(), Bytes::len);
        check_size(len as u64, max)?;
    }
    Ok(single.unwrap_or_else(|| buffered.freeze()))
}

fn charset_param(headers: &HeaderMap) -> Option<String> {
    let content_type = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn check_size(len: u64, max: u64) -> Result<()> {
    if len > max {
        Err(Error::body(format!(
            "body is larger than the limit of {max} bytes (max_decompressed_size)"
        )))
    } else {
        Ok(())
    }
}

/// A raw body error as a sessio error: sessio errors (timeouts) stay as they are.
fn body_error(err: BoxError) -> Error {
    match err.downcast::<Error>() {
        Ok(err) => *err,
        Err(other) => Error::body(other),
    }
}

/// Reads a raw body and decodes it in bounded steps.
struct Reader {
    source: Source,
    decoder: DecoderState,
    pending: Bytes,
    done: bool,
}

/// Where the raw bytes come from: the connection, or memory once buffered.
enum Source {
    Body(ResponseBody),
    Buffered(Option<Bytes>),
}

impl Source {
    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BoxError>>> {
        match self {
            Source::Buffered(bytes) => Poll::Ready(bytes.take().map(Ok)),
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
            Source::Buffered(None) => ResponseBody::empty(),
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
            pending: Bytes::new(),
            done: false,
        }
    }

    fn poll_chunk(
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
                while !self.pending.is_empty() {
                    let slice = self.pending.split_to(self.pending.len().min(INPUT_SLICE));
                    match decoder.decode(&slice) {
                        Ok(out) if out.is_empty() => continue,
                        Ok(out) => return Poll::Ready(Some(Ok(out))),
                        Err(err) => return Poll::Ready(Some(Err(err))),
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
                Poll::Ready(Some(Ok(data))) => match &self.decoder {
                    DecoderState::Decoding(_) => self.pending = data,
                    _ if data.is_empty() => {}
                    _ => return Poll::Ready(Some(Ok(data))),
                },
                Poll::Ready(None) => {
                    self.done = true;
                    if let DecoderState::Decoding(decoder) = &mut self.decoder {
                        match decoder.finish() {
                            Ok(out) if !out.is_empty() => return Poll::Ready(Some(Ok(out))),
                            Ok(_) => {}
                            Err(err) => return Poll::Ready(Some(Err(err))),
                        }
                    }
                    return Poll::Ready(None);
                }
            }
        }
    }
}

/// The decoded body of a response as a `Stream` of chunks
/// (see [`Response::bytes_stream`]).
pub struct BytesStream {
    headers: HeaderMap,
    reader: Reader,
}

impl Stream for BytesStream {
    type Item = Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.reader.poll_chunk(cx, &this.headers)
    }
}

impl fmt::Debug for BytesStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BytesStream")
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("url", &self.url().as_str())
            .field("version", &self.version)
            .field("headers", &self.headers)
            .finish()
    }
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Response [{}]>", self.status.as_u16())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::__private::ResponseExt;
    use crate::Method;
    use futures_util::StreamExt;
    use std::io::Write;

    fn response(status: u16, headers: &[(&str, &str)], body: impl Into<ResponseBody>) -> Response {
        let mut builder = http::Response::builder().status(status);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let request = PreparedRequest::new(Method::GET, "http://example.com/x".parse().unwrap());
        Response::new(builder.body(body.into()).unwrap(), request)
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[tokio::test]
    async fn gzip_is_decoded_on_read_and_headers_are_kept() {
        let r = response(200, &[("content-encoding", "gzip")], gzip(b"hello"));
        assert_eq!(r.headers()["content-encoding"], "gzip");
        assert_eq!(r.bytes().await.unwrap(), "hello");
    }

    #[tokio::test]
    async fn large_gzip_bodies_stream_in_bounded_chunks() {
        let big = vec![b'a'; 8 << 20];
        let r = response(200, &[("content-encoding", "gzip")], gzip(&big));
        let mut stream = r.bytes_stream();
        let mut total = 0;
        let mut largest = 0;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.unwrap();
            largest = largest.max(chunk.len());
            total += chunk.len();
        }
        assert_eq!(total, big.len());
        assert!(largest <= 8 << 20 >> 1, "largest chunk {largest}");
    }

    #[tokio::test]
    async fn buffered_reads_are_capped() {
        let mut r = response(200, &[("content-encoding", "gzip")], gzip(&[0u8; 100_000]));
        r.set_max_decompressed_size(Some(10_000));
        let err = r.bytes().await.unwrap_err();
        assert!(err.is_body(), "{err:?}");
    }

    #[tokio::test]
    async fn error_for_status_carries_the_response() {
        let err = response(503, &[], "down").error_for_status().unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(
            err.to_string(),
            "503 Server Error: Service Unavailable for url (http://example.com/x)"
        );
        assert_eq!(err.into_response().unwrap().text().await.unwrap(), "down");
        assert!(response(600, &[], "").ok());
        assert!(response(302, &[], "").error_for_status().is_ok());
    }

    #[tokio::test]
    async fn text_uses_the_charset_and_json_guesses_utf16() {
        let r = response(200, &[("content-type", "text/plain")], &b"caf\xe9"[..]);
        assert_eq!(r.text().await.unwrap(), "café");
        let body: Vec<u8> = "{\"k\": \"v\"}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let r = response(200, &[], body);
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["k"], "v");
        let r = response(200, &[], "{not json");
        assert!(r.json::<serde_json::Value>().await.unwrap_err().is_decode());
    }

    #[test]
    fn redirect_predicates_follow_requests() {
        assert!(response(302, &[("location", "/x")], "").is_redirect());
        assert!(!response(302, &[], "").is_redirect());
        assert!(!response(300, &[("location", "/x")], "").is_redirect());
        assert!(response(308, &[("location", "/x")], "").is_permanent_redirect());
        assert!(!response(307, &[("location", "/x")], "").is_permanent_redirect());
    }

    #[test]
    fn response_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Response>();
        assert_send_sync::<BytesStream>();
    }
}
