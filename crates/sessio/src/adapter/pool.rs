//! Connection accounting and the per-host connection cap of [`HttpAdapter`]:
//! a connector wrapper that waits for a free slot before connecting, and a
//! transport wrapper that holds the slot and the counts while the connection lives.
//!
//! [`HttpAdapter`]: super::HttpAdapter

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};
use sessio_core::__private::connection_info;
use sessio_core::BoxError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower_service::Service;

use super::connect::RequestScope;
use super::connection::ConnState;
use super::transport::TransportFacts;

/// A snapshot of an adapter's connections, from [`HttpAdapter::pool_stats`] or
/// [`Session::pool_stats`] (the sum over the session's HTTP adapters).
///
/// [`HttpAdapter::pool_stats`]: super::HttpAdapter::pool_stats
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
    /// connection from the first byte of a request to the end (or drop) of
    /// its response body, an HTTP/2 connection while a response body is open.
    pub in_use: usize,
    /// Connections opened since the adapter was built.
    pub created: u64,
    /// HTTP/1 requests sent on a connection that had carried a request before
    /// (HTTP/2 streams share their connection and are not counted).
    pub reused: u64,
    /// Requests waiting now for a free connection slot under
    /// `max_connections_per_host`.
    pub waiting: usize,
}

impl std::ops::Add for PoolStats {
    type Output = PoolStats;

    fn add(self, other: PoolStats) -> PoolStats {
        PoolStats {
            open: self.open + other.open,
            idle: self.idle + other.idle,
            in_use: self.in_use + other.in_use,
            created: self.created + other.created,
            reused: self.reused + other.reused,
            waiting: self.waiting + other.waiting,
        }
    }
}

/// The cause of a pool timeout, found in the error's source chain.
#[derive(Debug)]
pub(crate) struct PoolTimedOut(pub(crate) Duration);

impl fmt::Display for PoolTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no connection to this host became free within {:?} (max_connections_per_host)",
            self.0
        )
    }
}

impl std::error::Error for PoolTimedOut {}

/// The counts and the slots shared by every clone of one adapter.
#[derive(Default)]
pub(crate) struct Pool {
    open: AtomicUsize,
    created: AtomicU64,
    reused: AtomicU64,
    waiting: AtomicUsize,
    slots: Option<Slots>,
    connections: Mutex<Vec<Weak<ConnState>>>,
}

impl Pool {
    /// Accounting only, or accounting and at most `per_host` connections per
    /// host, a request waiting at most `wait` for one (`None`: as long as it takes).
    pub(crate) fn new(per_host: Option<usize>, wait: Option<Duration>) -> Self {
        Pool {
            slots: per_host.map(|limit| Slots {
                limit,
                wait,
                hosts: Mutex::new(HashMap::new()),
            }),
            ..Pool::default()
        }
    }

    /// Whether there is a per-host cap.
    pub(crate) fn is_capped(&self) -> bool {
        self.slots.is_some()
    }

    pub(crate) fn stats(&self) -> PoolStats {
        let open = self.open.load(Ordering::Relaxed);
        let in_use = lock(&self.connections)
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|conn| conn.is_busy())
            .count();
        PoolStats {
            open,
            idle: open.saturating_sub(in_use),
            in_use,
            created: self.created.load(Ordering::Relaxed),
            reused: self.reused.load(Ordering::Relaxed),
            waiting: self.waiting.load(Ordering::Relaxed),
        }
    }

    /// Closes every connection: idle ones now, busy ones when their last
    /// response is done.
    pub(crate) fn close_all(&self) {
        for conn in lock(&self.connections).iter().filter_map(Weak::upgrade) {
            conn.close_when_done();
        }
    }

    /// Keeps track of a new connection for [`stats`](Self::stats).
    fn register(&self, conn: &Arc<ConnState>) {
        let mut connections = lock(&self.connections);
        if connections.len() == connections.capacity() {
            // Before growing, forget connections that are gone.
            connections.retain(|conn| conn.strong_count() > 0);
        }
        connections.push(Arc::downgrade(conn));
    }

    /// A slot for a new connection to `uri`'s host, when there is a cap.
    async fn slot(&self, uri: &Uri) -> Result<Option<OwnedSemaphorePermit>, BoxError> {
        let Some(slots) = &self.slots else {
            return Ok(None);
        };
        let host = slots.host(uri);
        if let Ok(permit) = host.clone().try_acquire_owned() {
            return Ok(Some(permit));
        }
        // Counted while queued; a dropped (cancelled) request leaves the queue
        // and the count with its future.
        let _queued = Queued::enter(&self.waiting);
        let acquire = abandoned_without_request(host.acquire_owned());
        let permit = match slots.wait {
            None => acquire.await,
            Some(limit) => tokio::time::timeout(limit, acquire)
                .await
                .map_err(|_| Box::new(PoolTimedOut(limit)) as BoxError)?,
        };
        Ok(Some(permit?))
    }
}

