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
    verify: bool,
) -> Result<ClientConfig> {
    if !verify {
        return unverified();
    }
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

/// A configuration that accepts any certificate for any name (requests'
/// `verify=False`). The handshake itself is still checked: the server must
/// sign it with the key of the certificate it sent.
fn unverified() -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| error(ErrorKind::Builder, TlsSetup(e.to_string())))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate { provider }))
        .with_no_client_auth())
}

/// Trusts every certificate chain and name; checks handshake signatures.
#[derive(Debug)]
struct AcceptAnyCertificate {
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls_pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
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
