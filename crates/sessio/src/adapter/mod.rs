//! Adapters: the services that finally send a request (requests' `HTTPAdapter`).
//!
//! Any `tower::Service<http::Request<Body>>` that returns an `http::Response` of a
//! `Bytes` body can be mounted: [`HttpAdapter`] (the default), an in-process service
//! such as an axum `Router`, a `tower::service_fn` mock, or a client of your own.
//! Each mounted adapter is type-erased once, into an [`Adapter`].

mod body;
mod http;
mod mock;
mod service;
#[cfg(unix)]
mod unix;

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::BodyExt;
use sessio_core::{Body, BoxError, Error, ResponseBody, Result, Timeouts};
use sessio_layers::retry::Retry;
use sessio_layers::timeout::Timeout;
use tower::ServiceExt;
use tower_service::Service;

use crate::error::{body_error, from_boxed};
use sessio_core::__private::attach_connection;

pub use self::body::HttpBody;
pub use self::http::{
    DEFAULT_MAX_HEADER_LINE, DEFAULT_MAX_RESPONSE_HEADERS, DEFAULT_POOL_IDLE_TIMEOUT, HttpAdapter,
    HttpAdapterBuilder, HttpFuture,
};
pub use self::mock::{MockAdapter, MockRequest, MockResponse};
pub use self::service::ServiceAdapter;
#[cfg(unix)]
pub use self::unix::UnixAdapter;
pub use crate::transport::pool::{PoolKey, PoolStats};
pub use crate::transport::resolve::{Resolve, Resolving};

type BoxedFuture =
    Pin<Box<dyn Future<Output = Result<::http::Response<ResponseBody>>> + Send + 'static>>;

pin_project_lite::pin_project! {
    /// The future of an adapter's response. The default [`HttpAdapter`] is called
    /// without boxing its future; any other adapter's future is boxed once.
    #[must_use = "futures do nothing unless polled"]
    pub struct AdapterFuture {
        #[pin]
        inner: FutureKind,
    }
}

pin_project_lite::pin_project! {
    #[project = FutureKindProj]
    enum FutureKind {
        Http { #[pin] future: sessio_layers::timeout::ResponseFuture<HttpFuture> },
        Boxed { future: BoxedFuture },
    }
}

impl AdapterFuture {
    /// A future from any boxed future of a response.
    pub(crate) fn boxed(future: BoxedFuture) -> Self {
        AdapterFuture {
            inner: FutureKind::Boxed { future },
        }
    }

    /// A future that is already done with `error`.
    pub(crate) fn error(error: Error) -> Self {
        Self::boxed(Box::pin(std::future::ready(Err(error))))
    }
}

impl Future for AdapterFuture {
    type Output = Result<::http::Response<ResponseBody>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().inner.project() {
            FutureKindProj::Http { future } => future.poll(cx).map(|result| match result {
                Ok(response) => Ok(response.map(|mut body| {
                    let connection = body.get_mut().take_connection();
                    let mut body = ResponseBody::new(body.map_err(body_error));
                    if let Some(connection) = connection {
                        attach_connection(&mut body, connection);
                    }
                    body
                })),
                Err(err) => Err(from_boxed(err)),
            }),
            FutureKindProj::Boxed { future } => future.as_mut().poll(cx),
        }
    }
}

impl fmt::Debug for AdapterFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdapterFuture")
    }
}

/// A mounted adapter: any suitable tower service, type-erased once.
///
/// Read and total timeouts (from the request's `Timeouts`) are applied around the
/// service, so every adapter honours them; the connect timeout is the adapter's job.
///
/// ```
/// use sessio::{Adapter, Body, ResponseBody};
/// use tower::service_fn;
///
/// let mock = Adapter::new(service_fn(|req: sessio::http::Request<Body>| async move {
///     let text = format!("you asked for {}", req.uri().path());
///     Ok::<_, std::convert::Infallible>(sessio::http::Response::new(ResponseBody::from(text)))
/// }));
/// assert!(mock.name().contains("ServiceFn"));
/// ```
#[derive(Clone)]
pub struct Adapter {
    inner: AdapterKind,
    name: &'static str,
}

