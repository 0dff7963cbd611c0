//! `CacheLayer`: the store, the options and the counters a cache shares.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::{StatusCode, Uri};
use tower_layer::Layer;

use super::entry::CacheEntry;
use super::service::Cache;
use super::store::{CacheStore, MemoryStore};

/// How long responses matching an override stay fresh, instead of what their
/// headers say (requests-cache's `urls_expire_after` and `expire_after`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expiry {
    /// Fresh for this long after they were received (`no-store` still wins).
    After(Duration),
    /// Never stored.
    DoNotCache,
    /// As their headers say (to exempt a narrower pattern from a wider one).
    Headers,
}

/// The options of a cache.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) max_entry_size: u64,
    urls: Vec<(String, Expiry)>,
    statuses: Vec<(StatusCode, Expiry)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_entry_size: DEFAULT_MAX_ENTRY_SIZE,
            urls: Vec::new(),
            statuses: Vec::new(),
        }
    }
}

/// The largest body stored by default: 8 MiB.
pub const DEFAULT_MAX_ENTRY_SIZE: u64 = 8 * 1024 * 1024;

impl Options {
    /// The override for a response: the first URL pattern that matches, else
    /// the status's.
    pub(crate) fn expiry_for(&self, uri: &Uri, status: StatusCode) -> Option<Expiry> {
        if !self.urls.is_empty() {
            let url = uri.to_string();
            let bare = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
            for (pattern, expiry) in &self.urls {
                if glob(pattern.as_bytes(), bare.as_bytes()) {
                    return Some(*expiry);
                }
            }
        }
        self.statuses
            .iter()
            .find(|(s, _)| *s == status)
            .map(|(_, expiry)| *expiry)
    }
}

/// `*` matches any run of characters; the pattern matches a prefix of `text`.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    // Iterative matching with one backtrack point: linear in practice.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p == pattern.len() {
            return true; // a prefix is enough
        }
        if pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
            continue;
        }
        if t < text.len() && pattern[p].eq_ignore_ascii_case(&text[t]) {
            p += 1;
            t += 1;
            continue;
        }
        match star {
            Some((sp, st)) if st < text.len() => {
                star = Some((sp, st + 1));
                p = sp + 1;
                t = st + 1;
            }
            _ => return false,
        }
    }
}

/// Counters of a cache since it was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Fresh stored responses served without the server.
    pub hits: u64,
    /// Requests the cache could not answer from its store (sent to the server).
    pub misses: u64,
    /// Stored responses the server confirmed with `304 Not Modified`.
    pub revalidations: u64,
    /// Stale stored responses served (`stale-if-error`, `stale-while-revalidate`).
    pub stale: u64,
    /// Responses written to the store.
    pub stores: u64,
    /// What the store holds now, in bytes (as the store counts them).
    pub bytes: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) hits: AtomicU64,
    pub(crate) misses: AtomicU64,
    pub(crate) revalidations: AtomicU64,
    pub(crate) stale: AtomicU64,
    pub(crate) stores: AtomicU64,
}

impl Stats {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// What every clone of a cache service shares.
pub(crate) struct Shared {
    pub(crate) store: Arc<dyn CacheStore>,
    pub(crate) options: Options,
    pub(crate) stats: Arc<Stats>,
}

impl Shared {
    /// Stores `variant` under `key`, in place of the variant it matches.
    pub(crate) fn insert(&self, key: &str, variant: super::entry::Variant) {
        let mut entry = self
            .store
            .get(key)
            .map(|e| (*e).clone())
            .unwrap_or_default();
        entry.key = key.to_owned();
        entry
            .variants
            .retain(|old| old.auth != variant.auth || old.vary != variant.vary);
        if entry.variants.len() >= super::entry::MAX_VARIANTS {
            entry.variants.remove(0);
        }
        entry.variants.push(Arc::new(variant));
        self.store.put(key, Arc::new(entry));
        Stats::bump(&self.stats.stores);
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("store", &self.store)
            .field("options", &self.options)
            .finish()
    }
}

/// Adds an RFC 9111 private cache to a service. See the [module docs](super)
/// for more details.
///
/// The layer is a handle: its clones, and every service it made, share the
/// store and the counters ([`stats`](Self::stats), [`clear`](Self::clear)).
#[derive(Clone)]
pub struct CacheLayer {
    store: Arc<dyn CacheStore>,
    options: Options,
    stats: Arc<Stats>,
}

impl CacheLayer {
    /// A cache over `store`.
    pub fn new(store: impl CacheStore) -> Self {
        Self::with_store(Arc::new(store))
    }

