//! `Redirect<S>`: the service of `RedirectLayer`.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::{Request, Response};
use sessio_core::{AllowRedirects, MaxRedirects};
use tower_service::Service;

use super::follow::ChainStart;
use super::future::ResponseFuture;
use super::layer::{Config, RedirectLayer};
use super::rewrite::FirstRequest;
use crate::{BoxError, ReplayBody};

/// The service of [`RedirectLayer`]. See the [module docs](crate::redirect) for more details.
#[derive(Debug, Clone)]
pub struct Redirect<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S> Redirect<S> {
    /// Wraps `inner` with requests' defaults.
    pub fn new(inner: S) -> Self {
        tower_layer::Layer::layer(&RedirectLayer::new(), inner)
    }

    pub(crate) fn with_config(inner: S, config: Arc<Config>) -> Self {
        Redirect { inner, config }
    }

    /// A layer for this service.
    pub fn layer() -> RedirectLayer {
        RedirectLayer::new()
    }

    define_inner_service_accessors!();
}

impl<S, B, RB> Service<Request<B>> for Redirect<S>
where
    S: Service<Request<B>, Response = Response<RB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: ReplayBody + Send + 'static,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    type Response = Response<RB>;
    type Error = BoxError;
    type Future = ResponseFuture<S, B, RB>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        // Call the instance that was polled ready, and keep it for later hops
        // (they poll it ready again); one clone per request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let allow = req.extensions().get::<AllowRedirects>().is_none_or(|a| a.0);
        let max_redirects = req
            .extensions()
            .get::<MaxRedirects>()
            .map_or(self.config.max_redirects, |max| max.0);
        let first = FirstRequest::copy_of(&req);
        let future = inner.call(req);
        let start = ChainStart {
            service: inner,
            first,
            allow,
            max_redirects,
            started: Instant::now(),
            config: self.config.clone(),
        };
        ResponseFuture::new(future, start)
    }
}
