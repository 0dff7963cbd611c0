//! `Identity`: a client certificate chain and its private key.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sessio_core::Result;

use super::pem::{read_file, tls_setup_error};

/// A client certificate (with the chain up to its issuer, if given) and its
/// private key, for servers that ask for one (requests' `cert=`). PEM only;
/// the key is PKCS#8, PKCS#1 (RSA) or SEC1 (EC) and not encrypted.
///
/// Files are read when the identity is made, so a missing or unreadable file is
/// an error there, before anything is sent.
///
/// ```no_run
/// use sessio::tls::Identity;
///
/// # fn run() -> sessio::Result<()> {
/// // requests' cert=("client.crt", "client.key")
/// let identity = Identity::from_pem_files("client.crt", "client.key")?;
/// // requests' cert="client.pem" (the certificate and the key in one file)
/// let same = Identity::from_pem_file("client.pem")?;
/// let session = sessio::Session::builder().identity(identity).build()?;
/// # drop((same, session)); Ok(()) }
/// ```
#[derive(Clone)]
pub struct Identity {
    inner: Arc<Inner>,
}

struct Inner {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Identity {
    /// The certificate chain and the key from one PEM text holding both.
    ///
    /// ```
    /// let err = sessio::tls::Identity::from_pem(b"not PEM").unwrap_err();
    /// assert!(err.is_builder());
    /// ```
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Identity> {
        let pem = pem.as_ref();
        Self::from_pem_parts(pem, pem)
    }

    /// The certificate chain from one PEM text, the key from another.
    pub fn from_pem_parts(
        cert_pem: impl AsRef<[u8]>,
        key_pem: impl AsRef<[u8]>,
    ) -> Result<Identity> {
        let chain = CertificateDer::pem_slice_iter(cert_pem.as_ref())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| tls_setup_error(format!("invalid PEM client certificate: {e}")))?;
        if chain.is_empty() {
            return Err(tls_setup_error(
                "no certificate found in the client certificate's PEM text".to_owned(),
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_ref())
            .map_err(|e| tls_setup_error(format!("no usable private key in the PEM text: {e}")))?;
        Ok(Identity {
            inner: Arc::new(Inner { chain, key }),
        })
    }

    /// The certificate chain and the key from one PEM file (requests'
    /// `cert="client.pem"`).
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Identity> {
        let pem = read_file("client certificate", path.as_ref())?;
        Self::from_pem(pem)
    }

    /// The certificate chain from one PEM file, the key from another (requests'
    /// `cert=("client.crt", "client.key")`).
    pub fn from_pem_files(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Identity> {
        let cert = read_file("client certificate", cert.as_ref())?;
        let key = read_file("client key", key.as_ref())?;
        Self::from_pem_parts(cert, key)
    }

    pub(crate) fn chain(&self) -> Vec<CertificateDer<'static>> {
        self.inner.chain.clone()
    }

    pub(crate) fn key(&self) -> PrivateKeyDer<'static> {
        self.inner.key.clone_key()
    }
}

impl PartialEq for Identity {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
            || (self.inner.chain == other.inner.chain
                && self.inner.key.secret_der() == other.inner.key.secret_der())
    }
}

impl Eq for Identity {}

impl Hash for Identity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.inner.chain.hash(state);
        self.inner.key.secret_der().hash(state);
    }
}

impl fmt::Debug for Identity {
    /// The number of certificates only: never the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("certificates", &self.inner.chain.len())
            .finish_non_exhaustive()
    }
}
