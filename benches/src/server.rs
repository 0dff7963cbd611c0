//! The benchmark server: a minimal hyper server (HTTP/1.1 and HTTP/2, plain and
//! rustls) answering every request with a 13-byte body, run in its own process.

use std::convert::Infallible;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

/// The body every response carries (13 bytes, as in the design's anchors).
pub const BODY: &[u8] = b"Hello, World!";

/// Where a running server listens, and the CA its certificate chains to.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// `http://127.0.0.1:port/`
    pub plain: String,
    /// `https://127.0.0.1:port/`
    pub tls: String,
    /// The same, plain, but the server closes each connection after its response
    /// (used for unpooled runs: the server then holds the TIME_WAIT sockets, so the
    /// client's ephemeral ports do not run out).
    pub plain_close: String,
    /// The same over TLS.
    pub tls_close: String,
    /// The CA certificate (PEM) to trust for `tls`.
    pub ca_pem: String,
}

impl Endpoints {
    /// The URL for a run.
    pub fn url(&self, tls: bool, pooled: bool) -> &str {
        match (tls, pooled) {
            (false, true) => &self.plain,
            (true, true) => &self.tls,
            (false, false) => &self.plain_close,
            (true, false) => &self.tls_close,
        }
    }
}

/// Serves until the process is killed; prints `PLAIN <addr>`, `TLS <addr>`,
/// `PLAIN_CLOSE <addr>`, `TLS_CLOSE <addr>` and `CA <path of a PEM file>` on stdout
/// once listening.
pub fn serve_forever() -> ! {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("server runtime");
    runtime.block_on(async {
        let (acceptor, ca_pem) = tls_acceptor();
        let plain = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let tls = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let plain_close = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let tls_close = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let ca_path =
            std::env::temp_dir().join(format!("sessio-bench-ca-{}.pem", std::process::id()));
        std::fs::write(&ca_path, ca_pem).expect("write CA");
        let mut out = std::io::stdout();
        writeln!(out, "PLAIN {}", plain.local_addr().expect("addr")).ok();
        writeln!(out, "TLS {}", tls.local_addr().expect("addr")).ok();
        writeln!(
            out,
            "PLAIN_CLOSE {}",
            plain_close.local_addr().expect("addr")
        )
        .ok();
        writeln!(out, "TLS_CLOSE {}", tls_close.local_addr().expect("addr")).ok();
        writeln!(out, "CA {}", ca_path.display()).ok();
        out.flush().ok();
        tokio::join!(
            accept_loop(plain, None, false),
            accept_loop(tls, Some(acceptor.clone()), false),
            accept_loop(plain_close, None, true),
            accept_loop(tls_close, Some(acceptor), true),
        );
    });
    std::process::exit(0)
}

async fn accept_loop(listener: TcpListener, tls: Option<tokio_rustls::TlsAcceptor>, close: bool) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let tls = tls.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |_req: hyper::Request<Incoming>| async move {
                    let mut response = hyper::Response::new(Full::new(Bytes::from_static(BODY)));
                    if close {
                        response.headers_mut().insert(
                            http::header::CONNECTION,
                            http::HeaderValue::from_static("close"),
                        );
                    }
                    Ok::<_, Infallible>(response)
                });
            let builder = auto::Builder::new(TokioExecutor::new());
            match tls {
                None => {
                    let _ = builder
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                }
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        let _ = builder
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                }
            }
        });
    }
}

fn tls_acceptor() -> (tokio_rustls::TlsAcceptor, String) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "sessio bench CA");
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("key")).expect("ca");
    let key = KeyPair::generate().expect("key");
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("params")
        .signed_by(&key, &ca)
        .expect("cert");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .expect("server cert");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    (tokio_rustls::TlsAcceptor::from(Arc::new(config)), ca.pem())
}

/// A server process (pinned to CPU 0 with `taskset` when there is one), killed on drop.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    /// Its endpoints.
    pub endpoints: Endpoints,
    ca_path: PathBuf,
}

impl ServerProcess {
    /// Starts `<this executable> server`.
    pub fn start(pin: bool) -> std::io::Result<ServerProcess> {
        let exe = std::env::current_exe()?;
        let mut command = if pin && has_taskset() {
            let mut c = Command::new("taskset");
            c.arg("-c").arg("0").arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let mut child = command
            .arg("server")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("no stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let mut next = |tag: &str| -> std::io::Result<String> {
            let line = lines
                .next()
                .ok_or_else(|| std::io::Error::other("server exited"))??;
            line.strip_prefix(tag)
                .map(|rest| rest.trim().to_owned())
                .ok_or_else(|| std::io::Error::other(format!("unexpected line {line:?}")))
        };
        let plain: SocketAddr =
            next("PLAIN").and_then(|a| a.parse().map_err(std::io::Error::other))?;
        let tls: SocketAddr = next("TLS").and_then(|a| a.parse().map_err(std::io::Error::other))?;
        let plain_close: SocketAddr =
            next("PLAIN_CLOSE").and_then(|a| a.parse().map_err(std::io::Error::other))?;
        let tls_close: SocketAddr =
            next("TLS_CLOSE").and_then(|a| a.parse().map_err(std::io::Error::other))?;
        let ca_path = PathBuf::from(next("CA")?);
        let ca_pem = std::fs::read_to_string(&ca_path)?;
        Ok(ServerProcess {
            child,
            endpoints: Endpoints {
                plain: format!("http://{plain}/"),
                tls: format!("https://{tls}/"),
                plain_close: format!("http://{plain_close}/"),
                tls_close: format!("https://{tls_close}/"),
                ca_pem,
            },
            ca_path,
        })
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.ca_path);
    }
}

/// Whether `taskset` can pin processes here.
pub fn has_taskset() -> bool {
    Command::new("taskset")
        .arg("-p")
        .arg(std::process::id().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
