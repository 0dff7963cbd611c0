//! The one error type of sessio.
//!
//! [`Error`] is opaque: ask it what happened with the `is_*()` predicates or
//! [`Error::kind`], read the URL it concerns with [`Error::url`], the response
//! it carries (if any) with [`Error::response`], and walk the cause with
//! [`std::error::Error::source`].

use std::error::Error as StdError;
use std::fmt;
use std::io;

use http::StatusCode;
use url::Url;

use crate::Response;

/// A boxed error, as tower and hyper use them.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// `Result<T, sessio::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in the terms of requests' exception tree.
///
/// ```
/// use sessio::{ErrorKind, Method, Request};
///
/// let err = Request::new(Method::GET, "ftp//nowhere").prepare().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidUrl);
/// assert!(err.is_builder());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad input found before anything was sent (requests' `ValueError`s).
    Builder,
    /// The URL has no scheme, no host or cannot be parsed (`MissingSchema`, `InvalidURL`).
    InvalidUrl,
    /// A header name or value is not allowed (`InvalidHeader`).
    InvalidHeader,
    /// No adapter is mounted for the URL (`InvalidSchema`).
    NoAdapter,
    /// The connection could not be established (`ConnectionError`).
    Connect,
    /// Establishing the connection took longer than the connect timeout (`ConnectTimeout`).
    ConnectTimeout,
    /// The server sent nothing for longer than the read timeout (`ReadTimeout`).
    ReadTimeout,
    /// The connection took none of the request body for longer than the write
    /// timeout (httpx's `WriteTimeout`; requests has none).
    WriteTimeout,
    /// No connection to the host became free within the pool timeout, under a
    /// per-host connection limit (urllib3's `EmptyPoolError`); nothing was sent.
    PoolTimeout,
    /// The whole request took longer than its total timeout.
    Timeout,
    /// The TLS handshake failed (`SSLError`).
    Tls,
    /// The proxy failed (`ProxyError`).
    Proxy,
    /// Sending the request or receiving its response head failed.
    Request,
    /// Following redirects failed (`TooManyRedirects`, invalid `Location`).
    Redirect,
    /// [`Response::error_for_status`] found a 4xx or 5xx status (`HTTPError`).
    Status(StatusCode),
    /// A retry policy ran out of retries on a status it retries (requests'
    /// `RetryError`, which is not an `HTTPError`): the last response's status.
    Retry(StatusCode),
    /// Reading the body failed, or it was larger than allowed (`ChunkedEncodingError`).
    Body,
    /// The body could not be decoded: bad compression, JSON or text (`ContentDecodingError`).
    Decode,
    /// The session was closed with `close()`.
    Closed,
    /// A user hook or middleware failed.
    Hook,
}

/// The error type of every fallible sessio operation.
///
/// `Display` says what went wrong and for which URL (`TLS error for url
/// (https://…/)`); the causes are reachable with
/// [`source`](std::error::Error::source), as error reporters (anyhow, eyre)
/// expect, and [`report`](Error::report) prints the error with its causes on
/// one line: `TLS error for url (https://…/): invalid peer certificate:
/// UnknownIssuer`.
///
/// requests' exceptions and the predicates that answer the same question:
///
/// | requests | sessio |
/// |---|---|
/// | `ConnectionError` | `is_connect() \|\| is_request()`: `is_connect()` is the connection not made (refused, DNS, TLS, connect timeout); `is_request()` is a connection that failed once made (closed by the server before an answer, reset during an upload, a bad status line) |
/// | `ConnectTimeout`, `ReadTimeout`, `Timeout` (and httpx's `WriteTimeout`) | `is_timeout()` (kind `ConnectTimeout`, `ReadTimeout`, `WriteTimeout`, `Timeout`, `PoolTimeout`) |
/// | urllib3's `EmptyPoolError` (a full pool with `pool_block`) | `is_pool_timeout()` |
/// | `SSLError` | `is_tls()` |
/// | `ProxyError` (a `ConnectionError`) | `is_proxy()`, and `is_connect()` |
/// | `TooManyRedirects`, invalid `Location` | `is_redirect()` (a too-many-redirects error carries the last response) |
/// | `HTTPError` (`raise_for_status`) | `is_status()`, `status()`, and [`response()`](Error::response) |
/// | `RetryError` (retries ran out on a status) | `is_retry()` (not `is_status()`), with `status()` and `response()` of the last answer |
/// | `ChunkedEncodingError`, body over the limit | `is_body()` |
/// | `ContentDecodingError`, bad JSON | `is_decode()` |
/// | `InvalidURL`, `MissingSchema`, `InvalidSchema`, `InvalidHeader` | `is_builder()` |
///
/// Errors are made by sessio only: a user cannot forge one of any kind (a
/// hook's own error converts into one of kind `Hook`).
///
/// ```
/// use sessio::{Method, Request};
///
/// let mut request = Request::new(Method::GET, "http://example.com/");
/// request.parts_mut().url = "http://exa mple.com/".into();
/// let err = request.prepare().unwrap_err();
/// assert!(err.is_builder());
/// assert!(err.to_string().contains("exa mple.com"));
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: Option<String>,
    source: Option<BoxError>,
    url: Option<Url>,
    response: Option<Response>,
}

