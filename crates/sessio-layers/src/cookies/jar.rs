//! `Jar`: the default cookie store, RFC 6265 rules over `cookie_store`, with a
//! public-suffix check, size limits, and requests' dict API.

use std::io::{BufRead, Write};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use cookie::Cookie as RawCookie;
use http::HeaderValue;
use sessio_core::__private::{error, error_msg, join_pairs};
use sessio_core::{CookieStore, Error, ErrorKind, Result};
use url::Url;

/// Longest `Set-Cookie` accepted, in bytes (RFC 6265 §6.1 asks for at least 4096).
pub const MAX_COOKIE_SIZE: usize = 4096;
/// Most cookies kept per domain (RFC 6265 §6.1 asks for at least 50).
pub const MAX_COOKIES_PER_DOMAIN: usize = 50;
/// Most cookies kept in one jar (RFC 6265 §6.1 asks for at least 3000).
pub const MAX_COOKIES: usize = 3000;

/// One cookie of a [`Jar`], as [`Jar::iter`] lists it and as it is saved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
/// use http::HeaderValue;
/// use sessio_core::{CookieStore, Url};
/// use sessio_layers::cookies::Jar;
///
/// let jar = Jar::new();
/// let url: Url = "https://example.com/account".parse().unwrap();
/// jar.set_cookies(&mut [HeaderValue::from_static("sid=abc; Path=/; Secure")].iter(), &url);
/// jar.set("theme", "dark");
/// assert_eq!(jar.get("sid").as_deref(), Some("abc"));
/// assert_eq!(jar.cookies(&url).unwrap(), "sid=abc; theme=dark");
/// let plain: Url = "http://example.com/".parse().unwrap();
/// assert_eq!(jar.cookies(&plain).unwrap(), "theme=dark", "Secure cookies need https");
/// ```
#[derive(Debug, Default)]
pub struct Jar {
    state: RwLock<State>,
}

#[derive(Debug, Default)]
struct State {
    store: cookie_store::CookieStore,
    /// Cookies set without a domain (requests' `jar.set(name, value)`): every host.
    anywhere: Vec<CookieInfo>,
}

impl Jar {
    /// An empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value of the first unexpired cookie called `name`, any domain.
    pub fn get(&self, name: &str) -> Option<String> {
        self.iter()
            .into_iter()
            .find(|c| c.name == name)
            .map(|c| c.value)
    }

    /// The value of the cookie called `name` for exactly this domain and path.
    pub fn get_for(&self, name: &str, domain: &str, path: &str) -> Option<String> {
        let domain = canonical_domain(domain);
        self.iter()
            .into_iter()
            .find(|c| c.name == name && c.domain.as_deref() == Some(&domain) && c.path == path)
            .map(|c| c.value)
    }

    /// Sets a cookie with no domain: it is sent to every host (requests'
    /// `jar.set(name, value)`), on every path.
    pub fn set(&self, name: &str, value: &str) {
        let mut state = self.write();
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
    }

