//! `Response`: status, headers, the request that produced it, and its body,
//! decoded as it is read.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH, LINK, LOCATION};
use http::{Extensions, HeaderMap, StatusCode, Version};
use serde::de::DeserializeOwned;
use url::Url;

use super::content::Content;
use super::lines::Lines;
use super::reader::{BytesStream, Reader};
use super::text_stream::TextStream;
use super::{DEFAULT_MAX_DECOMPRESSED_SIZE, Link, ResponseBody, is_redirect_status, links, text};
use crate::__private::ErrorExt;
use crate::{Error, ErrorKind, PreparedRequest, Result};

/// A response to a request.
///
/// The body is read with [`bytes`](Response::bytes), [`text`](Response::text),
/// [`json`](Response::json), [`chunk`](Response::chunk) or
/// [`bytes_stream`](Response::bytes_stream); each decodes the `Content-Encoding` as it
/// reads and keeps the headers as the server sent them (requests' decode-on-read).
/// A body read whole is kept: `bytes`, `text` and `json` take `&self` and can be
/// called one after another, as requests' `r.content`, `r.text` and `r.json()`.
///
/// ```
/// # tokio_test_block_on(async {
/// use sessio::{Method, PreparedRequest, Response, ResponseBody};
///
/// let request = PreparedRequest::new(Method::GET, "http://example.com/".parse().unwrap());
/// let http = sessio::http::Response::builder()
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
    history: History,
    max_decompressed_size: Option<u64>,
    /// What few responses have (a redirect not followed, an encoding set by
    /// the user), boxed: a response is moved through several futures, and
    /// every byte of it is copied each time.
    rare: Option<Box<Rare>>,
    /// The connection, when the adapter put it on the body rather than in
    /// the extensions.
    connection: Option<crate::ConnectionInfo>,
    content: Content,
}

impl Response {
    /// A response to `request` from an `http::Response`.
    pub fn new(response: http::Response<ResponseBody>, request: PreparedRequest) -> Self {
        let (parts, mut body) = response.into_parts();
        let connection = body.connection.take();
        Response {
            status: parts.status,
            version: parts.version,
            headers: parts.headers,
            extensions: parts.extensions,
            reason: None,
            request,
            elapsed: Duration::ZERO,
            history: History::default(),
            max_decompressed_size: Some(DEFAULT_MAX_DECOMPRESSED_SIZE),
            rare: None,
            connection,
            content: Content::new(Reader::streaming(body)),
        }
    }

    /// A response whose body is already in memory (a drained redirect, a mock).
    pub fn buffered(response: http::Response<Bytes>, request: PreparedRequest) -> Self {
        let (parts, body) = response.into_parts();
        let mut response = Response::new(
            http::Response::from_parts(parts, ResponseBody::empty()),
            request,
        );
        response.content = Content::new(Reader::buffered(body));
        response
    }

