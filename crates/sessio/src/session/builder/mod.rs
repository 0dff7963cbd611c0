//! `SessionBuilder`: consuming setters; the first invalid setting is parked and
//! returned by `build()`.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use sessio_core::__private::{checked_header, checked_value, error_msg, name_of};
use sessio_core::{Auth, Body, BoxError, CookieStore, Error, ErrorKind, Hook, Result, Timeouts};
use sessio_layers::cookies::Jar;
use sessio_layers::redirect::RedirectPolicy;
use tower::ServiceExt;

pub(super) mod environment;
mod tls;
use tower_layer::Layer;
use tower_service::Service;

use super::live::Live;
use super::stack::{self, Dispatch, RedirectSettings, Stack};
use super::{
    Config, Defaults, ExchangeService, HopService, Session, SessionRef, default_header_map,
};
use crate::adapter::{Adapter, HttpAdapterBuilder, IntoAdapter, into_error, into_response_body};
use crate::mount::{MountTable, Origin, Router};

type LayerFn = Box<dyn FnOnce(HopService) -> HopService + Send>;
type ExchangeLayerFn = Box<dyn FnOnce(ExchangeService) -> ExchangeService + Send>;

/// Configures a [`Session`]. Every setter consumes and returns the builder; an
/// invalid value (a bad header, say) is kept and returned by
/// [`build`](SessionBuilder::build), so chains never need `?` in the middle.
///
/// ```
/// use std::time::Duration;
/// use sessio::{Auth, Session};
///
/// let session = Session::builder()
///     .header("x-api-key", "k")
///     .auth(Auth::bearer("token"))
///     .param("v", "2")
///     .timeout(Duration::from_secs(30))
///     .pool_max_idle_per_host(8)
///     .build()
///     .unwrap();
/// assert_eq!(session.headers()["x-api-key"], "k");
///
/// let err = Session::builder().header("bad\nname", "v").build().unwrap_err();
/// assert!(err.is_builder());
/// ```
#[must_use]
pub struct SessionBuilder {
    defaults: Defaults,
    timeouts: Timeouts,
    max_redirects: usize,
    https_only: bool,
    redirect_policy: Option<Arc<dyn RedirectPolicy>>,
    jar: Option<Arc<Jar>>,
    store: Option<Arc<dyn CookieStore>>,
    strict_cookies: bool,
    strict_origin_auth: bool,
    base_url: Option<url::Url>,
    max_decompressed_size: Option<u64>,
    stream: bool,
    http: HttpAdapterBuilder,
    mounts: Vec<(String, Adapter)>,
    origin_mounts: Vec<(Origin, Adapter)>,
    layers: Vec<LayerFn>,
    exchange_layers: Vec<ExchangeLayerFn>,
    trust_env: bool,
    #[cfg(feature = "tracing")]
    trace_query_values: bool,
    cache: Option<sessio_layers::cache::CacheLayer>,
    error: Option<Error>,
}

impl SessionBuilder {
    pub(crate) fn new() -> Self {
        SessionBuilder {
            defaults: Defaults {
                headers: Arc::new(default_header_map(true)),
                params: Arc::default(),
                auth: None,
                hooks: Default::default(),
            },
            timeouts: Timeouts::default(),
            max_redirects: sessio_layers::redirect::DEFAULT_MAX_REDIRECTS,
            https_only: false,
            redirect_policy: None,
            jar: None,
            store: None,
            strict_cookies: false,
            strict_origin_auth: false,
            base_url: None,
            max_decompressed_size: Some(sessio_core::DEFAULT_MAX_DECOMPRESSED_SIZE),
            stream: false,
            http: HttpAdapterBuilder::default(),
            mounts: Vec::new(),
            origin_mounts: Vec::new(),
            layers: Vec::new(),
            exchange_layers: Vec::new(),
            trust_env: true,
            #[cfg(feature = "tracing")]
            trace_query_values: false,
            cache: None,
            error: None,
        }
    }

    fn park(&mut self, err: Error) {
        if self.error.is_none() {
            self.error = Some(err);
        }
    }

