//! Proxies: requests' `proxies=` keys, the environment's `*_proxy` variables,
//! and `NO_PROXY`.
//!
//! A proxy is set with `.proxy(key, url)` on [`SessionBuilder`](crate::SessionBuilder),
//! [`HttpAdapterBuilder`](crate::HttpAdapterBuilder) or, for one request,
//! [`RequestBuilder`](crate::RequestBuilder). The keys are requests':
//!
//! | key | used for |
//! |---|---|
//! | `"http://host"`, `"https://host"` | that scheme and host (any port) |
//! | `"http"`, `"https"` | that scheme |
//! | `"all://host"` | that host, any scheme |
//! | `"all"` | every request |
//! | `"no_proxy"` | not a proxy: a `NO_PROXY` list of hosts reached directly |
//!
//! and the first key that matches, in this order, wins. A proxy URL's scheme
//! says how the proxy is spoken to (a URL without one is `http://`):
//!
//! | proxy URL | default port | to the proxy | plain `http://` targets | `https://` targets |
//! |---|---|---|---|---|
//! | `http://` | 80 | TCP | sent to the proxy in absolute form | a `CONNECT` tunnel, then TLS to the server inside it |
//! | `https://` | 443 | TLS, then as `http://` | the same, inside the TLS to the proxy | a `CONNECT` tunnel inside the TLS to the proxy, then TLS to the server inside that (TLS in TLS) |
//! | `socks5://` | 1080 | SOCKS5; names resolved here | a SOCKS5 tunnel | a SOCKS5 tunnel, then TLS to the server |
//! | `socks5h://` | 1080 | SOCKS5; names resolved by the proxy | as `socks5://` | as `socks5://` |
//! | `socks4://` | 1080 | SOCKS4; names resolved here (IPv4 only) | a SOCKS4 tunnel | a SOCKS4 tunnel, then TLS to the server |
//! | `socks4a://` | 1080 | SOCKS4a; names resolved by the proxy | as `socks4://` | as `socks4://` |
//!
//! The TLS to an `https://` proxy uses the request's TLS settings (the
//! trusted roots or CA bundle, `verify`, the protocol versions, and the client
//! certificate should the proxy ask for one), and checks the proxy's
//! certificate against the host name of the proxy URL (sent as SNI). The proxy
//! is offered HTTP/1.1 only. A proxy whose certificate is not trusted fails
//! the request with an error for which `is_proxy()` and `is_connect()` are
//! true, as requests raises `ProxyError` (not `SSLError`) for it; the TLS
//! error is its cause. With `verify(false)`, the proxy's certificate is not
//! checked either.
//!
//! Credentials in the URL (`http://user:pass@proxy:3128`) go to the proxy
//! only: as `Proxy-Authorization` on the `CONNECT` or on a forwarded
//! plain-http request, never inside a tunnel and never to the server.
//!
//! With `trust_env` (the default), a session also uses the proxies of the
//! environment: `http_proxy`, `https_proxy` and `all_proxy`, where a
//! lower-case variable wins over its upper-case spelling, `HTTP_PROXY` is
//! ignored when `REQUEST_METHOD` is set (a CGI program), and `no_proxy` /
//! `NO_PROXY` lists the hosts reached directly.
//!
//! ```no_run
//! # fn run() -> sessio::Result<()> {
//! let session = sessio::Session::builder()
//!     .proxy("https", "http://user:secret@proxy.internal:3128")
//!     .proxy("http", "https://user:secret@tls-proxy.internal")
//!     .proxy("all://files.internal", "socks5h://127.0.0.1:1080")
//!     .proxy("no_proxy", "localhost, .svc.cluster.local, 10.0.0.0/8")
//!     .build()?;
//! # drop(session); Ok(()) }
//! ```

mod env;
mod no_proxy;

use std::fmt;
use std::sync::Arc;

use http::{HeaderValue, Uri};
use sessio_core::__private::error_msg;
use sessio_core::{Auth, Error, ErrorKind, Result};

pub(crate) use env::from_environment;
pub(crate) use no_proxy::NoProxy;

/// What kind of proxy a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ProxyKind {
    /// An HTTP proxy; `tls`: reached over TLS (an `https://` proxy URL).
    Http {
        tls: bool,
    },
    Socks4 {
        remote_dns: bool,
    },
    Socks5 {
        remote_dns: bool,
    },
}

/// A proxy: where it is, what it speaks, and its credentials.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Proxy {
    pub(crate) kind: ProxyKind,
    /// `http://host:port` of the proxy itself (for the TCP connection, and
    /// the name its certificate is checked against when it speaks TLS).
    pub(crate) address: Uri,
    /// Percent-decoded user and password from the URL.
    pub(crate) credentials: Option<(String, String)>,
}

