//! `Session`: state that persists across requests, over pooled adapters.

mod builder;
mod exchange;
mod history;
mod hop;
mod live;
mod merged;
mod request_builder;
mod service;
mod stack;

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use sessio_core::__private::{
    ErrorExt, SessionDefaults, checked_header, checked_value, error_msg, name_of,
};
use sessio_core::{
    Auth, CookieStore, Deadline, DownloadProgress, Error, ErrorKind, Fragment, Hook, HookRegistry,
    PreparedRequest, Request, Response, Result, Streaming, Timeouts,
};
use sessio_layers::cookies::Jar;

pub use builder::SessionBuilder;
pub use merged::MergedSettings;
pub use request_builder::RequestBuilder;
pub use service::{HttpService, HttpSessionFuture, SessionFuture};

use crate::adapter::{Adapter, IntoAdapter, PoolStats};
use crate::mount::{MountTable, Origin, no_adapter};
use exchange::Exchange;
use stack::Stack;

pub use hop::{ExchangeService, HopService};

/// A requests-style session: default headers, auth and params that persist across
/// requests, pooled connections, and adapters mounted per URL prefix.
///
/// `Session` is cheap to clone; clones share everything (state, pools, mounts).
/// Changing a default with [`set_header`](Session::set_header),
/// [`remove_header`](Session::remove_header) or [`set_auth`](Session::set_auth),
/// or a transport setting with [`set_verify`](Session::set_verify),
/// [`set_proxy`](Session::set_proxy), [`set_max_redirects`](Session::set_max_redirects),
/// [`set_stream`](Session::set_stream), [`set_timeouts`](Session::set_timeouts) or
/// [`set_trust_env`](Session::set_trust_env), affects every clone.
///
/// ```no_run
/// # async fn run() -> sessio::Result<()> {
/// use sessio::{Auth, Session};
///
/// let s = Session::builder()
///     .header("x-test", "true")
///     .auth(Auth::basic("user", "pass"))
///     .param("api-version", "2")
///     .build()?;
/// let r = s.get("http://127.0.0.1:8080/get").query(&[("a", "1")]).send().await?;
/// println!("{} {}", r.status(), r.text().await?);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Session {
    inner: Arc<SessionRef>,
}

struct SessionRef {
    defaults: RwLock<Defaults>,
    mounts: Arc<RwLock<MountTable>>,
    stack: Stack,
    jar: Arc<Jar>,
    store: Arc<dyn CookieStore>,
    config: Config,
    /// `.netrc` credentials for requests without auth (`trust_env`).
    netrc: Option<Arc<sessio_core::auth::Netrc>>,
    /// Relative request URLs are joined to it (`SessionBuilder::base_url`).
    base_url: Option<url::Url>,
    /// Settings changed since the build (`set_verify`, `set_proxy`...).
    live: live::Live,
    /// The cache on every hop (`SessionBuilder::cache`).
    cache: Option<sessio_layers::cache::CacheLayer>,
    closed: AtomicBool,
}

/// The live defaults merged into every request. Headers and params are shared
/// (`Arc`), so that reading them hands out a snapshot without copying, and a
/// change copies only when a snapshot is still held.
#[derive(Debug, Clone, Default)]
struct Defaults {
    headers: Arc<HeaderMap>,
    params: Arc<Vec<(String, String)>>,
    auth: Option<Auth>,
    hooks: HookRegistry,
}

/// httpx's join: a URL that is not absolute goes after the base URL's path
/// (which ends with `/`), its own leading `/` dropped.
fn join_base_url(base: &url::Url, url: &mut String) {
    if matches!(
        url::Url::parse(url),
        Err(url::ParseError::RelativeUrlWithoutBase)
    ) {
        *url = format!("{base}{}", url.trim_start_matches('/'));
    }
}

/// Fixed settings of a session.
#[derive(Debug, Clone, Copy)]
struct Config {
    timeouts: Timeouts,
    max_redirects: usize,
    max_decompressed_size: Option<u64>,
    stream: bool,
    strict_cookies: bool,
    trust_env: bool,
    /// Whether spans show query values (`SessionBuilder::trace_query_values`).
    #[cfg(feature = "tracing")]
    trace_query_values: bool,
}

