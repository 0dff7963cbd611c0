//! The mount table: which adapter serves which URL prefix (requests' `mount` and
//! `get_adapter`: longest prefix first, case-insensitive, plain string prefixes).

use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};

use http::Uri;
use sessio_core::__private::error_msg;
use sessio_core::{Body, Error, ErrorKind, ResponseBody, Result};
use tower_service::Service;

use crate::adapter::{Adapter, AdapterFuture};

/// Prefixes and their adapters, longest prefix first; equal lengths keep mount order.
#[derive(Debug, Clone, Default)]
pub(crate) struct MountTable {
    entries: Vec<(String, Adapter)>,
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

    /// The prefixes in lookup order.
    pub(crate) fn prefixes(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(p, _)| p.as_str())
    }

    /// The mounted adapters in lookup order (one adapter may be mounted twice).
    pub(crate) fn adapters(&self) -> impl Iterator<Item = &Adapter> {
        self.entries.iter().map(|(_, a)| a)
    }

    /// The adapter for a URL string.
    pub(crate) fn get(&self, url: &str) -> Option<&Adapter> {
        self.entries
            .iter()
            .find(|(prefix, _)| starts_with_ignore_case(url.as_bytes(), prefix.as_bytes()))
            .map(|(_, adapter)| adapter)
    }

    /// The adapter for a request URI, compared piece by piece without formatting it.
    pub(crate) fn get_for_uri(&self, uri: &Uri) -> Option<&Adapter> {
        self.entries
            .iter()
            .find(|(prefix, _)| uri_starts_with(uri, prefix.as_bytes()))
            .map(|(_, adapter)| adapter)
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
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
}
