//! `HttpAdapter`: the default transport, a thin composition of the transport
//! room's pieces: a route per request, one pool, TCP and TLS connectors.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use sessio_core::__private::error_msg;
use sessio_core::{Body, Error, ErrorKind, Result};
use sessio_layers::retry::RetryPolicy;
use tower_service::Service;

use super::body::HttpBody;
use crate::proxy::ProxyTable;
use crate::tls::TlsSettings;
use crate::transport::conn::Protocols;
use crate::transport::connect::HttpConnect;
use crate::transport::key::ConnKey;
use crate::transport::pool::{Pool, PoolConfig, PoolKey, PoolStats};
use crate::transport::resolve::{Resolve, Resolver};
use crate::transport::send::PooledSend;
use crate::transport::tcp::TcpConnect;

mod proxies;
mod routes;
mod tls_settings;

use proxies::Proxies;

/// How long an idle pooled connection is kept by default. Shorter than the
/// keep-alive of common servers (nginx 75 s), so that sessio closes first.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The most header fields a response may have by default (Python's http.client).
pub const DEFAULT_MAX_RESPONSE_HEADERS: usize = 100;

/// The longest response header line by default (Python's http.client), in bytes.
pub const DEFAULT_MAX_HEADER_LINE: usize = 64 * 1024;

/// The default adapter for `http://` and `https://`: a pool of hyper's
/// HTTP/1.1 and HTTP/2 connections, over TCP (happy eyeballs) and rustls
/// (`ring` provider, webpki roots); HTTP/1.1 by default and HTTP/2 on request
/// (ALPN, or prior knowledge for `http://`). The crate guide's "Connections
/// and pools" says how connections are shared, limited and closed.
///
/// Cloning is cheap and clones share one connection pool. Mount a differently
/// tuned adapter for some URLs with `SessionBuilder::mount`.
///
/// ```
/// use std::time::Duration;
/// use sessio::{HttpAdapter, Session};
///
/// let unpooled = HttpAdapter::builder()
///     .pool_max_idle_per_host(0)
///     .connect_timeout(Duration::from_secs(2))
///     .build()
///     .unwrap();
/// let session = Session::builder()
///     .mount("http://127.0.0.1:9/", unpooled)
///     .build()
///     .unwrap();
/// assert!(session.get_adapter("http://127.0.0.1:9/x").unwrap().name().contains("HttpAdapter"));
/// ```
#[derive(Clone)]
pub struct HttpAdapter {
    // One allocation shared by all clones: cloning per request is one atomic.
    inner: Arc<Shared>,
}

struct Shared {
    pool: Pool,
    settings: HttpAdapterBuilder,
    /// Routes for requests with TLS settings or a proxy of their own.
    routes: routes::Routes,
    /// `None` when no proxy is configured anywhere but (maybe) in requests.
    proxies: Option<Proxies>,
    /// Set by [`HttpAdapter::close`].
    closed: std::sync::atomic::AtomicBool,
}

impl HttpAdapter {
    /// An adapter with the default settings.
    ///
    /// # Panics
    ///
    /// Only if the built-in TLS configuration cannot be built, which does not
    /// happen with the bundled roots; use [`HttpAdapter::builder`] to get an error instead.
    pub fn new() -> Self {
        Self::builder()
            .build()
            .expect("the default HTTP adapter configuration is valid")
    }

    /// A builder for an adapter with its own settings.
    pub fn builder() -> HttpAdapterBuilder {
        HttpAdapterBuilder::default()
    }
}

impl Default for HttpAdapter {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for HttpAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpAdapter")
            .field("settings", &self.inner.settings)
            .finish()
    }
}

