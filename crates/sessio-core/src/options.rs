//! Per-request options, carried in the request's `http::Extensions` so that every
//! layer stays a plain `http::Request -> http::Response` service.

use std::time::{Duration, Instant};

/// Timeouts of one request. `None` means "not set here" (inherit, or no limit).
///
/// * `connect`: establishing the connection (TCP and TLS).
/// * `read`: the longest time the server may stay silent: before the response head
///   arrives, and between body chunks while it is read (requests' read timeout).
/// * `total`: the whole request, all redirect hops and reading the body included.
/// * `write`: the longest an upload may stall (the connection taking none of
///   the request body) before the response head arrives.
///
/// ```
/// use std::time::Duration;
/// use sessio::Timeouts;
///
/// let request = Timeouts::new().read(Duration::from_secs(1));
/// let session = Timeouts::new().connect(Duration::from_secs(3)).read(Duration::from_secs(9));
/// let effective = request.or(session);
/// assert_eq!(effective.read, Some(Duration::from_secs(1)));
/// assert_eq!(effective.connect, Some(Duration::from_secs(3)));
/// ```
///
/// The struct may gain fields: build one with [`Timeouts::new`] and its
/// setters (its fields stay public to read and to assign).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Connection establishment limit.
    pub connect: Option<Duration>,
    /// Idle limit while waiting for the head and between body chunks.
    pub read: Option<Duration>,
    /// Limit on the whole request.
    pub total: Option<Duration>,
    /// The longest an upload may make no progress: the connection taking
    /// none of the request body (HTTP/1: the server stopped reading) until the
    /// response head arrives.
    pub write: Option<Duration>,
}

impl Timeouts {
    /// No timeout set (the same as `Timeouts::default()`).
    pub const fn new() -> Self {
        Timeouts {
            connect: None,
            read: None,
            total: None,
            write: None,
        }
    }

    /// With this connect timeout.
    #[must_use]
    pub const fn connect(mut self, timeout: Duration) -> Self {
        self.connect = Some(timeout);
        self
    }

    /// With this read timeout.
    #[must_use]
    pub const fn read(mut self, timeout: Duration) -> Self {
        self.read = Some(timeout);
        self
    }

    /// With this total timeout.
    #[must_use]
    pub const fn total(mut self, timeout: Duration) -> Self {
        self.total = Some(timeout);
        self
    }

    /// With this write timeout.
    #[must_use]
    pub const fn write(mut self, timeout: Duration) -> Self {
        self.write = Some(timeout);
        self
    }

    /// Each field of `self`, or `fallback`'s where `self` has none.
    #[must_use]
    pub fn or(self, fallback: Timeouts) -> Timeouts {
        Timeouts {
            connect: self.connect.or(fallback.connect),
            read: self.read.or(fallback.read),
            total: self.total.or(fallback.total),
            write: self.write.or(fallback.write),
        }
    }

    /// Whether no timeout is set at all.
    pub fn is_empty(&self) -> bool {
        self.connect.is_none()
            && self.read.is_none()
            && self.total.is_none()
            && self.write.is_none()
    }
}

/// The instant by which the whole request must be done (from [`Timeouts::total`]),
/// fixed once when the request is sent so that every hop shares it.
///
/// No layer sends a request again past it: not a retry, not an auth flow's
/// answer to a challenge, not a redirect.
///
/// ```
/// use std::time::{Duration, Instant};
/// use sessio::Deadline;
///
/// let deadline = Deadline(Instant::now() + Duration::from_secs(5));
/// assert!(!deadline.has_passed());
/// assert!(deadline.passes_within(Duration::from_secs(10)));
/// let mut request = sessio::http::Request::new(());
/// request.extensions_mut().insert(deadline);
/// assert_eq!(Deadline::of(&request), Some(deadline));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline(pub Instant);

impl Deadline {
    /// The deadline a request carries, if any.
    pub fn of<B>(request: &http::Request<B>) -> Option<Deadline> {
        request.extensions().get::<Deadline>().copied()
    }

    /// Whether the deadline has passed.
    pub fn has_passed(&self) -> bool {
        Instant::now() >= self.0
    }

    /// Whether waiting `wait` from now would end at or past the deadline.
    pub fn passes_within(&self, wait: Duration) -> bool {
        Instant::now()
            .checked_add(wait)
            .is_none_or(|end| end >= self.0)
    }

    /// The error of a request whose deadline passed: a timeout
    /// ([`Error::is_timeout`](crate::Error::is_timeout)).
    pub fn passed_error(&self) -> crate::Error {
        crate::Error::msg(
            crate::ErrorKind::Timeout,
            "request timed out (total timeout)",
        )
    }
}

/// Whether the response body is read lazily (`true`) or before `send` returns
/// (`false`, requests' default `stream=False`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streaming(pub bool);

/// Whether redirects are followed for this request (requests' `allow_redirects`).
/// Without it, redirects are followed for every method; a session's `head()`
/// sets it to `false`, as requests' `head()` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowRedirects(pub bool);

/// The most redirects followed for this request, over the redirect layer's own
/// limit (a session's live [`max_redirects`](https://docs.rs/sessio) setting
/// rides on each request this way).
///
/// ```
/// let mut request = http::Request::get("http://example.test/").body(()).unwrap();
/// request.extensions_mut().insert(sessio_core::MaxRedirects(2));
/// # assert_eq!(request.extensions().get::<sessio_core::MaxRedirects>(), Some(&sessio_core::MaxRedirects(2)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxRedirects(pub usize);

/// The fragment of the URL the user asked for, carried over redirects that do not
/// name their own (RFC 7231 §7.1.2); set only when the URL has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment(pub String);

/// Response extension: how many attempts a response took (1: it was not retried).
/// Set by the retry layer; read it with `Response::attempts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts(pub usize);