    /// A cache over a store shared with other caches.
    pub fn with_store(store: Arc<dyn CacheStore>) -> Self {
        CacheLayer {
            store,
            options: Options::default(),
            stats: Arc::default(),
        }
    }

    /// A cache in memory, at most `max_bytes` (least recently used entries go first).
    pub fn memory(max_bytes: u64) -> Self {
        Self::new(MemoryStore::new(max_bytes))
    }

    /// The largest body stored (default [`DEFAULT_MAX_ENTRY_SIZE`]); a larger
    /// response passes through and is not stored.
    pub fn max_entry_size(mut self, bytes: u64) -> Self {
        self.options.max_entry_size = bytes;
        self
    }

    /// Responses whose URL matches `pattern` stay fresh as `expiry` says,
    /// whatever their headers. The pattern is matched against the URL without
    /// its scheme (`api.example.com/static/*`), `*` matches anything, and it
    /// matches from the start of the URL (a prefix is enough); the first
    /// pattern added that matches wins over the status overrides.
    pub fn expire_url(mut self, pattern: impl Into<String>, expiry: Expiry) -> Self {
        self.options.urls.push((pattern.into(), expiry));
        self
    }

    /// Responses with `status` stay fresh as `expiry` says (when no URL
    /// pattern matched). Only statuses a cache may store are stored.
    pub fn expire_status(mut self, status: StatusCode, expiry: Expiry) -> Self {
        self.options.statuses.push((status, expiry));
        self
    }

    /// The counters, and the bytes in the store.
    pub fn stats(&self) -> CacheStats {
        let s = &self.stats;
        CacheStats {
            hits: s.hits.load(Ordering::Relaxed),
            misses: s.misses.load(Ordering::Relaxed),
            revalidations: s.revalidations.load(Ordering::Relaxed),
            stale: s.stale.load(Ordering::Relaxed),
            stores: s.stores.load(Ordering::Relaxed),
            bytes: self.store.size(),
        }
    }

    /// Removes every stored response.
    pub fn clear(&self) {
        self.store.clear();
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn CacheStore> {
        &self.store
    }

    /// The entry stored for `url`, if any.
    pub fn get(&self, url: &str) -> Option<Arc<CacheEntry>> {
        self.store.get(url)
    }

    pub(crate) fn shared(&self) -> Arc<Shared> {
        Arc::new(Shared {
            store: self.store.clone(),
            options: self.options.clone(),
            stats: self.stats.clone(),
        })
    }
}

impl fmt::Debug for CacheLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheLayer")
            .field("store", &self.store)
            .field("options", &self.options)
            .field("stats", &self.stats())
            .finish()
    }
}

impl<S> Layer<S> for CacheLayer {
    type Service = Cache<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Cache::from_shared(inner, self.shared())
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob(b"api.test/static/*", b"api.test/static/a.css"));
        assert!(glob(b"api.test/static", b"api.test/static/a.css"));
        assert!(glob(b"*.test/img", b"cdn.test/img/1"));
        assert!(!glob(b"*.test/img", b"cdn.test/api/1"));
        assert!(glob(b"*", b""));
        assert!(!glob(b"api.test/x", b"api.test/"));
        assert!(glob(b"a*b*c", b"aXXbYYc"));
    }
}
