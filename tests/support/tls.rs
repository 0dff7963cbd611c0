//! A throwaway certificate authority and server certificate for HTTPS tests.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A CA generated for one test run, and a server certificate for `localhost` and
/// `127.0.0.1` that it issued.
#[derive(Debug)]
pub struct TestCa {
    ca_pem: String,
    ca_der: CertificateDer<'static>,
    server_cert: CertificateDer<'static>,
    server_key: Vec<u8>,
    client_cert_pem: String,
    client_key_pem: String,
}

/// How a TLS test server differs from the default one.
#[derive(Clone, Copy, Debug, Default)]
pub struct TlsOptions {
    /// Refuse handshakes without a client certificate issued by the CA.
    pub require_client_cert: bool,
    /// Ask for a client certificate, but accept handshakes without one.
    pub request_client_cert: bool,
    /// Speak TLS 1.2 only.
    pub tls12_only: bool,
    /// Offer only `http/1.1` by ALPN (a server that does not speak HTTP/2).
    pub http1_only: bool,
}

/// The client certificate a TLS connection presented (DER), as a request
/// extension of every request on that connection.
#[derive(Clone, Debug)]
pub struct PeerCertificate(pub Option<Vec<u8>>);

impl TestCa {
    /// Generates a new CA and server certificate.
    pub fn new() -> TestCa {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "sessio test CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key"))
            .expect("ca certificate");
        let server_key = KeyPair::generate().expect("server key");
        let server_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("server params");
        let server_cert = server_params
            .signed_by(&server_key, &ca)
            .expect("server certificate");
        let client_key = KeyPair::generate().expect("client key");
        let mut client_params =
            CertificateParams::new(Vec::<String>::new()).expect("client params");
        client_params
            .distinguished_name
            .push(DnType::CommonName, "sessio test client");
        let client_cert = client_params
            .signed_by(&client_key, &ca)
            .expect("client certificate");
        TestCa {
            ca_pem: ca.pem(),
            ca_der: ca.der().clone(),
            server_cert: server_cert.der().clone(),
            server_key: server_key.serialize_der(),
            client_cert_pem: client_cert.pem(),
            client_key_pem: client_key.serialize_pem(),
        }
    }

    /// The CA certificate in PEM, for `add_root_certificate_pem`.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The CA certificate in DER, for `add_root_certificate`.
    pub fn ca_der(&self) -> Vec<u8> {
        self.ca_der.to_vec()
    }

    /// A client certificate issued by this CA, and its key (PEM).
    pub fn client_cert_pem(&self) -> (&str, &str) {
        (&self.client_cert_pem, &self.client_key_pem)
    }

    pub(crate) fn acceptor(&self, options: TlsOptions) -> tokio_rustls::TlsAcceptor {
        #[allow(deprecated)] // ring on purpose (see sessio's tls/config.rs)
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()));
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone());
        let builder = if options.tls12_only {
            builder.with_protocol_versions(&[&rustls::version::TLS12])
        } else {
            builder.with_safe_default_protocol_versions()
        }
        .expect("protocol versions");
        let builder = if options.require_client_cert || options.request_client_cert {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(self.ca_der.clone()).expect("CA root");
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            );
            let verifier = if options.require_client_cert {
                verifier
            } else {
                verifier.allow_unauthenticated()
            };
            builder.with_client_cert_verifier(verifier.build().expect("client verifier"))
        } else {
            builder.with_no_client_auth()
        };
        let mut config = builder
            .with_single_cert(vec![self.server_cert.clone()], key)
            .expect("server certificate");
        config.alpn_protocols = if options.http1_only {
            vec![b"http/1.1".to_vec()]
        } else {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        };
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}