/// The default adapter keeps its type (no boxing per request); any other is erased.
#[derive(Clone)]
enum AdapterKind {
    Http(HttpAdapter),
    Dyn(Arc<dyn DynAdapter>),
}

impl Adapter {
    /// Type-erases `service` into an adapter. An `Adapter` given here is returned
    /// as it is, not wrapped again.
    pub fn new(service: impl IntoAdapter) -> Self {
        service.into_adapter()
    }

    /// The type name of the service inside, for diagnostics.
    pub fn name(&self) -> &str {
        self.name
    }

    /// The connection counts of an [`HttpAdapter`] inside; `None` for other adapters.
    ///
    /// ```
    /// let adapter = sessio::Adapter::new(sessio::HttpAdapter::new());
    /// assert_eq!(adapter.pool_stats().map(|s| s.open), Some(0));
    /// ```
    pub fn pool_stats(&self) -> Option<PoolStats> {
        match &self.inner {
            AdapterKind::Http(http) => Some(http.pool_stats()),
            AdapterKind::Dyn(_) => None,
        }
    }

    /// Closes an [`HttpAdapter`] inside (see [`HttpAdapter::close`]); other
    /// adapters are left as they are.
    pub fn close(&self) {
        if let AdapterKind::Http(http) = &self.inner {
            http.close();
        }
    }

    /// The [`HttpAdapter`] inside, if it is one.
    pub(crate) fn as_http(&self) -> Option<&HttpAdapter> {
        match &self.inner {
            AdapterKind::Http(http) => Some(http),
            AdapterKind::Dyn(_) => None,
        }
    }

    /// The same `HttpAdapter` (sharing one pool) as `other`.
    pub(crate) fn shares_pool_with(&self, other: &Adapter) -> bool {
        match (&self.inner, &other.inner) {
            (AdapterKind::Http(a), AdapterKind::Http(b)) => a.same_pool(b),
            _ => false,
        }
    }

    /// Sends one request through the adapter.
    pub fn send(&self, request: ::http::Request<Body>) -> AdapterFuture {
        match &self.inner {
            AdapterKind::Http(http) => match http.retry_policy() {
                None => {
                    // HttpAdapter and Timeout are always ready, and the adapter
                    // is called by reference: no clone per request.
                    let future =
                        Timeout::new(http.for_session(), Timeouts::default()).call(request);
                    AdapterFuture {
                        inner: FutureKind::Http { future },
                    }
                }
                // Retries wrap each attempt's timeout (one read timeout per
                // attempt), in one boxed future.
                Some(policy) => {
                    let attempt = Timeout::new(http.clone(), Timeouts::default());
                    let retrying = Retry::new(policy.clone(), attempt).oneshot(request);
                    AdapterFuture::boxed(Box::pin(async move {
                        let response = retrying.await.map_err(from_boxed)?;
                        Ok(response.map(|body| ResponseBody::new(body.map_err(body_error))))
                    }))
                }
            },
            AdapterKind::Dyn(adapter) => adapter.send(request),
        }
    }
}

impl fmt::Debug for Adapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Adapter({})", self.name)
    }
}

impl Service<::http::Request<Body>> for Adapter {
    type Response = ::http::Response<ResponseBody>;
    type Error = Error;
    type Future = AdapterFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: ::http::Request<Body>) -> Self::Future {
        self.send(request)
    }
}

