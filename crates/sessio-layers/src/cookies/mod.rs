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
//! use http::{Request, Response};
//! use sessio_core::{CookieStore, Error};
//! use sessio_layers::cookies::{CookiesLayer, Jar};
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
//! assert_eq!(jar.get("visits").as_deref(), Some("1"));
//! # });
//! ```

mod jar;
mod service;

use std::sync::Arc;

use http::HeaderValue;
use url::Url;

pub use jar::{CookieInfo, Jar, MAX_COOKIE_SIZE, MAX_COOKIES, MAX_COOKIES_PER_DOMAIN};
pub use service::{Cookies, CookiesLayer, ResponseFuture};
pub use sessio_core::CookieStore;

/// Request extension: cookies of this request only (requests' `cookies=` argument).
/// They are sent to the origin of `origin` (every hop that goes there) and never
/// stored.
#[derive(Debug, Clone)]
pub struct RequestCookies {
    origin: Url,
    pairs: Arc<[(String, String)]>,
}

impl RequestCookies {
    /// Cookies for requests to the origin (scheme, host, port) of `url`.
    pub fn new(url: &Url, pairs: Vec<(String, String)>) -> Self {
        RequestCookies {
            origin: url.clone(),
            pairs: pairs.into(),
        }
    }

    /// The name/value pairs.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The pairs, if `url` has the origin they are for.
    pub fn for_url(&self, url: &Url) -> Option<&[(String, String)]> {
        StrictOrigin::new(&self.origin)
            .allows(url)
            .then_some(&*self.pairs)
    }
}

/// Response extension: the `Cookie` header the layer added to the request (absent
/// when the request already had one, or no cookie matched). Lets outer layers
/// record the request exactly as it was sent.
#[derive(Debug, Clone)]
pub struct CookieSent(pub HeaderValue);

/// Request extension for strict cookie scoping: on a hop whose origin is not the
/// origin of the first request, cookies without a domain (set with `Jar::set`) are
/// left out. Without it, they go to every host, as in requests (SEC-28).
#[derive(Debug, Clone)]
pub struct StrictOrigin(Url);

impl StrictOrigin {
    /// Scope domainless cookies to the origin of `url`.
    pub fn new(url: &Url) -> Self {
        StrictOrigin(url.clone())
    }

    /// Whether `url` has that origin.
    pub fn allows(&self, url: &Url) -> bool {
        self.0.scheme() == url.scheme()
            && self.0.host_str() == url.host_str()
            && self.0.port_or_known_default() == url.port_or_known_default()
    }
}

/// The `Cookie` header for `url`: the store's cookies, with `extra` replacing those
/// of the same name and added after them.
///
/// ```
/// use sessio_core::Url;
/// use sessio_layers::cookies::{Jar, cookie_header};
///
/// let jar = Jar::new();
/// jar.set("a", "1");
/// jar.set("b", "2");
/// let url: Url = "http://example.test/".parse().unwrap();
/// let extra = [("b".to_owned(), "9".to_owned()), ("c".to_owned(), "3".to_owned())];
/// assert_eq!(cookie_header(&jar, &url, &extra).unwrap(), "a=1; b=9; c=3");
/// ```
pub fn cookie_header(
    store: &dyn CookieStore,
    url: &Url,
    extra: &[(String, String)],
) -> Option<HeaderValue> {
    cookie_header_scoped(store, url, extra, None)
}

/// [`cookie_header`] with strict scoping of domainless cookies.
pub fn cookie_header_scoped(
    store: &dyn CookieStore,
    url: &Url,
    extra: &[(String, String)],
    strict: Option<&StrictOrigin>,
) -> Option<HeaderValue> {
    let stored = match (store.is_empty(), strict) {
        (true, _) => None,
        (false, Some(origin)) if !origin.allows(url) => store.scoped_cookies(url),
        (false, _) => store.cookies(url),
    };
    if extra.is_empty() {
        return stored;
    }
    let mut pairs: Vec<(String, String)> = stored
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .map(|text| {
            text.split(';')
                .filter_map(|pair| pair.trim().split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    for (name, value) in extra {
        match pairs.iter_mut().find(|(k, _)| k == name) {
            Some(pair) => pair.1.clone_from(value),
            None => pairs.push((name.clone(), value.clone())),
        }
    }
    let text = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    HeaderValue::try_from(text).ok()
}