/// Settings of an [`HttpAdapter`]; setters consume and return the builder, and
/// an invalid setting is reported by [`build`](HttpAdapterBuilder::build).
#[derive(Clone)]
#[must_use]
pub struct HttpAdapterBuilder {
    pool_max_idle_per_host: usize,
    pool_idle_timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_connections_per_host: Option<usize>,
    max_connections: Option<usize>,
    max_idle_total: Option<usize>,
    pool_timeout: Option<Duration>,
    tcp_keepalive: Option<Duration>,
    http2: bool,
    http2_prior_knowledge: bool,
    http1_title_case_headers: bool,
    max_response_headers: usize,
    max_header_line: usize,
    retry: Option<RetryPolicy>,
    resolver: Option<Arc<dyn Resolve>>,
    fixed_addrs: HashMap<String, Vec<SocketAddr>>,
    tls: TlsSettings,
    /// A CA bundle named by the environment (`trust_env`): used when verifying
    /// without a bundle of one's own.
    env_ca_bundle: Option<std::path::PathBuf>,
    proxies: ProxyTable,
    env_proxies: ProxyTable,
    error: Option<Arc<Error>>,
}

impl Default for HttpAdapterBuilder {
    fn default() -> Self {
        HttpAdapterBuilder {
            pool_max_idle_per_host: usize::MAX,
            pool_idle_timeout: Some(DEFAULT_POOL_IDLE_TIMEOUT),
            connect_timeout: None,
            max_connections_per_host: None,
            max_connections: None,
            max_idle_total: None,
            pool_timeout: None,
            tcp_keepalive: None,
            http2: false,
            http2_prior_knowledge: false,
            http1_title_case_headers: true,
            max_response_headers: DEFAULT_MAX_RESPONSE_HEADERS,
            max_header_line: DEFAULT_MAX_HEADER_LINE,
            retry: None,
            resolver: None,
            fixed_addrs: HashMap::new(),
            tls: TlsSettings::default(),
            env_ca_bundle: None,
            proxies: ProxyTable::default(),
            env_proxies: ProxyTable::default(),
            error: None,
        }
    }
}

impl fmt::Debug for HttpAdapterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpAdapterBuilder")
            .field("pool_max_idle_per_host", &self.pool_max_idle_per_host)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_connections_per_host", &self.max_connections_per_host)
            .field("max_connections", &self.max_connections)
            .field("max_idle_total", &self.max_idle_total)
            .field("pool_timeout", &self.pool_timeout)
            .field("tcp_keepalive", &self.tcp_keepalive)
            .field("http2", &self.http2)
            .field("http2_prior_knowledge", &self.http2_prior_knowledge)
            .field("tls", &self.tls)
            .field("env_ca_bundle", &self.env_ca_bundle)
            .field("proxies", &self.proxies)
            .field("env_proxies", &self.env_proxies)
            .field("max_response_headers", &self.max_response_headers)
            .field("max_header_line", &self.max_header_line)
            .field("retry", &self.retry)
            .field("resolver", &self.resolver.is_some())
            .field("fixed_addrs", &self.fixed_addrs)
            .finish()
    }
}

