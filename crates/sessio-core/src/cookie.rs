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

    /// A number that changes whenever the store's cookies change, if the
    /// store keeps one: a `Cookie` header made at one version is still right
    /// at the same version, and is made again otherwise. `None` (the
    /// default): the header is made again on every send.
    fn version(&self) -> Option<u64> {
        None
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

/// Request extension: the `Cookie` header the request carries was made from
/// the cookie store (and the request's own cookies) when it was prepared, not
/// given by the user, so the cookies layer makes it again on every send: a
/// redirect hop and an auth flow's re-send carry the cookies the store holds
/// then (a challenge's `Set-Cookie` included), not the ones of the first send.
#[derive(Debug, Clone)]
pub struct PreparedCookie {
    /// The header made.
    pub header: HeaderValue,
    /// The store's [`version`](CookieStore::version) it was made at.
    pub version: Option<u64>,
}

impl PreparedCookie {
    /// Whether `header` is the prepared one (the user did not change it) and
    /// the store changed since, so that it must be made again.
    pub fn is_stale(&self, header: &HeaderValue, store: &dyn CookieStore) -> bool {
        *header == self.header && (self.version.is_none() || store.version() != self.version)
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
    if extra.is_empty() && stored.as_ref().is_none_or(|v| v.len() <= MAX_COOKIE_HEADER) {
        return Ok(stored);
    }
    for (name, value) in extra {
        check_cookie(name, value)?;
    }
    let extra_pairs = extra.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let extra_len = pairs_len(extra_pairs.clone());
    if extra_len > MAX_COOKIE_HEADER {
        return Err(Error::invalid_header(
            "cookie",
            &format!("the request's cookies take more than {MAX_COOKIE_HEADER} bytes"),
        ));
    }
    let stored_pairs = stored
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .into_iter()
        .flat_map(|text| text.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| !extra.iter().any(|(own, _)| own == name));
    let separator = if extra.is_empty() { 0 } else { 2 };
    let budget = MAX_COOKIE_HEADER.saturating_sub(extra_len + separator);
    let kept = fitting(stored_pairs.clone(), budget);
    let text = join_pairs(stored_pairs.take(kept).chain(extra_pairs));
    if text.is_empty() {
        return Ok(None);
    }
    let mut value = HeaderValue::try_from(text)
        .map_err(|_| Error::invalid_header("cookie", "a cookie contains CR, LF or NUL"))?;
    value.set_sensitive(true);
    Ok(Some(value))
}

/// The most bytes of a `Cookie` header sessio sends: the jar's cookies past it
/// (in the order they are sent, RFC 6265 §5.4: longer paths, then older, first)
/// are left out, and a request's own cookies larger than it are an error.
/// Servers commonly refuse a header line over 8 KiB; this bound only stops a
/// jar that servers filled (up to 50 cookies of 4 KiB a domain) from sending
/// hundreds of kilobytes with every request.
pub const MAX_COOKIE_HEADER: usize = 32 * 1024;

/// How many of the first pairs fit in `budget` bytes of a `Cookie` header
/// (`a=1; b=2`).
pub fn fitting<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>, budget: usize) -> usize {
    let mut used = 0;
    pairs
        .into_iter()
        .take_while(|(name, value)| {
            // each pair after the first comes with its "; "
            used += name.len() + value.len() + 3;
            used <= budget + 2
        })
        .count()
}

fn pairs_len<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> usize {
    pairs
        .map(|(name, value)| name.len() + value.len() + 3)
        .sum::<usize>()
        .saturating_sub(2)
}

/// Checks a cookie given by the user (not by a server): the name a token and
/// the value cookie octets, optionally in double quotes (RFC 6265 §4.1.1). A
/// `;` or `,` would smuggle another cookie, a space or control character would
/// break the header; each is an error naming the cookie.
///
/// ```
/// use sessio_core::__private::check_cookie;
///
/// assert!(check_cookie("sid", "abc123").is_ok());
/// assert!(check_cookie("sid", "\"quoted\"").is_ok());
/// assert!(check_cookie("a", "1; admin=1").is_err());
/// assert!(check_cookie("a b", "1").is_err());
/// ```
pub fn check_cookie(name: &str, value: &str) -> Result<()> {
    let why = if name.is_empty() {
        Some("the name is empty")
    } else if !name.bytes().all(is_token_byte) {
        Some("the name has a character a cookie name cannot have")
    } else {
        let inner = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        (!inner.bytes().all(is_cookie_octet)).then_some(
            "the value has a character a cookie value cannot have (a control character, \
             space, double quote, comma, semicolon or backslash)",
        )
    };
    match why {
        Some(why) => Err(Error::invalid_header(
            "cookie",
            &format!("cookie {name:?}: {why}"),
        )),
        None => Ok(()),
    }
}

/// RFC 7230 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// RFC 6265 `cookie-octet`: visible ASCII but `"`, `,`, `;` and `\`.
fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
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
