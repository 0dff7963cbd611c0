//! The `CookieStore` trait: where a session keeps its cookies.

use http::HeaderValue;
use url::Url;

/// Storage of cookies between requests (reqwest's trait shape).
///
/// The cookies layer asks it for the `Cookie` header of each request (each
/// redirect hop included) and hands it the `Set-Cookie` headers of each response.
/// Implement it to keep cookies elsewhere (a database, a shared cache); the default
/// is `sessio_layers::cookies::Jar`.
///
/// ```
/// use std::sync::Mutex;
/// use http::HeaderValue;
/// use sessio_core::{CookieStore, Url};
///
/// /// Remembers only the last cookie it was given, for every URL.
/// #[derive(Default)]
/// struct LastOne(Mutex<Option<HeaderValue>>);
///
/// impl CookieStore for LastOne {
///     fn set_cookies(&self, headers: &mut dyn Iterator<Item = &HeaderValue>, _url: &Url) {
///         if let Some(last) = headers.last() {
///             let pair = last.to_str().unwrap_or("").split(';').next().unwrap_or("");
///             *self.0.lock().unwrap() = HeaderValue::from_str(pair).ok();
///         }
///     }
///     fn cookies(&self, _url: &Url) -> Option<HeaderValue> {
///         self.0.lock().unwrap().clone()
///     }
/// }
///
/// let store = LastOne::default();
/// let url: Url = "http://example.com/".parse().unwrap();
/// store.set_cookies(&mut [HeaderValue::from_static("a=1; Path=/")].iter(), &url);
/// assert_eq!(store.cookies(&url).unwrap(), "a=1");
/// ```
pub trait CookieStore: Send + Sync {
    /// Stores the cookies of the `Set-Cookie` headers a response to `url` carried.
    fn set_cookies(&self, cookie_headers: &mut dyn Iterator<Item = &HeaderValue>, url: &Url);

    /// The `Cookie` header to send with a request to `url`, if any cookie matches.
    fn cookies(&self, url: &Url) -> Option<HeaderValue>;

    /// Like [`cookies`](CookieStore::cookies), but leaving out cookies that have no
    /// domain (requests' "supercookies", sent to every host). Used in strict mode for
    /// redirect hops that left the origin of the first request. The default returns
    /// [`cookies`](CookieStore::cookies) for stores without such cookies.
    fn scoped_cookies(&self, url: &Url) -> Option<HeaderValue> {
        self.cookies(url)
    }

    /// Whether the store surely has no cookie at all (lets layers skip work).
    fn is_empty(&self) -> bool {
        false
    }
}
