//! The session builder's TLS settings, for its default adapters.

use std::path::Path;

use super::SessionBuilder;
use crate::tls::{Identity, Version};

impl SessionBuilder {
    /// Trust this root certificate (DER) in addition to the other roots.
    ///
    /// ```no_run
    /// let der = std::fs::read("private-ca.der")?;
    /// let session = sessio::Session::builder().add_root_certificate(der).build()?;
    /// # drop(session);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.http = self.http.add_root_certificate(der);
        self
    }

    /// Trust the root certificates in this PEM text, in addition to the other roots.
    ///
    /// ```no_run
    /// let pem = std::fs::read_to_string("private-ca.pem")?;
    /// let session = sessio::Session::builder().add_root_certificate_pem(pem).build()?;
    /// # drop(session);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.http = self.http.add_root_certificate_pem(pem);
        self
    }

    /// Accept any TLS certificate for any host name (requests'
    /// `verify=False`), for the session's default adapter: see
    /// [`HttpAdapterBuilder::danger_accept_invalid_certs`](crate::HttpAdapterBuilder::danger_accept_invalid_certs).
    /// Never in production.
    ///
    /// ```
    /// let session = sessio::Session::builder().danger_accept_invalid_certs(true).build()?;
    /// # drop(session);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.http = self.http.danger_accept_invalid_certs(accept);
        self
    }

    /// Whether certificates are verified (default: yes); `verify(false)` is
    /// [`danger_accept_invalid_certs(true)`](Self::danger_accept_invalid_certs).
    ///
    /// ```
    /// let session = sessio::Session::builder().verify(false).build()?;
    /// # drop(session);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn verify(mut self, verify: bool) -> Self {
        self.http = self.http.verify(verify);
        self
    }

    /// Whether the bundled webpki roots are trusted (default: yes).
    ///
    /// ```no_run
    /// // Only the company's CA.
    /// let pem = std::fs::read_to_string("private-ca.pem")?;
    /// let session = sessio::Session::builder()
    ///     .tls_built_in_root_certs(false)
    ///     .add_root_certificate_pem(pem)
    ///     .build()?;
    /// # drop(session);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tls_built_in_root_certs(mut self, enabled: bool) -> Self {
        self.http = self.http.tls_built_in_root_certs(enabled);
        self
    }

    /// Trust this CA bundle (a PEM file or a directory of them) instead of the
    /// built-in roots, as requests' `verify="/path"`; see
    /// [`HttpAdapterBuilder::ca_bundle`](crate::HttpAdapterBuilder::ca_bundle).
    /// A missing or unreadable bundle is an error at [`build`](Self::build).
    ///
    /// ```
    /// let err = sessio::Session::builder().ca_bundle("/nonexistent/ca.pem").build().unwrap_err();
    /// assert!(err.is_builder());
    /// ```
    pub fn ca_bundle(mut self, path: impl AsRef<Path>) -> Self {
        self.http = self.http.ca_bundle(path);
        self
    }

    /// Present this client certificate to servers that ask for one (requests'
    /// `cert=`); see [`Identity`].
    ///
    /// ```no_run
    /// use sessio::tls::Identity;
    ///
    /// let session = sessio::Session::builder()
    ///     .identity(Identity::from_pem_file("client.pem")?)
    ///     .build()?;
    /// # drop(session);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn identity(mut self, identity: Identity) -> Self {
        self.http = self.http.identity(identity);
        self
    }

    /// The oldest TLS version to speak (default: TLS 1.2).
    ///
    /// ```
    /// use sessio::tls::Version;
    ///
    /// let session = sessio::Session::builder().min_tls_version(Version::TLS_1_3).build()?;
    /// # drop(session);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn min_tls_version(mut self, version: Version) -> Self {
        self.http = self.http.min_tls_version(version);
        self
    }

    /// The newest TLS version to speak (default: TLS 1.3).
    ///
    /// ```
    /// use sessio::tls::Version;
    ///
    /// let session = sessio::Session::builder().max_tls_version(Version::TLS_1_2).build()?;
    /// # drop(session);
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn max_tls_version(mut self, version: Version) -> Self {
        self.http = self.http.max_tls_version(version);
        self
    }
}