/// Waits for `acquire` while a request waits for it. hyper-util starts a new
/// connection and watches the pool at the same time; when an idle connection
/// wins, it finishes the connection setup in a task of its own. Under a cap
/// that setup would queue for a slot with no request behind it, and then open
/// a connection nobody asked for: it gives up instead.
async fn abandoned_without_request<F>(acquire: F) -> Result<OwnedSemaphorePermit, BoxError>
where
    F: Future<Output = Result<OwnedSemaphorePermit, tokio::sync::AcquireError>>,
{
    let mut acquire = std::pin::pin!(acquire);
    std::future::poll_fn(|cx| {
        if !RequestScope::is_waiting() {
            return Poll::Ready(Err(Box::new(NoRequest) as BoxError));
        }
        // The semaphore is never closed.
        acquire
            .as_mut()
            .poll(cx)
            .map(|permit| permit.map_err(|err| Box::new(err) as BoxError))
    })
    .await
}

/// The request a queued connection was for took another one.
#[derive(Debug)]
struct NoRequest;

impl fmt::Display for NoRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the request took an idle connection; this one is not needed")
    }
}

impl std::error::Error for NoRequest {}

/// One semaphore per host (scheme and authority, hyper-util's pool key).
struct Slots {
    limit: usize,
    wait: Option<Duration>,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// Hosts kept in the map before unused ones are dropped from it.
const HOSTS_BEFORE_PRUNING: usize = 64;

impl Slots {
    fn host(&self, uri: &Uri) -> Arc<Semaphore> {
        let key = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or(""),
            uri.authority().map_or("", |a| a.as_str())
        );
        let mut hosts = lock(&self.hosts);
        if let Some(host) = hosts.get(&key) {
            return host.clone();
        }
        if hosts.len() >= HOSTS_BEFORE_PRUNING {
            // A semaphore only the map holds has no connection and no waiter.
            hosts.retain(|_, host| Arc::strong_count(host) > 1);
        }
        hosts
            .entry(key)
            .or_insert_with(|| Arc::new(Semaphore::new(self.limit)))
            .clone()
    }
}

/// The data behind `mutex`; nothing here leaves it half-updated on a panic.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Counts a waiting request for as long as it lives.
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Queued(count)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Wraps a connector: waits for a slot (under a cap), connects, and returns the
/// transport wrapped in [`Tracked`].
#[derive(Clone)]
pub(crate) struct PoolConnector<C> {
    inner: C,
    pool: Arc<Pool>,
    http2_only: bool,
}

impl<C> PoolConnector<C> {
    pub(crate) fn new(inner: C, pool: Arc<Pool>, http2_only: bool) -> Self {
        PoolConnector {
            inner,
            pool,
            http2_only,
        }
    }
}

