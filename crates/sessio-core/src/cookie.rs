//! Cookies of a request: the `CookieStore` trait (where a session keeps its
//! cookies), the request extensions that scope cookies on redirect hops, and the
//! one function that builds a `Cookie` header.

use std::sync::Arc;

use http::HeaderValue;
use url::Url;

use crate::{Error, Result};

/// Storage of cookies between requests (reqwest's trait shape).
///
/// The cookies layer asks it for the `Cookie` header of each request (each
/// redirect hop included) and hands it the `Set-Cookie` headers of each response.
/// Implement it to keep cookies elsewhere (a database, a shared cache); the default
/// is `sessio::layers::cookies::Jar`.
///
/// ```
/// use std::sync::Mutex;
/// use sessio::http::HeaderValue;
/// use sessio::{CookieStore, Url};
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

    /// The `Cookie` header to send with a request to the absolute `uri`, as
    /// [`cookies`](CookieStore::cookies) gives it for the same URL. The default
    /// parses the `Url` and asks `cookies`; a store that can match on the URI's
    /// parts overrides it to skip that parse on every request (the cookies layer
    /// calls this one).
    ///
    /// ```
    /// use sessio::http::{HeaderValue, Uri};
    /// use sessio::{CookieStore, Url};
    ///
    /// struct Everywhere;
    ///
    /// impl CookieStore for Everywhere {
    ///     fn set_cookies(&self, _: &mut dyn Iterator<Item = &HeaderValue>, _: &Url) {}
    ///     fn cookies(&self, url: &Url) -> Option<HeaderValue> {
    ///         HeaderValue::from_str(&format!("host={}", url.host_str()?)).ok()
    ///     }
    /// }
    ///
    /// let uri: Uri = "http://example.com/a".parse().unwrap();
    /// assert_eq!(Everywhere.cookies_for_uri(&uri).unwrap(), "host=example.com");
    /// ```
    fn cookies_for_uri(&self, uri: &http::Uri) -> Option<HeaderValue> {
        let url = Url::parse(&uri.to_string()).ok()?;
        self.cookies(&url)
    }

    /// Whether the store surely has no cookie at all (lets layers skip work).
    fn is_empty(&self) -> bool {
        false
    }
}

/// Request extension: cookies of this request only (requests' `cookies=`
/// argument). They are sent to the origin of the first request (every hop that
/// goes there) and never stored.
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
        crate::url::same_origin(&self.origin, url).then_some(&*self.pairs)
    }
}

/// Request extension for strict cookie scoping: on a hop whose origin is not the
/// origin of the first request, cookies without a domain (set with `Jar::set`)
/// are left out. Without it, they go to every host, as in requests.
#[derive(Debug, Clone)]
pub struct StrictOrigin(Url);

impl StrictOrigin {
    /// Scope domainless cookies to the origin of `url`.
    pub fn new(url: &Url) -> Self {
        StrictOrigin(url.clone())
    }

    /// Whether `url` has that origin.
    pub fn allows(&self, url: &Url) -> bool {
        crate::url::same_origin(&self.0, url)
    }
}

/// The `Cookie` header for `url`: the store's cookies (without the domainless
/// ones on a hop that left the `strict` origin), with `extra` replacing those of
/// the same name and added after them. `None` when there is no cookie at all.
///
/// ```
/// use sessio::Url;
/// use sessio_core::__private::cookie_header;
///
/// let url: Url = "http://example.test/".parse().unwrap();
/// let extra = [("b".to_owned(), "9".to_owned()), ("c".to_owned(), "3".to_owned())];
/// assert_eq!(cookie_header(None, &url, &extra, None).unwrap().unwrap(), "b=9; c=3");
/// ```
pub fn cookie_header(
    store: Option<&dyn CookieStore>,
    url: &Url,
    extra: &[(String, String)],
    strict: Option<&StrictOrigin>,
) -> Result<Option<HeaderValue>> {
    let stored = match (store.filter(|s| !s.is_empty()), strict) {
        (None, _) => None,
        (Some(store), Some(origin)) if !origin.allows(url) => store.scoped_cookies(url),
        (Some(store), _) => store.cookies(url),
    };
    if extra.is_empty() {
        return Ok(stored);
    }
    let stored_pairs = stored
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .into_iter()
        .flat_map(|text| text.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| !extra.iter().any(|(own, _)| own == name));
    let extra_pairs = extra.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let text = join_pairs(stored_pairs.chain(extra_pairs));
    let mut value = HeaderValue::try_from(text)
        .map_err(|_| Error::invalid_header("cookie", "a cookie contains CR, LF or NUL"))?;
    value.set_sensitive(true);
    Ok(Some(value))
}

/// Cookie pairs as the text of a `Cookie` header: `a=1; b=2` (one allocation).
pub fn join_pairs<'a, I>(pairs: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
    I::IntoIter: Clone,
{
    let pairs = pairs.into_iter();
    let len = pairs.clone().map(|(n, v)| n.len() + v.len() + 3).sum();
    let mut text = String::with_capacity(len);
    for (name, value) in pairs {
        if !text.is_empty() {
            text.push_str("; ");
        }
        text.push_str(name);
        text.push('=');
        text.push_str(value);
    }
    text
}