    /// Sets a cookie for `domain` (and its subdomains) under `path`.
    pub fn set_for(&self, name: &str, value: &str, domain: &str, path: &str) -> Result<()> {
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
    /// stored (bad name or domain, public suffix) is an error.
    pub fn insert(&self, info: CookieInfo) -> Result<()> {
        let Some(domain) = info.domain.clone() else {
            let mut state = self.write();
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
        removed
    }

    /// Removes every cookie.
    pub fn clear(&self) {
        let mut state = self.write();
        state.store.clear();
        state.anywhere.clear();
    }

    /// All unexpired cookies.
    pub fn iter(&self) -> Vec<CookieInfo> {
        let state = self.read();
        let mut all: Vec<CookieInfo> = state.store.iter_unexpired().map(info_of).collect();
        all.extend(state.anywhere.iter().cloned());
        all
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

    /// Writes all unexpired cookies as a JSON array of [`CookieInfo`].
    pub fn save_json<W: Write>(&self, writer: W) -> Result<()> {
        serde_json::to_writer_pretty(writer, &self.iter()).map_err(|e| error(ErrorKind::Body, e))
    }

    /// Reads cookies saved with [`save_json`](Jar::save_json) into this jar.
    pub fn load_json<R: std::io::Read>(&self, reader: R) -> Result<()> {
        let cookies: Vec<CookieInfo> =
            serde_json::from_reader(reader).map_err(|e| error(ErrorKind::Decode, e))?;
        for cookie in cookies {
            self.insert(cookie)?;
        }
        Ok(())
    }

    /// Writes the cookies that have a domain in Netscape `cookies.txt` format
    /// (curl, wget, Python's `MozillaCookieJar`). Cookies set with [`set`](Jar::set)
    /// have no domain and are left out.
    pub fn save_netscape<W: Write>(&self, mut writer: W) -> Result<()> {
        let io = |e: std::io::Error| error(ErrorKind::Body, e);
        writeln!(writer, "# Netscape HTTP Cookie File").map_err(io)?;
        for c in self.iter() {
            let Some(domain) = &c.domain else { continue };
            let prefix = if c.http_only { "#HttpOnly_" } else { "" };
            let dotted = if c.host_only {
                domain.clone()
            } else {
                format!(".{domain}")
            };
            let flag = |b: bool| if b { "TRUE" } else { "FALSE" };
            writeln!(
                writer,
                "{prefix}{dotted}\t{}\t{}\t{}\t{}\t{}\t{}",
                flag(!c.host_only),
                c.path,
                flag(c.secure),
                c.expires.unwrap_or(0),
                c.name,
                c.value
            )
            .map_err(io)?;
        }
        Ok(())
    }

    /// Reads a Netscape `cookies.txt` into this jar; malformed lines are errors.
    pub fn load_netscape<R: BufRead>(&self, reader: R) -> Result<()> {
        for (number, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| error(ErrorKind::Body, e))?;
            let (http_only, line) = match line.strip_prefix("#HttpOnly_") {
                Some(rest) => (true, rest),
                None => (false, line.as_str()),
            };
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let [domain, subdomains, path, secure, expires, name, value] = fields[..] else {
                let why = format!("line {} has {} fields, not 7", number + 1, fields.len());
                return Err(error_msg(ErrorKind::Decode, why));
            };
            let expires: u64 = expires
                .trim()
                .parse()
                .map_err(|e| error(ErrorKind::Decode, e))?;
            self.insert(CookieInfo {
                name: name.to_owned(),
                value: value.to_owned(),
                domain: Some(canonical_domain(domain)),
                host_only: !subdomains.eq_ignore_ascii_case("TRUE"),
                path: path.to_owned(),
                secure: secure.eq_ignore_ascii_case("TRUE"),
                http_only,
                expires: (expires != 0).then_some(expires),
            })?;
        }
        Ok(())
    }

    /// Stores one parsed cookie received from `url`, with the PSL and size rules.
    fn store_raw(&self, raw: &RawCookie<'_>, url: &Url) -> Result<(), &'static str> {
        let mut raw = raw.clone();
        if let Some(domain) = raw.domain() {
            let domain = canonical_domain(domain);
            if is_public_suffix(&domain) {
                if url.host_str() == Some(domain.as_str()) {
                    raw.unset_domain();
                } else {
                    return Err("Domain is a public suffix");
                }
            }
        }
        let mut state = self.write();
        let target = match raw.domain() {
            Some(domain) => canonical_domain(domain),
            None => url.host_str().unwrap_or("").to_owned(),
        };
        let exists = state
            .store
            .iter_any()
            .any(|c| c.name() == raw.name() && c.domain.as_cow().is_some_and(|d| d == target));
        if !exists {
            let total = state.store.iter_any().count();
            let in_domain = state
                .store
                .iter_any()
                .filter(|c| c.domain.as_cow().is_some_and(|d| d == target))
                .count();
            if total >= MAX_COOKIES || in_domain >= MAX_COOKIES_PER_DOMAIN {
                return Err("cookie limit reached");
            }
        }
        match state.store.insert_raw(&raw, url) {
            Ok(_) | Err(cookie_store::CookieError::Expired) => Ok(()),
            Err(_) => Err("rejected by RFC 6265 rules"),
        }
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

    fn is_empty(&self) -> bool {
        let state = self.read();
        state.anywhere.is_empty() && state.store.iter_any().next().is_none()
    }
}

impl Jar {
    fn header_for(&self, url: &Url, with_domainless: bool) -> Option<HeaderValue> {
        let state = self.read();
        let secure = url.scheme() == "https" || url.scheme() == "wss";
        let host = url.host_str().unwrap_or("");
        let is_ip = matches!(url.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)));
        let path = url.path();
        let mut matched: Vec<(&str, &str, usize)> = state
            .store
            .iter_unexpired()
            .filter(|c| secure || !c.secure().unwrap_or(false))
            .filter(|c| domain_matches(&c.domain, host, is_ip) && path_matches(&c.path, path))
            .map(|c| (c.name(), c.value(), c.path.len()))
            .collect();
        matched.extend(
            state
                .anywhere
                .iter()
                .filter(|_| with_domainless)
                .filter(|c| url.path().starts_with(&c.path))
                .map(|c| (c.name.as_str(), c.value.as_str(), c.path.len())),
        );
        if matched.is_empty() {
            return None;
        }
        matched.sort_by_key(|(_, _, path_len)| std::cmp::Reverse(*path_len));
        let header = join_pairs(matched.iter().map(|(name, value, _)| (*name, *value)));
        HeaderValue::try_from(header).ok()
    }
}

/// RFC 6265 §5.1.3 domain-match (host names are already canonical, lower case).
fn domain_matches(domain: &cookie_store::CookieDomain, host: &str, is_ip: bool) -> bool {
    match domain {
        cookie_store::CookieDomain::HostOnly(d) => d == host,
        cookie_store::CookieDomain::Suffix(d) => {
            host == d
                || (!is_ip
                    && host.len() > d.len()
                    && host.ends_with(d.as_str())
                    && host.as_bytes()[host.len() - d.len() - 1] == b'.')
        }
        _ => false,
    }
}

/// RFC 6265 §5.1.4 path-match.
fn path_matches(cookie_path: &str, request_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/')
                || request_path.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

fn info_of(c: &cookie_store::Cookie<'static>) -> CookieInfo {
    let (domain, host_only) = match &c.domain {
        cookie_store::CookieDomain::HostOnly(d) => (Some(d.clone()), true),
        cookie_store::CookieDomain::Suffix(d) => (Some(d.clone()), false),
        _ => (None, false),
    };
    let expires = match &c.expires {
        cookie_store::CookieExpiration::AtUtc(at) => {
            let secs = at.unix_timestamp().max(0) as u64;
            Some(secs)
        }
        cookie_store::CookieExpiration::SessionEnd => None,
    };
    CookieInfo {
        name: c.name().to_owned(),
        value: c.value().to_owned(),
        domain,
        host_only,
        path: c.path.to_string(),
        secure: c.secure().unwrap_or(false),
        http_only: c.http_only().unwrap_or(false),
        expires,
    }
}

/// Lower case, without leading or trailing dots.
fn canonical_domain(domain: &str) -> String {
    domain
        .trim()
        .trim_start_matches('.')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

fn is_public_suffix(domain: &str) -> bool {
    psl::suffix_str(domain).is_some_and(|suffix| suffix == domain)
}

fn invalid_cookie(name: &str, why: &str) -> Error {
    error_msg(
        ErrorKind::Builder,
        format!("cookie {name:?} cannot be stored: {why}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        s.parse().unwrap()
    }

    fn store(jar: &Jar, set_cookie: &str, from: &str) {
        jar.set_cookies(
            &mut [HeaderValue::from_str(set_cookie).unwrap()].iter(),
            &url(from),
        );
    }

    fn header(jar: &Jar, to: &str) -> Option<String> {
        jar.cookies(&url(to))
            .map(|v| v.to_str().unwrap().to_owned())
    }

    #[test]
    fn host_only_and_domain_cookies() {
        let jar = Jar::new();
        store(&jar, "host=1", "http://example.com/");
        store(&jar, "dom=2; Domain=example.com", "http://example.com/");
        assert_eq!(
            header(&jar, "http://example.com/").as_deref(),
            Some("host=1; dom=2")
        );
        assert_eq!(
            header(&jar, "http://www.example.com/").as_deref(),
            Some("dom=2")
        );
        assert_eq!(header(&jar, "http://other.com/"), None);
    }

    #[test]
    fn public_suffix_domains_are_rejected_sec_25() {
        let jar = Jar::new();
        for bad in ["a=1; Domain=com", "b=1; Domain=co.UK", "c=1; Domain=.com."] {
            store(&jar, bad, "http://example.com/");
        }
        store(&jar, "d=1; Domain=co.uk", "http://example.co.uk/");
        assert!(jar.is_empty(), "{:?}", jar.iter());
        assert_eq!(header(&jar, "http://unrelated.com/"), None);
    }

    #[test]
    fn secure_cookies_need_https_even_on_loopback() {
        let jar = Jar::new();
        store(&jar, "s=1; Secure", "https://127.0.0.1/");
        assert_eq!(header(&jar, "https://127.0.0.1/").as_deref(), Some("s=1"));
        assert_eq!(header(&jar, "http://127.0.0.1/"), None);
    }

    #[test]
    fn longer_paths_come_first_and_paths_match() {
        let jar = Jar::new();
        store(&jar, "a=1; Path=/", "http://example.com/");
        store(&jar, "b=2; Path=/x/y", "http://example.com/");
        store(&jar, "c=3; Path=/x", "http://example.com/");
        assert_eq!(
            header(&jar, "http://example.com/x/y/z").as_deref(),
            Some("b=2; c=3; a=1")
        );
        assert_eq!(
            header(&jar, "http://example.com/other").as_deref(),
            Some("a=1")
        );
    }

    #[test]
    fn expiry_and_deletion() {
        let jar = Jar::new();
        store(&jar, "a=1", "http://example.com/");
        store(&jar, "a=1; Max-Age=0", "http://example.com/");
        assert_eq!(header(&jar, "http://example.com/"), None);
        store(
            &jar,
            "b=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT",
            "http://example.com/",
        );
        assert!(jar.is_empty());
    }

    #[test]
    fn limits_are_enforced_sec_26() {
        let jar = Jar::new();
        let big = format!("big={}", "x".repeat(MAX_COOKIE_SIZE));
        store(&jar, &big, "http://example.com/");
        assert!(jar.is_empty());
        for i in 0..(MAX_COOKIES_PER_DOMAIN + 10) {
            store(&jar, &format!("c{i}=v"), "http://example.com/");
        }
        assert_eq!(jar.len(), MAX_COOKIES_PER_DOMAIN);
        store(&jar, "c0=updated", "http://example.com/");
        assert_eq!(
            jar.get("c0").as_deref(),
            Some("updated"),
            "updates are not new cookies"
        );
    }

    #[test]
    fn quoted_values_are_kept_as_sent() {
        // requests test_cookie_quote_wrapped
        let jar = Jar::new();
        store(&jar, "foo=\"bar:baz\"", "http://example.com/");
        assert_eq!(
            header(&jar, "http://example.com/").as_deref(),
            Some("foo=\"bar:baz\"")
        );
    }

    #[test]
    fn scoped_cookies_leave_out_domainless_ones() {
        let jar = Jar::new();
        jar.set("super", "1");
        store(&jar, "own=1", "http://example.com/");
        assert_eq!(
            header(&jar, "http://example.com/").as_deref(),
            Some("own=1; super=1")
        );
        let scoped = jar.scoped_cookies(&url("http://example.com/")).unwrap();
        assert_eq!(scoped, "own=1");
    }

    #[test]
    fn path_and_domain_matching_follow_rfc_6265() {
        assert!(path_matches("/", "/anything"));
        assert!(path_matches("/a", "/a"));
        assert!(path_matches("/a", "/a/b"));
        assert!(!path_matches("/a", "/ab"));
        assert!(path_matches("/a/", "/a/b"));
        let suffix = cookie_store::CookieDomain::Suffix("example.com".into());
        assert!(domain_matches(&suffix, "example.com", false));
        assert!(domain_matches(&suffix, "www.example.com", false));
        assert!(!domain_matches(&suffix, "badexample.com", false));
        assert!(!domain_matches(&suffix, "example.com.evil", false));
    }

    #[test]
    fn dict_api() {
        let jar = Jar::new();
        jar.set("everywhere", "1");
        jar.set_for("scoped", "2", "example.com", "/").unwrap();
        assert_eq!(jar.get("everywhere").as_deref(), Some("1"));
        assert_eq!(
            jar.get_for("scoped", "example.com", "/").as_deref(),
            Some("2")
        );
        assert_eq!(
            header(&jar, "http://any.host/").as_deref(),
            Some("everywhere=1")
        );
        assert_eq!(
            header(&jar, "http://sub.example.com/").as_deref(),
            Some("scoped=2; everywhere=1")
        );
        assert!(jar.remove("scoped"));
        assert!(!jar.remove("scoped"));
        assert_eq!(jar.len(), 1);
        jar.clear();
        assert!(jar.is_empty());
        assert!(jar.set_for("bad", "v", "exa mple.com", "/").is_err());
    }

    #[test]
    fn json_and_netscape_round_trips() {
        let jar = Jar::new();
        store(
            &jar,
            "sid=abc; Secure; HttpOnly; Max-Age=3600",
            "https://example.com/app",
        );
        store(
            &jar,
            "pref=x; Domain=example.com; Path=/",
            "https://example.com/",
        );
        jar.set("anywhere", "1");

        let mut json = Vec::new();
        jar.save_json(&mut json).unwrap();
        let copy = Jar::new();
        copy.load_json(&json[..]).unwrap();
        let mut a = jar.iter();
        let mut b = copy.iter();
        a.sort_by(|x, y| x.name.cmp(&y.name));
        b.sort_by(|x, y| x.name.cmp(&y.name));
        assert_eq!(a, b);

        let mut txt = Vec::new();
        jar.save_netscape(&mut txt).unwrap();
        let text = String::from_utf8(txt.clone()).unwrap();
        assert!(
            text.contains("#HttpOnly_example.com\tFALSE\t/\tTRUE\t"),
            "{text}"
        );
        assert!(
            text.contains(".example.com\tTRUE\t/\tFALSE\t0\tpref\tx"),
            "{text}"
        );
        let copy = Jar::new();
        copy.load_netscape(&txt[..]).unwrap();
        assert_eq!(copy.get("sid").as_deref(), Some("abc"));
        assert_eq!(
            copy.cookies(&url("https://www.example.com/")).unwrap(),
            "pref=x"
        );
        assert!(copy.load_netscape(&b"bad line\n"[..]).is_err());
    }
}
