//! The mount table: which adapter serves which URL prefix (requests' `mount` and
//! `get_adapter`: longest prefix first, case-insensitive, plain string prefixes),
//! and origin mounts (scheme, host and port exactly, path on segment boundaries).

use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};

use http::Uri;
use sessio_core::__private::{error_msg, invalid_url};
use sessio_core::{Body, Error, ErrorKind, ResponseBody, Result, Url};
use tower_service::Service;

use crate::adapter::{Adapter, AdapterFuture};

/// Prefixes and their adapters, longest prefix first; equal lengths keep mount
/// order. Origin mounts are looked at first, the longest path first.
#[derive(Debug, Clone, Default)]
pub(crate) struct MountTable {
    entries: Vec<(String, Adapter)>,
    origins: Vec<(Origin, Adapter)>,
}

/// An origin mount: scheme, host and port exactly, and a path prefix that
/// ends on a segment boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
    // Without a trailing `/`; empty for the whole origin.
    path: String,
}

impl Origin {
    /// Parses `scheme://host[:port][/path]`; credentials, a query or a
    /// fragment are errors, as is a URL without a host.
    pub(crate) fn parse(prefix: &str) -> Result<Origin> {
        let url = Url::parse(prefix).map_err(|err| invalid_url(prefix, &err.to_string()))?;
        let Some(host) = url.host_str() else {
            return Err(invalid_url(prefix, "an origin mount needs a host"));
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid_url(prefix, "an origin mount has no credentials"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid_url(
                prefix,
                "an origin mount has no query or fragment",
            ));
        }
        Ok(Origin {
            scheme: url.scheme().to_owned(),
            host: host.to_owned(),
            port: url.port_or_known_default(),
            path: url.path().trim_end_matches('/').to_owned(),
        })
    }