impl Error {
    /// A new error of `kind` caused by `source`.
    pub(crate) fn new(kind: ErrorKind, source: impl Into<BoxError>) -> Self {
        Self::make(kind, None, Some(source.into()))
    }

    /// A new error of `kind` with a message and no underlying cause.
    pub(crate) fn msg(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self::make(kind, Some(message.into()), None)
    }

    fn make(kind: ErrorKind, message: Option<String>, source: Option<BoxError>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message,
                source,
                url: None,
                response: None,
            }),
        }
    }

    /// An invalid URL: `Invalid URL '<url>': <why>`.
    pub(crate) fn invalid_url(url: &str, why: &str) -> Self {
        let url = crate::redact::url(url);
        Self::msg(ErrorKind::InvalidUrl, format!("Invalid URL {url:?}: {why}"))
    }

    /// An invalid header name or value.
    pub(crate) fn invalid_header(header: &str, why: &str) -> Self {
        Self::msg(
            ErrorKind::InvalidHeader,
            format!("Invalid header {header:?}: {why}"),
        )
    }

    /// Bad builder input of any other kind.
    pub(crate) fn builder(source: impl Into<BoxError>) -> Self {
        Self::new(ErrorKind::Builder, source)
    }

    /// A decoding failure (compression, charset, JSON).
    pub(crate) fn decode(source: impl Into<BoxError>) -> Self {
        Self::new(ErrorKind::Decode, source)
    }

    /// Turns any boxed error into an `Error`: a boxed `Error` is unwrapped as it is,
    /// anything else is classified by its cause chain (timeouts, I/O, TLS).
    pub(crate) fn from_boxed(err: BoxError) -> Self {
        match err.downcast::<Error>() {
            Ok(err) => *err,
            Err(other) => {
                let kind = classify(other.as_ref());
                Self::new(kind, other)
            }
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The URL the failing request was for, when known.
    pub fn url(&self) -> Option<&Url> {
        self.inner.url.as_ref()
    }

    /// The response attached to this error: the 4xx/5xx response of
    /// `error_for_status`, or the last redirect of a too-many-redirects error.
    pub fn response(&self) -> Option<&Response> {
        self.inner.response.as_ref()
    }

    /// Takes the attached response out of the error.
    pub fn into_response(self) -> Option<Response> {
        self.inner.response
    }

    /// The request that failed, when a response is attached.
    pub fn request(&self) -> Option<&crate::PreparedRequest> {
        self.inner.response.as_ref().map(Response::request)
    }

    /// The status code of an error-status error.
    pub fn status(&self) -> Option<StatusCode> {
        match self.inner.kind {
            ErrorKind::Status(code) | ErrorKind::Retry(code) => Some(code),
            _ => None,
        }
    }

    /// Bad input found before anything was sent: URL, header, body, no adapter.
    pub fn is_builder(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::Builder
                | ErrorKind::InvalidUrl
                | ErrorKind::InvalidHeader
                | ErrorKind::NoAdapter
        )
    }

    /// A timeout of any phase: connect, read (idle) or total.
    pub fn is_timeout(&self) -> bool {
        match self.inner.kind {
            ErrorKind::ConnectTimeout
            | ErrorKind::ReadTimeout
            | ErrorKind::WriteTimeout
            | ErrorKind::Timeout
            | ErrorKind::PoolTimeout => true,
            _ => self.source_chain().any(is_timeout_error),
        }
    }

    /// No pooled connection became free in time under a per-host connection limit.
    ///
    /// ```
    /// use sessio::ErrorKind;
    ///
    /// let err = sessio::Request::new(sessio::Method::GET, "nowhere").prepare().unwrap_err();
    /// assert!(!err.is_pool_timeout());
    /// assert_ne!(err.kind(), ErrorKind::PoolTimeout);
    /// ```
    pub fn is_pool_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::PoolTimeout
    }

    /// The connection could not be made (this includes connect timeouts, TLS
    /// failures and proxy failures, as requests' `ProxyError` and `SSLError` are
    /// `ConnectionError`s).
    pub fn is_connect(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::Connect | ErrorKind::ConnectTimeout | ErrorKind::Tls | ErrorKind::Proxy
        )
    }

    /// A retry policy ran out of retries on a status (requests' `RetryError`):
    /// [`status`](Error::status) and [`response`](Error::response) give the
    /// last response's head. Not [`is_status`](Error::is_status).
    pub fn is_retry(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Retry(_))
    }

    /// Redirect handling failed (too many redirects, bad `Location`).
    pub fn is_redirect(&self) -> bool {
        self.inner.kind == ErrorKind::Redirect
    }

    /// Produced by `error_for_status`.
    pub fn is_status(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Status(_))
    }

    /// The TLS handshake or certificate check failed.
    pub fn is_tls(&self) -> bool {
        self.inner.kind == ErrorKind::Tls
    }

    /// The proxy failed.
    pub fn is_proxy(&self) -> bool {
        self.inner.kind == ErrorKind::Proxy
    }

    /// The body could not be decoded.
    pub fn is_decode(&self) -> bool {
        self.inner.kind == ErrorKind::Decode
    }

    /// Reading the body failed or exceeded a limit.
    pub fn is_body(&self) -> bool {
        self.inner.kind == ErrorKind::Body
    }

    /// Sending the request failed after a connection was available.
    pub fn is_request(&self) -> bool {
        self.inner.kind == ErrorKind::Request
    }

    /// The session was closed.
    pub fn is_closed(&self) -> bool {
        self.inner.kind == ErrorKind::Closed
    }

    /// The error and its causes on one line, `outer: cause: root cause`, for
    /// a log line or a message to a user. `Display` (`to_string()`) prints
    /// this error's own level only, so that error reporters that walk
    /// [`source`](StdError::source) (anyhow, eyre, tracing's) print each cause
    /// once.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let err = sessio::get("http://127.0.0.1:9/").await.unwrap_err(); // nothing listens on port 9
    /// assert!(err.is_connect());
    /// let own = err.to_string();
    /// let report = err.report().to_string();
    /// assert!(report.starts_with(&own) && report.len() > own.len(), "{report}");
    /// # });
    /// ```
    pub fn report(&self) -> Report<'_> {
        Report(self)
    }

    fn source_chain(&self) -> impl Iterator<Item = &(dyn StdError + 'static)> {
        let mut next = self.inner.source.as_deref().map(|e| e as &dyn StdError);
        std::iter::from_fn(move || {
            let current = next?;
            next = current.source();
            Some(current)
        })
    }
}