impl Session {
    /// A session with all defaults (requests' `Session()`).
    ///
    /// # Panics
    ///
    /// Only if the default TLS configuration cannot be built, which does not happen
    /// with the bundled roots; [`Session::builder`] returns an error instead.
    pub fn new() -> Self {
        Self::builder()
            .build()
            .expect("the default session configuration is valid")
    }

    /// A builder to configure a session.
    pub fn builder() -> SessionBuilder {
        SessionBuilder::new()
    }

    /// The session's HTTP cache ([`SessionBuilder::cache`]), for its
    /// [`stats`](sessio_layers::cache::CacheLayer::stats) and
    /// [`clear`](sessio_layers::cache::CacheLayer::clear); `None` without one.
    pub fn cache(&self) -> Option<&sessio_layers::cache::CacheLayer> {
        self.inner.cache.as_ref()
    }

    /// A `GET` request.
    pub fn get(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::GET, url)
    }

    /// A `POST` request.
    pub fn post(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::POST, url)
    }

    /// A `PUT` request.
    pub fn put(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::PUT, url)
    }

    /// A `PATCH` request.
    pub fn patch(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::PATCH, url)
    }

    /// A `DELETE` request.
    pub fn delete(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::DELETE, url)
    }

    /// A `HEAD` request.
    /// A `HEAD` request; like requests' `head()`, it does not follow redirects
    /// unless [`allow_redirects(true)`](RequestBuilder::allow_redirects) is set
    /// (`request(Method::HEAD, ..)` follows them, as requests' `request` does).
    pub fn head(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::HEAD, url).allow_redirects(false)
    }

    /// An `OPTIONS` request.
    pub fn options(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::OPTIONS, url)
    }

    /// A request with any method.
    pub fn request(&self, method: Method, url: impl AsRef<str>) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, url.as_ref())
    }

    /// Merges the session's state into `request` (requests' `prepare_request`):
    /// session headers and params merged with the request's (a request value wins,
    /// a removed one is dropped), then the session auth unless the request has its
    /// own or opted out, then URL credentials when there is no auth at all.
    ///
    /// What this returns is exactly what [`send`](Session::send) puts on the wire.
    /// It takes a [`Request`] or a [`RequestBuilder`] (whose parked error it returns).
    ///
    /// ```
    /// let s = sessio::Session::builder().header("x-app", "1").build()?;
    /// let prepared = s.prepare(s.get("http://example.com/items").header("x-page", "2"))?;
    /// assert_eq!(prepared.headers()["x-app"], "1");
    /// assert_eq!(prepared.headers()["x-page"], "2");
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn prepare(&self, request: impl IntoRequest) -> Result<PreparedRequest> {
        let mut request = request.into_request()?;
        if let Some(base) = &self.inner.base_url {
            join_base_url(base, &mut request.parts_mut().url);
        }
        let live = self.inner.live.get();
        let netrc = match live.as_deref().and_then(live::LiveSettings::netrc) {
            Some(chosen) => chosen,
            None => self.inner.netrc.as_ref(),
        };
        let defaults = self.defaults();
        let session = SessionDefaults {
            headers: Some(&defaults.headers),
            params: &defaults.params,
            auth: defaults.auth.as_ref(),
            hooks: Some(&defaults.hooks).filter(|hooks| !hooks.is_empty()),
            cookies: Some(&*self.inner.store),
            strict_cookies: self.inner.config.strict_cookies,
            netrc,
        };
        sessio_core::__private::prepare(request, &session)
    }

    /// Sends a prepared request as it is, adding nothing from the session's defaults.
    ///
    /// Unless the request (or the session) asked for streaming, the body is read into
    /// memory before this returns, as requests does with `stream=False`; the
    /// connection then goes back to the pool at once. The future owns what it needs
    /// (it is `'static`), so it can be spawned.
    pub fn send(
        &self,
        request: PreparedRequest,
    ) -> impl Future<Output = Result<Response>> + Send + 'static {
        exchange::run(self.start_exchange(request))
    }

    /// Everything `send` does before the first await: checks, options, the wire
    /// request and the snapshot kept for `Response::request`.
    fn start_exchange(&self, request: PreparedRequest) -> Result<Exchange> {
        if self.is_closed() {
            return Err(closed().with_url(request.url().clone()));
        }
        let config = &self.inner.config;
        let live = self.inner.live.get();
        let (session_timeouts, session_stream) = match &live {
            None => (config.timeouts, config.stream),
            Some(live) => (
                live.timeouts.unwrap_or(config.timeouts),
                live.stream.unwrap_or(config.stream),
            ),
        };
        let timeouts = match request.extensions().get::<Timeouts>() {
            Some(own) => own.or(session_timeouts),
            None => session_timeouts,
        };
        let stream = request
            .extensions()
            .get::<Streaming>()
            .map_or(session_stream, |s| s.0);
        let stack = self.inner.stack.clone();
        let mut request = request;
        let mut snapshot = if stack.returns_request() {
            // The redirect layer hands its copy of the headers back when the
            // response comes (`send`), so the record does not copy them too.
            let headers = std::mem::take(request.headers_mut());
            let snapshot = request.snapshot();
            *request.headers_mut() = headers;
            snapshot
        } else {
            request.snapshot()
        };
        if let Some(download) = request.extensions().get::<DownloadProgress>() {
            // Kept with the record, read when the final response comes back.
            snapshot.extensions_mut().insert(download.clone());
        }
        let mut http = match request.into_http() {
            Ok(http) => http,
            // A URL the `http` crate cannot hold has no adapter either, and
            // "no adapter" is what requests reports for it.
            Err(err) => {
                return Err(self
                    .get_adapter(snapshot.url().as_str())
                    .err()
                    .unwrap_or(err));
            }
        };
        // (`Duration::MAX`, a request's `no_timeout`, is no deadline)
        let deadline = timeouts
            .total
            .and_then(|total| Instant::now().checked_add(total));
        if !timeouts.is_empty() {
            http.extensions_mut().insert(timeouts);
        }
        if let Some(at) = deadline {
            http.extensions_mut().insert(Deadline(at));
        }
        if let Some(fragment) = snapshot.fragment() {
            http.extensions_mut().insert(Fragment(fragment.to_owned()));
        }
        if let Some(live) = &live {
            live.apply(&mut http);
        }
        Ok(Exchange {
            stack,
            http,
            snapshot,
            deadline,
            stream,
            max_decompressed_size: config.max_decompressed_size,
            #[cfg(feature = "tracing")]
            trace_query_values: config.trace_query_values,
        })
    }

    /// The live cookie jar, shared by every clone (requests' `session.cookies`).
    ///
    /// With a custom store ([`SessionBuilder::cookie_store`]) this jar is not used.
    pub fn cookies(&self) -> &Arc<Jar> {
        &self.inner.jar
    }

    /// Sets a default header on the live session (every clone sees it); the same
    /// shapes as [`RequestBuilder::header`] (`&str`, `String`, `HeaderName`,
    /// `HeaderValue`...).
    ///
    /// ```
    /// let s = sessio::Session::new();
    /// s.set_header("x-api-key", "k")?;
    /// s.set_header(sessio::header::ACCEPT, "application/json")?;
    /// assert_eq!(s.headers()["x-api-key"], "k");
    /// assert!(s.set_header("x-bad", "line\nbreak").unwrap_err().is_builder());
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn set_header<K, V>(&self, name: K, value: V) -> Result<()>
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        let (name, value) = checked_header(name, value)?;
        Arc::make_mut(&mut self.defaults_mut().headers).insert(name, value);
        Ok(())
    }

    /// Removes a default header from the live session (for example `User-Agent`).
    pub fn remove_header<K>(&self, name: K) -> Result<()>
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
    {
        let name = name_of(name)?;
        Arc::make_mut(&mut self.defaults_mut().headers).remove(name);
        Ok(())
    }

    /// Changes the live default headers in one go (requests'
    /// `session.headers.update(..)`). The values are checked afterwards; if one
    /// is invalid, nothing changes and the error is returned.
    ///
    /// ```
    /// let s = sessio::Session::new();
    /// s.update_headers(|headers| {
    ///     headers.insert("x-team", "core".parse().unwrap());
    ///     headers.remove("user-agent");
    /// })?;
    /// assert_eq!(s.headers()["x-team"], "core");
    /// assert!(!s.headers().contains_key("user-agent"));
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn update_headers(&self, update: impl FnOnce(&mut HeaderMap)) -> Result<()> {
        let mut defaults = self.defaults_mut();
        let mut headers = HeaderMap::clone(&defaults.headers);
        update(&mut headers);
        let mut checked = HeaderMap::with_capacity(headers.len());
        for (name, value) in &headers {
            checked.append(name.clone(), checked_value(name, value.clone())?);
        }
        defaults.headers = Arc::new(checked);
        Ok(())
    }

    /// Sets (or with `None` clears) the auth of the live session.
    pub fn set_auth(&self, auth: impl Into<Option<Auth>>) {
        self.defaults_mut().auth = auth.into();
    }

    /// The default headers, read-only: a snapshot of the live defaults (change
    /// them with [`set_header`](Session::set_header),
    /// [`remove_header`](Session::remove_header) or
    /// [`update_headers`](Session::update_headers)).
    ///
    /// The port of requests' `s.headers.update(..)` as an insert into this
    /// snapshot does not compile, so it cannot silently do nothing:
    ///
    /// ```compile_fail
    /// let s = sessio::Session::new();
    /// s.headers().insert("x-test", "true".parse().unwrap());
    /// ```
    pub fn headers(&self) -> Arc<HeaderMap> {
        self.defaults().headers.clone()
    }

    /// The default query params, read-only: a snapshot of the live defaults.
    pub fn params(&self) -> Arc<Vec<(String, String)>> {
        self.defaults().params.clone()
    }

    /// Sets a default query param on the live session, replacing every value the
    /// key had (requests' `session.params[key] = value`).
    pub fn set_param(&self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        let mut defaults = self.defaults_mut();
        let params = Arc::make_mut(&mut defaults.params);
        params.retain(|(k, _)| *k != key);
        params.push((key, value.into()));
    }

    /// Removes a default query param (every value of `key`) from the live session.
    pub fn remove_param(&self, key: &str) {
        Arc::make_mut(&mut self.defaults_mut().params).retain(|(k, _)| k != key);
    }

    /// Changes the live default params in one go; they are appended to every
    /// query in this order.
    ///
    /// ```
    /// let s = sessio::Session::builder().param("page", "1").build()?;
    /// s.update_params(|params| params.push(("sort".into(), "new".into())));
    /// assert_eq!(s.params().len(), 2);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn update_params(&self, update: impl FnOnce(&mut Vec<(String, String)>)) {
        update(Arc::make_mut(&mut self.defaults_mut().params));
    }

    /// Adds a hook to the live session: it runs on every hop of every later
    /// request, from every clone (requests' `session.hooks['response'].append`).
    pub fn add_hook(&self, hook: Hook) {
        self.defaults_mut().hooks.push(hook);
    }

    /// Removes a hook added before (the same `Hook` or a clone of it); returns
    /// whether it was there.
    ///
    /// ```
    /// let s = sessio::Session::new();
    /// let log = sessio::Hook::response(|r| async { Ok(r) });
    /// s.add_hook(log.clone());
    /// assert_eq!(s.hooks().response_hooks().count(), 1);
    /// assert!(s.remove_hook(&log));
    /// assert!(s.hooks().is_empty());
    /// ```
    pub fn remove_hook(&self, hook: &Hook) -> bool {
        self.defaults_mut().hooks.remove(hook)
    }

    /// The session's hooks, read-only: a snapshot of the live registry.
    pub fn hooks(&self) -> Arc<HookRegistry> {
        Arc::new(self.defaults().hooks.clone())
    }

    /// The redirect limit (requests' `max_redirects`, default 30).
    pub fn max_redirects(&self) -> usize {
        match self.inner.live.get().and_then(|live| live.max_redirects) {
            Some(max) => max,
            None => self.inner.config.max_redirects,
        }
    }

    /// Mounts `adapter` for URLs starting with `prefix` on the live session
    /// (longest prefix wins, case-insensitive; see [`SessionBuilder::mount`]).
    pub fn mount(&self, prefix: impl Into<String>, adapter: impl IntoAdapter) {
        let adapter = adapter.into_adapter();
        self.inner
            .mounts
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .mount(prefix.into(), adapter);
    }

    /// Mounts `adapter` for one origin on the live session (see
    /// [`SessionBuilder::mount_origin`]); an invalid origin is an error and
    /// mounts nothing.
    pub fn mount_origin(&self, origin: &str, adapter: impl IntoAdapter) -> Result<()> {
        let origin = Origin::parse(origin)?;
        let adapter = adapter.into_adapter();
        self.inner
            .mounts
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .mount_origin(origin, adapter);
        Ok(())
    }

    /// The adapter a URL would be sent with, or the no-adapter error
    /// (requests' `get_adapter`).
    pub fn get_adapter(&self, url: &str) -> Result<Adapter> {
        if self.is_closed() {
            return Err(closed());
        }
        let mounts = self
            .inner
            .mounts
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        mounts.get(url).cloned().ok_or_else(|| no_adapter(url))
    }

    /// The connection counts of the mounted [`HttpAdapter`](crate::HttpAdapter)s,
    /// summed (an adapter mounted at several prefixes counts once).
    ///
    /// ```
    /// let session = sessio::Session::new();
    /// assert_eq!(session.pool_stats(), sessio::PoolStats::default());
    /// ```
    pub fn pool_stats(&self) -> PoolStats {
        self.each_pool(|adapter| adapter.pool_stats())
            .into_iter()
            .fold(PoolStats::default(), |total, stats| total + stats)
    }

    /// The connection counts of each key (scheme, host and port, and route)
    /// of the mounted [`HttpAdapter`](crate::HttpAdapter)s' pools; see
    /// [`HttpAdapter::pool_stats_by_key`](crate::HttpAdapter::pool_stats_by_key).
    ///
    /// ```
    /// let session = sessio::Session::new();
    /// assert!(session.pool_stats_by_key().is_empty());
    /// ```
    pub fn pool_stats_by_key(&self) -> Vec<(crate::PoolKey, PoolStats)> {
        self.each_pool(|adapter| adapter.as_http().map(crate::HttpAdapter::pool_stats_by_key))
            .into_iter()
            .flatten()
            .collect()
    }

    /// `what` of each pool of the mounted adapters, once per pool (an
    /// adapter mounted at several prefixes counts once).
    fn each_pool<T>(&self, what: impl Fn(&Adapter) -> Option<T>) -> Vec<T> {
        let mounts = self
            .inner
            .mounts
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let mut counted: Vec<&Adapter> = Vec::new();
        let mut all = Vec::new();
        for adapter in mounts.adapters() {
            if counted.iter().any(|seen| seen.shares_pool_with(adapter)) {
                continue;
            }
            if let Some(found) = what(adapter) {
                all.push(found);
                counted.push(adapter);
            }
        }
        all
    }

    /// The mounted prefixes in lookup order.
    pub fn mounts(&self) -> Vec<String> {
        let mounts = self
            .inner
            .mounts
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        mounts.prefixes().collect()
    }

    /// Closes the session: every mounted [`HttpAdapter`](crate::HttpAdapter) is
    /// closed (idle connections now, busy ones when their response is done; see
    /// [`HttpAdapter::close`](crate::HttpAdapter::close)), and every later
    /// request fails with an error for which `is_closed()` is true. This cannot
    /// be undone (unlike requests, whose closed sessions silently reopen pools).
    pub async fn close(&self) {
        self.inner.closed.store(true, Ordering::SeqCst);
        {
            let mut mounts = self
                .inner
                .mounts
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            for adapter in mounts.adapters() {
                adapter.close();
            }
            mounts.clear();
        }
        tokio::task::yield_now().await;
    }

    /// Whether [`close`](Session::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::SeqCst)
    }

    fn defaults(&self) -> RwLockReadGuard<'_, Defaults> {
        self.inner
            .defaults
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn defaults_mut(&self) -> RwLockWriteGuard<'_, Defaults> {
        self.inner
            .defaults
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

