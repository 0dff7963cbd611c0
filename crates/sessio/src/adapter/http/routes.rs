//! The routes of an adapter: its default (its own TLS settings, no proxy),
//! and one interned [`Route`] per distinct TLS settings and proxy that
//! requests ask for, so that connections are never shared across them.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use sessio_core::__private::error;
use sessio_core::{Body, Error, ErrorKind, Result};

use super::{HttpAdapter, HttpAdapterBuilder};
use crate::proxy::{Proxy, RequestProxies};
use crate::tls::config::client_config;
use crate::tls::{RequestTls, TlsSettings};
use crate::transport::key::RouteRef;
use crate::transport::route::Route;
use crate::transport::tls::TlsConnect;

/// The most routes kept for requests with TLS settings or a proxy of their
/// own; past it the oldest is forgotten (its connections stay in the pool
/// until they idle out, and a request with the same settings makes a new
/// route, and so new connections).
const MAX_ROUTES: usize = 32;

/// The TLS step of the adapter's own settings, and the (empty) table of
/// routes. When the environment's CA bundle cannot be used, the adapter is
/// still built (as requests builds its session), and `https://` requests
/// without settings of their own fail with the reason.
pub(super) fn default_tls(builder: &HttpAdapterBuilder) -> Result<(TlsConnect, Routes)> {
    let mut settings = builder.effective(builder.tls.clone());
    let (config, unusable_env_bundle) = match client_config(&settings) {
        Ok(config) => (config, None),
        Err(err) if settings.ca_bundle != builder.tls.ca_bundle => {
            settings = builder.tls.clone();
            (client_config(&settings)?, Some(Arc::new(err)))
        }
        Err(err) => return Err(err),
    };
    let routes = Routes {
        default_tls: settings,
        unusable_env_bundle,
        interned: Mutex::new(HashMap::new()),
    };
    Ok((TlsConnect::new(config, builder.wants_http2()), routes))
}

/// Routes for requests with TLS settings or a proxy of their own, keyed by
/// the settings and proxy in effect: a `verify(false)` request never lends a
/// connection to a verifying one, nor a request with one client certificate
/// or proxy to another.
pub(super) struct Routes {
    /// The TLS settings of the default route.
    default_tls: TlsSettings,
    /// Why `https://` requests without settings of their own cannot be sent.
    unusable_env_bundle: Option<Arc<Error>>,
    /// At most `MAX_ROUTES`, each with its order of creation.
    interned: Mutex<HashMap<RouteSettings, (u64, RouteRef)>>,
}

/// What makes routes differ: TLS settings (`None`: the default route's, so
/// that a proxied request neither copies nor hashes them), and the proxy.
type RouteSettings = (Option<TlsSettings>, Option<Arc<Proxy>>);

/// Whether `request` names proxies of its own.
pub(super) fn has_request_proxies(request: &http::Request<Body>) -> bool {
    request.extensions().get::<RequestProxies>().is_some()
}

impl Routes {
    /// Whether `request` may need a route other than the default for its
    /// TLS settings.
    pub(super) fn needed(&self, request: &http::Request<Body>) -> bool {
        request.uri().scheme() == Some(&http::uri::Scheme::HTTPS)
            && (self.unusable_env_bundle.is_some()
                || request.extensions().get::<RequestTls>().is_some())
    }
}

impl HttpAdapter {
    /// The proxy and TLS settings `request` would use (with the settings it
    /// carries, a live session's included), and why it could not be sent, if
    /// it could not (an `https://` request when the environment's bundle is
    /// unusable).
    pub(crate) fn settings_for(
        &self,
        request: &http::Request<Body>,
    ) -> (Option<Arc<Proxy>>, TlsSettings, Option<String>) {
        let shared = &*self.inner;
        let proxy = super::Proxies::route(shared.proxies.as_ref(), request);
        let (tls, unusable) = match self.tls_for(request, proxy.as_deref()) {
            Ok(Some(tls)) => (tls, None),
            Ok(None) => (shared.routes.default_tls.clone(), None),
            Err(err) => (
                shared.routes.default_tls.clone(),
                Some(err.report().to_string()),
            ),
        };
        (proxy, tls, unusable)
    }

    /// The TLS settings of `request` (through `proxy`) when they are not the
    /// default route's (`None`: the default's), or why it cannot be sent (it
    /// speaks TLS and the environment's bundle is unusable).
    fn tls_for(
        &self,
        request: &http::Request<Body>,
        proxy: Option<&Proxy>,
    ) -> Result<Option<TlsSettings>> {
        let shared = &*self.inner;
        let routes = &shared.routes;
        // TLS is spoken to an `https://` server, and to an `https://` proxy
        // whatever the target (with the same settings).
        let speaks_tls = request.uri().scheme() == Some(&http::uri::Scheme::HTTPS)
            || proxy.is_some_and(Proxy::speaks_tls);
        let own = request
            .extensions()
            .get::<RequestTls>()
            .filter(|_| speaks_tls);
        let tls = own.and_then(|own| {
            let env = match &own.env_ca_bundle {
                Some(chosen) => chosen.as_ref(),
                None => shared.settings.env_ca_bundle.as_ref(),
            };
            let tls = shared.settings.tls.with(own);
            Some(HttpAdapterBuilder::effective_with(tls, env))
                .filter(|tls| *tls != routes.default_tls)
        });
        // (a live session that chose the environment's bundle itself is not
        // held to the adapter's)
        let own_env = own.is_some_and(|own| own.env_ca_bundle.is_some());
        if speaks_tls
            && tls.is_none()
            && !own_env
            && let Some(why) = &routes.unusable_env_bundle
        {
            return Err(error(ErrorKind::Builder, UnusableEnvBundle(why.clone())));
        }
        Ok(tls)
    }

    /// The route of a request with TLS settings or a proxy of its own
    /// (`None`: the default route), or why a request over TLS (to an
    /// `https://` server or proxy) cannot be sent (the environment's bundle
    /// is unusable).
    pub(super) fn route_for(
        &self,
        request: &http::Request<Body>,
        proxy: Option<Arc<Proxy>>,
    ) -> Result<Option<RouteRef>> {
        let shared = &*self.inner;
        let routes = &shared.routes;
        let tls = self.tls_for(request, proxy.as_deref())?;
        if tls.is_none() && proxy.is_none() {
            return Ok(None);
        }
        let settings = (tls, proxy);
        let mut interned = routes.interned.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, route)) = interned.get(&settings) {
            return Ok(Some(route.clone()));
        }
        let tls = match &settings.0 {
            Some(own) => Some((
                own.clone(),
                TlsConnect::new(client_config(own)?, shared.settings.wants_http2()),
            )),
            None => None,
        };
        let route = RouteRef(Arc::new(Route {
            tls,
            proxy: settings.1.clone(),
        }));
        if interned.len() >= MAX_ROUTES
            && let Some(oldest) = interned
                .iter()
                .min_by_key(|(_, (created, _))| *created)
                .map(|(key, _)| key.clone())
        {
            interned.remove(&oldest);
        }
        let created = interned.values().map(|(n, _)| n + 1).max().unwrap_or(0);
        interned.insert(settings, (created, route.clone()));
        Ok(Some(route))
    }
}

/// The environment's CA bundle could not be used; the cause is why.
#[derive(Debug)]
struct UnusableEnvBundle(Arc<Error>);

impl fmt::Display for UnusableEnvBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the CA bundle named by REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE cannot be used")
    }
}

impl std::error::Error for UnusableEnvBundle {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&*self.0)
    }
}
