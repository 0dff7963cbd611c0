//! Authentication: sets `Authorization` from an [`Auth`] on every request.
//!
//! A request can override the layer's credentials, or opt out, with an
//! [`AuthSetting`] extension: `Set(auth)` uses other credentials,
//! `Disabled` sends none, `Inherit` (or no extension) uses the layer's.
//! Like requests' auth handlers, the layer replaces an `Authorization` header
//! the request already has.
//!
//! # Example
//!
//! ```
//! use http::{Request, Response};
//! use sessio_core::{Auth, request::AuthSetting};
//! use sessio_layers::auth::AddAuthLayer;
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let echo = service_fn(|req: Request<()>| async move {
//!     Ok::<_, sessio_core::Error>(Response::new(req.headers().get("authorization").cloned()))
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

use std::future::{Ready, ready};
use std::task::{Context, Poll};

use http::Request;
use sessio_core::request::AuthSetting;
use sessio_core::{Auth, Error};
use tower_layer::Layer;
use tower_service::Service;

use crate::either::EitherFuture;

/// The credentials that apply to a request, from the session's and the request's
/// settings (requests' `merge_setting(request.auth, session.auth)`, plus an
/// explicit opt-out).
///
/// ```
/// use sessio_core::{Auth, request::AuthSetting};
/// use sessio_layers::auth::resolve;
///
/// let session = Auth::basic("u", "p");
/// assert!(resolve(Some(&session), &AuthSetting::Inherit).is_some());
/// assert!(resolve(Some(&session), &AuthSetting::Disabled).is_none());
/// ```
pub fn resolve<'a>(layer: Option<&'a Auth>, request: &'a AuthSetting) -> Option<&'a Auth> {
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
    S::Error: From<Error>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = EitherFuture<S::Future, Ready<Result<S::Response, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let (mut parts, body) = req.into_parts();
        let setting = parts.extensions.get::<AuthSetting>();
        let setting = setting.unwrap_or(&AuthSetting::Inherit);
        if let Some(auth) = resolve(Some(&self.auth), setting)
            && let Err(err) = auth.apply(&mut parts.headers)
        {
            return EitherFuture::right(ready(Err(err.into())));
        }
        EitherFuture::left(self.inner.call(Request::from_parts(parts, body)))
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
        Error = Error,
        Future = impl Send,
    > + Clone {
        service_fn(|req: Request<()>| async move {
            Ok::<_, Error>(Response::new(req.headers().get("authorization").cloned()))
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

    #[tokio::test]
    async fn invalid_credentials_fail_before_the_inner_service() {
        let svc = AddAuthLayer::bearer("bad\ntoken").layer(echo());
        let err = svc.oneshot(Request::new(())).await.unwrap_err();
        assert!(err.is_builder());
    }
}
