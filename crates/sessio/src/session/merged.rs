//! `Session::merge_environment_settings`: what a request to a URL would use.

use std::fmt;
use std::path::PathBuf;

use sessio_core::Result;

use super::Session;
use crate::proxy::{Proxy, ProxyKind};

/// The proxy and TLS settings a request to one URL would be sent with, the
/// session's own and the environment's merged (requests'
/// `Session.merge_environment_settings`), from
/// [`Session::merge_environment_settings`]. A request's own settings
/// (`RequestBuilder::proxy`, `verify`, …) would still come first.
#[derive(Clone)]
pub struct MergedSettings {
    adapter: String,
    http: bool,
    proxy: Option<Proxy>,
    verify: bool,
    ca_bundle: Option<PathBuf>,
    client_cert: bool,
    tls_error: Option<String>,
}

impl MergedSettings {
    /// The type name of the adapter the URL is sent with.
    pub fn adapter(&self) -> &str {
        &self.adapter
    }

    /// Whether that adapter is an [`HttpAdapter`](crate::HttpAdapter); the
    /// other settings are only known for one, and are the defaults otherwise.
    pub fn is_http_adapter(&self) -> bool {
        self.http
    }

    /// The proxy URL (`http://`, `https://`, `socks5h://`, …; a password shown as `***`),
    /// or `None` for a direct connection.
    pub fn proxy(&self) -> Option<String> {
        let proxy = self.proxy.as_ref()?;
        let scheme = match proxy.kind {
            ProxyKind::Http { tls: false } => "http",
            ProxyKind::Http { tls: true } => "https",
            ProxyKind::Socks4 { remote_dns: false } => "socks4",
            ProxyKind::Socks4 { remote_dns: true } => "socks4a",
            ProxyKind::Socks5 { remote_dns: false } => "socks5",
            ProxyKind::Socks5 { remote_dns: true } => "socks5h",
        };
        let authority = proxy.address.authority().map(|a| a.as_str()).unwrap_or("");
        Some(match &proxy.credentials {
            Some((user, _)) => format!("{scheme}://{user}:***@{authority}"),
            None => format!("{scheme}://{authority}"),
        })
    }

    /// Whether certificates are verified.
    pub fn verify(&self) -> bool {
        self.verify
    }

    /// The CA bundle trusted in place of the built-in roots, if any (the
    /// session's own, or the one `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` names).
    pub fn ca_bundle(&self) -> Option<&std::path::Path> {
        self.ca_bundle.as_deref()
    }

    /// Whether a client certificate is presented.
    pub fn client_cert(&self) -> bool {
        self.client_cert
    }

    /// Why `https://` requests would fail before connecting (an unusable CA
    /// bundle from the environment), if they would.
    pub fn tls_error(&self) -> Option<&str> {
        self.tls_error.as_deref()
    }
}

impl fmt::Debug for MergedSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MergedSettings")
            .field("adapter", &self.adapter)
            .field("proxy", &self.proxy())
            .field("verify", &self.verify)
            .field("ca_bundle", &self.ca_bundle)
            .field("client_cert", &self.client_cert)
            .field("tls_error", &self.tls_error)
            .finish()
    }
}

impl Session {
    /// The proxy and TLS settings a request to `url` would use: the
    /// session's (as changed on the live session), then the environment's
    /// when `trust_env` is on (requests'
    /// `merge_environment_settings`), so that you can see why a request went
    /// where it went. Fails like a request would for a URL no adapter is
    /// mounted for.
    ///
    /// ```
    /// let session = sessio::Session::builder()
    ///     .trust_env(false)
    ///     .proxy("https", "http://user:secret@proxy.internal:3128")
    ///     .proxy("no_proxy", "localhost")
    ///     .build()?;
    /// let merged = session.merge_environment_settings("https://api.example/v1")?;
    /// assert_eq!(merged.proxy().as_deref(), Some("http://user:***@proxy.internal:3128"));
    /// assert!(merged.verify());
    /// assert_eq!(session.merge_environment_settings("https://localhost/")?.proxy(), None);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn merge_environment_settings(&self, url: &str) -> Result<MergedSettings> {
        let adapter = self.get_adapter(url)?;
        let prepared = sessio_core::Request::new(http::Method::GET, url).prepare()?;
        let mut merged = MergedSettings {
            adapter: adapter.name().to_owned(),
            http: false,
            proxy: None,
            verify: true,
            ca_bundle: None,
            client_cert: false,
            tls_error: None,
        };
        if let Some(http) = adapter.as_http() {
            let mut request = prepared.into_http()?;
            if let Some(live) = self.inner.live.get() {
                live.apply(&mut request);
            }
            let https = request.uri().scheme() == Some(&http::uri::Scheme::HTTPS);
            let (proxy, tls, tls_error) = http.settings_for(&request);
            merged.http = true;
            merged.proxy = proxy.map(|p| (*p).clone());
            merged.verify = tls.verify;
            merged.ca_bundle = tls.ca_bundle;
            merged.client_cert = tls.identity.is_some();
            merged.tls_error = tls_error.filter(|_| https);
        }
        Ok(merged)
    }
}