impl HttpAdapterBuilder {
    /// Idle connections kept per host (default: no limit). `0` disables pooling:
    /// every request opens, and then closes, its own connection.
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// How long an idle connection stays in the pool (default 30 s; `None`: forever).
    pub fn pool_idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.pool_idle_timeout = timeout.into();
        self
    }

    /// No connection pooling (`pool_max_idle_per_host(0)`), like `requests.get`.
    pub fn unpooled(self) -> Self {
        self.pool_max_idle_per_host(0)
    }

    /// Limit on establishing a connection, TCP and TLS together (default: none).
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = timeout.into();
        self
    }

    /// At most `max` connections open at once to one host (scheme, host and
    /// port), idle and in use together; default: no limit. A request that finds
    /// them all busy waits, in order of arrival, for one to come back to the
    /// pool or to close (urllib3's `pool_block=True`). Dropping a waiting
    /// request's future leaves the queue. `0` is an error at `build`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sessio::HttpAdapter;
    ///
    /// let adapter = HttpAdapter::builder()
    ///     .max_connections_per_host(4)
    ///     .pool_timeout(Duration::from_secs(5))
    ///     .build()?;
    /// assert_eq!(adapter.pool_stats().open, 0);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn max_connections_per_host(mut self, max: usize) -> Self {
        self.max_connections_per_host = Some(max);
        self
    }

    /// At most `max` connections open at once in all, to every host together,
    /// idle and in use (and being opened); default: no limit. A request that
    /// finds the limit reached closes the least recently used idle connection
    /// of another host, if there is one, and waits, in order of arrival, for
    /// a place. `0` is an error at `build`.
    ///
    /// ```
    /// let adapter = sessio::HttpAdapter::builder()
    ///     .max_connections(64)
    ///     .max_connections_per_host(8)
    ///     .build()?;
    /// # drop(adapter);
    /// assert!(sessio::HttpAdapter::builder().max_connections(0).build().unwrap_err().is_builder());
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = Some(max);
        self
    }

    /// At most `max` idle connections kept in all, over every host (default:
    /// no limit beyond [`pool_max_idle_per_host`](Self::pool_max_idle_per_host));
    /// past it the least recently used idle connection is closed first.
    ///
    /// ```
    /// let adapter = sessio::HttpAdapter::builder().max_idle_total(16).build()?;
    /// # drop(adapter);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn max_idle_total(mut self, max: usize) -> Self {
        self.max_idle_total = Some(max);
        self
    }

    /// TCP keep-alive probes after a connection has been idle for `idle`
    /// (default: off, as requests and urllib3 leave it). The system counts
    /// it in whole seconds: less than one second is an error at `build`.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let adapter = sessio::HttpAdapter::builder().tcp_keepalive(Duration::from_secs(60)).build()?;
    /// # drop(adapter);
    /// let err = sessio::HttpAdapter::builder().tcp_keepalive(Duration::from_millis(10)).build().unwrap_err();
    /// assert!(err.is_builder());
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn tcp_keepalive(mut self, idle: impl Into<Option<Duration>>) -> Self {
        self.tcp_keepalive = idle.into();
        self
    }

    /// How long a request waits for a free connection under
    /// [`max_connections_per_host`](Self::max_connections_per_host) or
    /// [`max_connections`](Self::max_connections) (default:
    /// as long as it takes, within the request's total timeout). Past it the
    /// request fails with an error for which `is_pool_timeout()` is true, and
    /// nothing is sent.
    pub fn pool_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.pool_timeout = timeout.into();
        self
    }

    /// Resolves host names with `resolver` instead of the system's resolver
    /// (`getaddrinfo` on a blocking thread). A lookup that fails is an error
    /// for which `is_connect()` is true; the connect timeout covers the lookup.
    /// See [`Resolve`] for an example.
    pub fn resolver(mut self, resolver: impl Resolve) -> Self {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// Connects to `addr` for `host` without asking any resolver, like
    /// curl's `--resolve` (reqwest's `resolve`). A port `0` in `addr` means the
    /// URL's port; another port is used when the URL names none. The name in
    /// the URL still goes into `Host` and TLS (SNI and certificate checks).
    ///
    /// ```
    /// use sessio::HttpAdapter;
    ///
    /// let staging = HttpAdapter::builder()
    ///     .resolve("api.example.com", "127.0.0.1:8443".parse().unwrap())
    ///     .build()?;
    /// # drop(staging);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn resolve(self, host: &str, addr: SocketAddr) -> Self {
        self.resolve_to_addrs(host, &[addr])
    }

    /// Like [`resolve`](Self::resolve) with several addresses, tried in order.
    pub fn resolve_to_addrs(mut self, host: &str, addrs: &[SocketAddr]) -> Self {
        self.fixed_addrs
            .insert(host.to_ascii_lowercase(), addrs.to_vec());
        self
    }

    /// Offer HTTP/2 by ALPN on `https://` connections (default: HTTP/1.1 only).
    /// Needs the `http2` cargo feature (on by default); without it `build` fails.
    pub fn http2(mut self, enabled: bool) -> Self {
        self.http2 = enabled;
        self
    }

    /// Speak HTTP/2 without negotiation (h2c prior knowledge on `http://`).
    /// Needs the `http2` cargo feature (on by default); without it `build` fails.
    pub fn http2_prior_knowledge(mut self) -> Self {
        self.http2_prior_knowledge = true;
        self
    }

    /// Retries for requests sent through this adapter (requests'
    /// `HTTPAdapter(max_retries=Retry(..))`); none by default, as in requests.
    /// Each attempt has its own read timeout; the total timeout covers them all.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sessio::{HttpAdapter, RetryPolicy};
    ///
    /// let adapter = HttpAdapter::builder()
    ///     .max_retries(RetryPolicy::new().total(3).status_forcelist([502, 503, 504]).backoff_factor(Duration::from_millis(200)))
    ///     .build()?;
    /// # drop(adapter);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn max_retries(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The retry policy, if any.
    pub(crate) fn retry_policy(&self) -> Option<&RetryPolicy> {
        self.retry.as_ref()
    }

    /// The most header fields a response may have (default 100, as Python's
    /// http.client); more is an error for which `is_request()` is true.
    pub fn max_response_headers(mut self, max: usize) -> Self {
        self.max_response_headers = max;
        self
    }

    /// The longest response header line, name and value, in bytes (default
    /// 64 KiB, as Python's http.client); longer is an error for which
    /// `is_request()` is true.
    pub fn max_header_line(mut self, max: usize) -> Self {
        self.max_header_line = max;
        self
    }

    /// Write HTTP/1 header names in Title-Case, as requests does (default: on).
    pub fn http1_title_case_headers(mut self, enabled: bool) -> Self {
        self.http1_title_case_headers = enabled;
        self
    }

    /// Whether this adapter speaks HTTP/2 without negotiation.
    pub(crate) fn is_http2_prior_knowledge(&self) -> bool {
        self.http2_prior_knowledge
    }

    /// Whether connections may speak HTTP/2.
    fn wants_http2(&self) -> bool {
        self.http2 || self.http2_prior_knowledge
    }

    /// Builds the adapter.
    pub fn build(self) -> Result<HttpAdapter> {
        if let Some(err) = &self.error {
            return Err(error_msg(err.kind(), err.report().to_string()));
        }
        for (name, limit) in [
            ("max_connections_per_host", self.max_connections_per_host),
            ("max_connections", self.max_connections),
        ] {
            if limit == Some(0) {
                let why = format!("{name} must be at least 1");
                return Err(error_msg(ErrorKind::Builder, why));
            }
        }
        if self
            .tcp_keepalive
            .is_some_and(|idle| idle < Duration::from_secs(1))
        {
            let why = "tcp_keepalive must be at least one second";
            return Err(error_msg(ErrorKind::Builder, why));
        }
        if self.wants_http2() && !cfg!(feature = "http2") {
            let why = "HTTP/2 needs sessio's `http2` cargo feature";
            return Err(error_msg(ErrorKind::Builder, why));
        }
        let (tls, routes) = routes::default_tls(&self)?;
        let resolver = Resolver::new(self.fixed_addrs.clone(), self.resolver.clone());
        let connector = HttpConnect {
            tcp: TcpConnect::new(resolver, self.tcp_keepalive),
            tls: Some(tls),
        };
        let pool = Pool::new(self.pool_config(), self.protocols(), Box::new(connector));
        Ok(HttpAdapter {
            inner: Arc::new(Shared {
                pool,
                routes,
                proxies: Proxies::new(&self),
                settings: self,
                closed: std::sync::atomic::AtomicBool::new(false),
            }),
        })
    }

    fn pool_config(&self) -> PoolConfig {
        PoolConfig {
            max_idle_per_host: self.pool_max_idle_per_host,
            max_idle_total: self.max_idle_total,
            idle_timeout: self.pool_idle_timeout,
            max_per_host: self.max_connections_per_host,
            max_total: self.max_connections,
            pool_timeout: self.pool_timeout,
        }
    }

    fn protocols(&self) -> Protocols {
        Protocols {
            http2: self.http2,
            http2_prior_knowledge: self.http2_prior_knowledge,
            title_case_headers: self.http1_title_case_headers,
            // hyper's own limit is the same 100 (kept on the stack); another
            // value costs an allocation per response, so it is set only when asked.
            max_headers: (self.max_response_headers != DEFAULT_MAX_RESPONSE_HEADERS)
                .then_some(self.max_response_headers),
        }
    }
}

