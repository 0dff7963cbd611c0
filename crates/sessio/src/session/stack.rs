//! The session's static stack, outermost first: exchange layers of the user
//! (boxed, only if there are any) → `Redirect` → `AuthFlows` (digest and other
//! multi-step auth, per hop) → `Cookies` → `Hooks` → hop
//! layers of the user (boxed once each) → the mount table's adapters (boxed once each).
//!
//! The session calls it with a plain `Service::call`, so a layer can wrap it
//! from outside.

use std::sync::Arc;
use std::task::{Context, Poll};

use std::future::Future;
use std::pin::Pin;

use sessio_core::{Body, BoxError, CookieStore, Error, ResponseBody, Result};
use sessio_layers::auth_flow::{AuthFlowLayer, AuthFlows};
use sessio_layers::cache::{Cache, CacheBody};
use sessio_layers::cookies::{Cookies, CookiesLayer};
use sessio_layers::hooks::{Hooks, HooksLayer};
use sessio_layers::redirect::{Redirect, RedirectLayer, RedirectPolicy};
use tower_layer::Layer;
use tower_service::Service;

use super::{ExchangeService, HopService};
use crate::adapter::AdapterFuture;
use crate::mount::Router;

/// The session's own layers over the hop below them.
pub(crate) type Chain = Redirect<AuthFlows<Cookies<Hooks<Dispatch>>>>;

/// Every request of a session goes through this one type: the chain, or the
/// chain inside the user's exchange layers.
#[derive(Clone)]
pub(crate) enum Stack {
    Plain(Chain),
    Wrapped(ExchangeService),
}

pub(crate) type ChainFuture = <Chain as Service<http::Request<Body>>>::Future;
type WrappedFuture = <ExchangeService as Service<http::Request<Body>>>::Future;

pin_project_lite::pin_project! {
    #[project = StackFutureProj]
    pub(crate) enum StackFuture {
        Plain { #[pin] future: ChainFuture },
        Wrapped { #[pin] future: WrappedFuture },
    }
}

impl Future for StackFuture {
    type Output = std::result::Result<http::Response<ResponseBody>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            StackFutureProj::Plain { future } => future.poll(cx),
            StackFutureProj::Wrapped { future } => future.poll(cx),
        }
    }
}

impl Stack {
    /// Whether the stack gives back the request's headers when the response
    /// comes (the redirect layer's copy): only the session's own chain does.
    pub(crate) fn returns_request(&self) -> bool {
        matches!(self, Stack::Plain(_))
    }
}

impl Service<http::Request<Body>> for Stack {
    type Response = http::Response<ResponseBody>;
    type Error = BoxError;
    type Future = StackFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), BoxError>> {
        match self {
            Stack::Plain(chain) => chain.poll_ready(cx),
            Stack::Wrapped(service) => Service::<http::Request<Body>>::poll_ready(service, cx),
        }
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        match self {
            Stack::Plain(chain) => StackFuture::Plain {
                future: chain.call(request),
            },
            Stack::Wrapped(service) => StackFuture::Wrapped {
                future: service.call(request),
            },
        }
    }
}

/// Where each hop goes below the hooks: straight to the mount table's router, or
/// through the user's layers first (and a cache, `SessionBuilder::cache`, is
/// one more boxed hop service there: a session without one takes the same two
/// arms it always did).
#[derive(Clone)]
pub(crate) enum Dispatch {
    Router(Router),
    Layered(HopService),
}

impl Dispatch {
    /// The same hops, through `cache` first.
    pub(crate) fn cached(self, cache: &sessio_layers::cache::CacheLayer) -> Dispatch {
        let hop = match self {
            Dispatch::Router(router) => HopService::new(through_cache(Cache::new(router, cache))),
            Dispatch::Layered(service) => {
                HopService::new(through_cache(Cache::new(service, cache)))
            }
        };
        Dispatch::Layered(hop)
    }
}

/// A cache as a hop service: its errors sessio's, its body a `ResponseBody`
/// again (the server's own when nothing is copied from it, with its
/// connection).
fn through_cache<S>(
    cache: Cache<S>,
) -> impl Service<
    http::Request<Body>,
    Response = http::Response<ResponseBody>,
    Error = Error,
    Future = impl Send + 'static,
