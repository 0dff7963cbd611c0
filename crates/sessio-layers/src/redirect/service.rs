//! `RedirectLayer` and `Redirect<S>`.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::{Method, Request, Response};
use sessio_core::{AllowRedirects, Body, BoxError, Error, Fragment, PreparedRequest};
use tower_layer::Layer;
use tower_service::Service;

use super::ReplayBody;
use super::future::{Context as FollowContext, Origin, RecordedFuture, ResponseFuture};
use super::policy::{RedirectPolicy, Standard};

/// requests' `DEFAULT_REDIRECT_LIMIT`.
pub const DEFAULT_MAX_REDIRECTS: usize = 30;

#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) max_redirects: usize,
    pub(crate) https_only: bool,
    pub(crate) policy: Arc<dyn RedirectPolicy>,
}

/// Follows redirects. See the [module docs](crate::redirect) for more details.
#[derive(Debug, Clone)]
pub struct RedirectLayer {
    config: Arc<Config>,
}

impl Default for RedirectLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl RedirectLayer {
    /// requests' defaults: follow up to 30 redirects, any scheme.
    pub fn new() -> Self {
        RedirectLayer {
            config: Arc::new(Config {
                max_redirects: DEFAULT_MAX_REDIRECTS,
                https_only: false,
                policy: Arc::new(Standard),
            }),
        }
    }

    fn edit(mut self, edit: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            max_redirects: self.config.max_redirects,
            https_only: self.config.https_only,
            policy: self.config.policy.clone(),
        };
        edit(&mut config);
        self.config = Arc::new(config);
        self
    }

    /// How many redirects are followed; one more is an error. `0`: the first
    /// redirect is an error (use [`AllowRedirects`] to get the 3xx instead).
    pub fn max_redirects(self, max: usize) -> Self {
        self.edit(|c| c.max_redirects = max)
    }

    /// Refuse (with an error) to follow a redirect to anything but `https`.
    pub fn https_only(self, enabled: bool) -> Self {
        self.edit(|c| c.https_only = enabled)
    }

    /// Decide each redirect with `policy`.
    pub fn policy(self, policy: impl RedirectPolicy) -> Self {
        self.edit(|c| c.policy = Arc::new(policy))
    }
}

impl<S> Layer<S> for RedirectLayer {
    type Service = Redirect<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Redirect {
            inner,
            config: self.config.clone(),
        }
    }
}

/// The service of [`RedirectLayer`]. See the [module docs](crate::redirect) for more details.
#[derive(Debug, Clone)]
pub struct Redirect<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S> Redirect<S> {
    /// Wraps `inner` with requests' defaults.
    pub fn new(inner: S) -> Self {
        RedirectLayer::new().layer(inner)
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
    S::Error: From<Error> + Send + 'static,
    B: ReplayBody + Send + 'static,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = ResponseFuture<S, B, RB>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let origin = Origin::Copied {
            method: req.method().clone(),
            uri: req.uri().clone(),
            headers: req.headers().clone(),
            fragment: req.extensions().get::<Fragment>().map(|f| f.0.clone()),
            body: req.body().try_replay(),
        };
        let (mut inner, context) = self.start(&req, origin);
        ResponseFuture::new(inner.call(req), context)
    }
}

impl<S: Clone> Redirect<S> {
    /// The service to call now (the one polled ready) and the chain's context.
    fn start<B>(&mut self, req: &Request<B>, origin: Origin<B>) -> (S, FollowContext<S, B>) {
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let allow = req
            .extensions()
            .get::<AllowRedirects>()
            .map_or(req.method() != Method::HEAD, |a| a.0);
        let context = FollowContext {
            service: self.inner.clone(),
            origin,
            version: req.version(),
            extensions: req.extensions().clone(),
            allow,
            started: Instant::now(),
            config: self.config.clone(),
        };
        (inner, context)
    }
}

impl<S, RB> Redirect<S>
where
    S: Service<Request<Body>, Response = Response<RB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: From<Error> + Send + 'static,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    /// Like `call`, for a caller that keeps its own record of the request anyway
    /// (a session keeps one for `Response::request`): the layer uses `record`
    /// instead of copying the request head, and gives it back with the response
    /// when no redirect needed it. `record` must describe `req` exactly (its body
    /// may be empty where `req`'s is a stream). Call `poll_ready` first, as for `call`.
    pub fn call_recorded(
        &mut self,
        req: Request<Body>,
        record: PreparedRequest,
    ) -> RecordedFuture<S, Body, RB> {
        let origin = Origin::Record {
            replayable: !req.body().is_stream(),
            request: record,
        };
        let (mut inner, context) = self.start(&req, origin);
        RecordedFuture::new(ResponseFuture::new(inner.call(req), context))
    }
}
