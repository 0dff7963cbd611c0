//! Test support: real hyper servers on 127.0.0.1 (HTTP/1.1 and HTTP/2, plain and
//! TLS) that echo what they received or run a handler of the test's own.
//!
//! ```no_run
//! # async fn run() {
//! let server = sessio_tests::Server::echo().await;
//! let r = sessio::get(server.url("/anything?a=1")).await.unwrap();
//! let seen: serde_json::Value = r.json().await.unwrap();
//! assert_eq!(seen["query"], "a=1");
//! # }
//! ```

mod echo;
pub mod fault;
mod files;
mod proxy;
mod tls;
#[cfg(unix)]
mod unix;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use hyper::body::Incoming;
use hyper::service::Service as _;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use echo::{echo, gzip, seen_json};
pub use fault::{FaultServer, Step};
pub use files::TempDir;
pub use proxy::{ProxyOptions, ProxySeen, ProxyTls, TestProxy};
pub use tls::{PeerCertificate, TestCa, TlsOptions};
#[cfg(unix)]
pub use unix::UnixServer;

/// The body type of test responses.
pub type ServerBody = BoxBody<Bytes, std::io::Error>;

/// A test handler's future.
pub type HandlerFuture = Pin<Box<dyn Future<Output = http::Response<ServerBody>> + Send>>;

type Handler = Arc<dyn Fn(http::Request<Incoming>) -> HandlerFuture + Send + Sync>;

/// A running loopback server; it stops when dropped.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    scheme: &'static str,
    connections: Arc<AtomicUsize>,
    peak: Arc<Peak>,
    requests: Arc<AtomicUsize>,
    _shutdown: watch::Sender<()>,
}