impl crate::__private::ErrorExt for Error {
    /// Attaches the URL this error concerns. Credentials in it (`user:pass@`) are
    /// removed, so that errors can be logged safely.
    fn with_url(mut self, url: Url) -> Self {
        self.inner.url = Some(without_credentials(url));
        self
    }

    /// Attaches the URL if none is attached yet (credentials removed).
    fn with_url_if_missing(mut self, url: &Url) -> Self {
        if self.inner.url.is_none() {
            self.inner.url = Some(without_credentials(url.clone()));
        }
        self
    }

    /// Attaches the response this error concerns (an error status, the last redirect).
    fn with_response(mut self, response: Response) -> Self {
        if self.inner.url.is_none() {
            self.inner.url = Some(without_credentials(response.url().clone()));
        }
        self.inner.response = Some(response);
        self
    }
}

fn without_credentials(mut url: Url) -> Url {
    if !url.username().is_empty() || url.password().is_some() {
        // Both calls only fail for URLs that cannot have credentials at all.
        let _ = url.set_password(None);
        let _ = url.set_username("");
    }
    url
}

/// Classifies a foreign error by its cause chain.
fn classify(err: &(dyn StdError + 'static)) -> ErrorKind {
    let mut next = Some(err);
    while let Some(current) = next {
        if is_timeout_error(current) {
            return ErrorKind::Timeout;
        }
        next = current.source();
    }
    ErrorKind::Request
}

fn is_timeout_error(err: &(dyn StdError + 'static)) -> bool {
    if let Some(io) = err.downcast_ref::<io::Error>() {
        return io.kind() == io::ErrorKind::TimedOut;
    }
    if let Some(e) = err.downcast_ref::<Error>() {
        return e.is_timeout();
    }
    false
}

fn describe(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Builder => "invalid request",
        ErrorKind::InvalidUrl => "invalid URL",
        ErrorKind::InvalidHeader => "invalid header",
        ErrorKind::NoAdapter => "no connection adapter",
        ErrorKind::Connect => "connection failed",
        ErrorKind::ConnectTimeout => "connect timed out",
        ErrorKind::ReadTimeout => "read timed out",
        ErrorKind::WriteTimeout => "write timed out",
        ErrorKind::PoolTimeout => "timed out waiting for a pooled connection",
        ErrorKind::Timeout => "request timed out",
        ErrorKind::Tls => "TLS error",
        ErrorKind::Proxy => "proxy error",
        ErrorKind::Request => "error sending request",
        ErrorKind::Redirect => "redirect error",
        ErrorKind::Status(_) => "error status",
        ErrorKind::Retry(_) => "max retries exceeded",
        ErrorKind::Body => "error reading body",
        ErrorKind::Decode => "error decoding body",
        ErrorKind::Closed => "session is closed",
        ErrorKind::Hook => "hook failed",
    }
}

/// What went wrong, the URL, then the causes: `TLS error for url
/// (https://self-signed.test/): invalid peer certificate: UnknownIssuer`. A cause
/// whose text is already shown is not repeated.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = match (&self.inner.kind, &self.inner.message) {
            (ErrorKind::Status(code), message) => {
                let class = if code.is_client_error() {
                    "Client Error"
                } else {
                    "Server Error"
                };
                let reason = match (&self.inner.response, message) {
                    (Some(response), _) => response.reason().to_owned(),
                    (None, Some(reason)) if !reason.is_empty() => reason.clone(),
                    _ => code.canonical_reason().unwrap_or("").to_owned(),
                };
                format!("{} {class}: {reason}", code.as_u16())
            }
            (_, Some(message)) => message.clone(),
            (kind, None) => describe(*kind).to_owned(),
        };
        if let Some(url) = &self.inner.url {
            text.push_str(&format!(" for url ({url})"));
        }
        f.write_str(&text)
    }
}

