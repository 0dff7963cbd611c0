//! A whole session as a tower service, of `Request`s, of `PreparedRequest`s
//! or of plain `http::Request`s, so that more layers can wrap it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use sessio_core::request::RequestBody;
use sessio_core::{
    Body, BoxError, Error, PreparedRequest, Request, Response, ResponseBody, Result, Streaming,
};
use tower_service::Service;

use super::Session;
use super::hop::into_body;

/// The future of a session used as a tower service of [`Request`]s or
/// [`PreparedRequest`]s: a named type, `Send` and `'static`, so that a call
/// can be spawned (as `tower::buffer::Buffer` does).
#[must_use = "futures do nothing unless polled"]
pub struct SessionFuture {
    inner: Pin<Box<dyn Future<Output = Result<Response>> + Send + 'static>>,
}

impl SessionFuture {
    fn new(future: impl Future<Output = Result<Response>> + Send + 'static) -> Self {
        SessionFuture {
            inner: Box::pin(future),
        }
    }
}

impl Future for SessionFuture {
    type Output = Result<Response>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

impl std::fmt::Debug for SessionFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionFuture")
    }
}

impl Service<Request> for Session {
    type Response = Response;
    type Error = Error;
    type Future = SessionFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match self.prepare(request) {
            Ok(prepared) => SessionFuture::new(self.send(prepared)),
            Err(err) => SessionFuture::new(std::future::ready(Err(err))),
        }
    }
}

impl Service<PreparedRequest> for Session {
    type Response = Response;
    type Error = Error;
    type Future = SessionFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: PreparedRequest) -> Self::Future {
        SessionFuture::new(self.send(request))
    }
}

/// The future of a session used as a tower service of `http::Request`s: a
/// named type, `Send` and `'static`.
#[must_use = "futures do nothing unless polled"]
pub struct HttpSessionFuture {
    inner: SessionFuture,
}

impl Future for HttpSessionFuture {
    type Output = Result<http::Response<ResponseBody>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.inner)
            .poll(cx)
            .map(|result| result.map(Response::into_decoded_http))
    }
}

impl std::fmt::Debug for HttpSessionFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpSessionFuture")
    }
}

/// A session as an HTTP client service: an `http::Request` of any body goes
/// through the session like a request built with [`Session::request`] (the
/// session's headers, auth, params, cookies, hooks and redirects apply; the
/// request's headers win), and the final response comes back as an
/// `http::Response`, so that tower-http layers and APIs that want an HTTP
/// service can sit on top. The request's extensions are kept.
///
/// It behaves as a client in a tower stack does: the response comes back as
/// soon as its head arrives, its body streams (unless the request carries
/// [`Streaming(false)`](crate::Streaming)), and it is decoded as the
/// `Accept-Encoding` the session sent implies, without the `Content-Encoding`
/// and `Content-Length` of the raw body (see
/// [`Response::into_decoded_http`]). Layers on the response body outside it
/// (tower-http's timeouts and limits) see the body as it arrives.
///
/// `Session` is a service of several request types; [`Session::http_service`]
/// gives a service of `http::Request<Body>` alone, on which `ServiceExt`'s
/// methods need no annotations.
///
/// ```
/// use sessio::{Body, Session};
/// use tower::{Service, ServiceBuilder};
/// use tower_http::set_header::SetRequestHeaderLayer;
///
/// let session = Session::new();
/// let client = ServiceBuilder::new()
///     .layer(SetRequestHeaderLayer::overriding(
///         http::header::USER_AGENT,
///         http::HeaderValue::from_static("my-app/1.0"),
///     ))
///     .service(session);
/// fn is_http_service<S: Service<http::Request<Body>, Response = http::Response<sessio::ResponseBody>>>(_: &S) {}
/// is_http_service(&client);
/// ```
impl<B> Service<http::Request<B>> for Session
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<ResponseBody>;
    type Error = Error;
    type Future = HttpSessionFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let (parts, body) = request.into_parts();
        let mut request = Request::new(parts.method, parts.uri.to_string());
        let fields = request.parts_mut();
        fields.headers = parts.headers;
        fields.extensions = parts.extensions;
        if fields.extensions.get::<Streaming>().is_none() {
            fields.extensions.insert(Streaming(true));
        }
        // A body of known size is sent with its length, not chunked.
        if !(body.is_end_stream() || body.size_hint().exact() == Some(0)) {
            fields.body = Some(RequestBody::new(into_body(body)));
        }
        HttpSessionFuture {
            inner: Service::<Request>::call(self, request),
        }
    }
}

/// A session as a service of `http::Request<Body>` and nothing else (see
/// [`Session::http_service`]): the same as the session's own HTTP service,
/// with one request type, so that `ServiceExt` methods (`ready`, `oneshot`,
/// `map_err`...) infer it.
///
/// ```no_run
/// use tower::{Service, ServiceExt};
///
/// # async fn run() -> Result<(), sessio::Error> {
/// let mut client = sessio::Session::new().http_service();
/// let request = http::Request::get("http://127.0.0.1:8080/get").body(sessio::Body::empty()).unwrap();
/// let response = client.ready().await?.call(request).await?;
/// println!("{}", response.status());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct HttpService {
    session: Session,
}

impl Session {
    /// This session as a service of `http::Request<Body>` alone (see
    /// [`HttpService`]); it shares everything with the session.
    pub fn http_service(&self) -> HttpService {
        HttpService {
            session: self.clone(),
        }
    }
}

impl Service<http::Request<Body>> for HttpService {
    type Response = http::Response<ResponseBody>;
    type Error = Error;
    type Future = HttpSessionFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        Service::<http::Request<Body>>::call(&mut self.session, request)
    }
}