    /// Sets a default header (replacing the built-in one of the same name). It
    /// takes what [`RequestBuilder::header`](crate::RequestBuilder::header) takes;
    /// an invalid name or value is returned by [`build`](SessionBuilder::build).
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        match checked_header(name, value) {
            Ok((name, value)) => {
                Arc::make_mut(&mut self.defaults.headers).insert(name, value);
            }
            Err(err) => self.park(err),
        }
        self
    }

    /// Sets several default headers; each name given replaces the default of
    /// that name (values are checked like [`header`](SessionBuilder::header)'s).
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        let defaults = Arc::make_mut(&mut self.defaults.headers);
        let mut last = None;
        let mut invalid = None;
        for (name, value) in headers {
            if let Some(name) = name {
                defaults.remove(&name);
                last = Some(name);
            }
            if let Some(name) = &last {
                match checked_value(name, value) {
                    Ok(value) => {
                        defaults.append(name.clone(), value);
                    }
                    Err(err) => invalid = invalid.or(Some(err)),
                }
            }
        }
        if let Some(err) = invalid {
            self.park(err);
        }
        self
    }

    /// Removes a default header, built-in ones included (`User-Agent`, `Accept-Encoding`,
    /// `Accept`, `Connection`). A removed `Accept-Encoding` is never added back.
    pub fn remove_header<K>(mut self, name: K) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
    {
        match name_of(name) {
            Ok(name) => {
                Arc::make_mut(&mut self.defaults.headers).remove(name);
            }
            Err(err) => self.park(err),
        }
        self
    }

    /// Adds a default query param, appended to every request's query.
    pub fn param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.defaults.params).push((key.into(), value.into()));
        self
    }

    /// Adds default query params from a map, a struct or a list of pairs.
    pub fn params<T: serde::Serialize + ?Sized>(mut self, params: &T) -> Self {
        match sessio_core::__private::serialize_pairs(params) {
            Ok(pairs) => Arc::make_mut(&mut self.defaults.params).extend(pairs),
            Err(err) => self.park(err),
        }
        self
    }

    /// Default credentials for every request.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.defaults.auth = Some(auth);
        self
    }

    /// Total timeout of every request (all hops and reading the body).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.total = Some(timeout);
        self
    }

    /// Read timeout: the longest the server may stay silent, before the head and
    /// between body chunks (requests' read timeout).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.read = Some(timeout);
        self
    }

    /// Write timeout: the longest an upload may stall, the connection taking
    /// none of the request body (the server stopped reading), before the
    /// response head arrives; then the request fails with an error for which
    /// `is_timeout()` is true (kind [`ErrorKind::WriteTimeout`](crate::ErrorKind::WriteTimeout)).
    /// Off by default, as in requests (httpx's `write` timeout). HTTP/1 and
    /// HTTP/2 connections alike, for stalls of the socket itself.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let s = sessio::Session::builder()
    ///     .connect_timeout(Duration::from_secs(3))
    ///     .read_timeout(Duration::from_secs(10))
    ///     .write_timeout(Duration::from_secs(10))
    ///     .timeout(Duration::from_secs(60))
    ///     .build()?;
    /// # drop(s); Ok::<(), sessio::Error>(())
    /// ```
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.write = Some(timeout);
        self
    }

    /// Limit on establishing a connection (TCP and TLS) for the default adapters.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.http = self.http.connect_timeout(timeout);
        self
    }

    /// The redirect limit (default 30, requests' `max_redirects`): that many
    /// redirects are followed, one more fails with an error for which
    /// `is_redirect()` is true and that carries the last response. `0` fails on the
    /// first redirect; use `allow_redirects(false)` on a request to get the 3xx.
    pub fn max_redirects(mut self, max: usize) -> Self {
        self.max_redirects = max;
        self
    }

    /// Refuse to follow a redirect to anything but `https` (an error).
    pub fn https_only(mut self, enabled: bool) -> Self {
        self.https_only = enabled;
        self
    }

    /// Decide each redirect with a custom policy (requests' redirect mixin
    /// overrides): follow, stop, fail, and when to strip `Authorization`.
    pub fn redirect_policy(mut self, policy: impl RedirectPolicy) -> Self {
        self.redirect_policy = Some(Arc::new(policy));
        self
    }

    /// Use this cookie jar (to share it between sessions, or start from saved
    /// cookies). By default each session has a jar of its own.
    pub fn cookie_jar(mut self, jar: Arc<Jar>) -> Self {
        self.jar = Some(jar);
        self
    }

    /// Keep cookies in a store of your own instead of the default [`Jar`]
    /// (then [`Session::cookies`] is a jar the session does not use).
    pub fn cookie_store(mut self, store: Arc<dyn CookieStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Strict scoping of cookies that have no domain (`session.cookies().set(..)`):
    /// sent only to the origin of each request's first hop, not to every host a
    /// redirect reaches. Off by default, as in requests.
    pub fn strict_cookies(mut self, strict: bool) -> Self {
        self.strict_cookies = strict;
        self
    }

    /// Strip `Authorization` on every redirect to another origin, the
    /// `http` → `https` upgrade on the same host included (requests keeps it
    /// there: the same host, now encrypted). Off by default, as in requests;
    /// it applies over a [`redirect_policy`](SessionBuilder::redirect_policy)
    /// too.
    pub fn strict_origin_auth(mut self, strict: bool) -> Self {
        self.strict_origin_auth = strict;
        self
    }

    /// A URL that relative request URLs are joined to (httpx's `base_url`):
    /// with `https://api.example.com/v1`, `get("users")` and `get("/users")`
    /// both go to `https://api.example.com/v1/users`; an absolute URL is sent
    /// as it is. Only `http` and `https` URLs with a host are taken; anything
    /// else is an error from [`build`](SessionBuilder::build).
    ///
    /// ```
    /// let s = sessio::Session::builder().base_url("https://api.example.com/v1").build()?;
    /// assert_eq!(s.prepare(s.get("users?page=2"))?.url().as_str(), "https://api.example.com/v1/users?page=2");
    /// assert_eq!(s.prepare(s.get("/users"))?.url().as_str(), "https://api.example.com/v1/users");
    /// assert_eq!(s.prepare(s.get("https://other.example/"))?.url().as_str(), "https://other.example/");
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn base_url(mut self, url: &str) -> Self {
        match url::Url::parse(url) {
            Ok(mut base)
                if matches!(base.scheme(), "http" | "https")
                    && base.has_host()
                    && base.query().is_none()
                    && base.fragment().is_none() =>
            {
                if !base.path().ends_with('/') {
                    let path = format!("{}/", base.path());
                    base.set_path(&path);
                }
                self.base_url = Some(base);
            }
            _ => self.park(sessio_core::__private::invalid_url(
                url,
                "a base URL is an http or https URL with a host, and no query or fragment",
            )),
        }
        self
    }

    /// Adds a session hook; it runs on every hop of every request (see
    /// [`Hook`](crate::Hook)). A request's own hooks of the same event replace
    /// the session's, as in requests.
    pub fn hook(mut self, hook: Hook) -> Self {
        self.defaults.hooks.push(hook);
        self
    }

    /// The cap on a body read into memory, after decoding (default 1 GiB;
    /// `None`: no cap). Past it, reads fail with an error for which `is_body()` is true.
    pub fn max_decompressed_size(mut self, max: impl Into<Option<u64>>) -> Self {
        self.max_decompressed_size = max.into();
        self
    }

    /// Whether response bodies are left on the connection until read (`true`) or
    /// read before `send` returns (`false`, the default, like requests).
    pub fn stream(mut self, stream: bool) -> Self {
        self.stream = stream;
        self
    }

    /// Idle connections kept per host by the default adapters (`0`: no pooling).
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.http = self.http.pool_max_idle_per_host(max);
        self
    }

    /// How long idle connections stay pooled (default 30 s).
    pub fn pool_idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.http = self.http.pool_idle_timeout(timeout);
        self
    }

    /// At most `max` connections open at once per host for the default
    /// adapters; a request that finds them all busy waits for one
    /// (see [`HttpAdapterBuilder::max_connections_per_host`]).
    pub fn max_connections_per_host(mut self, max: usize) -> Self {
        self.http = self.http.max_connections_per_host(max);
        self
    }

    /// At most `max` connections open at once in all for the default
    /// adapters (see [`HttpAdapterBuilder::max_connections`]).
    pub fn max_connections(mut self, max: usize) -> Self {
        self.http = self.http.max_connections(max);
        self
    }

    /// At most `max` idle connections kept in all by the default adapters,
    /// the least recently used closed first (see
    /// [`HttpAdapterBuilder::max_idle_total`]).
    pub fn max_idle_total(mut self, max: usize) -> Self {
        self.http = self.http.max_idle_total(max);
        self
    }

    /// TCP keep-alive probes after `idle` for the default adapters (default: off).
    pub fn tcp_keepalive(mut self, idle: impl Into<Option<Duration>>) -> Self {
        self.http = self.http.tcp_keepalive(idle);
        self
    }

    /// How long a request waits for a free connection under
    /// [`max_connections_per_host`](Self::max_connections_per_host) or
    /// [`max_connections`](Self::max_connections) (default: no limit).
    pub fn pool_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.http = self.http.pool_timeout(timeout);
        self
    }

    /// Resolves host names with `resolver` in the default adapters (see
    /// [`HttpAdapterBuilder::resolver`]).
    pub fn resolver(mut self, resolver: impl crate::Resolve) -> Self {
        self.http = self.http.resolver(resolver);
        self
    }

    /// Connects to `addr` for `host` in the default adapters, asking no
    /// resolver (see [`HttpAdapterBuilder::resolve`]).
    pub fn resolve(mut self, host: &str, addr: std::net::SocketAddr) -> Self {
        self.http = self.http.resolve(host, addr);
        self
    }

    /// Retries for the default adapters (requests' `HTTPAdapter(max_retries=..)`
    /// on `http://` and `https://`); none by default, as in requests. Mount an
    /// [`HttpAdapter`](crate::HttpAdapter) of its own for other hosts' policies.
    pub fn max_retries(mut self, policy: crate::RetryPolicy) -> Self {
        self.http = self.http.max_retries(policy);
        self
    }

    /// No connection pooling for the default adapters.
    pub fn unpooled(mut self) -> Self {
        self.http = self.http.unpooled();
        self
    }

    /// Offer HTTP/2 by ALPN on `https://` (default: HTTP/1.1 only).
    pub fn http2(mut self, enabled: bool) -> Self {
        self.http = self.http.http2(enabled);
        self
    }

    /// Speak HTTP/2 without negotiation (h2c on `http://`).
    pub fn http2_prior_knowledge(mut self) -> Self {
        self.http = self.http.http2_prior_knowledge();
        self
    }

    /// Mounts an adapter for URLs starting with `prefix`, as requests' `mount`: the
    /// longest matching prefix wins, matching is case-insensitive and by plain string
    /// prefix (so `https://example.com` also matches `https://example.com.evil/`; end
    /// a prefix with `/` to match one host). `http://` and `https://` are mounted to
    /// the default [`HttpAdapter`](crate::HttpAdapter) first.
    pub fn mount(mut self, prefix: impl Into<String>, adapter: impl IntoAdapter) -> Self {
        self.mounts.push((prefix.into(), adapter.into_adapter()));
        self
    }

    /// Mounts an adapter for one origin, safely: the scheme, host and port of
    /// a URL must be `origin`'s exactly, and its path must be `origin`'s path
    /// or below it on a segment boundary (`https://example.com/api` matches
    /// `/api` and `/api/v1`, never `/apix`, and never the host
    /// `example.com.evil.net`). Origin mounts are looked at before
    /// [`mount`](Self::mount)'s string prefixes, the longest path first. A
    /// URL with credentials, a query or a fragment, or without a host, is an
    /// error at [`build`](Self::build).
    ///
    /// ```
    /// use sessio::{MockAdapter, MockResponse, Session};
    ///
    /// let api = MockAdapter::from_fn(|_| MockResponse::text(200, "mocked"));
    /// let session = Session::builder().mount_origin("https://api.example.com/v1", api).build()?;
    /// let adapter = |url| session.get_adapter(url).unwrap().name().to_owned();
    /// assert!(adapter("https://api.example.com/v1/users").contains("MockAdapter"));
    /// assert!(adapter("https://api.example.com/v10").contains("HttpAdapter"));
    /// assert!(adapter("https://api.example.com.evil.net/v1").contains("HttpAdapter"));
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn mount_origin(mut self, origin: &str, adapter: impl IntoAdapter) -> Self {
        match Origin::parse(origin) {
            Ok(origin) => self.origin_mounts.push((origin, adapter.into_adapter())),
            Err(err) => self.park(err),
        }
        self
    }

    /// Adds a tower layer that every hop goes through, just above the adapters: it
    /// sees each request exactly as it goes out (final headers included), each
    /// redirect included. Layers added first are outermost. Any tower-http layer
    /// works but one: tower-http's `FollowRedirectLayer` is refused (an error
    /// at [`build`](Self::build) for which `is_builder()` is true), since it
    /// would follow redirects out of sight of the session's own redirect
    /// handling, history and cookie jar. For one pass around the whole
    /// exchange, see [`exchange_layer`](Self::exchange_layer).
    ///
    /// ```
    /// use sessio::http::{HeaderName, HeaderValue};
    /// use sessio::Session;
    /// use tower_http::set_header::SetRequestHeaderLayer;
    ///
    /// let session = Session::builder()
    ///     .layer(SetRequestHeaderLayer::overriding(
    ///         HeaderName::from_static("x-signed"),
    ///         HeaderValue::from_static("yes"),
    ///     ))
    ///     .build()
    ///     .unwrap();
    /// # drop(session);
    /// ```
    pub fn layer<L, S, B>(mut self, layer: L) -> Self
    where
        L: Layer<HopService, Service = S> + Send + 'static,
        S: Service<http::Request<Body>, Response = http::Response<B>>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        // (by type name: tower-http is not a dependency of sessio's own code)
        if std::any::type_name::<S>().starts_with("tower_http::follow_redirect::") {
            self.park(error_msg(
                ErrorKind::Builder,
                "tower-http's FollowRedirectLayer cannot be a hop layer: it would follow \
                 redirects below the session's redirect layer, out of sight of its history, \
                 limits and cookie jar; the session follows redirects itself \
                 (max_redirects, allow_redirects, redirect_policy)",
            ));
            return self;
        }
        self.layers.push(Box::new(move |inner: HopService| {
            let service = layer
                .layer(inner)
                .map_response(|response: http::Response<B>| response.map(into_response_body))
                .map_err(into_error);
            HopService::new(service)
        }));
        self
    }

    /// Adds a tower layer around the whole exchange: it sees each `send` once,
    /// with the request before redirects and the final response after them
    /// (history in its extensions), where [`layer`](Self::layer) sees every
    /// hop. Layers added first are outermost. Its service may return any
    /// error that converts into a `BoxError`; a `sessio::Error` stays itself.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sessio::Session;
    ///
    /// // One limit for the whole chain of redirects, as a tower layer.
    /// let session = Session::builder()
    ///     .exchange_layer(tower::timeout::TimeoutLayer::new(Duration::from_secs(30)))
    ///     .build()?;
    /// # drop(session);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn exchange_layer<L, S, B>(mut self, layer: L) -> Self
    where
        L: Layer<ExchangeService, Service = S> + Send + 'static,
        S: Service<http::Request<Body>, Response = http::Response<B>>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.exchange_layers
            .push(Box::new(move |inner: ExchangeService| {
                let service = layer
                    .layer(inner)
                    .map_response(|response: http::Response<B>| response.map(into_response_body))
                    .map_err(Into::into);
                ExchangeService::new(service)
            }));
        self
    }

    /// Whether the `tracing` spans' `url.full` shows the values of query
    /// parameters (default: no, each is `REDACTED`, as OpenTelemetry's HTTP
    /// conventions advise: tokens and signatures travel there). Cargo feature
    /// `tracing`.
    ///
    /// ```
    /// let session = sessio::Session::builder().trace_query_values(true).build()?;
    /// # drop(session);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    #[cfg(feature = "tracing")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
    pub fn trace_query_values(mut self, show: bool) -> Self {
        self.trace_query_values = show;
        self
    }

    /// An HTTP cache on every hop (requests-cache's `CachedSession`): RFC 9111's
    /// private cache, in memory or on disk, between the hooks and the user's
    /// layers, so a cached redirect is followed, cookies still apply and hooks
    /// see [`Response::from_cache`](crate::Response::from_cache). The layer is
    /// a handle: keep a clone (or use [`Session::cache`]) for its
    /// [`stats`](sessio_layers::cache::CacheLayer::stats) and
    /// [`clear`](sessio_layers::cache::CacheLayer::clear). See the guide's
    /// "Caching" section.
    ///
    /// ```
    /// use sessio::Session;
    /// use sessio::layers::cache::CacheLayer;
    ///
    /// let session = Session::builder().cache(CacheLayer::memory(64 << 20)).build()?;
    /// assert_eq!(session.cache().unwrap().stats().hits, 0);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn cache(mut self, cache: sessio_layers::cache::CacheLayer) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Builds the session, or returns the first invalid setting.
    pub fn build(self) -> Result<Session> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let mut defaults = self.defaults;
        if self.http.is_http2_prior_knowledge()
            && defaults.headers.get(http::header::CONNECTION)
                == Some(&http::HeaderValue::from_static("keep-alive"))
        {
            // HTTP/2 forbids connection-specific headers.
            Arc::make_mut(&mut defaults.headers).remove(http::header::CONNECTION);
        }
        let netrc = self
            .trust_env
            .then(sessio_core::auth::Netrc::from_environment)
            .flatten()
            .map(Arc::new);
        let http = if self.trust_env {
            self.http
                .env_ca_bundle(environment::ca_bundle_from_env())
                .env_proxies(environment::proxies_from_env())
        } else {
            self.http
        };
        let http = Adapter::new(http.build()?);
        let mut table = MountTable::default();
        table.mount("https://".to_owned(), http.clone());
        table.mount("http://".to_owned(), http);
        for (prefix, adapter) in self.mounts {
            table.mount(prefix, adapter);
        }
        for (origin, adapter) in self.origin_mounts {
            table.mount_origin(origin, adapter);
        }
        let mounts = Arc::new(RwLock::new(table));
        let router = Router::new(mounts.clone());
        let hop = if self.layers.is_empty() {
            Dispatch::Router(router)
        } else {
            let mut service = HopService::new(router);
            for wrap in self.layers.into_iter().rev() {
                service = wrap(service);
            }
            Dispatch::Layered(service)
        };
        let hop = match &self.cache {
            Some(cache) => hop.cached(cache),
            None => hop,
        };
        let jar = self.jar.unwrap_or_default();
        let store: Arc<dyn CookieStore> = match self.store {
            Some(store) => store,
            None => jar.clone(),
        };
        let redirects = RedirectSettings {
            max_redirects: self.max_redirects,
            https_only: self.https_only,
            policy: self.redirect_policy,
            strict_origin_auth: self.strict_origin_auth,
        };
        let chain = stack::build(hop, store.clone(), redirects);
        let stack = if self.exchange_layers.is_empty() {
            Stack::Plain(chain)
        } else {
            let mut service = ExchangeService::new(chain);
            for wrap in self.exchange_layers.into_iter().rev() {
                service = wrap(service);
            }
            Stack::Wrapped(service)
        };
        Ok(Session {
            inner: Arc::new(SessionRef {
                defaults: RwLock::new(defaults),
                mounts,
                stack,
                jar,
                store,
                config: Config {
                    timeouts: self.timeouts,
                    max_redirects: self.max_redirects,
                    max_decompressed_size: self.max_decompressed_size,
                    stream: self.stream,
                    strict_cookies: self.strict_cookies,
                    trust_env: self.trust_env,
                    #[cfg(feature = "tracing")]
                    trace_query_values: self.trace_query_values,
                },
                live: Live::default(),
                netrc,
                base_url: self.base_url,
                cache: self.cache,
                closed: AtomicBool::new(false),
            }),
        })
    }
}

impl std::fmt::Debug for SessionBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionBuilder")
            .field("headers", &self.defaults.headers)
            .field("params", &self.defaults.params)
            .field("timeouts", &self.timeouts)
            .field("http", &self.http)
            .field("layers", &self.layers.len())
            .finish()
    }
}
