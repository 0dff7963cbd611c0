//! The connector wrapper that bounds connection setup (TCP and TLS) by the connect
//! timeout, per adapter or per request.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use sessio_core::BoxError;
use tower_service::Service;

tokio::task_local! {
    /// Set while a request's own future is polled: hyper-util polls a new
    /// connection's setup there, or, once the request took an idle connection
    /// instead, in a task of its own where this is not set.
    pub(crate) static REQUEST: RequestScope;
}

/// What connecting needs to know about the request it is for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestScope {
    /// The request's own connect timeout, if it has one.
    pub(crate) connect_timeout: Option<Duration>,
}

impl RequestScope {
    /// Whether a request is waiting on the connection being made (see [`REQUEST`]).
    pub(crate) fn is_waiting() -> bool {
        REQUEST.try_with(|_| ()).is_ok()
    }
}

/// The cause of a connect timeout, found in the error's source chain.
#[derive(Debug)]
pub(crate) struct ConnectTimedOut(pub(crate) Duration);

impl std::fmt::Display for ConnectTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "connect timed out after {:?}", self.0)
    }
}

impl std::error::Error for ConnectTimedOut {}

/// Wraps a connector so that connecting takes at most the connect timeout.
#[derive(Debug, Clone)]
pub(crate) struct TimeoutConnector<C> {
    inner: C,
    default: Option<Duration>,
}

impl<C> TimeoutConnector<C> {
    pub(crate) fn new(inner: C, default: Option<Duration>) -> Self {
        TimeoutConnector { inner, default }
    }
}

impl<C> Service<Uri> for TimeoutConnector<C>
where
    C: Service<Uri>,
    C::Future: Unpin,
    C::Error: Into<BoxError>,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = TimeoutFuture<C::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        // Called while the request future is polled, so the request's own
        // timeout (a task-local around that future) is visible here.
        let timeout = REQUEST
            .try_with(|scope| scope.connect_timeout)
            .ok()
            .flatten()
            .or(self.default);
        TimeoutFuture {
            connecting: self.inner.call(uri),
            // Boxed so that the future stays `Unpin` (hyper-util wants that of
            // a connector); only connections with a timeout pay for it.
            deadline: timeout.map(|limit| (limit, Box::pin(tokio::time::sleep(limit)))),
        }
    }
}

/// The future of [`TimeoutConnector`]: the connection, or a connect timeout.
pub(crate) struct TimeoutFuture<F> {
    connecting: F,
    deadline: Option<(Duration, Pin<Box<tokio::time::Sleep>>)>,
}

impl<F, T, E> Future for TimeoutFuture<F>
where
    F: Future<Output = Result<T, E>> + Unpin,
    E: Into<BoxError>,
{
    type Output = Result<T, BoxError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(result) = Pin::new(&mut self.connecting).poll(cx) {
            return Poll::Ready(result.map_err(Into::into));
        }
        let Some((limit, sleep)) = &mut self.deadline else {
            return Poll::Pending;
        };
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Box::new(ConnectTimedOut(*limit)))),
            Poll::Pending => Poll::Pending,
        }
    }
}
