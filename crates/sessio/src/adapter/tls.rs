//! rustls client configuration with the `ring` provider passed explicitly.

use std::sync::{Arc, OnceLock};

use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::CertificateDer;
use sessio_core::__private::error;
use sessio_core::ErrorKind;
use sessio_core::Result;

/// The client configuration for these extra roots (and the webpki roots if asked).
/// The common case (built-in roots only) is built once per process.
pub(crate) fn client_config(
    extra_roots: &[CertificateDer<'static>],
    built_in_roots: bool,
) -> Result<ClientConfig> {
    static DEFAULT: OnceLock<ClientConfig> = OnceLock::new();
    if extra_roots.is_empty() && built_in_roots {
        if let Some(config) = DEFAULT.get() {
            return Ok(config.clone());
        }
        let config = build(extra_roots, built_in_roots)?;
        return Ok(DEFAULT.get_or_init(|| config).clone());
    }
    build(extra_roots, built_in_roots)
}

fn build(extra_roots: &[CertificateDer<'static>], built_in_roots: bool) -> Result<ClientConfig> {
    let roots = root_store(extra_roots, built_in_roots)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| error(ErrorKind::Builder, TlsSetup(e.to_string())))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The trusted roots: the extra ones are added to the built-in ones (unless
/// those are turned off), never in their place.
fn root_store(
    extra_roots: &[CertificateDer<'static>],
    built_in_roots: bool,
) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    if built_in_roots {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for cert in extra_roots {
        roots
            .add(cert.clone())
            .map_err(|e| error(ErrorKind::Builder, TlsSetup(e.to_string())))?;
    }
    Ok(roots)
}

/// Parses PEM text into certificates.
pub(crate) fn certificates_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    use rustls_pki_types::pem::PemObject;
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            error(
                ErrorKind::Builder,
                TlsSetup(format!("invalid PEM certificate: {e}")),
            )
        })?;
    if certs.is_empty() {
        return Err(error(
            ErrorKind::Builder,
            TlsSetup("no certificate found in the PEM text".to_owned()),
        ));
    }
    Ok(certs)
}

#[derive(Debug)]
struct TlsSetup(String);

impl std::fmt::Display for TlsSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TLS configuration: {}", self.0)
    }
}

impl std::error::Error for TlsSetup {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed CA certificate, made once for the test.
    fn extra_root() -> CertificateDer<'static> {
        const PEM: &str = include_str!("test_root.pem");
        certificates_from_pem(PEM.as_bytes()).unwrap().remove(0)
    }

    #[test]
    fn extra_roots_are_added_to_the_built_in_ones() {
        let built_in = webpki_roots::TLS_SERVER_ROOTS.len();
        let extra = [extra_root()];
        assert_eq!(root_store(&extra, true).unwrap().len(), built_in + 1);
        assert_eq!(root_store(&extra, false).unwrap().len(), 1);
    }
}
