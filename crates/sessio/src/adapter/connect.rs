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
    /// The connect timeout of the request being sent, when it has its own.
    pub(crate) static REQUEST_CONNECT_TIMEOUT: Duration;
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
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<C::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        // Called while the request future is polled, so the request's own
        // timeout (a task-local around that future) is visible here.
        let timeout = REQUEST_CONNECT_TIMEOUT
            .try_with(|t| *t)
            .ok()
            .or(self.default);
        let connecting = self.inner.call(uri);
        Box::pin(async move {
            match timeout {
                None => connecting.await.map_err(Into::into),
                Some(limit) => match tokio::time::timeout(limit, connecting).await {
                    Ok(result) => result.map_err(Into::into),
                    Err(_) => Err(Box::new(ConnectTimedOut(limit)) as BoxError),
                },
            }
        })
    }
}