    /// A copy, when the body is in memory (history entries, responses read
    /// with `stream(false)`, a body read whole); `None` otherwise.
    pub fn try_clone(&self) -> Option<Response> {
        let content = self.content.try_clone()?;
        let mut copy = Response::new(
            http::Response::new(ResponseBody::empty()),
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
        copy.history = self.history.clone();
        copy.rare = self.rare.as_ref().map(|rare| {
            Box::new(Rare {
                next: rare.next.as_ref().and_then(PreparedRequest::try_clone),
                not_followed: rare.not_followed.clone(),
                encoding: rare.encoding.clone(),
            })
        });
        copy.connection = self.connection.clone();
        copy.content = content;
        Some(copy)
    }

    /// Back to an `http::Response` with the raw (undecoded) body; once the
    /// body was read whole (with [`bytes`](Response::bytes), [`text`](Response::text)
    /// or [`json`](Response::json)), with that decoded body, and without the
    /// `Content-Encoding` and `Content-Length` that described the raw one.
    pub fn into_http(self) -> http::Response<ResponseBody> {
        let mut headers = self.headers;
        let (mut body, decoded) = self.content.into_body();
        if decoded {
            headers.remove(http::header::CONTENT_ENCODING);
            headers.remove(CONTENT_LENGTH);
        }
        body.connection = self.connection;
        let mut response = http::Response::new(body);
        *response.status_mut() = self.status;
        *response.version_mut() = self.version;
        *response.headers_mut() = headers;
        *response.extensions_mut() = self.extensions;
        response
    }

    /// The request the redirect of this response leads to, when redirects were not
    /// followed (requests' `Response.next`).
    pub fn next(&self) -> Option<&PreparedRequest> {
        self.rare.as_ref()?.next.as_ref()
    }

    /// Why a redirect was not followed although redirects were allowed (a 307/308
    /// with a body that cannot be sent again, a policy that said stop).
    pub fn redirect_not_followed(&self) -> Option<&str> {
        self.rare.as_ref()?.not_followed.as_deref()
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

    /// The request that produced this response, as sent: with the `Cookie` the
    /// jar added and the `Authorization` an auth flow (digest) added for this
    /// send (a stream body is left out; `Proxy-Authorization`, which goes to
    /// the proxy only, is never shown).
    pub fn request(&self) -> &PreparedRequest {
        &self.request
    }

    /// The time from sending the request to receiving the response head.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// How many attempts this response took: 1 unless a retry policy sent the
    /// request again (see `HttpAdapterBuilder::max_retries`).
    pub fn attempts(&self) -> usize {
        self.extensions
            .get::<crate::Attempts>()
            .map_or(1, |attempts| attempts.0)
    }

    /// The connection this response came over, when the adapter tells
    /// (sessio's `HttpAdapter` does): whether it was reused, its addresses,
    /// how long it took to connect.
    ///
    /// ```no_run
    /// # async fn run() -> sessio::Result<()> {
    /// let response = sessio::get("http://127.0.0.1:8080/").await?;
    /// let conn = response.connection().unwrap();
    /// assert!(!conn.is_reused());
    /// assert_eq!(conn.remote_addr(), Some("127.0.0.1:8080".parse().unwrap()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn connection(&self) -> Option<&crate::ConnectionInfo> {
        self.connection
            .as_ref()
            .or_else(|| self.extensions.get::<crate::ConnectionInfo>())
    }

    /// Where this response came from when the session has a cache
    /// (`SessionBuilder::cache`): a fresh hit, a revalidated or stale stored
    /// response, or the server; `None` without a cache or for a request that
    /// left it out.
    pub fn cache_status(&self) -> Option<crate::cache::CacheStatus> {
        self.extensions.get::<crate::cache::CacheStatus>().copied()
    }

    /// Whether the body comes from the cache's store (requests-cache's
    /// `response.from_cache`): a fresh hit, a response the server confirmed
    /// with a `304 Not Modified`, or a stale one served on an error.
    pub fn from_cache(&self) -> bool {
        self.cache_status()
            .is_some_and(crate::cache::CacheStatus::is_from_cache)
    }

    /// The responses that came before this one, oldest first: the redirects
    /// followed to get here, and the challenges an auth flow (digest) answered
    /// by sending a request again (requests' `r.history`), in the order they
    /// came. Each entry's own history is the entries before it.
    pub fn history(&self) -> &[Response] {
        self.history.as_slice()
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

    /// The text encoding of the body: the one set with
    /// [`set_encoding`](Response::set_encoding), else the `Content-Type`'s
    /// (requests' `encoding`).
    pub fn encoding(&self) -> Option<String> {
        match self.rare.as_ref().and_then(|rare| rare.encoding.as_deref()) {
            Some(own) => Some(own.to_owned()),
            None => text::encoding_from_headers(&self.headers),
        }
    }

    /// requests' `apparent_encoding`: the encoding the body's bytes suggest,
    /// whatever the headers say, as a WHATWG name (`"UTF-8"`, `"windows-1252"`,
    /// `"Shift_JIS"`...). A byte-order mark decides; else a body that is valid
    /// UTF-8 is `"UTF-8"`; else Firefox's charset detector guesses from its
    /// first 64 KiB. [`text`](Response::text) uses it when neither the
    /// response nor [`set_encoding`](Response::set_encoding) names a charset.
    /// Reads the body whole (see [`bytes`](Response::bytes)).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let body = "Ceci est un texte écrit en français, à lire.".chars().map(|c| c as u8).collect::<Vec<u8>>();
    /// let r = sessio::Response::buffered(
    ///     sessio::http::Response::new(bytes::Bytes::from(body)),
    ///     sessio::Request::new(sessio::Method::GET, "http://example.test/").prepare().unwrap(),
    /// );
    /// assert_eq!(r.apparent_encoding().await.unwrap(), "windows-1252");
    /// assert!(r.text().await.unwrap().contains("français"));
    /// # });
    /// ```
    pub async fn apparent_encoding(&self) -> Result<&'static str> {
        let bytes = self.bytes().await?;
        Ok(text::apparent_encoding(&bytes).name())
    }

    /// Sets the encoding [`text`](Response::text), [`lines`](Response::lines)
    /// and [`text_stream`](Response::text_stream) decode with, over what the
    /// headers say (requests' `r.encoding = "..."`): a WHATWG label such as
    /// `"utf-8"`, `"latin1"` or `"shift_jis"`; an unknown one decodes as UTF-8.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let mut r = sessio::Response::buffered(
    ///     sessio::http::Response::new(bytes::Bytes::from_static(b"caf\xe9")),
    ///     sessio::Request::new(sessio::Method::GET, "http://example.test/").prepare().unwrap(),
    /// );
    /// r.set_encoding("latin1");
    /// assert_eq!(r.encoding().as_deref(), Some("latin1"));
    /// assert_eq!(r.text().await.unwrap(), "café");
    /// # });
    /// ```
    pub fn set_encoding(&mut self, encoding: impl Into<String>) {
        self.rare_mut().encoding = Some(encoding.into());
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
    /// The error carries a copy of the response when its body is in memory (the
    /// default, `stream(false)`), and the server's reason phrase in any case.
    pub fn error_for_status_ref(&self) -> Result<&Self> {
        if self.ok() {
            return Ok(self);
        }
        let err = Error::msg(ErrorKind::Status(self.status), self.reason());
        Err(match self.try_clone() {
            Some(copy) => err.with_response(copy),
            None => err.with_url(self.url().clone()),
        })
    }

    /// The next chunk of the decoded body; `None` at the end. A decoded chunk is
    /// at most 64 KiB, however much the compressed data inflates; a body without
    /// `Content-Encoding` comes in the chunks the connection delivers.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        let Response {
            content, headers, ..
        } = self;
        content.reader_mut().next_chunk(headers).await
    }