impl Proxy {
    /// Parses a proxy URL as requests does (a missing scheme is `http://`).
    pub(crate) fn parse(url: &str) -> Result<Proxy> {
        let url = url.trim();
        if url.contains(":/") && !url.contains("://") {
            return Err(invalid(url, "malformed: expected scheme://host"));
        }
        let with_scheme = if url.contains("://") {
            url.to_owned()
        } else {
            format!("http://{url}")
        };
        let parsed = url::Url::parse(&with_scheme).map_err(|e| invalid(url, &e.to_string()))?;
        let (kind, default_port) = match parsed.scheme() {
            "http" => (ProxyKind::Http { tls: false }, 80),
            "https" => (ProxyKind::Http { tls: true }, 443),
            "socks5" => (ProxyKind::Socks5 { remote_dns: false }, 1080),
            "socks5h" => (ProxyKind::Socks5 { remote_dns: true }, 1080),
            "socks4" => (ProxyKind::Socks4 { remote_dns: false }, 1080),
            "socks4a" => (ProxyKind::Socks4 { remote_dns: true }, 1080),
            other => return Err(invalid(url, &format!("unknown proxy scheme {other}"))),
        };
        let host = match parsed.host_str() {
            Some(host) if !host.is_empty() => host,
            _ => return Err(invalid(url, "no host")),
        };
        let port = parsed.port().unwrap_or(default_port);
        let address = format!("http://{host}:{port}")
            .parse::<Uri>()
            .map_err(|e| invalid(url, &e.to_string()))?;
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let credentials = (!parsed.username().is_empty()).then(|| {
            (
                decode(parsed.username()),
                decode(parsed.password().unwrap_or("")),
            )
        });
        Ok(Proxy {
            kind,
            address,
            credentials,
        })
    }

    /// Whether the connection to the proxy itself is TLS (`https://`).
    pub(crate) fn speaks_tls(&self) -> bool {
        self.kind == ProxyKind::Http { tls: true }
    }

    /// `Proxy-Authorization` for the credentials of the URL, if any.
    pub(crate) fn authorization(&self) -> Option<HeaderValue> {
        let (user, password) = self.credentials.as_ref()?;
        Auth::basic(user.as_str(), password)
            .header_value()
            .ok()
            .cloned()
    }
}

impl fmt::Debug for Proxy {
    /// The address and kind; never the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("kind", &self.kind)
            .field("address", &self.address)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .finish()
    }
}

fn invalid(url: &str, why: &str) -> Error {
    // The URL may hold a password: name the proxy without it.
    let shown = match url.rsplit_once('@') {
        Some((_, host)) => format!("…@{host}"),
        None => url.to_owned(),
    };
    error_msg(
        ErrorKind::Proxy,
        format!("invalid proxy URL {shown}: {why}"),
    )
}

/// Proxies by requests' keys, and the hosts reached directly.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct ProxyTable {
    entries: Vec<(String, Arc<Proxy>)>,
    no_proxy: Option<NoProxy>,
}

impl ProxyTable {
    /// Sets `key` (a requests key, or `no_proxy`) to `value`.
    pub(crate) fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let key = key.trim().to_ascii_lowercase();
        if key == "no_proxy" || key == "no" {
            self.no_proxy = Some(NoProxy::parse(value));
            return Ok(());
        }
        let proxy = Arc::new(Proxy::parse(value)?);
        self.entries.retain(|(k, _)| *k != key);
        self.entries.push((key, proxy));
        Ok(())
    }

    /// Removes `key` (a requests key, or `no_proxy`); whether it was there.
    pub(crate) fn remove(&mut self, key: &str) -> bool {
        let key = key.trim().to_ascii_lowercase();
        if key == "no_proxy" || key == "no" {
            return self.no_proxy.take().is_some();
        }
        let before = self.entries.len();
        self.entries.retain(|(k, _)| *k != key);
        self.entries.len() != before
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.no_proxy.is_none()
    }

    /// The proxy for `uri`: `scheme://host`, `scheme`, `all://host`, `all`,
    /// unless its host is in the `no_proxy` list. `None` when nothing matches.
    pub(crate) fn select(&self, uri: &Uri) -> Selection {
        let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
            return Selection::NoMatch;
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = uri
            .port_u16()
            .unwrap_or(if scheme == "https" { 443 } else { 80 });
        if self
            .no_proxy
            .as_ref()
            .is_some_and(|np| np.matches(host, port))
        {
            return Selection::Direct;
        }
        let lookup = |key: &str| {
            self.entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, proxy)| proxy.clone())
        };
        let host = host.to_ascii_lowercase();
        [
            format!("{scheme}://{host}"),
            scheme.to_owned(),
            format!("all://{host}"),
            "all".to_owned(),
        ]
        .iter()
        .find_map(|key| lookup(key))
        .map_or(Selection::NoMatch, Selection::Proxy)
    }
}

/// What a proxy table says about one URL.
#[derive(Debug)]
pub(crate) enum Selection {
    /// Through this proxy.
    Proxy(Arc<Proxy>),
    /// Directly: the host is in the `no_proxy` list.
    Direct,
    /// The table has nothing for it: ask the next one.
    NoMatch,
}

