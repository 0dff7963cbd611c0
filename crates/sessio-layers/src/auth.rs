//! Authentication: sets `Authorization` from an [`Auth`] on every request.
//!
//! A request can override the layer's credentials, or opt out, with an
//! [`AuthSetting`] extension: `Set(auth)` uses other credentials,
//! `Disabled` sends none, `Inherit` (or no extension) uses the layer's.
//! Like requests' auth handlers, the layer replaces an `Authorization` header
//! the request already has.
//!
//! Credentials that cannot be sent (a token with a line break) fail the request
//! before the inner service is called, with sessio's [`Error`]
//! (`is_builder()`) as the [`BoxError`].
//!
//! # Example
//!
//! ```
//! use sessio::http::{Request, Response};
//! use sessio::{Auth, AuthSetting};
//! use sessio::layers::auth::AddAuthLayer;
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let echo = service_fn(|req: Request<()>| async move {
//!     Ok::<_, std::convert::Infallible>(Response::new(req.headers().get("authorization").cloned()))
//! });
//! let client = ServiceBuilder::new()
//!     .layer(AddAuthLayer::new(Auth::basic("user", "pass")))
//!     .service(echo);
//!
//! let seen = client.clone().oneshot(Request::new(())).await.unwrap().into_body();
//! assert_eq!(seen.unwrap(), "Basic dXNlcjpwYXNz");
//!
//! let mut anonymous = Request::new(());
//! anonymous.extensions_mut().insert(AuthSetting::Disabled);
//! assert!(client.oneshot(anonymous).await.unwrap().into_body().is_none());
//! # });
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Request;
use sessio_core::Error;
use sessio_core::request::AuthSetting;

/// The credentials the layer adds (re-exported from sessio-core, so that a
/// layers-only user needs nothing else).
pub use sessio_core::Auth;
use tower_layer::Layer;
use tower_service::Service;

use crate::BoxError;

/// The credentials that apply to a request, from the layer's and the request's
/// settings (requests' `merge_setting(request.auth, session.auth)`, plus an
/// explicit opt-out).
fn resolve<'a>(layer: Option<&'a Auth>, request: &'a AuthSetting) -> Option<&'a Auth> {
    match request {
        AuthSetting::Inherit => layer,
        AuthSetting::Disabled => None,
        AuthSetting::Set(auth) => Some(auth),
    }
}

/// Adds `Authorization` to requests. See the [module docs](self) for more details.
#[derive(Debug, Clone)]
pub struct AddAuthLayer {
    auth: Auth,
}

impl AddAuthLayer {
    /// A layer sending `auth` with every request.
    pub fn new(auth: Auth) -> Self {
        AddAuthLayer { auth }
    }

    /// Basic credentials.
    pub fn basic(user: &str, password: &str) -> Self {
        Self::new(Auth::basic(user, password))
    }

    /// A bearer token.
    pub fn bearer(token: &str) -> Self {
        Self::new(Auth::bearer(token))
    }
}

impl<S> Layer<S> for AddAuthLayer {
    type Service = AddAuth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AddAuth {
            inner,
            auth: self.auth.clone(),
        }
    }
}

/// The service of [`AddAuthLayer`]. See the [module docs](self) for more details.
#[derive(Debug, Clone)]
pub struct AddAuth<S> {
    inner: S,
    auth: Auth,
}

impl<S> AddAuth<S> {
    /// Wraps `inner`, sending `auth`.
    pub fn new(inner: S, auth: Auth) -> Self {
        AddAuth { inner, auth }
    }

    /// A layer for this service.
    pub fn layer(auth: Auth) -> AddAuthLayer {
        AddAuthLayer::new(auth)
    }

    define_inner_service_accessors!();
}

impl<S, B> Service<Request<B>> for AddAuth<S>
where
    S: Service<Request<B>>,
    S::Error: Into<BoxError>,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let (mut parts, body) = req.into_parts();
        let setting = parts.extensions.get::<AuthSetting>();
        let setting = setting.unwrap_or(&AuthSetting::Inherit);
        if let Some(auth) = resolve(Some(&self.auth), setting)
            && let Err(err) = auth.apply(&mut parts.headers)
        {
            return ResponseFuture::failed(err);
        }
        ResponseFuture::called(self.inner.call(Request::from_parts(parts, body)))
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`AddAuth`]: the inner service's, or the error of
    /// credentials that could not be sent.
    #[must_use = "futures do nothing unless polled"]
    pub struct ResponseFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F> {
        Called { #[pin] future: F },
        Failed { error: Option<Error> },
    }
}

impl<F> ResponseFuture<F> {
    fn called(future: F) -> Self {
        ResponseFuture {
            state: State::Called { future },
        }
    }

    fn failed(error: Error) -> Self {
        ResponseFuture {
            state: State::Failed { error: Some(error) },
        }
    }
}

impl<F, T, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<T, E>>,
    E: Into<BoxError>,
{
    type Output = Result<T, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Called { future } => future.poll(cx).map_err(Into::into),
            StateProj::Failed { error } => match error.take() {
                Some(error) => Poll::Ready(Err(Box::new(error))),
                None => Poll::Pending,
            },
        }
    }
}

impl<F> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("auth::ResponseFuture")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderValue, Response};
    use tower::{ServiceExt, service_fn};

    fn echo() -> impl Service<
        Request<()>,
        Response = Response<Option<HeaderValue>>,
        Error = std::convert::Infallible,
        Future = impl Send,
    > + Clone {
        service_fn(|req: Request<()>| async move {
            Ok::<_, std::convert::Infallible>(Response::new(
                req.headers().get("authorization").cloned(),
            ))
        })
    }

    #[tokio::test]
    async fn request_setting_overrides_layer() {
        let svc = AddAuthLayer::bearer("layer").layer(echo());
        let mut req = Request::new(());
        req.extensions_mut()
            .insert(AuthSetting::Set(Auth::bearer("request")));
        let seen = svc.clone().oneshot(req).await.unwrap().into_body();
        assert_eq!(seen.unwrap(), "Bearer request");

        let mut req = Request::new(());
        req.headers_mut()
            .insert("authorization", HeaderValue::from_static("Token mine"));
        let seen = svc.oneshot(req).await.unwrap().into_body();
        assert_eq!(
            seen.unwrap(),
            "Bearer layer",
            "auth replaces the header like requests"
        );
    }

    #[test]
    fn the_request_setting_decides() {
        let layer = Auth::basic("u", "p");
        assert!(resolve(Some(&layer), &AuthSetting::Inherit).is_some());
        assert!(resolve(Some(&layer), &AuthSetting::Disabled).is_none());
        let own = AuthSetting::Set(Auth::bearer("t"));
        assert_eq!(
            resolve(Some(&layer), &own).unwrap().header_value().unwrap(),
            "Bearer t"
        );
    }

    #[tokio::test]
    async fn invalid_credentials_fail_before_the_inner_service() {
        let svc = AddAuthLayer::bearer("bad\ntoken").layer(echo());
        let err = svc.oneshot(Request::new(())).await.unwrap_err();
        assert!(err.downcast::<Error>().unwrap().is_builder());
    }
}