impl HttpAdapter {
    /// How many connections this adapter (and its clones) has open now, has
    /// opened, and has reused, and how many requests wait for a free one.
    ///
    /// ```
    /// let adapter = sessio::HttpAdapter::new();
    /// let stats = adapter.pool_stats();
    /// assert_eq!((stats.open, stats.created, stats.reused, stats.waiting), (0, 0, 0, 0));
    /// ```
    pub fn pool_stats(&self) -> PoolStats {
        self.inner.pool.stats()
    }

    /// The same counts for each key of the pool: each scheme, host and port
    /// (and route: a request's own TLS settings or proxy) with a connection
    /// open or being opened, or a request waiting, sorted by origin.
    ///
    /// ```no_run
    /// # async fn run() -> sessio::Result<()> {
    /// let adapter = sessio::HttpAdapter::new();
    /// let session = sessio::Session::builder().mount("http://", adapter.clone()).build()?;
    /// session.get("http://127.0.0.1:8080/").send().await?;
    /// for (key, stats) in adapter.pool_stats_by_key() {
    ///     println!("{key}: {} open, {} idle", stats.open, stats.idle);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn pool_stats_by_key(&self) -> Vec<(PoolKey, PoolStats)> {
        self.inner.pool.stats_by_key()
    }

    /// Closes the adapter and every clone of it: idle connections are closed
    /// now, busy ones as soon as their response is done (a response being
    /// read is not cut off), and every later request through it fails with an
    /// error for which `is_closed()` is true (requests' `HTTPAdapter.close`).
    /// [`Session::close`](crate::Session::close) closes the session's adapters.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let adapter = sessio::HttpAdapter::new();
    /// let session = sessio::Session::builder().mount("http://", adapter.clone()).build().unwrap();
    /// adapter.close();
    /// let err = session.get("http://127.0.0.1:9/").send().await.unwrap_err();
    /// assert!(err.is_closed());
    /// # }
    /// ```
    pub fn close(&self) {
        self.inner
            .closed
            .store(true, std::sync::atomic::Ordering::Release);
        self.inner.pool.close();
    }

    /// Whether [`close`](Self::close) was called on this adapter or a clone.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Whether `self` and `other` are clones sharing one pool.
    pub(crate) fn same_pool(&self, other: &HttpAdapter) -> bool {
        self.inner.pool.same(&other.inner.pool)
    }

    /// The retry policy of this adapter, if any.
    pub(crate) fn retry_policy(&self) -> Option<&RetryPolicy> {
        self.inner.settings.retry_policy()
    }

    /// Sends one request (the pool is shared: no `&mut` needed, nothing cloned).
    fn send(&self, request: http::Request<Body>) -> HttpFuture {
        let shared = &*self.inner;
        let max_header_line = shared.settings.max_header_line;
        let failed = HttpFuture::failed;
        if self.is_closed() {
            return failed(error_msg(ErrorKind::Closed, "the adapter was closed"));
        }
        let mut request = request;
        let proxy = if shared.proxies.is_some() || routes::has_request_proxies(&request) {
            let proxy = Proxies::route(shared.proxies.as_ref(), &request);
            proxies::set_proxy_authorization(&mut request, proxy.as_deref());
            proxy
        } else {
            None
        };
        let route = if proxy.is_some() || shared.routes.needed(&request) {
            match self.route_for(&request, proxy) {
                Ok(route) => route,
                Err(err) => return failed(err),
            }
        } else {
            None
        };
        let Some(key) = ConnKey::new(request.uri(), route) else {
            let why = format!("{} has no scheme or host to connect to", request.uri());
            return failed(error_msg(ErrorKind::Request, why));
        };
        // The request's own connect timeout is read only when a connection
        // is to be made.
        let connect_timeout = shared.settings.connect_timeout;
        HttpFuture::pooled(
            &shared.pool,
            &key,
            request,
            connect_timeout,
            max_header_line,
        )
    }
}

