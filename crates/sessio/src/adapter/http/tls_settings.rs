//! `HttpAdapterBuilder`'s TLS settings.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::CertificateDer;

use super::HttpAdapterBuilder;
use crate::tls::{Identity, TlsSettings, Version, certificates_from_pem};

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
    /// assert!(err.report().to_string().contains("/nonexistent/ca.pem"));
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
    pub(super) fn effective(&self, settings: TlsSettings) -> TlsSettings {
        Self::effective_with(settings, self.env_ca_bundle.as_ref())
    }

    /// [`effective`](Self::effective) with `env` as the environment's bundle.
    pub(super) fn effective_with(mut settings: TlsSettings, env: Option<&PathBuf>) -> TlsSettings {
        if settings.verify && settings.ca_bundle.is_none() {
            settings.ca_bundle = env.cloned();
        }
        settings
    }
}
