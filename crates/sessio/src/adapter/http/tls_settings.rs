//! `HttpAdapter`'s TLS settings: the builder's setters, and one client per
//! distinct settings so that connections are never shared across them.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use hyper_util::client::legacy::Client;
use rustls_pki_types::CertificateDer;
use sessio_core::__private::error;
use sessio_core::{Body, Error, ErrorKind, Result};

use super::{Connector, HttpAdapter, HttpAdapterBuilder};
use crate::adapter::pool::Pool;
use crate::proxy::{Proxy, RequestProxies};
use crate::tls::config::client_config;
use crate::tls::{Identity, RequestTls, TlsSettings, Version, certificates_from_pem};

/// The most clients kept for requests with TLS settings of their own; past it
/// the oldest is dropped (its idle connections close).
const MAX_VARIANTS: usize = 32;

impl HttpAdapterBuilder {
    /// Trust this root certificate (DER) in addition to the other roots.
    ///
    /// ```no_run
    /// let der = std::fs::read("private-ca.der")?;
    /// let adapter = sessio::HttpAdapter::builder().add_root_certificate(der).build()?;
    /// # drop(adapter);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.tls.extra_roots.push(CertificateDer::from(der.into()));
        self
    }

    /// Trust the root certificates in this PEM text, in addition to the other
    /// roots; text without a certificate is an error at [`build`](Self::build).
    ///
    /// ```
    /// let err = sessio::HttpAdapter::builder().add_root_certificate_pem("not PEM").build().unwrap_err();
    /// assert!(err.is_builder());
    /// ```
    pub fn add_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        match certificates_from_pem(pem.as_ref()) {
            Ok(certs) => self.tls.extra_roots.extend(certs),
            Err(err) => self.error = self.error.or(Some(Arc::new(err))),
        }
        self
    }

    /// Whether the bundled webpki (Mozilla) roots are trusted (default: yes).
    ///
    /// ```no_run
    /// // Only a private CA, not the public ones.
    /// let pem = std::fs::read_to_string("private-ca.pem")?;
    /// let adapter = sessio::HttpAdapter::builder()
    ///     .tls_built_in_root_certs(false)
    ///     .add_root_certificate_pem(pem)
    ///     .build()?;
    /// # drop(adapter);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tls_built_in_root_certs(mut self, enabled: bool) -> Self {
        self.tls.built_in_roots = enabled;
        self
    }

    /// Trust the certificates of this CA bundle instead of the built-in roots
    /// (requests' `verify="/path"`): a PEM file, or a directory of PEM files
    /// (as OpenSSL's `c_rehash` leaves them; files without certificates are
    /// skipped). Roots added with [`add_root_certificate`](Self::add_root_certificate)
    /// are still trusted. The bundle is read by [`build`](Self::build): a
    /// missing or unreadable bundle, or one without certificates, is an error
    /// there, for which `is_builder()` is true.
    ///
    /// ```
    /// let err = sessio::HttpAdapter::builder().ca_bundle("/nonexistent/ca.pem").build().unwrap_err();
    /// assert!(err.is_builder());
    /// assert!(err.to_string().contains("/nonexistent/ca.pem"));
    /// ```
    pub fn ca_bundle(mut self, path: impl AsRef<Path>) -> Self {
        self.tls.ca_bundle = Some(path.as_ref().to_owned());
        self
    }

    /// Present this client certificate to servers that ask for one (requests'
    /// `cert=`); see [`Identity`] for the file forms. A key that does not
    /// belong to the certificate is an error at [`build`](Self::build).
    ///
    /// ```no_run
    /// use sessio::tls::Identity;
    ///
    /// let adapter = sessio::HttpAdapter::builder()
    ///     .identity(Identity::from_pem_files("client.crt", "client.key")?)
    ///     .build()?;
    /// # drop(adapter);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn identity(mut self, identity: Identity) -> Self {
        self.tls.identity = Some(identity);
        self
    }

    /// The oldest TLS version to speak (default: TLS 1.2, the oldest sessio speaks).
    ///
    /// ```
    /// use sessio::tls::Version;
    ///
    /// let adapter = sessio::HttpAdapter::builder().min_tls_version(Version::TLS_1_3).build()?;
    /// # drop(adapter);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn min_tls_version(mut self, version: Version) -> Self {
        self.tls.min_version = Some(version);
        self
    }

    /// The newest TLS version to speak (default: TLS 1.3). A maximum below the
    /// minimum is an error at [`build`](Self::build).
    ///
    /// ```
    /// use sessio::tls::Version;
    ///
    /// let err = sessio::HttpAdapter::builder()
    ///     .min_tls_version(Version::TLS_1_3)
    ///     .max_tls_version(Version::TLS_1_2)
    ///     .build()
    ///     .unwrap_err();
    /// assert!(err.is_builder());
    /// ```
    pub fn max_tls_version(mut self, version: Version) -> Self {
        self.tls.max_version = Some(version);
        self
    }

    /// Accept any TLS certificate, for any host name: expired, self-signed,
    /// issued by an unknown authority or for another name (requests'
    /// `verify=False`). Anyone between you and the server can then read and
    /// change the traffic; use it for a quick test against a local server,
    /// never in production. The handshake signature is still checked. Off by
    /// default. [`verify(false)`](Self::verify) is the same switch.
    ///
    /// ```
    /// let adapter = sessio::HttpAdapter::builder().danger_accept_invalid_certs(true).build()?;
    /// # drop(adapter);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.tls.verify = !accept;
        self
    }

    /// Whether certificates are verified (default: yes); requests' `verify`.
    /// `verify(false)` is [`danger_accept_invalid_certs(true)`](Self::danger_accept_invalid_certs).
    ///
    /// ```
    /// let adapter = sessio::HttpAdapter::builder().verify(false).build()?;
    /// # drop(adapter);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn verify(mut self, verify: bool) -> Self {
        self.tls.verify = verify;
        self
    }

    /// The CA bundle the environment names, used when verifying with no
    /// bundle of one's own (the session's `trust_env`).
    pub(crate) fn env_ca_bundle(mut self, path: Option<PathBuf>) -> Self {
        self.env_ca_bundle = path;
        self
    }

    /// The TLS settings in effect: the environment's bundle applies when
    /// verifying without a bundle of one's own.
    fn effective(&self, mut settings: TlsSettings) -> TlsSettings {
        if settings.verify && settings.ca_bundle.is_none() {
            settings.ca_bundle.clone_from(&self.env_ca_bundle);
        }
        settings
    }
}

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
        default: (settings, None),
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
    /// The settings of the default client.
    default: VariantKey,
    /// Why `https://` requests without settings of their own cannot be sent.
    unusable_env_bundle: Option<Arc<Error>>,
    /// At most `MAX_VARIANTS`, in order of creation.
    clients: Mutex<HashMap<VariantKey, (u64, Client<Connector, Body>)>>,
}

/// What makes connections differ: TLS settings, and the proxy.
type VariantKey = (TlsSettings, Option<Arc<Proxy>>);

impl Variants {
    /// Whether `request` names proxies of its own.
    pub(super) fn has_request_proxies(&self, request: &http::Request<Body>) -> bool {
        request.extensions().get::<RequestProxies>().is_some()
    }

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
        (proxy, shared.variants.default.0.clone(), unusable)
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
            Some(own) if https => shared.settings.effective(shared.settings.tls.with(own)),
            _ => variants.default.0.clone(),
        };
        let settings = (tls, proxy);
        if https
            && settings.0 == variants.default.0
            && let Some(why) = &variants.unusable_env_bundle
        {
            return Err(error(ErrorKind::Builder, UnusableEnvBundle(why.clone())));
        }
        if settings == variants.default {
            return Ok(None);
        }
        let mut clients = variants.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, client)) = clients.get(&settings) {
            return Ok(Some(client.clone()));
        }
        let client = shared.settings.client(
            client_config(&settings.0)?,
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