impl Service<http::Request<Body>> for HttpAdapter {
    type Response = http::Response<HttpBody>;
    type Error = Error;
    type Future = HttpFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        self.send(request)
    }
}

/// The adapter as the session calls it: the connection's information goes
/// on the response body (see [`HttpFuture::info_on_body`]).
#[derive(Clone, Copy)]
pub(crate) struct ForSession<'a>(&'a HttpAdapter);

impl HttpAdapter {
    pub(crate) fn for_session(&self) -> ForSession<'_> {
        ForSession(self)
    }
}

impl Service<http::Request<Body>> for ForSession<'_> {
    type Response = http::Response<HttpBody>;
    type Error = Error;
    type Future = HttpFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    #[inline]
    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        self.0.send(request).info_on_body()
    }
}

impl Service<http::Request<Body>> for &HttpAdapter {
    type Response = http::Response<HttpBody>;
    type Error = Error;
    type Future = HttpFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        HttpAdapter::send(self, request)
    }
}

/// The response future of [`HttpAdapter`].
#[must_use = "futures do nothing unless polled"]
pub struct HttpFuture {
    inner: Inner,
    max_header_line: usize,
    /// Where the response's [`ConnectionInfo`](sessio_core::ConnectionInfo)
    /// goes: on the body for the session (which moves it to its `Response`:
    /// no extension map per response), in the extensions otherwise.
    info_on_body: bool,
}

