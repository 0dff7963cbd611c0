//! rustls client configuration with the `ring` provider passed explicitly.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rustls::client::WantsClientCert;
use rustls::{ClientConfig, ConfigBuilder, RootCertStore};
use rustls_pki_types::CertificateDer;
use sessio_core::Result;

use super::pem::{read_ca_bundle, tls_setup_error};
use super::{TlsSettings, Version};

/// Client configurations built so far, the most recent last: building one
/// parses every root (a system CA bundle named by `REQUESTS_CA_BUNDLE` is
/// some 150 certificates), which a one-shot `sessio::get` would otherwise do
/// on every call.
const CACHED_CONFIGS: usize = 8;

/// A CA bundle as it is on disk: a changed file is read again.
type FileStamp = Option<(SystemTime, u64)>;

type Cache = Vec<(TlsSettings, FileStamp, ClientConfig)>;

/// The client configuration for these settings, from a small process-wide
/// cache keyed by the settings and the CA bundle's modification time and size.
pub(crate) fn client_config(settings: &TlsSettings) -> Result<ClientConfig> {
    static CACHE: Mutex<Cache> = Mutex::new(Vec::new());
    let stamp = settings.ca_bundle.as_deref().and_then(|path| {
        let metadata = std::fs::metadata(path).ok()?;
        Some((metadata.modified().ok()?, metadata.len()))
    });
    let lock = || CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, _, config)) = lock()
        .iter()
        .find(|(cached, cached_stamp, _)| cached == settings && *cached_stamp == stamp)
    {
        return Ok(config.clone());
    }
    let config = build(settings)?;
    let mut cache = lock();
    cache.retain(|(cached, _, _)| cached != settings);
    if cache.len() >= CACHED_CONFIGS {
        cache.remove(0);
    }
    cache.push((settings.clone(), stamp, config.clone()));
    Ok(config)
}

fn build(settings: &TlsSettings) -> Result<ClientConfig> {
    // ring, not aws-lc-rs, on purpose (a cold build of aws-lc-rs costs minutes
    // on small machines); rustls 0.23.48 deprecates ring's provider for its
    // want of post-quantum key exchange, which sessio accepts.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions = protocol_versions(settings.min_version, settings.max_version)?;
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| tls_setup_error(e.to_string()))?;
    let builder = if settings.verify {
        builder.with_root_certificates(root_store(settings)?)
    } else {
        // Anyone's certificate for any name (requests' `verify=False`); the
        // handshake itself is still checked: the server must sign it with the
        // key of the certificate it sent.
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate { provider }))
    };
    with_identity(builder, settings)
}

fn with_identity(
    builder: ConfigBuilder<ClientConfig, WantsClientCert>,
    settings: &TlsSettings,
) -> Result<ClientConfig> {
    match &settings.identity {
        None => Ok(builder.with_no_client_auth()),
        Some(identity) => builder
            .with_client_auth_cert(identity.chain(), identity.key())
            .map_err(|e| tls_setup_error(format!("the client certificate cannot be used: {e}"))),
    }
}

/// The protocol versions from `min` to `max` (TLS 1.2 and 1.3 when unset).
fn protocol_versions(
    min: Option<Version>,
    max: Option<Version>,
) -> Result<&'static [&'static rustls::SupportedProtocolVersion]> {
    static BOTH: [&rustls::SupportedProtocolVersion; 2] =
        [&rustls::version::TLS13, &rustls::version::TLS12];
    static TLS13: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
    static TLS12: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
    let min = min.unwrap_or(Version::TLS_1_2);
    let max = max.unwrap_or(Version::TLS_1_3);
    match (min, max) {
        (Version::TLS_1_2, Version::TLS_1_3) => Ok(&BOTH),
        (Version::TLS_1_3, Version::TLS_1_3) => Ok(&TLS13),
        (Version::TLS_1_2, Version::TLS_1_2) => Ok(&TLS12),
        _ => Err(tls_setup_error(format!(
            "the minimum TLS version ({min:?}) is above the maximum ({max:?})"
        ))),
    }
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

/// The trusted roots: a CA bundle replaces the built-in ones; extra roots are
/// added to whichever of the two is in use, never in their place.
fn root_store(settings: &TlsSettings) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    if let Some(bundle) = &settings.ca_bundle {
        add(&mut roots, read_ca_bundle(bundle)?)?;
    } else if settings.built_in_roots {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    add(&mut roots, settings.extra_roots.iter().cloned())?;
    Ok(roots)
}

fn add(
    roots: &mut RootCertStore,
    certs: impl IntoIterator<Item = CertificateDer<'static>>,
) -> Result<()> {
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| tls_setup_error(format!("a root certificate cannot be used: {e}")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::certificates_from_pem;
    use super::*;

    /// A self-signed CA certificate, made once for the test.
    fn extra_root() -> CertificateDer<'static> {
        const PEM: &str = include_str!("test_root.pem");
        certificates_from_pem(PEM.as_bytes()).unwrap().remove(0)
    }

    #[test]
    fn sec_20_a_ca_bundle_replaces_the_built_in_roots_and_extra_roots_are_added() {
        let built_in = webpki_roots::TLS_SERVER_ROOTS.len();
        let mut settings = TlsSettings {
            extra_roots: vec![extra_root()],
            ..TlsSettings::default()
        };
        assert_eq!(root_store(&settings).unwrap().len(), built_in + 1);
        settings.built_in_roots = false;
        assert_eq!(root_store(&settings).unwrap().len(), 1);

        let bundle = std::env::temp_dir().join(format!("sessio-roots-{}.pem", std::process::id()));
        std::fs::write(&bundle, include_str!("test_root.pem")).unwrap();
        settings.built_in_roots = true;
        settings.ca_bundle = Some(bundle.clone());
        assert_eq!(
            root_store(&settings).unwrap().len(),
            2,
            "the bundle's and the extra root"
        );
        std::fs::remove_file(bundle).unwrap();
    }

    #[test]
    fn versions_from_min_to_max() {
        let both = protocol_versions(None, None).unwrap();
        assert_eq!(both.len(), 2);
        let only13 = protocol_versions(Some(Version::TLS_1_3), None).unwrap();
        assert_eq!(only13[0].version, rustls::ProtocolVersion::TLSv1_3);
        assert_eq!(only13.len(), 1);
        let only12 = protocol_versions(None, Some(Version::TLS_1_2)).unwrap();
        assert_eq!(only12[0].version, rustls::ProtocolVersion::TLSv1_2);
        let err = protocol_versions(Some(Version::TLS_1_3), Some(Version::TLS_1_2)).unwrap_err();
        assert!(err.is_builder(), "{err}");
    }
}