fn closed() -> Error {
    error_msg(ErrorKind::Closed, "the session is closed")
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let defaults = self.defaults();
        f.debug_struct("Session")
            .field("headers", &defaults.headers)
            .field("params", &defaults.params)
            .field("auth", &defaults.auth)
            .field("mounts", &self.mounts())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// What [`Session::prepare`] takes: a [`Request`], or a [`RequestBuilder`] (built
/// first; its parked error is returned).
pub trait IntoRequest: sealed::Sealed {
    /// The request, or the error parked while building it.
    fn into_request(self) -> Result<Request>;
}

impl IntoRequest for Request {
    fn into_request(self) -> Result<Request> {
        Ok(self)
    }
}

impl IntoRequest for RequestBuilder {
    fn into_request(self) -> Result<Request> {
        self.build()
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for sessio_core::Request {}
    impl Sealed for super::RequestBuilder {}
}

/// The default headers of a new session (requests' `default_headers`).
pub(crate) fn default_header_map(keep_alive: bool) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(4);
    headers.insert(
        http::header::USER_AGENT,
        HeaderValue::from_static(concat!("sessio/", env!("CARGO_PKG_VERSION"))),
    );
    // The codings this build decodes; none asked for when it decodes none.
    if let Some(codings) = sessio_core::__private::accept_encoding() {
        headers.insert(
            http::header::ACCEPT_ENCODING,
            HeaderValue::from_static(codings),
        );
    }
    headers.insert(http::header::ACCEPT, HeaderValue::from_static("*/*"));
    if keep_alive {
        headers.insert(
            http::header::CONNECTION,
            HeaderValue::from_static("keep-alive"),
        );
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session::builder()
            .header("x-session", "s")
            .param("p", "1")
            .auth(Auth::basic("u", "p"))
            .build()
            .unwrap()
    }

    #[test]
    fn prepare_merges_session_state_like_prepare_request() {
        let s = session();
        let request = s
            .get("http://example.com/path?q=0")
            .header("x-request", "r")
            .param("p", "2")
            .build()
            .unwrap();
        let prepared = s.prepare(request).unwrap();
        assert_eq!(prepared.url().query(), Some("q=0&p=2"));
        let h = prepared.headers();
        assert_eq!(h["x-session"], "s");
        assert_eq!(h["x-request"], "r");
        assert_eq!(h["authorization"], "Basic dTpw");
        assert_eq!(
            h["user-agent"],
            concat!("sessio/", env!("CARGO_PKG_VERSION"))
        );
        let names: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
        // session headers first, then the request's, then auth (step P6)
        assert_eq!(
            names,
            [
                "user-agent",
                "accept-encoding",
                "accept",
                "connection",
                "x-session",
                "x-request",
                "authorization"
            ]
        );
    }

    #[test]
    fn http2_prior_knowledge_sessions_send_no_connection_header() {
        let s = Session::builder().http2_prior_knowledge().build().unwrap();
        let prepared = s
            .prepare(s.get("http://example.com/").build().unwrap())
            .unwrap();
        assert!(!prepared.headers().contains_key(http::header::CONNECTION));
    }

    /// The per-request future is one state machine with no box per layer; its
    /// size is pinned so that growth is a deliberate decision (measured: 2296
    /// bytes for both, with redirects, cookies and hooks in the stack, 2408 with
    /// the `tracing` feature; the 168 bytes over the 2120 before are the chain's
    /// call kept apart so that it can give the request's headers back, and the
    /// pool's lease and hyper's answer are held in place, where hyper-util's
    /// client boxed its whole future (+8 bytes, +64 with `tracing`); boxing
    /// the whole future instead measured more instructions per request, not
    /// fewer; reqwest pins its own `Pending` the same way).
    #[test]
    fn per_request_future_size_is_pinned() {
        let s = session();
        let prepared = s
            .prepare(s.get("http://example.com/").build().unwrap())
            .unwrap();
        let send = s.send(prepared);
        let size = std::mem::size_of_val(&send);
        assert!(size <= 2432, "Session::send future grew to {size} bytes");
        drop(send);
        let builder_send = s.get("http://example.com/").send();
        let size = std::mem::size_of_val(&builder_send);
        assert!(
            size <= 2432,
            "RequestBuilder::send future grew to {size} bytes"
        );
    }
}
