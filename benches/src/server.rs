//! The benchmark server: the tests' loopback hyper server (HTTP/1.1 and HTTP/2,
//! plain and rustls) answering every request with a 13-byte body (or, on
//! `/bytes/65536` and `/bytes/1048576`, a body of that many bytes), run in its
//! own process.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use bytes::Bytes;
use sessio_tests::{Server, ServerBody, TestCa, respond};

/// The body every response carries (13 bytes, as in the design's anchors).
pub const BODY: &[u8] = b"Hello, World!";

/// The large body sizes the server answers on `/bytes/<size>` (64 KiB, 1 MiB).
pub const LARGE_BODIES: [usize; 2] = [64 * 1024, 1024 * 1024];

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
    /// The plain pooled URL of a body of `size` bytes (one of [`LARGE_BODIES`]).
    pub fn bytes_url(&self, size: usize) -> String {
        format!("{}bytes/{size}", self.plain)
    }

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
/// once listening. The servers are the tests' loopback servers (hyper, HTTP/1.1
/// and HTTP/2 by ALPN or prior knowledge, rustls with a generated CA) with a
/// handler that answers [`BODY`], or a body of [`LARGE_BODIES`] on `/bytes/<size>`,
/// or a digest challenge on [`DIGEST_PATH`] without `Authorization`.
pub fn serve_forever() -> ! {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("server runtime");
    runtime.block_on(async {
        let ca = TestCa::new();
        let bodies = Bodies::new();
        let handler = |close: bool| {
            let bodies = bodies.clone();
            move |req: http::Request<_>| {
                if req.uri().path() == DIGEST_PATH && !req.headers().contains_key("authorization") {
                    return std::future::ready(digest_challenge());
                }
                std::future::ready(answer(close, bodies.for_path(req.uri().path())))
            }
        };
        let plain = Server::start(handler(false)).await;
        let tls = Server::start_tls(&ca, handler(false)).await;
        let plain_close = Server::start(handler(true)).await;
        let tls_close = Server::start_tls(&ca, handler(true)).await;
        let ca_path =
            std::env::temp_dir().join(format!("sessio-bench-ca-{}.pem", std::process::id()));
        std::fs::write(&ca_path, ca.ca_pem()).expect("write CA");
        let mut out = std::io::stdout();
        writeln!(out, "PLAIN {}", plain.addr()).ok();
        writeln!(out, "TLS {}", tls.addr()).ok();
        writeln!(out, "PLAIN_CLOSE {}", plain_close.addr()).ok();
        writeln!(out, "TLS_CLOSE {}", tls_close.addr()).ok();
        writeln!(out, "CA {}", ca_path.display()).ok();
        out.flush().ok();
        std::future::pending::<()>().await;
    });
    std::process::exit(0)
}

/// The bodies the server answers, built once (a clone is a reference count).
#[derive(Clone)]
struct Bodies {
    large: Vec<(String, Bytes)>,
}

impl Bodies {
    fn new() -> Bodies {
        let large = LARGE_BODIES
            .iter()
            .map(|&size| (format!("/bytes/{size}"), Bytes::from(vec![b'x'; size])))
            .collect();
        Bodies { large }
    }

    /// The body for a request path: a large one on `/bytes/<size>`, else [`BODY`].
    fn for_path(&self, path: &str) -> Bytes {
        self.large
            .iter()
            .find(|(route, _)| route == path)
            .map_or_else(|| Bytes::from_static(BODY), |(_, body)| body.clone())
    }
}

/// A path that answers a request without `Authorization` with a digest
/// challenge (for the soak's auth flow; the answer is not checked).
pub const DIGEST_PATH: &str = "/digest";

fn digest_challenge() -> http::Response<ServerBody> {
    let challenge = r#"Digest realm="bench", nonce="soak-nonce", qop="auth", algorithm=MD5"#;
    respond(401, &[("www-authenticate", challenge)], "")
}

/// The benchmark's response: `body`, and `Connection: close` on the closing
/// endpoints.
fn answer(close: bool, body: Bytes) -> http::Response<ServerBody> {
    let headers: &[(&str, &str)] = if close {
        &[("connection", "close")]
    } else {
        &[]
    };
    respond(200, headers, body)
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