impl Server {
    /// A plain HTTP server (HTTP/1.1 and h2c) running `handler`.
    pub async fn start<F, Fut>(handler: F) -> Server
    where
        F: Fn(http::Request<Incoming>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = http::Response<ServerBody>> + Send + 'static,
    {
        Self::spawn(wrap(handler), None).await
    }

    /// A plain HTTP server that echoes every request as JSON (see [`echo`]).
    pub async fn echo() -> Server {
        Self::start(echo).await
    }

    /// An HTTPS server (HTTP/1.1 and h2 by ALPN) with a certificate for `localhost`
    /// and `127.0.0.1` issued by `ca`.
    pub async fn start_tls<F, Fut>(ca: &TestCa, handler: F) -> Server
    where
        F: Fn(http::Request<Incoming>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = http::Response<ServerBody>> + Send + 'static,
    {
        Self::spawn(wrap(handler), Some(ca.acceptor(TlsOptions::default()))).await
    }

    /// An HTTPS server like [`start_tls`](Self::start_tls), with `options`
    /// (client certificates, protocol versions). Each request carries the
    /// client certificate of its connection as a [`PeerCertificate`] extension.
    pub async fn start_tls_with<F, Fut>(ca: &TestCa, options: TlsOptions, handler: F) -> Server
    where
        F: Fn(http::Request<Incoming>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = http::Response<ServerBody>> + Send + 'static,
    {
        Self::spawn(wrap(handler), Some(ca.acceptor(options))).await
    }

    /// A server (plain, or HTTPS with `ca`'s certificate) with connection
    /// behaviour of its own: see [`ServerOptions`].
    pub async fn start_with<F, Fut>(
        ca: Option<&TestCa>,
        options: ServerOptions,
        handler: F,
    ) -> Server
    where
        F: Fn(http::Request<Incoming>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = http::Response<ServerBody>> + Send + 'static,
    {
        let tls = ca.map(|ca| ca.acceptor(TlsOptions::default()));
        Self::spawn_with(wrap(handler), tls, options).await
    }

    async fn spawn(handler: Handler, tls: Option<tokio_rustls::TlsAcceptor>) -> Server {
        Self::spawn_with(handler, tls, ServerOptions::default()).await
    }

    async fn spawn_with(
        handler: Handler,
        tls: Option<tokio_rustls::TlsAcceptor>,
        options: ServerOptions,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let connections = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(Peak::default());
        let requests = Arc::new(AtomicUsize::new(0));
        let (shutdown, mut stopped) = watch::channel(());
        let scheme = if tls.is_some() { "https" } else { "http" };
        let (conns, reqs, open) = (connections.clone(), requests.clone(), peak.clone());
        tokio::spawn(async move {
            while let Some((stream, _)) = accept_or_stop(|| listener.accept(), &mut stopped).await {
                conns.fetch_add(1, Ordering::SeqCst);
                let connection = open.enter();
                let _ = stream.set_nodelay(true);
                let handler = handler.clone();
                let reqs = reqs.clone();
                let tls = tls.clone();
                let options = options.clone();
                tokio::spawn(async move {
                    // Served on this connection; the server says GOAWAY (or
                    // closes, on HTTP/1) once the limit is reached.
                    let served = Arc::new(AtomicUsize::new(0));
                    let limit_reached = Arc::new(tokio::sync::Notify::new());
                    let (counted, reached) = (served.clone(), limit_reached.clone());
                    let limit = options.requests_per_connection;
                    let service = hyper::service::service_fn(move |req| {
                        reqs.fetch_add(1, Ordering::SeqCst);
                        if limit.is_some_and(|limit| {
                            counted.fetch_add(1, Ordering::SeqCst) + 1 >= limit
                        }) {
                            reached.notify_one();
                        }
                        let response = handler(req);
                        async move { Ok::<_, Infallible>(response.await) }
                    });
                    let _open = connection;
                    let mut builder = auto::Builder::new(TokioExecutor::new());
                    if let Some(max) = options.h2_max_concurrent_streams {
                        builder.http2().max_concurrent_streams(max);
                    }
                    if let Some(idle) = options.close_idle_after {
                        builder
                            .http1()
                            .timer(hyper_util::rt::TokioTimer::new())
                            .header_read_timeout(idle);
                    }
                    match tls {
                        None if options.requests_per_connection.is_some() => {
                            let connection =
                                builder.serve_connection(TokioIo::new(stream), service);
                            let mut connection = std::pin::pin!(connection);
                            tokio::select! {
                                _ = connection.as_mut() => return,
                                () = limit_reached.notified() => {}
                            }
                            connection.as_mut().graceful_shutdown();
                            let _ = connection.await;
                        }
                        None => {
                            let _ = builder
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                let peer = PeerCertificate(
                                    stream
                                        .get_ref()
                                        .1
                                        .peer_certificates()
                                        .and_then(|certs| certs.first())
                                        .map(|cert| cert.to_vec()),
                                );
                                let service = hyper::service::service_fn(move |mut req| {
                                    req.extensions_mut().insert(peer.clone());
                                    service.call(req)
                                });
                                let _ = builder
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            }
                        }
                    }
                });
            }
        });
        Server {
            addr,
            scheme,
            connections,
            peak,
            requests,
            _shutdown: shutdown,
        }
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `scheme://127.0.0.1:port` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{}", self.scheme, self.addr, path)
    }

    /// `scheme://localhost:port` + `path` (another host name for the same server).
    pub fn localhost_url(&self, path: &str) -> String {
        format!("{}://localhost:{}{}", self.scheme, self.addr.port(), path)
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The most connections that were open at the same time so far.
    pub fn peak_connections(&self) -> usize {
        self.peak.most.load(Ordering::SeqCst)
    }

    /// Connections open now (accepted, and not yet closed by either side).
    pub fn open_connections(&self) -> usize {
        self.peak.now.load(Ordering::SeqCst)
    }

    /// Requests served so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// How a [`Server::start_with`] server treats its connections.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// HTTP/2: the most streams a client may open at once on a connection.
    pub h2_max_concurrent_streams: Option<u32>,
    /// Plain servers: after this many requests on a connection, shut it down
    /// gracefully (HTTP/2 GOAWAY; HTTP/1 closes after the response).
    pub requests_per_connection: Option<usize>,
    /// HTTP/1: close a keep-alive connection that has waited this long for
    /// its next request.
    pub close_idle_after: Option<std::time::Duration>,
}

/// Open connections now, and the most at once.
#[derive(Debug, Default)]
struct Peak {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl Peak {
    fn enter(self: &Arc<Self>) -> OpenConnection {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        OpenConnection(self.clone())
    }
}

/// Counts one open connection until dropped.
struct OpenConnection(Arc<Peak>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

fn wrap<F, Fut>(handler: F) -> Handler
where
    F: Fn(http::Request<Incoming>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = http::Response<ServerBody>> + Send + 'static,
{
    Arc::new(move |req| Box::pin(handler(req)))
}

/// The next connection `accept` gives, or `None` once `stopped` fires; failed
/// accepts are skipped. The accept loop of every test server.
pub(crate) async fn accept_or_stop<S, F, Fut>(
    mut accept: F,
    stopped: &mut watch::Receiver<()>,
) -> Option<S>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = std::io::Result<S>>,
{
    loop {
        tokio::select! {
            accepted = accept() => {
                if let Ok(stream) = accepted {
                    return Some(stream);
                }
            }
            _ = stopped.changed() => return None,
        }
    }
}

/// A fixed response body.
pub fn full(bytes: impl Into<Bytes>) -> ServerBody {
    http_body_util::Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// A response with `status`, headers and a fixed body.
pub fn respond(
    status: u16,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> http::Response<ServerBody> {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(full(body)).expect("valid test response")
}

/// A TCP listener that accepts connections and never answers (for connect/TLS and
/// read timeouts). It stops when dropped.
#[derive(Debug)]
pub struct SilentServer {
    addr: SocketAddr,
    _shutdown: watch::Sender<()>,
}

impl SilentServer {
    /// Starts one on 127.0.0.1.
    pub async fn start() -> SilentServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let (shutdown, mut stopped) = watch::channel(());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Some((stream, _)) = accept_or_stop(|| listener.accept(), &mut stopped).await {
                held.push(stream);
            }
        });
        SilentServer {
            addr,
            _shutdown: shutdown,
        }
    }

    /// `scheme://127.0.0.1:port` + `path`.
    pub fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://{}{path}", self.addr)
    }
}

/// What a raw server does once it has read a request head.
#[derive(Debug, Clone)]
pub enum RawReply {
    /// Echo the request head back as the body of a `200` (to see the exact bytes sent).
    EchoHead,
    /// Write these bytes, then close the connection.
    Bytes(&'static [u8]),
    /// Close the connection without answering.
    Close,
}

/// A server on raw TCP that reads each request head and replies as told, for the
/// faults a hyper server would never produce (truncated bodies, bad framing).
pub async fn raw_server(reply: RawReply) -> SilentServer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let (shutdown, mut stopped) = watch::channel(());
    tokio::spawn(async move {
        while let Some((mut stream, _)) = accept_or_stop(|| listener.accept(), &mut stopped).await {
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                match reply {
                    RawReply::EchoHead => {
                        let status = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            head.len()
                        );
                        let _ = stream.write_all(status.as_bytes()).await;
                        let _ = stream.write_all(&head).await;
                    }
                    RawReply::Bytes(bytes) => {
                        let _ = stream.write_all(bytes).await;
                    }
                    RawReply::Close => {}
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    SilentServer {
        addr,
        _shutdown: shutdown,
    }
}

/// A server that answers every request with the raw bytes of its request head
/// (request line and headers exactly as they were written on the wire).
pub async fn raw_head_server() -> SilentServer {
    raw_server(RawReply::EchoHead).await
}

/// What a [`Scripted`] adapter received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The method.
    pub method: http::Method,
    /// The full URL (`scheme://authority/path?query`).
    pub url: String,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Bytes,
}

/// An in-process adapter for exact host/scheme/port vectors: it answers each URL
/// by a script (`url` → `status`, `Location`; anything else `200 ok`) and records
/// every request it gets. Mount it at `http://` and `https://` to replace the network.
#[derive(Debug, Clone, Default)]
pub struct Scripted {
    routes: Arc<Vec<(String, u16, String)>>,
    seen: Arc<std::sync::Mutex<Vec<Seen>>>,
}

impl Scripted {
    /// A script of `(url, status, location)` rows.
    pub fn new(routes: &[(&str, u16, &str)]) -> Scripted {
        Scripted {
            routes: Arc::new(
                routes
                    .iter()
                    .map(|(u, s, l)| ((*u).to_owned(), *s, (*l).to_owned()))
                    .collect(),
            ),
            seen: Arc::default(),
        }
    }

    /// The requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }
}

impl tower::Service<http::Request<sessio::Body>> for Scripted {
    type Response = http::Response<ServerBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<sessio::Body>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let url = parts.uri.to_string();
            this.seen.lock().expect("log").push(Seen {
                method: parts.method.clone(),
                url: url.clone(),
                headers: parts.headers.clone(),
                body,
            });
            let route = this.routes.iter().find(|(u, _, _)| *u == url);
            Ok(match route {
                Some((_, status, location)) => respond(*status, &[("location", location)], ""),
                None => respond(200, &[], "ok"),
            })
        })
    }
}
