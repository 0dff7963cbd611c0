//! Redirects with requests' semantics, a history, and a limit, over any tower
//! HTTP client service.
//!
//! * 301, 302, 303, 307 and 308 with a `Location` are followed, by default for every
//!   method (`HEAD` included, as requests' `Session.request`); an [`AllowRedirects`]
//!   request extension decides per request.
//! * Method and body follow requests exactly: 302 and 303 turn everything but
//!   `HEAD` into `GET`, 301 turns `POST` into `GET`, and every status but 307/308
//!   drops the body and its `Content-*`/`Transfer-Encoding` headers. A 307/308
//!   sends the body again when it can be copied ([`ReplayBody`](crate::ReplayBody));
//!   a stream is not sent twice: the 3xx is returned instead, with `next` set.
//! * `Authorization` is removed by [`should_strip_auth`] (host, scheme or port
//!   change, except the http→https upgrade), `Proxy-Authorization` and `Cookie` on
//!   every hop, a user `Host` on cross-origin hops. Each hop starts from the
//!   previous one's headers, so what was removed never comes back later in the chain.
//! * `max_redirects` (default 30) redirects are followed (a [`MaxRedirects`]
//!   request extension sets another limit per request); one more is a
//!   [`TooManyRedirects`] error that carries that last response and the history.
//! * Each redirect response's body is drained raw (at most [`DRAIN_LIMIT`] bytes,
//!   never decompressed), so that its connection can be reused; the chain is
//!   recorded as plain http data in a [`RedirectHistory`] response extension.
//!
//! The layer's errors are [`BoxError`](crate::BoxError)s, as in tower: the inner
//! service's own, or one of [`TooManyRedirects`], [`InvalidLocation`],
//! [`NotHttps`] and [`PolicyError`].
//!
//! # Example
//!
//! ```
//! use sessio::http::{Request, Response, StatusCode};
//! use http_body_util::Full;
//! use bytes::Bytes;
//! use sessio::layers::redirect::{RedirectHistory, RedirectLayer};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let server = service_fn(|req: Request<Full<Bytes>>| async move {
//!     let response = match req.uri().path() {
//!         "/old" => Response::builder().status(301).header("location", "/new").body(String::new()),
//!         _ => Response::builder().body(format!("at {}", req.uri().path())),
//!     };
//!     Ok::<_, std::convert::Infallible>(response.unwrap())
//! });
//! let client = ServiceBuilder::new().layer(RedirectLayer::new()).service(server);
//!
//! let request = Request::get("http://example.test/old").body(Full::default()).unwrap();
//! let response = client.oneshot(request).await.unwrap();
//! assert_eq!(response.status(), StatusCode::OK);
//! assert_eq!(response.body(), "at /new");
//! let history = response.extensions().get::<RedirectHistory>().unwrap();
//! assert_eq!(history.followed[0].response.status(), 301);
//! # });
//! ```
//!
//! A custom policy decides per hop, and the limit is an error:
//!
//! ```
//! use sessio::http::{Request, Response};
//! use sessio::layers::redirect::{Action, RedirectLayer, TooManyRedirects, redirect_fn};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let layer = RedirectLayer::new()
//!     .max_redirects(5)
//!     .policy(redirect_fn(|attempt| {
//!         if attempt.location().host_str() == Some("evil.test") { Action::Stop } else { Action::Follow }
//!     }));
//! let looping = service_fn(|_req: Request<()>| async {
//!     Ok::<_, std::convert::Infallible>(
//!         Response::builder().status(302).header("location", "/again").body(String::new()).unwrap(),
//!     )
//! });
//! let client = ServiceBuilder::new().layer(layer).service(looping);
//! let err = client.oneshot(Request::get("http://example.test/").body(()).unwrap()).await.unwrap_err();
//! let too_many = err.downcast::<TooManyRedirects>().unwrap();
//! assert_eq!(too_many.history().len(), 5);
//! # });
//! ```

mod error;
mod follow;
mod future;
mod history;
mod layer;
mod location;
mod policy;
mod rewrite;
mod service;
#[cfg(test)]
mod tests;

pub use error::{InvalidLocation, NotHttps, PolicyError, TooManyRedirects};
pub use future::ResponseFuture;
pub use history::{DRAIN_LIMIT, FollowedRedirect, RedirectHistory, RequestHead};
pub use layer::{DEFAULT_MAX_REDIRECTS, RedirectLayer};
pub use policy::{
    Action, Attempt, RedirectFn, RedirectPolicy, Standard, redirect_fn, should_strip_auth,
};
pub use service::Redirect;
pub use sessio_core::{AllowRedirects, MaxRedirects};