/// An error and its causes on one line (see [`Error::report`]).
pub struct Report<'a>(&'a Error);

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = self.0.to_string();
        for cause in self.0.source_chain() {
            let cause = cause.to_string();
            // (a cause that only repeats what was said adds nothing)
            if !cause.is_empty() && !text.contains(&cause) {
                text.push_str(": ");
                text.push_str(&cause);
            }
        }
        f.write_str(&text)
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("sessio::Error");
        d.field("kind", &self.inner.kind);
        if let Some(message) = &self.inner.message {
            d.field("message", message);
        }
        if let Some(url) = &self.inner.url {
            d.field("url", &url.as_str());
        }
        if let Some(source) = &self.inner.source {
            d.field("source", source);
        }
        d.finish()
    }
}

/// A hook's or a user layer's own error: `ErrorKind::Hook` with it as the cause
/// (a boxed sessio error is unwrapped as it is).
impl From<BoxError> for Error {
    fn from(err: BoxError) -> Self {
        match err.downcast::<Error>() {
            Ok(err) => *err,
            Err(other) => Error::new(ErrorKind::Hook, other),
        }
    }
}

/// A hook's own error, as text: `ErrorKind::Hook`.
impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error::new(ErrorKind::Hook, message)
    }
}

/// A hook's own error, as text: `ErrorKind::Hook`.
impl From<String> for Error {
    fn from(message: String) -> Self {
        Error::new(ErrorKind::Hook, message)
    }
}

/// A hook's I/O error: `ErrorKind::Hook` with it as the cause.
impl From<io::Error> for Error {
    fn from(err: io::Error) -> Self {
        Error::new(ErrorKind::Hook, err)
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner.source.as_deref().map(|e| e as _)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::__private::ErrorExt;

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn from_boxed_keeps_a_sessio_error() {
        let boxed: BoxError = Box::new(Error::msg(ErrorKind::ReadTimeout, "slow"));
        let err = Error::from_boxed(boxed);
        assert_eq!(err.kind(), ErrorKind::ReadTimeout);
        assert!(err.is_timeout());
    }

    #[test]
    fn from_boxed_classifies_io_timeouts() {
        let boxed: BoxError = Box::new(io::Error::new(io::ErrorKind::TimedOut, "late"));
        let err = Error::from_boxed(boxed);
        assert!(err.is_timeout());
        assert!(err.source().is_some());
    }

    #[test]
    fn credentials_never_appear_in_errors() {
        let url: Url = "http://user:secret@example.com/x".parse().unwrap();
        let err = Error::msg(ErrorKind::Connect, "refused").with_url(url.clone());
        assert_eq!(err.url().unwrap().as_str(), "http://example.com/x");
        let err = Error::msg(ErrorKind::Connect, "refused").with_url_if_missing(&url);
        assert!(!err.to_string().contains("secret"));
        assert!(!format!("{err:?}").contains("user"));
    }

    #[test]
    fn display_names_the_url() {
        let err = Error::msg(ErrorKind::Connect, "refused")
            .with_url("http://127.0.0.1:1/".parse().unwrap());
        assert_eq!(err.to_string(), "refused for url (http://127.0.0.1:1/)");
        assert!(err.is_connect());
    }
}
