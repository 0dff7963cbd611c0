//! The response future of `Timeout`: the head must arrive within the limits.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::Response;
use tokio::time::Sleep;

use super::TimeoutBody;
use super::limits::Limits;
use crate::BoxError;

pin_project_lite::pin_project! {
    /// The response future of [`Timeout`](super::Timeout).
    #[must_use = "futures do nothing unless polled"]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        #[pin]
        sleep: Option<Sleep>,
        limits: Limits,
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn new(inner: F, sleep: Option<Sleep>, limits: Limits) -> Self {
        ResponseFuture {
            inner,
            sleep,
            limits,
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    E: Into<BoxError>,
{
    type Output = Result<Response<TimeoutBody<B>>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(result) = this.inner.poll(cx) {
            let limits = *this.limits;
            return Poll::Ready(match result {
                Ok(response) => Ok(response.map(|body| TimeoutBody::new(body, limits))),
                Err(err) => Err(err.into()),
            });
        }
        if let Some(sleep) = this.sleep.as_pin_mut() {
            ready!(sleep.poll(cx));
            return Poll::Ready(Err(this.limits.error()));
        }
        Poll::Pending
    }
}

impl<F> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("timeout::ResponseFuture")
            .field("read", &self.limits.read)
            .finish()
    }
}
