//! tower layers of [sessio](https://docs.rs/sessio), each usable on its own in any
//! tower HTTP client stack: over `S: Service<http::Request<B>, Response =
//! http::Response<RB>>`, a raw hyper-util `Client` included, with no sessio type
//! required of the service, its bodies or its errors.
//!
//! | module | layer | what it does | cargo feature |
//! |---|---|---|---|
//! | [`redirect`] | [`RedirectLayer`](redirect::RedirectLayer) | redirects with requests' rules, a limit, and a history | `redirect` (default) |
//! | [`cookies`] | [`CookiesLayer`](cookies::CookiesLayer) | a cookie store on every request, and the default [`Jar`](cookies::Jar) | `cookies` (default) |
//! | [`timeout`] | [`TimeoutLayer`](timeout::TimeoutLayer) | read (idle) and total timeouts, body included | `timeout` (default) |
//! | [`hooks`] | [`HooksLayer`](hooks::HooksLayer) | sessio's request and response hooks (sessio's body types) | `hooks` (default) |
//! | `cache` | `CacheLayer` | an RFC 9111 private cache (requests-cache's `CachedSession`), in memory or on disk | `cache` |
//! | `retry` | `RetryPolicy` for tower's `RetryLayer` | urllib3's `Retry`: counters, methods, statuses, backoff, `Retry-After`, a budget | `retry` |
//! | `default_headers` | `DefaultHeadersLayer` | default headers with requests' merge rules | `default-headers` |
//! | `auth` | `AddAuthLayer` | `Authorization` from Basic/Bearer credentials | `auth` |
//!
//! The default features are the layers a sessio `Session` uses; `full` turns on
//! every layer. The examples use `sessio::layers::…` paths (a crate that depends
//! on `sessio` reaches the layers there), and also `tower = { version = "0.5",
//! features = ["util"] }`, `http-body-util = "0.1"`, `bytes = "1"` and `tokio = "1"`.
//!
//! Request-only layers return the inner service's future unchanged; layers that
//! touch the response use a named future, so a stack never boxes per layer.
//! Layers that create errors follow tower: their error type is [`BoxError`], the
//! inner service's error boxed or one of the layer's own error types (for
//! example [`redirect::TooManyRedirects`]).
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use sessio::http::{Request, Response};
//! use sessio::Timeouts;
//! use sessio::layers::cookies::{CookiesLayer, Jar};
//! use sessio::layers::redirect::RedirectLayer;
//! use sessio::layers::timeout::TimeoutLayer;
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let server = service_fn(|req: Request<String>| async move {
//!     let response = match req.uri().path() {
//!         "/login" => Response::builder()
//!             .status(302)
//!             .header("location", "/home")
//!             .header("set-cookie", "sid=1")
//!             .body(String::new()),
//!         _ => Response::builder().body(format!("{:?}", req.headers().get("cookie"))),
//!     };
//!     Ok::<_, std::convert::Infallible>(response.unwrap())
//! });
//! let jar = Arc::new(Jar::new());
//! let client = ServiceBuilder::new()
//!     .layer(RedirectLayer::new())
//!     .layer(CookiesLayer::new(jar.clone()))
//!     .layer(TimeoutLayer::new(Timeouts::new().total(Duration::from_secs(5))))
//!     .service(server);
//! let request = Request::get("http://example.test/login").body(String::new()).unwrap();
//! let response = client.oneshot(request).await.unwrap();
//! assert_eq!(jar.get("sid").unwrap().as_deref(), Some("1"));
//! # drop(response);
//! # });
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

#[macro_use]
mod macros;

#[cfg(feature = "auth")]
#[cfg_attr(docsrs, doc(cfg(feature = "auth")))]
pub mod auth;
#[cfg(feature = "auth-flow")]
#[cfg_attr(docsrs, doc(cfg(feature = "auth-flow")))]
pub mod auth_flow;
#[cfg(feature = "cache")]
#[cfg_attr(docsrs, doc(cfg(feature = "cache")))]
pub mod cache;
#[cfg(feature = "cookies")]
#[cfg_attr(docsrs, doc(cfg(feature = "cookies")))]
pub mod cookies;
#[cfg(feature = "default-headers")]
#[cfg_attr(docsrs, doc(cfg(feature = "default-headers")))]
pub mod default_headers;
#[cfg(feature = "hooks")]
#[cfg_attr(docsrs, doc(cfg(feature = "hooks")))]
pub mod hooks;
#[cfg(any(feature = "redirect", feature = "auth-flow"))]
mod recorded;
#[cfg(feature = "redirect")]
#[cfg_attr(docsrs, doc(cfg(feature = "redirect")))]
pub mod redirect;
mod replay;
#[cfg(feature = "retry")]
#[cfg_attr(docsrs, doc(cfg(feature = "retry")))]
pub mod retry;
#[cfg(feature = "timeout")]
#[cfg_attr(docsrs, doc(cfg(feature = "timeout")))]
pub mod timeout;

pub use replay::ReplayBody;
pub use sessio_core::BoxError;
