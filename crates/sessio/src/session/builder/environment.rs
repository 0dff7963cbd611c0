//! The session builder's proxies and what it takes from the environment.

use std::path::PathBuf;

use super::SessionBuilder;

impl SessionBuilder {
    /// Sends requests matching `key` through the proxy at `url` (requests'
    /// `proxies={key: url}`): see [`sessio::proxy`](crate::proxy) for the keys,
    /// the proxy kinds and `"no_proxy"`. An invalid proxy URL is an error at
    /// [`build`](Self::build) for which `is_proxy()` is true.
    ///
    /// ```
    /// let session = sessio::Session::builder()
    ///     .proxy("https", "http://user:pass@proxy.internal:3128")
    ///     .proxy("no_proxy", "localhost")
    ///     .build()?;
    /// # drop(session);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn proxy(mut self, key: &str, url: &str) -> Self {
        self.http = self.http.proxy(key, url);
        self
    }

    /// Whether the session reads settings from the environment (default: yes,
    /// as requests' `trust_env`):
    ///
    /// * proxies: `http_proxy`, `https_proxy` and `all_proxy`, with
    ///   `no_proxy` (see [`sessio::proxy`](crate::proxy)), used for requests
    ///   that match no proxy of the session's own;
    /// * the CA bundle: when the session verifies certificates with no bundle
    ///   of its own, the bundle named by `REQUESTS_CA_BUNDLE`, else by
    ///   `CURL_CA_BUNDLE`, replaces the built-in roots;
    /// * `.netrc`: for a request without auth (neither its own nor the
    ///   session's), the Basic credentials of its host in `$NETRC`, else
    ///   `~/.netrc`, else `~/_netrc` (a file that cannot be read or parsed is
    ///   ignored, as requests ignores it). They are looked up again for each
    ///   redirect hop's host; the file's `default` entry is used on the first
    ///   request's host only, never after a redirect to another host.
    ///
    /// The environment (and the netrc file) is read once, by
    /// [`build`](Self::build) (requests reads it on every request). A bundle it names that cannot be read does not
    /// fail `build`: `https://` requests then fail with an error saying why,
    /// for which `is_builder()` is true, before connecting. A proxy variable
    /// that is not a proxy URL is ignored.
    ///
    /// ```
    /// // Settings from the code only, whatever the environment says.
    /// let session = sessio::Session::builder().trust_env(false).build()?;
    /// # drop(session);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn trust_env(mut self, trust: bool) -> Self {
        self.trust_env = trust;
        self
    }
}

/// The proxies of the environment.
pub(crate) fn proxies_from_env() -> crate::proxy::ProxyTable {
    crate::proxy::from_environment(|name| std::env::var_os(name))
}

/// The CA bundle the environment names: `REQUESTS_CA_BUNDLE`, then
/// `CURL_CA_BUNDLE`; empty values count as unset, as in requests.
pub(crate) fn ca_bundle_from_env() -> Option<PathBuf> {
    ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"]
        .into_iter()
        .filter_map(std::env::var_os)
        .find(|value| !value.is_empty())
        .map(PathBuf::from)
}
