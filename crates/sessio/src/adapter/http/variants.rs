//! One client per distinct TLS settings and proxy, so that connections are
//! never shared across them.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use hyper_util::client::legacy::Client;
use sessio_core::__private::error;
use sessio_core::{Body, Error, ErrorKind, Result};

use super::{Connector, HttpAdapter, HttpAdapterBuilder};
use crate::adapter::pool::Pool;
use crate::proxy::{Proxy, RequestProxies};
use crate::tls::config::client_config;
use crate::tls::{RequestTls, TlsSettings};

/// The most clients kept for requests with TLS settings or a proxy of their
/// own; past it the oldest is dropped (its idle connections close).
const MAX_VARIANTS: usize = 32;

/// The default client and the (empty) table of per-request variants. When the
/// environment's CA bundle cannot be used, the adapter is still built (as
/// requests builds its session), and `https://` requests fail with the reason.
pub(super) fn default_client(
    builder: &HttpAdapterBuilder,
    pool: &Arc<Pool>,
) -> Result<(Client<Connector, Body>, Variants)> {
    let mut settings = builder.effective(builder.tls.clone());
    let (config, unusable_env_bundle) = match client_config(&settings) {
        Ok(config) => (config, None),
        Err(err) if settings.ca_bundle != builder.tls.ca_bundle => {
            settings = builder.tls.clone();
            (client_config(&settings)?, Some(Arc::new(err)))
        }
        Err(err) => return Err(err),
    };
    let variants = Variants {
        default_tls: settings,
        unusable_env_bundle,
        clients: Mutex::new(HashMap::new()),
    };
    Ok((builder.client(config, pool, None), variants))
}

/// Clients for requests with TLS settings or a proxy of their own, keyed by
/// the settings and proxy in effect: a `verify(false)` request never lends a
/// connection to a verifying one, nor a request with one client certificate or
/// proxy to another.
pub(super) struct Variants {
    /// The TLS settings of the default client.
    default_tls: TlsSettings,
    /// Why `https://` requests without settings of their own cannot be sent.
    unusable_env_bundle: Option<Arc<Error>>,
    /// At most `MAX_VARIANTS`, in order of creation.
    clients: Mutex<HashMap<VariantKey, (u64, Client<Connector, Body>)>>,
}

/// What makes connections differ: TLS settings (`None`: the default
/// client's, so that a proxied request neither copies nor hashes them), and
/// the proxy.
type VariantKey = (Option<TlsSettings>, Option<Arc<Proxy>>);

/// Whether `request` names proxies of its own.
pub(super) fn has_request_proxies(request: &http::Request<Body>) -> bool {
    request.extensions().get::<RequestProxies>().is_some()
}

impl Variants {
    /// Whether `request` needs something other than the default client for
    /// its TLS settings.
    pub(super) fn needed(&self, request: &http::Request<Body>) -> bool {
        (self.unusable_env_bundle.is_some() || request.extensions().get::<RequestTls>().is_some())
            && request.uri().scheme() == Some(&http::uri::Scheme::HTTPS)
    }
}

impl HttpAdapter {
    /// The proxy and TLS settings a request to `uri` without settings of its
    /// own would use, and why `https://` requests cannot be sent if they cannot.
    pub(crate) fn settings_for(
        &self,
        uri: &http::Uri,
    ) -> (Option<Arc<Proxy>>, TlsSettings, Option<String>) {
        let shared = &*self.inner;
        let proxy = super::Proxies::route_uri(shared.proxies.as_ref(), None, uri);
        let unusable = shared
            .variants
            .unusable_env_bundle
            .as_ref()
            .map(|err| UnusableEnvBundle(err.clone()).to_string());
        (proxy, shared.variants.default_tls.clone(), unusable)
    }

    /// The client for a request with TLS settings or a proxy of its own
    /// (`None`: the default client), or why an `https://` request cannot be
    /// sent (the environment's bundle is unusable).
    pub(super) fn variant_for(
        &self,
        request: &http::Request<Body>,
        proxy: Option<Arc<Proxy>>,
    ) -> Result<Option<Client<Connector, Body>>> {
        let shared = &*self.inner;
        let variants = &shared.variants;
        let https = request.uri().scheme() == Some(&http::uri::Scheme::HTTPS);
        let tls = match request.extensions().get::<RequestTls>() {
            Some(own) if https => Some(shared.settings.effective(shared.settings.tls.with(own)))
                .filter(|tls| *tls != variants.default_tls),
            _ => None,
        };
        if https
            && tls.is_none()
            && let Some(why) = &variants.unusable_env_bundle
        {
            return Err(error(ErrorKind::Builder, UnusableEnvBundle(why.clone())));
        }
        if tls.is_none() && proxy.is_none() {
            return Ok(None);
        }
        let settings = (tls, proxy);
        let mut clients = variants.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, client)) = clients.get(&settings) {
            return Ok(Some(client.clone()));
        }
        let client = shared.settings.client(
            client_config(settings.0.as_ref().unwrap_or(&variants.default_tls))?,
            &shared.pool,
            settings.1.clone(),
        );
        if clients.len() >= MAX_VARIANTS
            && let Some(oldest) = clients
                .iter()
                .min_by_key(|(_, (created, _))| *created)
                .map(|(key, _)| key.clone())
        {
            clients.remove(&oldest);
        }
        let created = clients.values().map(|(n, _)| n + 1).max().unwrap_or(0);
        clients.insert(settings, (created, client.clone()));
        Ok(Some(client))
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
