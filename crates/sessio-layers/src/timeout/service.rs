//! `TimeoutLayer` and `Timeout<S>`.

use std::task::{Context, Poll};

use http::{Request, Response};
use sessio_core::{Deadline, Timeouts};
use tokio::time::{Instant, sleep_until};
use tower_layer::Layer;
use tower_service::Service;

use super::TimeoutBody;
use super::future::ResponseFuture;
use super::limits::Limits;
use crate::BoxError;

/// Applies read and total timeouts. See the [module docs](crate::timeout) for more details.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeoutLayer {
    defaults: Timeouts,
}

impl TimeoutLayer {
    /// A layer with these default timeouts (`connect` is not used here: it belongs
    /// to the connector).
    pub fn new(defaults: Timeouts) -> Self {
        TimeoutLayer { defaults }
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = Timeout<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Timeout {
            inner,
            defaults: self.defaults,
        }
    }
}

/// The service of [`TimeoutLayer`]. See the [module docs](crate::timeout) for more details.
#[derive(Debug, Clone)]
pub struct Timeout<S> {
    inner: S,
    defaults: Timeouts,
}

impl<S> Timeout<S> {
    /// Wraps `inner` with these default timeouts.
    pub fn new(inner: S, defaults: Timeouts) -> Self {
        Timeout { inner, defaults }
    }

    /// A layer for this service.
    pub fn layer(defaults: Timeouts) -> TimeoutLayer {
        TimeoutLayer::new(defaults)
    }

    define_inner_service_accessors!();
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Timeout<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Error: Into<BoxError>,
{
    type Response = Response<TimeoutBody<ResBody>>;
    type Error = BoxError;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let timeouts = match req.extensions().get::<Timeouts>() {
            Some(own) => own.or(self.defaults),
            None => self.defaults,
        };
        let now = Instant::now();
        let deadline = match req.extensions().get::<Deadline>() {
            Some(Deadline(at)) => Some(Instant::from_std(*at)),
            None => timeouts.total.and_then(|total| now.checked_add(total)),
        };
        let limits = Limits {
            read: timeouts.read,
            deadline,
        };
        let head_deadline = limits.next_deadline(now);
        ResponseFuture::new(self.inner.call(req), head_deadline.map(sleep_until), limits)
    }
}