> + Clone
+ Send
+ Sync
+ 'static
where
    Cache<S>: Service<
            http::Request<Body>,
            Response = http::Response<CacheBody<ResponseBody>>,
            Error = BoxError,
        > + Clone
        + Send
        + Sync
        + 'static,
    <Cache<S> as Service<http::Request<Body>>>::Future: Send + 'static,
{
    use tower::ServiceExt;
    cache
        .map_response(|response: http::Response<CacheBody<ResponseBody>>| {
            response.map(|body| match body.into_upstream() {
                Ok(body) => body,
                Err(mut body) => {
                    let connection = body
                        .upstream_mut()
                        .and_then(sessio_core::__private::take_connection);
                    let mut out = ResponseBody::new(body);
                    if let Some(connection) = connection {
                        sessio_core::__private::attach_connection(&mut out, connection);
                    }
                    out
                }
            })
        })
        .map_err(crate::adapter::into_error)
}

/// What a hop below the hooks returns: the adapter's future (inside a span of
/// its own with the `tracing` feature).
#[cfg(not(feature = "tracing"))]
pub(crate) type HopFuture = AdapterFuture;
#[cfg(feature = "tracing")]
pub(crate) type HopFuture = crate::trace::TracedHop<AdapterFuture>;

impl Service<http::Request<Body>> for Dispatch {
    type Response = http::Response<ResponseBody>;
    type Error = Error;
    type Future = HopFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        match self {
            Dispatch::Router(_) => Poll::Ready(Ok(())),
            Dispatch::Layered(service) => Service::<http::Request<Body>>::poll_ready(service, cx),
        }
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        #[cfg(feature = "tracing")]
        let span = crate::trace::hop_span(&request);
        let future = match self {
            Dispatch::Router(router) => router.route(request),
            Dispatch::Layered(service) => AdapterFuture::boxed(service.call(request)),
        };
        #[cfg(feature = "tracing")]
        let future = crate::trace::TracedHop::new(future, span);
        future
    }
}

/// Redirect settings of a session.
pub(crate) struct RedirectSettings {
    pub(crate) max_redirects: usize,
    pub(crate) https_only: bool,
    pub(crate) policy: Option<Arc<dyn RedirectPolicy>>,
    /// `Authorization` goes on every change of origin.
    pub(crate) strict_origin_auth: bool,
}

/// A redirect policy that also strips `Authorization` whenever the origin
/// changes (`SessionBuilder::strict_origin_auth`).
#[derive(Debug)]
struct StrictOriginAuth(Arc<dyn RedirectPolicy>);

impl RedirectPolicy for StrictOriginAuth {
    fn redirect(
        &self,
        attempt: &sessio_layers::redirect::Attempt<'_>,
    ) -> sessio_layers::redirect::Action {
        self.0.redirect(attempt)
    }

    fn should_strip_auth(&self, old: &url::Url, new: &url::Url) -> bool {
        self.0.should_strip_auth(old, new) || !sessio_core::__private::same_origin(old, new)
    }
}

pub(crate) fn build(
    dispatch: Dispatch,
    cookies: Arc<dyn CookieStore>,
    redirects: RedirectSettings,
) -> Chain {
    let mut redirect = RedirectLayer::new()
        .max_redirects(redirects.max_redirects)
        .https_only(redirects.https_only);
    let policy = match (redirects.policy, redirects.strict_origin_auth) {
        (Some(policy), false) => Some(policy),
        (policy, true) => {
            let inner = policy.unwrap_or_else(|| Arc::new(sessio_layers::redirect::Standard));
            Some(Arc::new(StrictOriginAuth(inner)) as Arc<dyn RedirectPolicy>)
        }
        (None, false) => None,
    };
    if let Some(policy) = policy {
        redirect = redirect.policy(policy);
    }
    let hooks = HooksLayer::default().layer(dispatch);
    let flows = AuthFlowLayer::per_request().layer(CookiesLayer::new(cookies).layer(hooks));
    redirect.layer(flows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache is a boxed hop service in the `Layered` arm: a session without
    /// one clones a chain (once per request) of the size it had before caching
    /// existed.
    #[test]
    fn dispatch_is_no_larger_for_the_cache() {
        let widest = std::mem::size_of::<Router>().max(std::mem::size_of::<HopService>());
        assert!(
            std::mem::size_of::<Dispatch>() <= widest + 8,
            "Dispatch is {} bytes",
            std::mem::size_of::<Dispatch>()
        );
    }
}