    /// The whole decoded body, up to the cap set with `max_decompressed_size`.
    ///
    /// Read once, the body is kept: `bytes`, [`text`](Response::text) and
    /// [`json`](Response::json) can be called again, and give the same body
    /// (requests' `r.content`, `r.text`, `r.json()`). A body read in part with
    /// [`chunk`](Response::chunk) cannot be read whole any more (a body error),
    /// nor can one whose earlier read failed or was cancelled.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let r = sessio::Response::buffered(
    ///     sessio::http::Response::new(bytes::Bytes::from_static(b"{\"id\": 7}")),
    ///     sessio::Request::new(sessio::Method::GET, "http://example.test/").prepare().unwrap(),
    /// );
    /// assert_eq!(r.text().await.unwrap(), r#"{"id": 7}"#);
    /// let value: serde_json::Value = r.json().await.unwrap();
    /// assert_eq!(value["id"], 7);
    /// assert_eq!(r.bytes().await.unwrap().len(), 9);
    /// # });
    /// ```
    pub async fn bytes(&self) -> Result<Bytes> {
        let max = self.max_decompressed_size.unwrap_or(u64::MAX);
        self.content.bytes(&self.headers, max).await
    }

    /// The decoded body as text, using the `Content-Type` charset (requests' `text`).
    ///
    /// `text/*` without a charset is ISO-8859-1 and `application/json` is UTF-8, as in
    /// requests. Without any hint the [`apparent_encoding`](Response::apparent_encoding)
    /// decides, as in requests; invalid sequences become U+FFFD.
    pub async fn text(&self) -> Result<String> {
        let encoding = self.encoding();
        let bytes = self.bytes().await?;
        Ok(text::decode_text(&bytes, encoding.as_deref()))
    }

