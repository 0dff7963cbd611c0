//! TLS settings: CA bundles, client certificates and protocol versions.
//!
//! sessio speaks TLS with rustls (the `ring` provider), trusting the bundled
//! Mozilla roots by default. What requests' `verify=` and `cert=` do, sessio's
//! builders do with these setters, on [`SessionBuilder`](crate::SessionBuilder),
//! [`HttpAdapterBuilder`](crate::HttpAdapterBuilder) and, for one request,
//! [`RequestBuilder`](crate::RequestBuilder):
//!
//! | requests | sessio |
//! |---|---|
//! | `verify=False` | `verify(false)`, also named `danger_accept_invalid_certs(true)` |
//! | `verify="/path/ca.pem"` or a directory | `ca_bundle("/path/ca.pem")` (replaces the built-in roots) |
//! | `cert="client.pem"` | `identity(Identity::from_pem_file("client.pem")?)` |
//! | `cert=("client.crt", "client.key")` | `identity(Identity::from_pem_files("client.crt", "client.key")?)` |
//! | `REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE` | read by the session when `trust_env` is on (the default) |
//! | the OS's protocol versions | `min_tls_version(Version::TLS_1_3)`, `max_tls_version(..)` |
//!
//! Connections are never shared between requests with different TLS settings:
//! a request sent with `verify(false)` opens its own connections, and a
//! verifying request never reuses them.
//!
//! ```no_run
//! use sessio::tls::{Identity, Version};
//!
//! # fn run() -> sessio::Result<()> {
//! let session = sessio::Session::builder()
//!     .ca_bundle("/etc/my-company/ca.pem")
//!     .identity(Identity::from_pem_files("client.crt", "client.key")?)
//!     .min_tls_version(Version::TLS_1_3)
//!     .build()?;
//! # drop(session); Ok(()) }
//! ```

pub(crate) mod config;
mod identity;
mod pem;

use std::path::PathBuf;

use rustls_pki_types::CertificateDer;

pub use identity::Identity;
pub(crate) use pem::certificates_from_pem;

/// A TLS protocol version, for [`min_tls_version`](crate::SessionBuilder::min_tls_version)
/// and [`max_tls_version`](crate::SessionBuilder::max_tls_version). sessio never
/// speaks a version older than TLS 1.2.
///
/// ```
/// use sessio::tls::Version;
///
/// assert!(Version::TLS_1_2 < Version::TLS_1_3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(u8);

impl Version {
    /// TLS 1.2 (RFC 5246).
    pub const TLS_1_2: Version = Version(2);
    /// TLS 1.3 (RFC 8446).
    pub const TLS_1_3: Version = Version(3);
}

/// Everything that decides how a TLS connection is made. Connections are pooled
/// per value: two requests share one only when their settings are equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TlsSettings {
    pub(crate) verify: bool,
    /// Replaces the built-in roots when set.
    pub(crate) ca_bundle: Option<PathBuf>,
    /// Trusted beside the other roots.
    pub(crate) extra_roots: Vec<CertificateDer<'static>>,
    pub(crate) built_in_roots: bool,
    pub(crate) identity: Option<Identity>,
    pub(crate) min_version: Option<Version>,
    pub(crate) max_version: Option<Version>,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            verify: true,
            ca_bundle: None,
            extra_roots: Vec::new(),
            built_in_roots: true,
            identity: None,
            min_version: None,
            max_version: None,
        }
    }
}

impl TlsSettings {
    /// These settings with one request's own on top.
    pub(crate) fn with(&self, own: &RequestTls) -> TlsSettings {
        let mut settings = self.clone();
        match own.verify {
            // requests' `verify=True` on a request: the default trust store,
            // whatever bundle or roots the session was given
            Some(true) => {
                settings.verify = true;
                settings.ca_bundle = None;
                settings.extra_roots.clear();
                settings.built_in_roots = true;
            }
            Some(false) => settings.verify = false,
            None => {}
        }
        if let Some(bundle) = &own.ca_bundle {
            settings.ca_bundle = Some(bundle.clone());
        }
        if let Some(identity) = &own.identity {
            settings.identity = Some(identity.clone());
        }
        settings
    }
}

/// TLS settings of one request, carried as a request extension; unset fields
/// keep the adapter's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct RequestTls {
    pub(crate) verify: Option<bool>,
    pub(crate) ca_bundle: Option<PathBuf>,
    pub(crate) identity: Option<Identity>,
    /// The live session's choice of the environment's CA bundle, in place of
    /// the adapter's (`Some(None)`: none, as with `set_trust_env(false)`).
    pub(crate) env_ca_bundle: Option<Option<PathBuf>>,
}

impl RequestTls {
    /// These settings with a live session's under them: the session's trust
    /// choice applies when the request made none of its own.
    pub(crate) fn under(&mut self, session: &RequestTls) {
        if self.verify.is_none() && self.ca_bundle.is_none() {
            self.verify = session.verify;
            self.ca_bundle.clone_from(&session.ca_bundle);
        }
        if self.identity.is_none() {
            self.identity.clone_from(&session.identity);
        }
        if self.env_ca_bundle.is_none() {
            self.env_ca_bundle.clone_from(&session.env_ca_bundle);
        }
    }
}
