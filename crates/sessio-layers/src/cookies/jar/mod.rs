//! `Jar`: the default cookie store, RFC 6265 rules over `cookie_store`, with a
//! public-suffix check, size limits, and requests' dict API. Saving and loading
//! are in `persistence`, the matching and storing rules in `rules`.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use cookie::Cookie as RawCookie;
use http::HeaderValue;
use sessio_core::__private::{check_cookie, error_msg, simple_target};
use sessio_core::{CookieStore, ErrorKind, Result};

use rules::{canonical_domain, info_of, invalid_cookie};
use url::Url;

mod persistence;
mod rules;
#[cfg(test)]
mod tests;

/// Longest `Set-Cookie` accepted, in bytes (RFC 6265 §6.1 asks for at least 4096).
pub const MAX_COOKIE_SIZE: usize = 4096;
/// Most cookies kept per domain (RFC 6265 §6.1 asks for at least 50).
pub const MAX_COOKIES_PER_DOMAIN: usize = 50;
/// Most cookies kept in one jar (RFC 6265 §6.1 asks for at least 3000).
pub const MAX_COOKIES: usize = 3000;

/// One cookie of a [`Jar`], as [`Jar::iter`] lists it and as it is saved.
///
/// Its `Debug` shows everything but the value.
///
/// The struct may gain fields: its fields are public to read and to assign,
/// and [`CookieInfo::new`] makes one.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct CookieInfo {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
    /// The domain; `None` for a cookie set with [`Jar::set`], sent to every host.
    pub domain: Option<String>,
    /// `true` when the cookie goes only to `domain` itself, not its subdomains.
    pub host_only: bool,
    /// The path.
    pub path: String,
    /// Sent over `https` only.
    pub secure: bool,
    /// Marked `HttpOnly` by the server.
    pub http_only: bool,
    /// Expiry in seconds since the Unix epoch; `None` for a session cookie.
    pub expires: Option<u64>,
}

impl CookieInfo {
    /// A session cookie `name=value` for `domain` and its subdomains (`None`:
    /// sent to every host, as [`Jar::set`] makes) on path `/`, neither
    /// `Secure` nor `HttpOnly`; change the fields for anything else.
    ///
    /// ```
    /// use sessio::layers::cookies::{CookieInfo, Jar};
    ///
    /// let mut cookie = CookieInfo::new("sid", "1", Some("example.com"));
    /// cookie.secure = true;
    /// let jar = Jar::new();
    /// jar.insert(cookie).unwrap();
    /// assert_eq!(jar.get("sid").unwrap().as_deref(), Some("1"));
    /// ```
    pub fn new(name: impl Into<String>, value: impl Into<String>, domain: Option<&str>) -> Self {
        CookieInfo {
            name: name.into(),
            value: value.into(),
            domain: domain.map(str::to_owned),
            host_only: false,
            path: "/".to_owned(),
            secure: false,
            http_only: false,
            expires: None,
        }
    }
}

impl std::fmt::Debug for CookieInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CookieInfo")
            .field("name", &self.name)
            .field("value", &format_args!("Sensitive"))
            .field("domain", &self.domain)
            .field("host_only", &self.host_only)
            .field("path", &self.path)
            .field("secure", &self.secure)
            .field("http_only", &self.http_only)
            .field("expires", &self.expires)
            .finish()
    }
}

/// The default cookie store: RFC 6265 domain, path, `Secure` and expiry rules
/// (on the `cookie_store` crate), plus what requests users expect.
///
/// * `Domain=` set to a public suffix (`com`, `co.uk`, any case, trailing dot) is
///   rejected (embedded list, no network).
/// * `Secure` cookies go over `https` only, loopback included.
/// * Cookies of longer paths come first in the `Cookie` header.
/// * Limits: a `Set-Cookie` over [`MAX_COOKIE_SIZE`] bytes, or beyond
///   [`MAX_COOKIES_PER_DOMAIN`] or [`MAX_COOKIES`], is not stored.
/// * requests' dict API: [`get`](Jar::get), [`set`](Jar::set) (no domain: sent to
///   every host, as requests does), [`remove`](Jar::remove), [`clear`](Jar::clear),
///   [`iter`](Jar::iter), and saving/loading as JSON or Netscape `cookies.txt`.
///
/// ```
/// use sessio::http::HeaderValue;
/// use sessio::{CookieStore, Url};
/// use sessio::layers::cookies::Jar;
///
/// let jar = Jar::new();
/// let url: Url = "https://example.com/account".parse().unwrap();
/// jar.set_cookies(&mut [HeaderValue::from_static("sid=abc; Path=/; Secure")].iter(), &url);
/// jar.set("theme", "dark").unwrap();
/// assert_eq!(jar.get("sid").unwrap().as_deref(), Some("abc"));
/// assert_eq!(jar.cookies(&url).unwrap(), "sid=abc; theme=dark");
/// let plain: Url = "http://example.com/".parse().unwrap();
/// assert_eq!(jar.cookies(&plain).unwrap(), "theme=dark", "Secure cookies need https");
/// ```
#[derive(Default)]
pub struct Jar {
    state: RwLock<State>,
    /// Bumped on every change (see `CookieStore::version`).
    version: std::sync::atomic::AtomicU64,
}