impl<C> Service<Uri> for PoolConnector<C>
where
    C: Service<Uri, Error = BoxError> + Clone + Send + 'static,
    C::Future: Send + 'static,
    C::Response: TransportFacts,
{
    type Response = Tracked<C::Response>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        // The inner connector is called once the slot is ours, so that the
        // wait does not count against the connect timeout.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let pool = self.pool.clone();
        let http2_only = self.http2_only;
        Box::pin(async move {
            let slot = pool.slot(&uri).await?;
            let started = Instant::now();
            let io = inner.call(uri).await?;
            let done = Instant::now();
            let facts = io.facts();
            let http1 = !http2_only && !facts.negotiated_h2;
            let id = pool.created.fetch_add(1, Ordering::Relaxed) + 1;
            pool.open.fetch_add(1, Ordering::Relaxed);
            let state = Arc::new(ConnState::new(http1));
            pool.register(&state);
            let tcp_at = facts.tcp_connected_at.unwrap_or(done);
            let info = connection_info(
                id,
                (facts.remote_addr, facts.local_addr),
                Some(tcp_at.saturating_duration_since(started)),
                facts.tls.then(|| done.saturating_duration_since(tcp_at)),
                state.clone(),
            );
            Ok(Tracked {
                io,
                http1,
                negotiated_h2: facts.negotiated_h2,
                forward_proxy: facts.forward_proxy,
                exchange: Exchange::Fresh,
                info,
                open: Open {
                    pool,
                    state,
                    _slot: slot,
                },
            })
        })
    }
}

/// Where an HTTP/1 connection is in its request/response turns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Exchange {
    /// Nothing written yet.
    Fresh,
    /// Writing a request.
    Sending,
    /// Reading its response, or idle after it.
    Receiving,
}

/// Keeps the connection counted as open, and its slot taken, until dropped.
struct Open {
    pool: Arc<Pool>,
    state: Arc<ConnState>,
    _slot: Option<OwnedSemaphorePermit>,
}

impl Drop for Open {
    fn drop(&mut self) {
        self.state.closed();
        self.pool.open.fetch_sub(1, Ordering::Relaxed);
    }
}

pin_project_lite::pin_project! {
    /// A transport that counts its requests and holds its connection slot.
    pub(crate) struct Tracked<T> {
        #[pin]
        io: T,
        http1: bool,
        negotiated_h2: bool,
        forward_proxy: bool,
        exchange: Exchange,
        // Handed to hyper-util, which puts a copy in every response.
        info: sessio_core::ConnectionInfo,
        open: Open,
    }
}

impl<T> Tracked<T> {
    /// Notes a successful write: the first write after a response starts a
    /// request on a connection that carried one before (HTTP/1 never pipelines).
    fn wrote(self: Pin<&mut Self>) {
        let this = self.project();
        if !*this.http1 {
            return;
        }
        match *this.exchange {
            Exchange::Sending => {}
            Exchange::Fresh => {
                *this.exchange = Exchange::Sending;
                this.open.state.request_started();
            }
            Exchange::Receiving => {
                *this.exchange = Exchange::Sending;
                this.open.state.request_started();
                this.open.pool.reused.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl<T: Read> Read for Tracked<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        if this.open.state.should_end() {
            // End of stream: hyper closes the connection instead of sending
            // the next request on it (hyper-util then sends that request on
            // another connection).
            return Poll::Ready(Ok(()));
        }
        let result = this.io.poll_read(cx, buf);
        if result.is_pending() {
            this.open.state.waiting_to_read(cx.waker());
        }
        if *this.exchange == Exchange::Sending && matches!(result, Poll::Ready(Ok(()))) {
            *this.exchange = Exchange::Receiving;
        }
        result
    }
}

impl<T: Write> Write for Tracked<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = self.as_mut().project().io.poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.wrote();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = self.as_mut().project().io.poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.wrote();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().io.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().io.poll_shutdown(cx)
    }
}

impl<T> Connection for Tracked<T> {
    fn connected(&self) -> Connected {
        // Built here rather than asked of the inner transport: our
        // `ConnectionInfo` is the one extra (it carries the addresses of
        // hyper-util's `HttpInfo`), so a response gets one extension, not two.
        let connected = Connected::new()
            .extra(self.info.clone())
            .proxy(self.forward_proxy);
        if self.negotiated_h2 {
            connected.negotiated_h2()
        } else {
            connected
        }
    }
}
