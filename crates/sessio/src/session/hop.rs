//! `HopService` and `ExchangeService`: what user layers wrap, one hop above
//! the adapters or around the whole exchange.

use std::fmt;
use std::task::{Context, Poll};

use bytes::Bytes;
use sessio_core::{Body, BoxError, Error, ResponseBody, Result};
use tower::util::BoxCloneSyncService;
use tower_service::Service;

type Boxed = BoxCloneSyncService<http::Request<Body>, http::Response<ResponseBody>, Error>;

/// The service every hop goes through below the session's own layers: user
/// layers added with [`SessionBuilder::layer`](crate::SessionBuilder::layer)
/// wrap it, and the adapters are at its bottom.
///
/// It takes a request of any body, so that layers which change the body type
/// (tower-http's `RequestBodyLimitLayer` wraps it in `Limited`) fit: a
/// [`Body`] goes through as it is, any other body is sent as a stream
/// ([`Body::wrap`]). Because it is a service of every body type, code that
/// polls it directly names the request type:
/// `Service::<http::Request<Body>>::poll_ready(&mut inner, cx)`.
///
/// ```
/// use sessio::{HopService, Session};
///
/// let log = tower::layer::layer_fn(|inner: HopService| {
///     tower::ServiceBuilder::new()
///         .map_request(|request: http::Request<sessio::Body>| {
///             println!("{} {}", request.method(), request.uri());
///             request
///         })
///         .service(inner)
/// });
/// let session = Session::builder().layer(log).build()?;
/// # drop(session);
/// # Ok::<(), sessio::Error>(())
/// ```
#[derive(Clone)]
pub struct HopService {
    inner: Boxed,
}

impl HopService {
    pub(crate) fn new<S>(service: S) -> Self
    where
        S: Service<http::Request<Body>, Response = http::Response<ResponseBody>, Error = Error>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        HopService {
            inner: BoxCloneSyncService::new(service),
        }
    }
}

impl fmt::Debug for HopService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HopService")
    }
}

impl<B> Service<http::Request<B>> for HopService
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<ResponseBody>;
    type Error = Error;
    type Future = <Boxed as Service<http::Request<Body>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        self.inner.call(request.map(into_body))
    }
}

/// `body` as a [`Body`], wrapping it only if it is not one already.
pub(crate) fn into_body<B>(body: B) -> Body
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    crate::convert::reuse_or(body, Body::wrap)
}

type BoxedExchange =
    BoxCloneSyncService<http::Request<Body>, http::Response<ResponseBody>, BoxError>;

/// The whole exchange of a session (redirects, cookies, hooks and every hop
/// below them), as wrapped by layers added with
/// [`SessionBuilder::exchange_layer`](crate::SessionBuilder::exchange_layer):
/// called once per `send`, it answers with the final response after
/// redirects. Errors are boxed as they come from the session's layers (a
/// too-many-redirects error is a `sessio::layers::redirect::TooManyRedirects`).
/// Like [`HopService`], it takes a request of any body.
///
/// ```
/// use sessio::{ExchangeService, Session};
///
/// let count = tower::layer::layer_fn(|inner: ExchangeService| {
///     tower::ServiceBuilder::new()
///         .map_response(|response: http::Response<sessio::ResponseBody>| {
///             println!("final status {}", response.status());
///             response
///         })
///         .service(inner)
/// });
/// let session = Session::builder().exchange_layer(count).build()?;
/// # drop(session);
/// # Ok::<(), sessio::Error>(())
/// ```
#[derive(Clone)]
pub struct ExchangeService {
    inner: BoxedExchange,
}

impl ExchangeService {
    pub(crate) fn new<S>(service: S) -> Self
    where
        S: Service<http::Request<Body>, Response = http::Response<ResponseBody>, Error = BoxError>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        ExchangeService {
            inner: BoxCloneSyncService::new(service),
        }
    }
}

impl fmt::Debug for ExchangeService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExchangeService")
    }
}

impl<B> Service<http::Request<B>> for ExchangeService
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<ResponseBody>;
    type Error = BoxError;
    type Future = <BoxedExchange as Service<http::Request<Body>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        self.inner.call(request.map(into_body))
    }
}