    /// The decoded body parsed as JSON. UTF-8, UTF-16 and UTF-32 bodies are
    /// recognised as requests' `guess_json_utf` does.
    pub async fn json<T: DeserializeOwned>(&self) -> Result<T> {
        let charset = match self.rare.as_ref().and_then(|rare| rare.encoding.as_deref()) {
            Some(own) => Some(own.to_owned()),
            None => charset_param(&self.headers),
        };
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
        parsed.map_err(|e| Error::decode(e).with_url(self.url().clone()))
    }

    /// The decoded body as a stream of chunks (at most 64 KiB each when decoded,
    /// as [`chunk`](Response::chunk)). Memory stays bounded however large the
    /// body, and however much it inflates.
    pub fn bytes_stream(self) -> BytesStream {
        BytesStream::new(self.headers, self.content.into_reader())
    }

    /// The decoded body as a stream of lines, read as they arrive (requests'
    /// `iter_lines`): split at `\n`, `\r\n` or `\r` (a `\r\n` split
    /// between two chunks is one line break), without the line breaks, each
    /// line decoded with the response's charset as [`text`](Response::text)
    /// does (UTF-8 when nothing names one: a stream is not guessed at). A last line without a line break is given too. A line longer
    /// than `max_decompressed_size` is an error for which `is_body()` is true.
    /// Line breaks are found byte by byte, so this is for charsets where
    /// `\n` is one byte (UTF-8, Latin-1 and the like), not UTF-16.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    ///
    /// # async fn run() -> sessio::Result<()> {
    /// let session = sessio::Session::new();
    /// let response = session.get("http://127.0.0.1:8080/events").stream(true).send().await?;
    /// let mut lines = response.lines();
    /// while let Some(line) = lines.next().await {
    ///     println!("{}", line?);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn lines(self) -> Lines {
        let encoding = self.encoding();
        let max_line = self.max_decompressed_size.unwrap_or(u64::MAX);
        Lines::new(self.bytes_stream(), encoding, max_line)
    }

    /// The decoded body as a stream of text, chunk by chunk, decoded with
    /// the response's charset as [`text`](Response::text) does (UTF-8 when
    /// nothing names one: a stream is not guessed at); a character
    /// split between two chunks comes out whole. Memory stays bounded.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    ///
    /// # async fn run() -> sessio::Result<()> {
    /// let session = sessio::Session::new();
    /// let response = session.get("http://127.0.0.1:8080/book.txt").stream(true).send().await?;
    /// let mut text = response.text_stream();
    /// while let Some(part) = text.next().await {
    ///     print!("{}", part?);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn text_stream(self) -> TextStream {
        let encoding = self.encoding();
        TextStream::new(self.bytes_stream(), encoding.as_deref())
    }

    /// Back to an `http::Response` whose body is decoded as it is read, the
    /// way a client in a tower stack hands it on: when the `Content-Encoding`
    /// is one sessio decodes, the body comes decoded (in chunks of at most
    /// 64 KiB, as [`bytes_stream`](Response::bytes_stream)) and the
    /// `Content-Encoding` and `Content-Length` that described the raw body
    /// are gone; any other body is given as it is, with its headers.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use http_body_util::BodyExt;
    ///
    /// let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    /// std::io::Write::write_all(&mut gzip, b"hello").unwrap();
    /// let raw = sessio::http::Response::builder()
    ///     .header("content-encoding", "gzip")
    ///     .body(bytes::Bytes::from(gzip.finish().unwrap()))
    ///     .unwrap();
    /// let request = sessio::Request::new(sessio::Method::GET, "http://example.test/").prepare().unwrap();
    /// let http = sessio::Response::buffered(raw, request).into_decoded_http();
    /// assert!(http.headers().get("content-encoding").is_none());
    /// assert_eq!(http.into_body().collect().await.unwrap().to_bytes(), "hello");
    /// # });
    /// ```
    pub fn into_decoded_http(mut self) -> http::Response<ResponseBody> {
        if !super::decode::is_decoded_on_read(&self.headers) || self.content.is_kept() {
            return self.into_http();
        }
        let Response {
            status,
            version,
            mut headers,
            extensions,
            connection,
            content,
            ..
        } = self;
        // the decoder needs the codings only; the rest of the head moves on
        let mut codings = HeaderMap::new();
        for value in headers.get_all(CONTENT_ENCODING) {
            codings.append(CONTENT_ENCODING, value.clone());
        }
        headers.remove(CONTENT_ENCODING);
        headers.remove(CONTENT_LENGTH);
        let stream = BytesStream::new(codings, content.into_reader());
        let mut body = ResponseBody::new(super::reader::DecodedBody(stream));
        body.connection = connection;
        let mut response = http::Response::new(body);
        *response.status_mut() = status;
        *response.version_mut() = version;
        *response.headers_mut() = headers;
        *response.extensions_mut() = extensions;
        response
    }

    /// The raw body, without decoding (the decoded one once it was read whole,
    /// as [`into_http`](Response::into_http) gives).
    pub fn into_body(self) -> ResponseBody {
        self.into_http().into_body()
    }

    /// Reads the rest of the raw body into memory without decoding it, so that a
    /// later read does not wait on the connection (requests' `stream=False`).
    pub async fn buffer_raw_body(&mut self) -> Result<()> {
        let max = self.max_decompressed_size.unwrap_or(u64::MAX);
        self.content.buffer_raw(max).await
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

    /// Sets the redirect history (oldest first); each entry's own history
    /// becomes the entries before it.
    fn set_history(&mut self, mut history: Vec<Response>) {
        if history.is_empty() {
            self.history = History::default();
            return;
        }
        // The entries' own histories are views of one list of copies (the
        // copies have no history of their own): memory linear in the hops,
        // where a list per entry would grow with their square.
        let copies: Arc<[Response]> = history.iter().filter_map(Response::try_clone).collect();
        if copies.len() == history.len() {
            for (len, entry) in history.iter_mut().enumerate() {
                entry.history = History::prefix(&copies, len);
            }
        }
        let len = history.len();
        self.history = History::prefix(&Arc::from(history), len);
    }

    /// Sets the request a redirect would go to (see [`Response::next`]).
    fn set_next(&mut self, next: Option<PreparedRequest>) {
        if next.is_some() || self.rare.is_some() {
            self.rare_mut().next = next;
        }
    }

    /// Records why a redirect was not followed (see [`Response::redirect_not_followed`]).
    fn set_redirect_not_followed(&mut self, reason: impl Into<String>) {
        self.rare_mut().not_followed = Some(reason.into());
    }

    /// Sets the cap on buffered reads (`None`: no cap).
    fn set_max_decompressed_size(&mut self, max: Option<u64>) {
        self.max_decompressed_size = max;
    }
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

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("url", &crate::redact::url(self.url().as_str()))
            .field("version", &self.version)
            .field("headers", &crate::redact::Headers(&self.headers))
            .finish()
    }
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Response [{}]>", self.status.as_u16())
    }
}

/// The fields of a response that few responses have.
#[derive(Default)]
struct Rare {
    next: Option<PreparedRequest>,
    not_followed: Option<String>,
    encoding: Option<String>,
}

impl Response {
    fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }
}

/// The redirects before a response: a view of the first `len` responses of a
/// list that the responses of one chain share.
#[derive(Clone, Default)]
struct History {
    list: Option<Arc<[Response]>>,
    len: usize,
}

impl History {
    fn prefix(list: &Arc<[Response]>, len: usize) -> History {
        History {
            list: (len > 0).then(|| list.clone()),
            len,
        }
    }

    fn as_slice(&self) -> &[Response] {
        self.list.as_deref().map_or(&[], |list| &list[..self.len])
    }
}