/// The cookies without their values.
impl std::fmt::Debug for Jar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cookies: Vec<CookieInfo> = self.iter().collect();
        f.debug_struct("Jar").field("cookies", &cookies).finish()
    }
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) store: cookie_store::CookieStore,
    /// Cookies set without a domain (requests' `jar.set(name, value)`): every host.
    pub(super) anywhere: Vec<CookieInfo>,
    /// When each cookie was created (a counter), by a hash of (domain, path,
    /// name), so that a lookup allocates nothing; the domainless ones have the
    /// domain `""`. A replaced cookie keeps its time (RFC 6265 §5.3); cookies of
    /// equal path length are sent oldest first. (A hash collision could only
    /// swap two cookies of equal path length.)
    pub(super) created: HashMap<u64, u64>,
    clock: u64,
}

/// The key of a cookie's creation time.
fn cookie_key(domain: &str, path: &str, name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    (domain, path, name).hash(&mut hasher);
    hasher.finish()
}

impl State {
    /// The creation time of the cookie `(domain, path, name)`, stamped now if
    /// it is new.
    pub(super) fn stamp(&mut self, domain: &str, path: &str, name: &str) {
        let key = cookie_key(domain, path, name);
        if !self.created.contains_key(&key) {
            self.clock += 1;
            self.created.insert(key, self.clock);
        }
        if self.created.len() > 2 * MAX_COOKIES {
            self.forget_gone();
        }
    }

    /// The creation time of a cookie (the newest possible when unknown).
    pub(super) fn created(&self, domain: &str, path: &str, name: &str) -> u64 {
        let key = cookie_key(domain, path, name);
        self.created.get(&key).copied().unwrap_or(u64::MAX)
    }

    /// Forgets the creation time of a cookie that is gone.
    pub(super) fn unstamp(&mut self, domain: &str, path: &str, name: &str) {
        self.created.remove(&cookie_key(domain, path, name));
    }

    /// Drops the times of cookies that are gone (expired, removed, evicted).
    pub(super) fn forget_gone(&mut self) {
        let mut live: std::collections::HashSet<u64> = self
            .store
            .iter_any()
            .filter_map(|c| Some(cookie_key(&c.domain.as_cow()?, &c.path, c.name())))
            .collect();
        live.extend(
            self.anywhere
                .iter()
                .map(|c| cookie_key("", &c.path, &c.name)),
        );
        self.created.retain(|key, _| live.contains(key));
    }
}

