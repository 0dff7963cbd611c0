//! What a client cache (sessio's `cache` layer) reads from a request and tells
//! on a response: a per-request [`CacheMode`] in the request's extensions, and a
//! [`CacheStatus`] in the extensions of every response that went through a
//! cache (read it with [`Response::cache_status`](crate::Response::cache_status)
//! and [`Response::from_cache`](crate::Response::from_cache)).

/// How a cache treats one request (a request extension; the default is
/// [`CacheMode::Default`]).
///
/// ```
/// use sessio::layers::cache::CacheMode;
///
/// let mut request = sessio::http::Request::new(());
/// request.extensions_mut().insert(CacheMode::OnlyIfCached);
/// assert_eq!(request.extensions().get::<CacheMode>(), Some(&CacheMode::OnlyIfCached));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CacheMode {
    /// RFC 9111: serve fresh stored responses, revalidate stale ones, store
    /// what may be stored.
    #[default]
    Default,
    /// Leave the cache out: nothing is read from it or written to it.
    Bypass,
    /// Revalidate a stored response with the server now, even if it is fresh
    /// (requests-cache's `refresh=True`); store the answer.
    Refresh,
    /// Answer only from the store: a fresh stored response, or a
    /// `504 Gateway Timeout` without contacting the server (RFC 9111 §5.2.1.7).
    OnlyIfCached,
}

/// Where a response came from, as the cache tells it (a response extension).
///
/// ```
/// use sessio::layers::cache::CacheStatus;
///
/// assert!(CacheStatus::Hit.is_from_cache());
/// assert!(CacheStatus::Revalidated.is_revalidated());
/// assert!(!CacheStatus::Miss.is_from_cache());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CacheStatus {
    /// A fresh stored response, served without contacting the server.
    Hit,
    /// A stored response the server confirmed with a `304 Not Modified`; the
    /// body comes from the store, the headers are updated.
    Revalidated,
    /// A stale stored response, served because the server failed
    /// (`stale-if-error`) or while it is revalidated in the background
    /// (`stale-while-revalidate`).
    Stale,
    /// The response came from the server (it may have been stored).
    Miss,
    /// Nothing stored could answer an only-if-cached request: the cache made
    /// up a `504 Gateway Timeout`.
    Unsatisfiable,
}

impl CacheStatus {
    /// Whether the body comes from the store (a hit, a revalidated or a stale response).
    pub fn is_from_cache(self) -> bool {
        matches!(
            self,
            CacheStatus::Hit | CacheStatus::Revalidated | CacheStatus::Stale
        )
    }

    /// Whether the server confirmed the stored response (`304 Not Modified`).
    pub fn is_revalidated(self) -> bool {
        self == CacheStatus::Revalidated
    }
}