    fn matches(&self, scheme: &str, host: &str, port: Option<u16>, path: &str) -> bool {
        scheme.eq_ignore_ascii_case(&self.scheme)
            && host.eq_ignore_ascii_case(&self.host)
            && port.or_else(|| known_port(scheme)) == self.port
            && path
                .strip_prefix(self.path.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }

    fn matches_uri(&self, uri: &Uri) -> bool {
        self.matches(
            uri.scheme_str().unwrap_or(""),
            uri.host().unwrap_or(""),
            uri.port_u16(),
            uri.path(),
        )
    }

    fn matches_url(&self, url: &Url) -> bool {
        self.matches(
            url.scheme(),
            url.host_str().unwrap_or(""),
            url.port(),
            url.path(),
        )
    }

    /// How `Session::mounts` shows it.
    fn describe(&self) -> String {
        let port = match (self.port, known_port(&self.scheme)) {
            (Some(port), Some(known)) if port == known => String::new(),
            (Some(port), _) => format!(":{port}"),
            (None, _) => String::new(),
        };
        format!(
            "{}://{}{port}{}/ (origin)",
            self.scheme, self.host, self.path
        )
    }
}

fn known_port(scheme: &str) -> Option<u16> {
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

impl MountTable {
    /// Mounts `adapter` at `prefix` exactly as requests does: an existing prefix keeps
    /// its place and gets the new adapter; then every shorter prefix moves behind it.
    pub(crate) fn mount(&mut self, prefix: String, adapter: Adapter) {
        let len = prefix.len();
        match self.entries.iter_mut().find(|(p, _)| *p == prefix) {
            Some(entry) => entry.1 = adapter,
            None => self.entries.push((prefix, adapter)),
        }
        let (longer, shorter): (Vec<_>, Vec<_>) = std::mem::take(&mut self.entries)
            .into_iter()
            .partition(|(p, _)| p.len() >= len);
        self.entries = longer;
        self.entries.extend(shorter);
    }

    /// Mounts `adapter` for `origin`, replacing an adapter mounted for the
    /// same origin; longer paths are looked at first.
    pub(crate) fn mount_origin(&mut self, origin: Origin, adapter: Adapter) {
        match self.origins.iter_mut().find(|(o, _)| *o == origin) {
            Some(entry) => entry.1 = adapter,
            None => {
                self.origins.push((origin, adapter));
                // Stable: equal lengths keep mount order.
                self.origins
                    .sort_by_key(|(o, _)| std::cmp::Reverse(o.path.len()));
            }
        }
    }

    /// The mounts in lookup order: origin mounts, then prefixes.
    pub(crate) fn prefixes(&self) -> impl Iterator<Item = String> + '_ {
        let origins = self.origins.iter().map(|(o, _)| o.describe());
        origins.chain(self.entries.iter().map(|(p, _)| p.clone()))
    }

    /// The mounted adapters in lookup order (one adapter may be mounted twice).
    pub(crate) fn adapters(&self) -> impl Iterator<Item = &Adapter> {
        let origins = self.origins.iter().map(|(_, a)| a);
        origins.chain(self.entries.iter().map(|(_, a)| a))
    }

    /// The adapter for a URL string.
    pub(crate) fn get(&self, url: &str) -> Option<&Adapter> {
        if !self.origins.is_empty()
            && let Ok(parsed) = Url::parse(url)
            && let Some((_, adapter)) = self.origins.iter().find(|(o, _)| o.matches_url(&parsed))
        {
            return Some(adapter);
        }
        self.entries
            .iter()
            .find(|(prefix, _)| starts_with_ignore_case(url.as_bytes(), prefix.as_bytes()))
            .map(|(_, adapter)| adapter)
    }

    /// The adapter for a request URI, compared piece by piece without formatting it.
    pub(crate) fn get_for_uri(&self, uri: &Uri) -> Option<&Adapter> {
        if let Some((_, adapter)) = self.origins.iter().find(|(o, _)| o.matches_uri(uri)) {
            return Some(adapter);
        }
        self.entries
            .iter()
            .find(|(prefix, _)| uri_starts_with(uri, prefix.as_bytes()))
            .map(|(_, adapter)| adapter)
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.origins.clear();
    }
}

fn starts_with_ignore_case(text: &[u8], prefix: &[u8]) -> bool {
    text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Whether `scheme://authority/path?query` of `uri` starts with `prefix` (ASCII case-insensitive).
fn uri_starts_with(uri: &Uri, mut prefix: &[u8]) -> bool {
    let pieces: [&[u8]; 4] = [
        uri.scheme_str().unwrap_or("").as_bytes(),
        b"://",
        uri.authority().map_or("", |a| a.as_str()).as_bytes(),
        uri.path_and_query().map_or("/", |p| p.as_str()).as_bytes(),
    ];
    for piece in pieces {
        if prefix.is_empty() {
            return true;
        }
        let n = piece.len().min(prefix.len());
        if !piece[..n].eq_ignore_ascii_case(&prefix[..n]) {
            return false;
        }
        prefix = &prefix[n..];
    }
    prefix.is_empty()
}

/// The error of a URL no adapter is mounted for (requests' `InvalidSchema`).
pub(crate) fn no_adapter(url: &str) -> Error {
    error_msg(
        ErrorKind::NoAdapter,
        format!("No connection adapters were found for {url:?}"),
    )
}

/// The innermost service of a session: picks the adapter for each request.
#[derive(Debug, Clone)]
pub(crate) struct Router {
    table: Arc<RwLock<MountTable>>,
}

impl Router {
    pub(crate) fn new(table: Arc<RwLock<MountTable>>) -> Self {
        Router { table }
    }

    pub(crate) fn route(&self, request: http::Request<Body>) -> AdapterFuture {
        // `send` only makes the future, so the adapter is used under the read
        // lock instead of being cloned out of the table.
        let table = self.table.read().unwrap_or_else(PoisonError::into_inner);
        match table.get_for_uri(request.uri()) {
            Some(adapter) => adapter.send(request),
            None => AdapterFuture::error(no_adapter(&request.uri().to_string())),
        }
    }
}

impl Service<http::Request<Body>> for Router {
    type Response = http::Response<ResponseBody>;
    type Error = Error;
    type Future = AdapterFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        self.route(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HttpAdapter;

    fn table(prefixes: &[&str]) -> MountTable {
        let adapter = Adapter::new(HttpAdapter::new());
        let mut table = MountTable::default();
        for p in prefixes {
            table.mount((*p).to_owned(), adapter.clone());
        }
        table
    }

    #[test]
    fn requests_mount_ordering_vectors() {
        // requests test_session_get_adapter_prefix_matching / ordering (Appendix D)
        let t = table(&[
            "https://",
            "http://",
            "http://git",
            "http://github",
            "http://github.com",
            "http://github.com/about/",
        ]);
        let order: Vec<_> = t.prefixes().collect();
        assert_eq!(
            order,
            [
                "http://github.com/about/",
                "http://github.com",
                "http://github",
                "http://git",
                "https://",
                "http://"
            ]
        );
        let t = table(&["http://github.com/about/", "http://gittip.com/about/"]);
        let order: Vec<_> = t.prefixes().collect();
        assert_eq!(
            order,
            ["http://github.com/about/", "http://gittip.com/about/"]
        );
    }

    #[test]
    fn lookup_is_case_insensitive_and_by_plain_prefix() {
        let t = table(&["https://", "hTtPs://eXamPle.CoM/MixEd_CAse_PREfix"]);
        let uri: Uri = "https://example.com/mixed_case_prefix/x".parse().unwrap();
        assert!(uri_starts_with(
            &uri,
            b"hTtPs://eXamPle.CoM/MixEd_CAse_PREfix"
        ));
        assert!(t.get("HTTPS://EXAMPLE.COM/MIXED_CASE_PREFIX").is_some());
        let uri: Uri = "https://example.com.other.com/some/path".parse().unwrap();
        assert!(uri_starts_with(&uri, b"https://example.com"));
        assert!(!uri_starts_with(&uri, b"https://example.com/"));
        assert!(t.get("ftp://x/").is_none());
    }

    #[test]
    fn origin_mounts_match_the_origin_exactly_and_paths_on_segments() {
        let origin = Origin::parse("https://Example.com/api/").unwrap();
        let yes = [
            "https://example.com/api",
            "https://example.com/api/",
            "https://EXAMPLE.com:443/api/v1?x=1",
        ];
        let no = [
            "https://example.com.evil.net/api",
            "https://example.com/apix",
            "https://example.com/",
            "http://example.com/api",
            "https://example.com:8443/api",
            "https://evil.net/https://example.com/api",
        ];
        for url in yes {
            let uri: Uri = url.parse().unwrap();
            assert!(origin.matches_uri(&uri), "{url}");
            assert!(origin.matches_url(&Url::parse(url).unwrap()), "{url}");
        }
        for url in no {
            let uri: Uri = url.parse().unwrap();
            assert!(!origin.matches_uri(&uri), "{url}");
            assert!(!origin.matches_url(&Url::parse(url).unwrap()), "{url}");
        }
        let whole = Origin::parse("http://127.0.0.1:8080").unwrap();
        assert!(whole.matches_uri(&"http://127.0.0.1:8080/any/thing".parse().unwrap()));
        assert!(!whole.matches_uri(&"http://127.0.0.1/".parse().unwrap()));
        assert_eq!(whole.describe(), "http://127.0.0.1:8080/ (origin)");
    }

    #[test]
    fn origin_mounts_without_a_host_or_with_extras_are_invalid() {
        for bad in [
            "not a url",
            "mailto:a@b.test",
            "https://user:pw@example.com/",
            "https://example.com/?q=1",
            "https://example.com/#top",
        ] {
            let err = Origin::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidUrl, "{bad}: {err}");
        }
    }
}
