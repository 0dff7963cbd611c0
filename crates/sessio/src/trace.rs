//! `tracing` spans (cargo feature `tracing`): `sessio.request` for each `send`,
//! with `sessio.hop` inside it for each request of a redirect chain. Fields:
//! method, URL (the wire URI: never credentials), hop number, status and elapsed
//! milliseconds, or the error. Without the feature, none of this is compiled.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Instant;

use sessio_core::{Body, ResponseBody, Result};
use tracing::Span;
use tracing::field::Empty;

/// Request extension: counts the hops of one request, shared by all of them.
#[derive(Debug, Clone, Default)]
pub(crate) struct HopCount(Arc<AtomicUsize>);

/// The span of one `send`, and the hop counter its hops share.
pub(crate) fn request_span(request: &mut http::Request<Body>) -> Span {
    let span = tracing::info_span!(
        "sessio.request",
        method = %request.method(),
        url = %request.uri(),
        status = Empty,
        redirects = Empty,
        elapsed_ms = Empty,
        error = Empty,
    );
    // Nobody listens: no counter either (it would cost an extension per request).
    if !span.is_disabled() {
        request.extensions_mut().insert(HopCount::default());
    }
    span
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
    span.record("elapsed_ms", started.elapsed().as_millis() as u64);
    match result {
        Ok(response) => {
            span.record("status", response.status().as_u16());
            span.record("redirects", response.history().len());
        }
        Err(err) => {
            span.record("error", tracing::field::display(err));
        }
    }
}

/// The span of one hop (the first request or a redirect).
pub(crate) fn hop_span(request: &http::Request<Body>) -> Span {
    let hop = request
        .extensions()
        .get::<HopCount>()
        .map_or(0, |count| count.0.fetch_add(1, Ordering::Relaxed));
    tracing::info_span!(
        "sessio.hop",
        method = %request.method(),
        url = %request.uri(),
        hop,
        status = Empty,
        elapsed_ms = Empty,
        error = Empty,
    )
}

pin_project_lite::pin_project! {
    /// A hop's response future inside its span; the status and the time to the
    /// response head are recorded when it is done.
    pub(crate) struct TracedHop<F> {
        #[pin]
        inner: F,
        span: Span,
        started: Instant,
    }
}

impl<F> TracedHop<F> {
    pub(crate) fn new(inner: F, span: Span) -> Self {
        TracedHop {
            inner,
            span,
            started: Instant::now(),
        }
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
        this.span
            .record("elapsed_ms", this.started.elapsed().as_millis() as u64);
        match &output {
            Ok(response) => {
                this.span.record("status", response.status().as_u16());
            }
            Err(err) => {
                this.span.record("error", tracing::field::display(err));
            }
        }
        Poll::Ready(output)
    }
}
