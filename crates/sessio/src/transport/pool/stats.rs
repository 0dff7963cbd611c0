//! What the pool tells about itself: [`PoolStats`], in all and per key.

use std::fmt;
use std::sync::atomic::Ordering;

use super::{Host, Pool};
use crate::transport::key::ConnKey;

/// A snapshot of an adapter's connections, from [`HttpAdapter::pool_stats`] or
/// [`Session::pool_stats`] (the sum over the session's HTTP adapters), or of
/// one key's connections ([`HttpAdapter::pool_stats_by_key`]).
///
/// [`HttpAdapter::pool_stats`]: crate::HttpAdapter::pool_stats
/// [`HttpAdapter::pool_stats_by_key`]: crate::HttpAdapter::pool_stats_by_key
/// [`Session::pool_stats`]: crate::Session::pool_stats
///
/// ```no_run
/// # async fn run() -> sessio::Result<()> {
/// let session = sessio::Session::new();
/// for _ in 0..3 {
///     session.get("http://127.0.0.1:8080/").send().await?;
/// }
/// let stats = session.pool_stats();
/// assert_eq!(stats.created, 1); // one connection, kept alive
/// assert_eq!(stats.reused, 2); // the second and third requests reused it
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStats {
    /// Connections open now, idle or in use.
    pub open: usize,
    /// Open connections with nothing in flight, ready for a request.
    pub idle: usize,
    /// Open connections carrying a request or a response now: an HTTP/1
    /// connection from the moment a request takes it to the end (or drop) of
    /// its response body, an HTTP/2 connection while a stream is open on it.
    pub in_use: usize,
    /// Connections being opened now.
    pub connecting: usize,
    /// Connections opened since the adapter was built.
    pub created: u64,
    /// HTTP/1 requests sent on a connection that had carried a request before
    /// (HTTP/2 streams share their connection and are not counted).
    pub reused: u64,
    /// Requests waiting now for a connection under the pool's limits.
    pub waiting: usize,
}

impl std::ops::Add for PoolStats {
    type Output = PoolStats;

    fn add(self, other: PoolStats) -> PoolStats {
        PoolStats {
            open: self.open + other.open,
            idle: self.idle + other.idle,
            in_use: self.in_use + other.in_use,
            connecting: self.connecting + other.connecting,
            created: self.created + other.created,
            reused: self.reused + other.reused,
            waiting: self.waiting + other.waiting,
        }
    }
}

/// Which connections a [`PoolStats`] of
/// [`HttpAdapter::pool_stats_by_key`](crate::HttpAdapter::pool_stats_by_key)
/// counts: one scheme, host and port, over one route (the adapter's own TLS
/// settings and no proxy, or a request's own TLS settings or proxy).
///
/// ```
/// let adapter = sessio::HttpAdapter::new();
/// assert!(adapter.pool_stats_by_key().is_empty());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PoolKey {
    scheme: String,
    authority: String,
    route: Option<String>,
}

impl PoolKey {
    fn of(key: &ConnKey) -> Self {
        PoolKey {
            scheme: key.scheme.to_string(),
            authority: key.authority.to_string(),
            route: key.route().map(|route| format!("{route:?}")),
        }
    }

    /// `http` or `https` (or the scheme of a mounted adapter's URLs).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The host and port as the URLs wrote them (`example.com`, `127.0.0.1:8080`).
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// What sets these connections apart besides the origin, in words
    /// (`"verify off"`, `"through proxy.internal:3128"`, `"through
    /// https://proxy.internal:443"` for an `https://` proxy); `None` for the
    /// adapter's own TLS settings without a proxy.
    pub fn route(&self) -> Option<&str> {
        self.route.as_deref()
    }
}

impl fmt::Debug for PoolKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.authority)?;
        if let Some(route) = &self.route {
            write!(f, " ({route})")?;
        }
        Ok(())
    }
}

impl fmt::Display for PoolKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl Host {
    /// Idle connections: HTTP/1 connections on the idle stack, HTTP/2
    /// connections without an open stream.
    fn idle_count(&self) -> usize {
        let idle = self.idle.len();
        #[cfg(feature = "http2")]
        let idle = idle
            + self
                .h2
                .iter()
                .filter(|conn| conn.meta.streams.load(Ordering::Acquire) == 0)
                .count();
        idle
    }

    fn stats(&self) -> PoolStats {
        let idle = self.idle_count().min(self.open);
        PoolStats {
            open: self.open,
            idle,
            in_use: self.open - idle,
            connecting: self.connecting,
            created: self.created,
            reused: self.reused,
            waiting: 0,
        }
    }
}

impl Pool {
    /// The counts over every key.
    pub(crate) fn stats(&self) -> PoolStats {
        let state = self.shared.lock();
        let idle = state
            .hosts
            .iter()
            .flatten()
            .map(Host::idle_count)
            .sum::<usize>()
            .min(state.totals.open);
        PoolStats {
            open: state.totals.open,
            idle,
            in_use: state.totals.open - idle,
            connecting: state.totals.connecting,
            created: state.totals.created,
            reused: state.totals.reused,
            waiting: self.shared.waiting.load(Ordering::Acquire),
        }
    }

    /// The counts of each key with a connection (open or being opened), or
    /// a request waiting.
    pub(crate) fn stats_by_key(&self) -> Vec<(PoolKey, PoolStats)> {
        let state = self.shared.lock();
        let mut all: Vec<(PoolKey, PoolStats)> = state
            .hosts
            .iter()
            .flatten()
            .map(|host| {
                let mut stats = host.stats();
                stats.waiting = state
                    .waiters
                    .iter()
                    .filter(|waiter| waiter.key == host.key && !waiter.tx.is_closed())
                    .count();
                (PoolKey::of(&host.key), stats)
            })
            .filter(|(_, stats)| stats.open + stats.connecting + stats.waiting > 0)
            .collect();
        all.sort_by(|a, b| (&a.0.scheme, &a.0.authority).cmp(&(&b.0.scheme, &b.0.authority)));
        all
    }
}
