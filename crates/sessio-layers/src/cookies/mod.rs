//! Cookies: a [`CookieStore`] read for every request (every redirect hop included)
//! and written with every response's `Set-Cookie`.
//!
//! * A request that already has a `Cookie` header keeps it: the store is not asked
//!   (requests' `prepare_cookies`). The redirect layer removes `Cookie` before each
//!   later hop, so those get theirs from the store for their own URL.
//! * Per-request cookies ([`RequestCookies`]) are added to the store's, replacing
//!   same-name ones, on every hop to the origin of the first request; they never
//!   enter the store.
//! * `Set-Cookie` of every response is stored, for the URL that was requested.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use sessio::http::{Request, Response};
//! use sessio::{CookieStore, Error};
//! use sessio::layers::cookies::{CookiesLayer, Jar};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let server = service_fn(|req: Request<()>| async move {
//!     let seen = req.headers().get("cookie").map(|v| v.to_str().unwrap().to_owned());
//!     let response = Response::builder().header("set-cookie", "visits=1").body(seen).unwrap();
//!     Ok::<_, Error>(response)
//! });
//! let jar = Arc::new(Jar::new());
//! let client = ServiceBuilder::new().layer(CookiesLayer::new(jar.clone())).service(server);
//!
//! let first = client.clone().oneshot(Request::get("http://example.test/").body(()).unwrap()).await.unwrap();
//! assert_eq!(first.into_body(), None);
//! let second = client.oneshot(Request::get("http://example.test/").body(()).unwrap()).await.unwrap();
//! assert_eq!(second.into_body().as_deref(), Some("visits=1"));
//! assert_eq!(jar.get("visits").unwrap().as_deref(), Some("1"));
//! # });
//! ```

mod jar;
mod service;

use http::HeaderValue;

pub use jar::{CookieInfo, Jar, MAX_COOKIE_SIZE, MAX_COOKIES, MAX_COOKIES_PER_DOMAIN};
pub use service::{Cookies, CookiesLayer, ResponseFuture};
pub use sessio_core::__private::MAX_COOKIE_HEADER;
pub use sessio_core::{CookieStore, RequestCookies, StrictOrigin};

/// Response extension: the `Cookie` header the layer added to the request (absent
/// when the request already had one, or no cookie matched). Lets outer layers
/// record the request exactly as it was sent.
#[derive(Debug, Clone)]
pub struct CookieSent(pub HeaderValue);