impl Jar {
    /// An empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    pub(super) fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The state, to change it (every change bumps the version).
    pub(super) fn write(&self) -> RwLockWriteGuard<'_, State> {
        let state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        self.version
            .fetch_add(1, std::sync::atomic::Ordering::Release);
        state
    }

    /// The value of the unexpired cookie called `name`, any domain and path
    /// (requests' `jar.get(name)`); two of that name (for two domains or
    /// paths) are an error, as requests' `CookieConflictError`: ask with
    /// [`find`](Jar::find) then.
    ///
    /// ```
    /// let jar = sessio::Jar::new();
    /// jar.set_for("sid", "a", "a.example", "/")?;
    /// assert_eq!(jar.get("sid")?.as_deref(), Some("a"));
    /// jar.set_for("sid", "b", "b.example", "/")?;
    /// assert!(jar.get("sid").is_err(), "which one?");
    /// assert_eq!(jar.find("sid", Some("b.example"), None)?.as_deref(), Some("b"));
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn get(&self, name: &str) -> Result<Option<String>> {
        self.find(name, None, None)
    }

    /// The value of the cookie called `name`, of this domain and path when
    /// they are given (requests' `jar.get(name, domain=.., path=..)`); more
    /// than one match is an error naming their domains and paths.
    pub fn find(
        &self,
        name: &str,
        domain: Option<&str>,
        path: Option<&str>,
    ) -> Result<Option<String>> {
        let domain = domain.map(canonical_domain);
        let mut found = self.iter().filter(|c| {
            c.name == name
                && domain
                    .as_ref()
                    .is_none_or(|d| c.domain.as_deref().unwrap_or("") == d)
                && path.is_none_or(|p| c.path == p)
        });
        let Some(first) = found.next() else {
            return Ok(None);
        };
        let others: Vec<CookieInfo> = found.collect();
        if others.is_empty() {
            return Ok(Some(first.value));
        }
        let places: Vec<String> = std::iter::once(&first)
            .chain(&others)
            .map(|c| format!("{}{}", c.domain.as_deref().unwrap_or("(any host)"), c.path))
            .collect();
        Err(error_msg(
            ErrorKind::Builder,
            format!(
                "there are {} cookies called {name:?} ({}): name the domain and path",
                places.len(),
                places.join(", ")
            ),
        ))
    }

    /// The value of the cookie called `name` for exactly this domain and path.
    pub fn get_for(&self, name: &str, domain: &str, path: &str) -> Option<String> {
        let domain = canonical_domain(domain);
        self.iter()
            .find(|c| c.name == name && c.domain.as_deref() == Some(&domain) && c.path == path)
            .map(|c| c.value)
    }

    /// The cookies as a map of name to value (requests' `jar.get_dict()`),
    /// only those of `domain` and `path` when given; of two cookies with one
    /// name, the later in [`iter`](Jar::iter) order wins, as in requests.
    ///
    /// ```
    /// let jar = sessio::Jar::new();
    /// jar.set_for("sid", "1", "example.com", "/")?;
    /// jar.set_for("theme", "dark", "example.com", "/app")?;
    /// assert_eq!(jar.get_dict(Some("example.com"), Some("/app")).len(), 1);
    /// assert_eq!(jar.get_dict(None, None)["sid"], "1");
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn get_dict(
        &self,
        domain: Option<&str>,
        path: Option<&str>,
    ) -> std::collections::BTreeMap<String, String> {
        let domain = domain.map(canonical_domain);
        self.iter()
            .filter(|c| {
                domain
                    .as_ref()
                    .is_none_or(|d| c.domain.as_deref().unwrap_or("") == d)
            })
            .filter(|c| path.is_none_or(|p| c.path == p))
            .map(|c| (c.name, c.value))
            .collect()
    }

    /// The domains of the cookies, each once, in [`iter`](Jar::iter) order
    /// (requests' `list_domains()`); a cookie set with [`set`](Jar::set), for
    /// every host, counts as the domain `""`.
    pub fn list_domains(&self) -> Vec<String> {
        let mut domains: Vec<String> = Vec::new();
        for cookie in self.iter() {
            let domain = cookie.domain.unwrap_or_default();
            if !domains.contains(&domain) {
                domains.push(domain);
            }
        }
        domains
    }

    /// The paths of the cookies, each once, in [`iter`](Jar::iter) order
    /// (requests' `list_paths()`).
    pub fn list_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = Vec::new();
        for cookie in self.iter() {
            if !paths.contains(&cookie.path) {
                paths.push(cookie.path);
            }
        }
        paths
    }

    /// Whether the cookies are for more than one domain (what requests'
    /// `multiple_domains()` says it answers).
    pub fn multiple_domains(&self) -> bool {
        self.list_domains().len() > 1
    }

    /// Sets a cookie with no domain: it is sent to every host (requests'
    /// `jar.set(name, value)`), on every path.
    ///
    /// The name must be a token and the value cookie octets, optionally in
    /// double quotes (RFC 6265): a `;`, `,`, space, double quote, backslash or
    /// control character is an error (it would smuggle another cookie into the
    /// header, or break it), where requests sends the value as it is.
    ///
    /// ```
    /// let jar = sessio::Jar::new();
    /// jar.set("theme", "dark")?;
    /// assert!(jar.set("a", "1; admin=1").unwrap_err().is_builder());
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn set(&self, name: &str, value: &str) -> Result<()> {
        check_cookie(name, value)?;
        let mut state = self.write();
        state.stamp("", "/", name);
        state.anywhere.retain(|c| c.name != name);
        state.anywhere.push(CookieInfo {
            name: name.to_owned(),
            value: value.to_owned(),
            domain: None,
            host_only: false,
            path: "/".to_owned(),
            secure: false,
            http_only: false,
            expires: None,
        });
        Ok(())
    }

    /// Sets a cookie for `domain` (and its subdomains) under `path`; the name
    /// and value are checked as [`set`](Jar::set) checks them.
    pub fn set_for(&self, name: &str, value: &str, domain: &str, path: &str) -> Result<()> {
        check_cookie(name, value)?;
        self.insert(CookieInfo {
            name: name.to_owned(),
            value: value.to_owned(),
            domain: Some(canonical_domain(domain)),
            host_only: false,
            path: path.to_owned(),
            secure: false,
            http_only: false,
            expires: None,
        })
    }

    /// Adds a cookie as described (used by `load_*`); a cookie that cannot be
    /// stored (bad name or domain, public suffix) is an error, and so is a
    /// name or value that would break the `Cookie` header or add a cookie to
    /// it (a `;`, a control character other than tab, an empty name or one
    /// with `=`). What a server may set (spaces, quotes, tabs inside) is
    /// kept as it is, so that a saved jar loads again.
    pub fn insert(&self, info: CookieInfo) -> Result<()> {
        let breaks_header =
            |text: &str| text.contains(';') || text.chars().any(|c| c.is_control() && c != '\t');
        if info.name.is_empty()
            || info.name.contains('=')
            || breaks_header(&info.name)
            || breaks_header(&info.value)
        {
            return Err(invalid_cookie(
                &info.name,
                "a `;`, a control character, or an empty name or one with `=`",
            ));
        }
        let Some(domain) = info.domain.clone() else {
            let mut state = self.write();
            state.stamp("", &info.path, &info.name);
            state.anywhere.retain(|c| c.name != info.name);
            state.anywhere.push(info);
            return Ok(());
        };
        let url = Url::parse(&format!("https://{domain}{}", info.path))
            .map_err(|e| invalid_cookie(&info.name, &e.to_string()))?;
        let mut raw = RawCookie::new(info.name.clone(), info.value.clone());
        raw.set_path(info.path.clone());
        raw.set_secure(info.secure);
        raw.set_http_only(info.http_only);
        if !info.host_only {
            raw.set_domain(domain);
        }
        if let Some(secs) = info.expires {
            let at = time::OffsetDateTime::from_unix_timestamp(secs as i64)
                .map_err(|e| invalid_cookie(&info.name, &e.to_string()))?;
            raw.set_expires(at);
        }
        self.store_raw(&raw, &url)
            .map_err(|why| invalid_cookie(&info.name, why))
    }

    /// Removes every cookie called `name`; returns whether one was there.
    pub fn remove(&self, name: &str) -> bool {
        let mut state = self.write();
        let before = state.anywhere.len();
        state.anywhere.retain(|c| c.name != name);
        let mut removed = state.anywhere.len() != before;
        let doomed: Vec<(String, String)> = state
            .store
            .iter_any()
            .filter(|c| c.name() == name)
            .filter_map(|c| Some((c.domain.as_cow()?.into_owned(), c.path.to_string())))
            .collect();
        for (domain, path) in doomed {
            removed |= state.store.remove(&domain, &path, name).is_some();
        }
        state.forget_gone();
        removed
    }

    /// Removes every cookie.
    pub fn clear(&self) {
        let mut state = self.write();
        state.store.clear();
        state.anywhere.clear();
        state.created.clear();
    }

    /// All unexpired cookies, as they are now (the jar is not locked while
    /// the iterator is used).
    pub fn iter(&self) -> std::vec::IntoIter<CookieInfo> {
        let state = self.read();
        let mut all: Vec<CookieInfo> = state.store.iter_unexpired().map(info_of).collect();
        all.extend(state.anywhere.iter().cloned());
        all.into_iter()
    }

    /// How many unexpired cookies the jar holds.
    pub fn len(&self) -> usize {
        let state = self.read();
        state.store.iter_unexpired().count() + state.anywhere.len()
    }

    /// Whether the jar holds no cookie.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl CookieStore for Jar {
    fn set_cookies(&self, cookie_headers: &mut dyn Iterator<Item = &HeaderValue>, url: &Url) {
        for header in cookie_headers {
            if header.len() > MAX_COOKIE_SIZE {
                continue;
            }
            let Ok(text) = std::str::from_utf8(header.as_bytes()) else {
                continue;
            };
            if let Ok(raw) = RawCookie::parse(text) {
                // A cookie the rules refuse is ignored, as browsers and requests do.
                let _ = self.store_raw(&raw, url);
            }
        }
    }

    fn cookies(&self, url: &Url) -> Option<HeaderValue> {
        self.header_for(url, true)
    }

    fn scoped_cookies(&self, url: &Url) -> Option<HeaderValue> {
        self.header_for(url, false)
    }

    fn cookies_for_uri(&self, uri: &http::Uri) -> Option<HeaderValue> {
        match simple_target(uri) {
            Some(target) => self.header_for_target(&target, true),
            None => self.cookies(&super::service::url_of(uri)?),
        }
    }

    fn version(&self) -> Option<u64> {
        Some(self.version.load(std::sync::atomic::Ordering::Acquire))
    }

    fn is_empty(&self) -> bool {
        let state = self.read();
        state.anywhere.is_empty() && state.store.iter_any().next().is_none()
    }
}
