//! `tracing` spans (cargo feature `tracing`) in OpenTelemetry's HTTP client
//! conventions: `sessio.request` for each `send`, with `sessio.hop` inside it
//! for each request put on the wire (the first, each redirect and each re-send
//! of an auth flow: one span per attempt). Fields: `http.request.method`,
//! `url.full` (the wire URI: never credentials; query values `REDACTED` unless
//! the session opted in), `server.address`, `server.port`,
//! `http.response.status_code`, `http.request.resend_count` (on every hop but
//! the first), `error.type` (the error's kind) with `error.message`, and
//! `otel.name` / `otel.kind` for tracing-opentelemetry; the request span adds
//! `sessio.redirects` and `sessio.elapsed_ms`. Without the feature, none of
//! this is compiled.

use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Instant;

use sessio_core::{Body, Error, ResponseBody, Result};
use tracing::Span;
use tracing::field::Empty;

/// Request extension: counts the hops of one request, shared by all of them,
/// and whether their URLs show query values.
#[derive(Debug, Clone, Default)]
pub(crate) struct HopCount {
    sent: Arc<AtomicUsize>,
    query_values: bool,
}

/// `url.full`: the wire URI, its query values replaced by `REDACTED` unless
/// `query_values` (a query value is where tokens and signatures travel).
fn url_full(uri: &http::Uri, query_values: bool) -> String {
    let Some(query) = uri.query().filter(|_| !query_values) else {
        return uri.to_string();
    };
    let authority = uri.authority().map_or(0, |a| a.as_str().len());
    let mut url = String::with_capacity(16 + authority + uri.path().len() + query.len() * 2);
    if let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) {
        let _ = write!(url, "{scheme}://{authority}");
    }
    url.push_str(uri.path());
    url.push('?');
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            url.push('&');
        }
        match pair.split_once('=') {
            Some((key, _)) => {
                let _ = write!(url, "{key}=REDACTED");
            }
            None => url.push_str(pair),
        }
    }
    url
}

/// `server.port`: the URI's port, or its scheme's.
fn server_port(uri: &http::Uri) -> Option<u16> {
    uri.port_u16().or(match uri.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    })
}

/// The span of one `send`, and the hop counter its hops share.
pub(crate) fn request_span(request: &mut http::Request<Body>, query_values: bool) -> Span {
    let uri = request.uri();
    let span = tracing::info_span!(
        "sessio.request",
        "otel.name" = %request.method(),
        "otel.kind" = "client",
        "http.request.method" = %request.method(),
        "url.full" = %url_full(uri, query_values),
        "server.address" = %uri.host().unwrap_or_default(),
        "server.port" = server_port(uri),
        "http.response.status_code" = Empty,
        "error.type" = Empty,
        "error.message" = Empty,
        "sessio.redirects" = Empty,
        "sessio.elapsed_ms" = Empty,
    );
    // Nobody listens: no counter either (it would cost an extension per request).
    if !span.is_disabled() {
        request.extensions_mut().insert(HopCount {
            sent: Arc::default(),
            query_values,
        });
    }
    span
}

/// `error.type`: the error's kind, in snake case (`timeout`, `connect`...).
fn error_type(err: &Error) -> String {
    let kind = format!("{:?}", err.kind());
    let name = kind.split('(').next().unwrap_or(&kind);
    let mut snake = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                snake.push('_');
            }
            snake.push(c.to_ascii_lowercase());
        } else {
            snake.push(c);
        }
    }
    snake
}

/// Records an error on a span.
fn record_error(span: &Span, err: &Error) {
    span.record("error.type", tracing::field::display(error_type(err)));
    span.record("error.message", tracing::field::display(err.report()));
}

pin_project_lite::pin_project! {
    /// A `send` inside its span; the status, the redirects followed and the time
    /// taken are recorded when it is done.
    pub(crate) struct TracedRequest<F> {
        #[pin]
        inner: F,
        span: Span,
        started: Instant,
    }
}

impl<F> TracedRequest<F> {
    pub(crate) fn new(inner: F, span: Span) -> Self {
        TracedRequest {
            inner,
            span,
            started: Instant::now(),
        }
    }
}

impl<F> Future for TracedRequest<F>
where
    F: Future<Output = Result<sessio_core::Response>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let output = ready!(this.inner.poll(cx));
        record_request(this.span, &output, *this.started);
        Poll::Ready(output)
    }
}

/// Records the outcome of a `send` on its span.
fn record_request(span: &Span, result: &Result<sessio_core::Response>, started: Instant) {
    span.record("sessio.elapsed_ms", started.elapsed().as_millis() as u64);
    match result {
        Ok(response) => {
            span.record("http.response.status_code", response.status().as_u16());
            span.record("sessio.redirects", response.history().len());
        }
        Err(err) => record_error(span, err),
    }
}

/// The span of one request put on the wire (the first, a redirect, an auth
/// flow's re-send).
pub(crate) fn hop_span(request: &http::Request<Body>) -> Span {
    let (sent, query_values) = request
        .extensions()
        .get::<HopCount>()
        .map_or((0, false), |count| {
            (
                count.sent.fetch_add(1, Ordering::Relaxed),
                count.query_values,
            )
        });
    let uri = request.uri();
    let span = tracing::info_span!(
        "sessio.hop",
        "otel.name" = %request.method(),
        "otel.kind" = "client",
        "http.request.method" = %request.method(),
        "url.full" = %url_full(uri, query_values),
        "server.address" = %uri.host().unwrap_or_default(),
        "server.port" = server_port(uri),
        "http.request.resend_count" = Empty,
        "http.response.status_code" = Empty,
        "error.type" = Empty,
        "error.message" = Empty,
    );
    if sent > 0 {
        span.record("http.request.resend_count", sent);
    }
    span
}

pin_project_lite::pin_project! {
    /// A hop's response future inside its span; the status (or the error) is
    /// recorded when the head comes.
    pub(crate) struct TracedHop<F> {
        #[pin]
        inner: F,
        span: Span,
    }
}

impl<F> TracedHop<F> {
    pub(crate) fn new(inner: F, span: Span) -> Self {
        TracedHop { inner, span }
    }
}

impl<F> Future for TracedHop<F>
where
    F: Future<Output = Result<http::Response<ResponseBody>>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let output = ready!(this.inner.poll(cx));
        match &output {
            Ok(response) => {
                this.span
                    .record("http.response.status_code", response.status().as_u16());
            }
            Err(err) => record_error(this.span, err),
        }
        Poll::Ready(output)
    }
}