/// The proxies of one request, carried as a request extension: its own, and
/// the session's live ones.
#[derive(Clone, Debug, Default)]
pub(crate) struct RequestProxies {
    /// The request's own (`RequestBuilder::proxy`), first of all.
    pub(crate) own: ProxyTable,
    /// What the live session set (`Session::set_proxy`, `set_trust_env`).
    pub(crate) session: Option<Arc<SessionProxies>>,
}

/// The proxy settings of a live session, changed after it was built.
#[derive(Clone, Debug, Default)]
pub(crate) struct SessionProxies {
    /// `Session::set_proxy`: after a request's own, before the adapter's.
    pub(crate) live: ProxyTable,
    /// The environment's, in place of the adapter's (`None`: the adapter's;
    /// an empty table: none, as with `set_trust_env(false)`).
    pub(crate) env: Option<ProxyTable>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(pairs: &[(&str, &str)]) -> ProxyTable {
        let mut table = ProxyTable::default();
        for (key, value) in pairs {
            table.set(key, value).unwrap();
        }
        table
    }

    fn chosen(table: &ProxyTable, url: &str) -> Option<String> {
        match table.select(&url.parse().unwrap()) {
            Selection::Proxy(proxy) => Some(proxy.address.to_string()),
            Selection::Direct | Selection::NoMatch => None,
        }
    }

    /// requests' `select_proxy` order: `scheme://host`, `scheme`, `all://host`, `all`.
    #[test]
    fn keys_are_looked_up_in_requests_order() {
        let t = table(&[
            ("all", "http://all:1"),
            ("all://a.test", "http://all-a:1"),
            ("https", "http://https:1"),
            ("https://a.test", "http://https-a:1"),
        ]);
        assert_eq!(
            chosen(&t, "https://a.test/").as_deref(),
            Some("http://https-a:1/")
        );
        assert_eq!(
            chosen(&t, "https://b.test/").as_deref(),
            Some("http://https:1/")
        );
        assert_eq!(
            chosen(&t, "http://a.test:8080/").as_deref(),
            Some("http://all-a:1/")
        );
        assert_eq!(
            chosen(&t, "http://b.test/").as_deref(),
            Some("http://all:1/")
        );
        assert_eq!(
            chosen(&table(&[("http", "p:3128")]), "https://a.test/"),
            None
        );
    }

    #[test]
    fn no_proxy_bypasses_the_table() {
        let t = table(&[("all", "http://p:3128"), ("no_proxy", "internal.test")]);
        assert!(matches!(
            t.select(&"http://api.internal.test/".parse().unwrap()),
            Selection::Direct
        ));
        assert!(chosen(&t, "http://external.test/").is_some());
    }

    #[test]
    fn proxy_urls_as_requests_reads_them() {
        let p = Proxy::parse("proxy.test:3128").unwrap();
        assert_eq!(
            (p.kind, p.address.to_string()),
            (
                ProxyKind::Http { tls: false },
                "http://proxy.test:3128/".to_owned()
            )
        );
        let p = Proxy::parse("https://u:p@proxy.test").unwrap();
        assert_eq!(p.kind, ProxyKind::Http { tls: true });
        assert!(p.speaks_tls());
        assert_eq!(
            p.address.port_u16(),
            Some(443),
            "https:// proxies default to 443"
        );
        assert_eq!(p.authorization().unwrap(), "Basic dTpw");
        assert_eq!(
            Proxy::parse("http://proxy.test")
                .unwrap()
                .address
                .port_u16(),
            Some(80)
        );
        let p = Proxy::parse("socks5h://u%40x:p%3Aw@127.0.0.1").unwrap();
        assert_eq!(p.kind, ProxyKind::Socks5 { remote_dns: true });
        assert_eq!(p.address.port_u16(), Some(1080));
        assert_eq!(p.credentials, Some(("u@x".to_owned(), "p:w".to_owned())));
        let p = Proxy::parse("http://user@proxy.test:3128").unwrap();
        assert_eq!(
            p.credentials,
            Some(("user".to_owned(), String::new())),
            "an empty password"
        );
        assert_eq!(
            p.authorization().unwrap(),
            HeaderValue::from_static("Basic dXNlcjo=")
        );
        assert!(
            !format!("{:?}", Proxy::parse("http://u:hunter2@p.test").unwrap()).contains("hunter2")
        );
    }

    /// requests' `InvalidProxyURL` cases, and schemes sessio does not speak.
    #[test]
    fn invalid_proxy_urls_are_proxy_errors() {
        for url in [
            "http:/bad",
            "http://:8080",
            "https://",
            "ftp://p.test",
            "https://u:secret@",
            "http://u:secret@",
        ] {
            let err = Proxy::parse(url).unwrap_err();
            assert!(err.is_proxy(), "{url}: {err:?}");
            assert!(!err.to_string().contains("secret"), "{err}");
        }
    }
}
