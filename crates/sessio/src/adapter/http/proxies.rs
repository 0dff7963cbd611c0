//! `HttpAdapter`'s proxies: the builder's setter, and the proxy of each request.

use std::sync::Arc;

use http::header::PROXY_AUTHORIZATION;
use sessio_core::Body;

use super::HttpAdapterBuilder;
use crate::proxy::{Proxy, ProxyKind, ProxyTable, RequestProxies, Selection};

impl HttpAdapterBuilder {
    /// Sends requests matching `key` through the proxy at `url`, with
    /// requests' keys (`"http"`, `"https"`, `"all"`, `"https://host"`,
    /// `"all://host"`, and `"no_proxy"` for a list of hosts reached directly);
    /// see [`sessio::proxy`](crate::proxy). An invalid proxy URL is an error at
    /// [`build`](Self::build) for which `is_proxy()` is true.
    ///
    /// ```
    /// let adapter = sessio::HttpAdapter::builder()
    ///     .proxy("https", "http://proxy.internal:3128")
    ///     .proxy("no_proxy", "localhost,127.0.0.1")
    ///     .build()?;
    /// # drop(adapter);
    /// let err = sessio::HttpAdapter::builder().proxy("all", "http://:8080").build().unwrap_err();
    /// assert!(err.is_proxy());
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn proxy(mut self, key: &str, url: &str) -> Self {
        if let Err(err) = self.proxies.set(key, url) {
            self.error = self.error.or(Some(Arc::new(err)));
        }
        self
    }

    /// The proxies of the environment (the session's `trust_env`), used after
    /// the adapter's own.
    pub(crate) fn env_proxies(mut self, table: ProxyTable) -> Self {
        self.env_proxies = table;
        self
    }
}

/// Where the proxies of a request come from, first match first: the
/// request's own, the adapter's (the session's), the environment's.
#[derive(Debug)]
pub(super) struct Proxies {
    own: ProxyTable,
    env: ProxyTable,
}

impl Proxies {
    pub(super) fn new(builder: &HttpAdapterBuilder) -> Option<Proxies> {
        let proxies = Proxies {
            own: builder.proxies.clone(),
            env: builder.env_proxies.clone(),
        };
        (!proxies.own.is_empty() || !proxies.env.is_empty()).then_some(proxies)
    }

    /// The proxy `request` goes through, if any.
    pub(super) fn route(
        proxies: Option<&Proxies>,
        request: &http::Request<Body>,
    ) -> Option<Arc<Proxy>> {
        let own = request.extensions().get::<RequestProxies>();
        Self::route_uri(proxies, own, request.uri())
    }

    /// The proxy a request to `uri` goes through: the request's own proxies
    /// first, then the live session's, the adapter's (the session's as
    /// built) and the environment's (the live session's choice of it, if it
    /// made one).
    pub(super) fn route_uri(
        proxies: Option<&Proxies>,
        own: Option<&RequestProxies>,
        uri: &http::Uri,
    ) -> Option<Arc<Proxy>> {
        let session = own.and_then(|own| own.session.as_deref());
        let env = match session.and_then(|session| session.env.as_ref()) {
            Some(env) => Some(env),
            None => proxies.map(|p| &p.env),
        };
        let tables = own
            .map(|own| &own.own)
            .into_iter()
            .chain(session.map(|session| &session.live))
            .chain(proxies.map(|p| &p.own))
            .chain(env);
        for table in tables {
            match table.select(uri) {
                Selection::Proxy(proxy) => return Some(proxy),
                Selection::Direct => return None,
                Selection::NoMatch => {}
            }
        }
        None
    }
}

/// `Proxy-Authorization` goes to a forward proxy with a plain-http request,
/// and nowhere else: not inside a tunnel, not to a SOCKS target, not to the
/// server of a direct request.
pub(super) fn set_proxy_authorization(request: &mut http::Request<Body>, proxy: Option<&Proxy>) {
    let forwarded = proxy.filter(|proxy| {
        matches!(proxy.kind, ProxyKind::Http { .. })
            && request.uri().scheme() == Some(&http::uri::Scheme::HTTP)
    });
    match forwarded.and_then(Proxy::authorization) {
        Some(auth) => {
            request.headers_mut().insert(PROXY_AUTHORIZATION, auth);
        }
        None if forwarded.is_none() => {
            request.headers_mut().remove(PROXY_AUTHORIZATION);
        }
        None => {}
    }
}
