//! What the pool learns from a new transport: its addresses, its protocol, and
//! when its TCP connection was up, so that connect and TLS times can be told apart.
//! (hyper-util's own `Connection::connected` would tell some of it, at the
//! cost of two allocations and two system calls per call.)

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_rustls::MaybeHttpsStream;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

/// Facts about a freshly connected transport.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Facts {
    pub(crate) remote_addr: Option<SocketAddr>,
    pub(crate) local_addr: Option<SocketAddr>,
    /// When the TCP connection was established.
    pub(crate) tcp_connected_at: Option<Instant>,
    /// Whether a TLS handshake followed.
    pub(crate) tls: bool,
    /// Whether TLS negotiated HTTP/2 (ALPN `h2`).
    pub(crate) negotiated_h2: bool,
    /// Whether this is a connection to a forward proxy (requests on it keep
    /// their absolute URI).
    pub(crate) forward_proxy: bool,
}

/// A transport that can tell its [`Facts`].
pub(crate) trait TransportFacts {
    fn facts(&self) -> Facts;
}

impl TransportFacts for Stamped<TokioIo<TcpStream>> {
    fn facts(&self) -> Facts {
        let tcp = self.io.inner();
        Facts {
            remote_addr: tcp.peer_addr().ok(),
            local_addr: tcp.local_addr().ok(),
            tcp_connected_at: Some(self.connected_at),
            tls: false,
            negotiated_h2: false,
            forward_proxy: self.forward_proxy,
        }
    }
}

impl<T: TransportFacts> TransportFacts for MaybeHttpsStream<T> {
    fn facts(&self) -> Facts {
        match self {
            MaybeHttpsStream::Http(plain) => plain.facts(),
            MaybeHttpsStream::Https(tls) => {
                let (tcp, session) = tls.inner().get_ref();
                Facts {
                    tls: true,
                    negotiated_h2: session.alpn_protocol() == Some(b"h2"),
                    ..tcp.inner().facts()
                }
            }
        }
    }
}

/// Wraps a TCP connector to note when each connection was established.
#[derive(Debug, Clone)]
pub(crate) struct StampConnector<C> {
    inner: C,
}

impl<C> StampConnector<C> {
    pub(crate) fn new(inner: C) -> Self {
        StampConnector { inner }
    }
}

impl<C> Service<Uri> for StampConnector<C>
where
    C: Service<Uri>,
{
    type Response = Stamped<C::Response>;
    type Error = C::Error;
    type Future = Stamping<C::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), C::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        Stamping {
            connecting: self.inner.call(uri),
        }
    }
}

pin_project_lite::pin_project! {
    /// Connects, then stamps the transport.
    pub(crate) struct Stamping<F> {
        #[pin]
        connecting: F,
    }
}

impl<F, T, E> Future for Stamping<F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<Stamped<T>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let io = std::task::ready!(self.project().connecting.poll(cx))?;
        Poll::Ready(Ok(Stamped {
            io,
            connected_at: Instant::now(),
            forward_proxy: false,
        }))
    }
}

/// A transport and the time it was connected; reads and writes go straight through.
#[derive(Debug)]
pub(crate) struct Stamped<T> {
    io: T,
    connected_at: Instant,
    /// A connection to a forward proxy: requests on it keep their absolute URI.
    forward_proxy: bool,
}

impl<T> Stamped<T> {
    /// Marks a connection to a forward proxy, so that requests on it are sent
    /// in absolute form (`GET http://host/path`).
    pub(crate) fn through_forward_proxy(mut self) -> Self {
        self.forward_proxy = true;
        self
    }
}

impl<T: Read + Unpin> Read for Stamped<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: Write + Unpin> Write for Stamped<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

impl<T: Connection> Connection for Stamped<T> {
    fn connected(&self) -> Connected {
        self.io.connected()
    }
}
