//! tower layers of [sessio](https://docs.rs/sessio), each usable on its own in any
//! tower HTTP client stack (`Service<http::Request<B>>`).
//!
//! | module | layer | what it does |
//! |---|---|---|
//! | [`default_headers`] | [`DefaultHeadersLayer`](default_headers::DefaultHeadersLayer) | default headers with requests' merge rules |
//! | [`auth`] | [`AddAuthLayer`](auth::AddAuthLayer) | `Authorization` from Basic/Bearer credentials |
//! | [`timeout`] | [`TimeoutLayer`](timeout::TimeoutLayer) | read (idle) and total timeouts, body included |
//!
//! Request-only layers return the inner service's future unchanged; layers that
//! touch the response use a named future, so a stack never boxes per layer.
//!
//! ```
//! use http::{HeaderMap, HeaderValue, Request, Response};
//! use sessio_core::Auth;
//! use sessio_layers::{auth::AddAuthLayer, default_headers::DefaultHeadersLayer};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let mut defaults = HeaderMap::new();
//! defaults.insert("accept", HeaderValue::from_static("application/json"));
//! let client = ServiceBuilder::new()
//!     .layer(DefaultHeadersLayer::new(defaults))
//!     .layer(AddAuthLayer::new(Auth::bearer("t")))
//!     .service(service_fn(|req: Request<()>| async move {
//!         Ok::<_, std::convert::Infallible>(Response::new(req.headers().len()))
//!     }));
//! assert_eq!(client.oneshot(Request::new(())).await.unwrap().into_body(), 2);
//! # });
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

#[macro_use]
mod macros;

pub mod auth;
pub mod cookies;
pub mod default_headers;
pub mod hooks;
pub mod redirect;
mod replay;
pub mod timeout;

pub use replay::ReplayBody;
pub use sessio_core::BoxError;
