//! A whole session as a tower service, of `Request`s, of `PreparedRequest`s
//! or of plain `http::Request`s, so that more layers can wrap it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use sessio_core::request::RequestBody;
use sessio_core::{BoxError, Error, PreparedRequest, Request, Response, ResponseBody, Result};
use tower_service::Service;

use super::Session;
use super::hop::into_body;

/// The future of a session used as a tower service.
pub type SessionFuture = Pin<Box<dyn Future<Output = Result<Response>> + Send + 'static>>;

impl Service<Request> for Session {
    type Response = Response;
    type Error = Error;
    type Future = SessionFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match self.prepare(request) {
            Ok(prepared) => Box::pin(self.send(prepared)),
            Err(err) => Box::pin(std::future::ready(Err(err))),
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
        Box::pin(self.send(request))
    }
}

/// The future of a session used as a tower service of `http::Request`s.
pub type HttpSessionFuture =
    Pin<Box<dyn Future<Output = Result<http::Response<ResponseBody>>> + Send + 'static>>;

/// A session as an HTTP client service: an `http::Request` of any body goes
/// through the session like a request built with [`Session::request`] (the
/// session's headers, auth, params, cookies, hooks and redirects apply; the
/// request's headers win), and the final response comes back as an
/// `http::Response`, so that tower-http layers and APIs that want an HTTP
/// service can sit on top. The request's extensions are kept.
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
        // A body of known size is sent with its length, not chunked.
        if !(body.is_end_stream() || body.size_hint().exact() == Some(0)) {
            fields.body = Some(RequestBody::new(into_body(body)));
        }
        let response = match self.prepare(request) {
            Ok(prepared) => self.send(prepared),
            Err(err) => return Box::pin(std::future::ready(Err(err))),
        };
        Box::pin(async move { Ok(response.await?.into_http()) })
    }
}
