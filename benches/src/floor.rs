//! The floor of the comparison: hyper's own connections (`client::conn`) and
//! the smallest pool that reuses them, a `Mutex<Vec<SendRequest>>` (HTTP/1)
//! or one shared sender (HTTP/2). No limits, no timeouts, no accounting: the
//! least any pooled client over hyper can cost, against which the others'
//! pools are measured.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::header::HOST;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::clients::Read;

type Body = Empty<Bytes>;

/// hyper's connections and a minimal pool.
#[derive(Clone)]
pub struct FloorClient {
    tls: TlsConnector,
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    /// Idle HTTP/1 connections, reused when `pooled`.
    Http1 {
        idle: Arc<Mutex<Vec<http1::SendRequest<Body>>>>,
        pooled: bool,
    },
    /// The one HTTP/2 connection (h2 by ALPN over TLS, h2c otherwise).
    Http2 {
        shared: Arc<tokio::sync::Mutex<Option<http2::SendRequest<Body>>>>,
    },
}

impl std::fmt::Debug for FloorClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FloorClient")
    }
}

impl FloorClient {
    /// HTTP/1.1, pooled or a connection per request.
    pub fn http1(mut tls: rustls::ClientConfig, pooled: bool) -> Self {
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        FloorClient {
            tls: TlsConnector::from(Arc::new(tls)),
            kind: Kind::Http1 {
                idle: Arc::default(),
                pooled,
            },
        }
    }

    /// HTTP/2 on one shared connection.
    pub fn http2(mut tls: rustls::ClientConfig) -> Self {
        tls.alpn_protocols = vec![b"h2".to_vec()];
        FloorClient {
            tls: TlsConnector::from(Arc::new(tls)),
            kind: Kind::Http2 {
                shared: Arc::default(),
            },
        }
    }

    /// One GET, the body read as `read` says; the body's length.
    pub async fn get(&self, url: &str, read: Read) -> Result<usize, String> {
        let uri: http::Uri = url.parse().map_err(|e| format!("{e}"))?;
        let authority = uri.authority().ok_or("no authority")?.clone();
        match &self.kind {
            Kind::Http1 { idle, pooled } => {
                let popped = idle.lock().map_err(|e| e.to_string())?.pop();
                let mut sender = match popped {
                    Some(mut sender) => match sender.ready().await {
                        Ok(()) => sender,
                        Err(_) => self.connect_http1(&uri).await?,
                    },
                    None => self.connect_http1(&uri).await?,
                };
                let path = uri.path_and_query().map_or("/", |p| p.as_str());
                let request = http::Request::get(path)
                    .header(HOST, authority.as_str())
                    .body(Body::new())
                    .map_err(|e| e.to_string())?;
                let response = sender
                    .send_request(request)
                    .await
                    .map_err(|e| e.to_string())?;
                let received = read_body(response.into_body(), read).await?;
                if *pooled {
                    idle.lock().map_err(|e| e.to_string())?.push(sender);
                }
                Ok(received)
            }
            Kind::Http2 { shared } => {
                let mut sender = {
                    let mut shared = shared.lock().await;
                    match shared.as_ref().filter(|s| !s.is_closed()) {
                        Some(sender) => sender.clone(),
                        None => {
                            let sender = self.connect_http2(&uri).await?;
                            *shared = Some(sender.clone());
                            sender
                        }
                    }
                };
                let request = http::Request::get(uri)
                    .body(Body::new())
                    .map_err(|e| e.to_string())?;
                let response = sender
                    .send_request(request)
                    .await
                    .map_err(|e| e.to_string())?;
                read_body(response.into_body(), read).await
            }
        }
    }

    async fn transport(&self, uri: &http::Uri) -> Result<TokioIo<Box<dyn tokio_io::Io>>, String> {
        let host = uri.host().ok_or("no host")?;
        let port = uri.port_u16().unwrap_or(80);
        let tcp = TcpStream::connect((host, port))
            .await
            .map_err(|e| e.to_string())?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        if uri.scheme_str() != Some("https") {
            return Ok(TokioIo::new(Box::new(tcp)));
        }
        let name = ServerName::try_from(host.to_owned()).map_err(|e| e.to_string())?;
        let tls = self
            .tls
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        Ok(TokioIo::new(Box::new(tls)))
    }

    async fn connect_http1(&self, uri: &http::Uri) -> Result<http1::SendRequest<Body>, String> {
        let io = self.transport(uri).await?;
        let (sender, connection) = http1::handshake(io).await.map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        Ok(sender)
    }

    async fn connect_http2(&self, uri: &http::Uri) -> Result<http2::SendRequest<Body>, String> {
        let io = self.transport(uri).await?;
        let (sender, connection) = http2::handshake(TokioExecutor::new(), io)
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        Ok(sender)
    }
}

async fn read_body(mut body: hyper::body::Incoming, read: Read) -> Result<usize, String> {
    match read {
        Read::Buffered => Ok(body
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes()
            .len()),
        Read::Streamed => {
            let mut received = 0;
            while let Some(frame) = body.frame().await {
                if let Ok(data) = frame.map_err(|e| e.to_string())?.into_data() {
                    received += data.len();
                }
            }
            Ok(received)
        }
    }
}

/// One boxed transport type for plain and TLS connections.
mod tokio_io {
    use tokio::io::{AsyncRead, AsyncWrite};

    /// A tokio byte stream.
    pub(super) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}

    impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}
}