enum Inner {
    Sending { future: PooledSend },
    Failed { error: Option<Error> },
}

impl HttpFuture {
    /// Sends `request` to `key` through `pool`; response header lines
    /// longer than `max_header_line` are an error.
    #[inline]
    pub(crate) fn pooled(
        pool: &Pool,
        key: &ConnKey,
        request: http::Request<Body>,
        connect_timeout: Option<Duration>,
        max_header_line: usize,
    ) -> Self {
        HttpFuture {
            inner: Inner::Sending {
                future: PooledSend::new(pool, key, request, connect_timeout),
            },
            max_header_line,
            info_on_body: false,
        }
    }

    /// A future that is done already, with `error`.
    pub(crate) fn failed(error: Error) -> Self {
        HttpFuture {
            inner: Inner::Failed { error: Some(error) },
            max_header_line: usize::MAX,
            info_on_body: false,
        }
    }

    /// The same future, putting the connection's information on the response
    /// body (the session's own path; see [`HttpBody`]) for the responses that
    /// do not go into a redirect history (which keeps extensions, not bodies).
    pub(crate) fn info_on_body(mut self) -> Self {
        self.info_on_body = true;
        self
    }
}

impl Future for HttpFuture {
    type Output = Result<http::Response<HttpBody>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (mut response, lease, info) = match &mut this.inner {
            Inner::Sending { future } => std::task::ready!(Pin::new(future).poll(cx))?,
            Inner::Failed { error } => {
                let err = error.take();
                return Poll::Ready(Err(err.unwrap_or_else(|| {
                    error_msg(ErrorKind::Request, "HttpFuture polled after it finished")
                })));
            }
        };
        // The lease goes back with the response if the check fails.
        check_header_lines(response.headers(), this.max_header_line)?;
        let status = response.status();
        let on_body = this.info_on_body
            && !status.is_redirection()
            && status != http::StatusCode::UNAUTHORIZED
            && status != http::StatusCode::PROXY_AUTHENTICATION_REQUIRED;
        if on_body {
            return Poll::Ready(Ok(
                response.map(|body| HttpBody::new(body, lease, Some(info)))
            ));
        }
        response.extensions_mut().insert(info);
        Poll::Ready(Ok(response.map(|body| HttpBody::new(body, lease, None))))
    }
}

impl fmt::Debug for HttpFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HttpFuture")
    }
}

/// Response header lines no longer than `max` bytes (`Name: value`).
fn check_header_lines(headers: &http::HeaderMap, max: usize) -> Result<()> {
    for (name, value) in headers {
        let line = name.as_str().len() + 2 + value.len();
        if line > max {
            let why = format!(
                "the response header {name} is {line} bytes long, more than the limit of {max}"
            );
            return Err(error_msg(ErrorKind::Request, why));
        }
    }
    Ok(())
}