/// Anything that can be mounted: an [`Adapter`], an [`HttpAdapter`], a
/// [`MockAdapter`], a [`ServiceAdapter`], or any tower service of
/// `http::Request<Body>` whose response body is a `Bytes` body (`Send`; it need
/// not be `Sync`).
///
/// A bare closure is not a service; the compiler says what an adapter must
/// be, and `tower::service_fn` makes one:
///
/// ```compile_fail
/// let session = sessio::Session::builder()
///     .mount("http://app.test/", |_request: http::Request<sessio::Body>| async {
///         Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
///     });
/// ```
///
/// ```
/// let app = tower::service_fn(|_request: http::Request<sessio::Body>| async {
///     Ok::<_, std::convert::Infallible>(http::Response::new(http_body_util::Full::new(bytes::Bytes::new())))
/// });
/// let session = sessio::Session::builder().mount("http://app.test/", app).build()?;
/// # drop(session);
/// # Ok::<(), sessio::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be mounted as an adapter",
    label = "not an adapter",
    note = "an adapter is a `tower::Service<http::Request<sessio::Body>>` that is `Clone + Send + Sync + 'static`, with a `Send` future, returning `http::Response<B>` where `B: http_body::Body<Data = bytes::Bytes> + Send + 'static`",
    note = "a closure is not a service: wrap it in `tower::service_fn`, or answer from a closure with `sessio::MockAdapter::from_fn`; a service that is not `Clone` goes in `tower::buffer::Buffer`"
)]
pub trait IntoAdapter {
    /// Type-erases `self` into an adapter.
    fn into_adapter(self) -> Adapter;
}

impl<S, B> IntoAdapter for S
where
    S: Service<::http::Request<Body>, Response = ::http::Response<B>>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    fn into_adapter(self) -> Adapter {
        if let Some(adapter) = (&self as &dyn Any).downcast_ref::<Adapter>() {
            return adapter.clone();
        }
        if let Some(http) = (&self as &dyn Any).downcast_ref::<HttpAdapter>() {
            return Adapter {
                inner: AdapterKind::Http(http.clone()),
                name: std::any::type_name::<HttpAdapter>(),
            };
        }
        Adapter {
            inner: AdapterKind::Dyn(Arc::new(DynService {
                service: Timeout::new(self.map_err(into_error), Default::default()),
            })),
            name: std::any::type_name::<S>(),
        }
    }
}

impl From<HttpAdapter> for Adapter {
    fn from(adapter: HttpAdapter) -> Self {
        Adapter::new(adapter)
    }
}

trait DynAdapter: Send + Sync + 'static {
    fn send(&self, request: ::http::Request<Body>) -> AdapterFuture;
}

struct DynService<S> {
    service: S,
}

impl<S, B> DynAdapter for DynService<S>
where
    S: Service<
            ::http::Request<Body>,
            Response = ::http::Response<sessio_layers::timeout::TimeoutBody<B>>,
            Error = BoxError,
        > + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    fn send(&self, request: ::http::Request<Body>) -> AdapterFuture {
        let mut service = self.service.clone();
        // Most adapters (HttpAdapter included) are always ready: then call at once
        // and box only the response future, not the service and the request too.
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match service.poll_ready(&mut cx) {
            std::task::Poll::Ready(Ok(())) => {
                let future = service.call(request);
                AdapterFuture::boxed(Box::pin(async move {
                    let response = future.await.map_err(from_boxed)?;
                    Ok(response.map(|body| ResponseBody::new(body.map_err(body_error))))
                }))
            }
            std::task::Poll::Ready(Err(err)) => AdapterFuture::error(from_boxed(err)),
            std::task::Poll::Pending => AdapterFuture::boxed(Box::pin(async move {
                let response = service.oneshot(request).await.map_err(from_boxed)?;
                Ok(response.map(|body| ResponseBody::new(body.map_err(body_error))))
            })),
        }
    }
}

/// Any adapter error as a sessio error (a sessio error is kept as it is).
pub(crate) fn into_error<E: Into<BoxError>>(err: E) -> Error {
    from_boxed(err.into())
}

/// A response body as a `ResponseBody`, boxing it only if it is not one already.
pub(crate) fn into_response_body<B>(body: B) -> ResponseBody
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    crate::convert::reuse_or(body, ResponseBody::new)
}
