//! The proxy step: a TCP connection to the proxy (and TLS over it for an
//! `https://` proxy), then the way through it: nothing more for plain-http
//! targets (sent in absolute form), a `CONNECT` tunnel for `https://`
//! targets, or a SOCKS handshake (hyper-util's `SocksV4` and `SocksV5`).

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::Uri;
use hyper_util::client::legacy::connect::proxy::{SocksV4, SocksV5};
use hyper_util::rt::TokioIo;
use sessio_core::BoxError;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tower_service::Service;

use super::tcp::{Destination, TcpConnect, TcpConnected};
use super::tls::TlsConnect;
use crate::proxy::{Proxy, ProxyKind};

/// A stream through a proxy, and whether requests on it go to the proxy in
/// absolute form (a forward proxy) rather than to the target.
#[derive(Debug)]
pub(crate) struct Through {
    pub(crate) stream: ProxyStream,
    /// How long the proxy's name took to resolve, if it was looked up.
    pub(crate) dns: Option<Duration>,
    /// From the first connection attempt until the way through was open (TLS
    /// to the proxy, `CONNECT` or the SOCKS handshake included).
    pub(crate) connect: Duration,
    pub(crate) forward: bool,
}

/// The connection to a proxy: TCP, or TLS over TCP for an `https://` proxy.
/// Only proxied connections are made of it: a direct connection stays a bare
/// `TcpStream`, with no branch on each read and write.
pub(crate) enum ProxyStream {
    Tcp(TcpStream),
    // Boxed: a TLS connection's state is some kilobytes, and most proxied
    // connections are TCP.
    Tls(Box<TlsStream<TcpStream>>),
}

impl ProxyStream {
    fn tcp(&self) -> &TcpStream {
        match self {
            ProxyStream::Tcp(tcp) => tcp,
            ProxyStream::Tls(tls) => tls.get_ref().0,
        }
    }

    /// The proxy's address.
    pub(crate) fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.tcp().peer_addr()
    }

    /// This end's address.
    pub(crate) fn local_addr(&self) -> io::Result<SocketAddr> {
        self.tcp().local_addr()
    }
}

impl fmt::Debug for ProxyStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            ProxyStream::Tcp(_) => "ProxyStream::Tcp",
            ProxyStream::Tls(_) => "ProxyStream::Tls",
        };
        f.debug_tuple(kind).field(self.tcp()).finish()
    }
}

impl AsyncRead for ProxyStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ProxyStream::Tcp(tcp) => Pin::new(tcp).poll_read(cx, buf),
            ProxyStream::Tls(tls) => Pin::new(&mut **tls).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ProxyStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ProxyStream::Tcp(tcp) => Pin::new(tcp).poll_write(cx, buf),
            ProxyStream::Tls(tls) => Pin::new(&mut **tls).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ProxyStream::Tcp(tcp) => Pin::new(tcp).poll_write_vectored(cx, bufs),
            ProxyStream::Tls(tls) => Pin::new(&mut **tls).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            ProxyStream::Tcp(tcp) => tcp.is_write_vectored(),
            ProxyStream::Tls(tls) => tls.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ProxyStream::Tcp(tcp) => Pin::new(tcp).poll_flush(cx),
            ProxyStream::Tls(tls) => Pin::new(&mut **tls).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ProxyStream::Tcp(tcp) => Pin::new(tcp).poll_shutdown(cx),
            ProxyStream::Tls(tls) => Pin::new(&mut **tls).poll_shutdown(cx),
        }
    }
}

/// Connects to `proxy` and opens the way to `target` (`scheme://host:port`);
/// `tls` is the TLS step of the request's settings, used for an `https://`
/// proxy (its certificate is checked as a server's would be).
pub(crate) async fn through(
    tcp: &TcpConnect,
    tls: Option<&TlsConnect>,
    proxy: &Proxy,
    target: &Uri,
    timeout: Option<Duration>,
) -> Result<Through, BoxError> {
    let https = target.scheme() == Some(&http::uri::Scheme::HTTPS);
    let target = with_port(target, if https { 443 } else { 80 });
    let failed = |what: Failure, source: BoxError| -> BoxError {
        Box::new(ProxyFailed {
            what,
            proxy: proxy
                .address
                .authority()
                .map(ToString::to_string)
                .unwrap_or_default(),
            target: target
                .authority()
                .map(ToString::to_string)
                .unwrap_or_default(),
            source,
        })
    };
    let Some(authority) = proxy.address.authority().cloned() else {
        return Err(failed(
            Failure::Unreachable,
            "the proxy URL has no host".into(),
        ));
    };
    let to = Destination {
        authority,
        default_port: 80,
        timeout,
    };
    let dialing = Instant::now();
    let TcpConnected { stream, dns, .. } = tcp
        .connect(to)
        .await
        .map_err(|e| failed(Failure::Unreachable, e))?;
    let address = proxy.address.clone();
    let (stream, forward) = match proxy.kind {
        ProxyKind::Http { tls: to_tls } => {
            let stream = if to_tls {
                let Some(tls) = tls else {
                    return Err(failed(
                        Failure::Tls,
                        "no TLS settings for this adapter".into(),
                    ));
                };
                let host = address.host().unwrap_or_default();
                let stream = tls.handshake_proxy(host, stream).await.map_err(|e| {
                    let what = if answered_without_tls(&*e) {
                        Failure::NotTls
                    } else {
                        Failure::Tls
                    };
                    failed(what, e)
                })?;
                ProxyStream::Tls(Box::new(stream))
            } else {
                ProxyStream::Tcp(stream)
            };
            if https {
                let tunnel = connect_tunnel(stream, &target, proxy.authorization())
                    .await
                    .map_err(|(what, e)| failed(what, e))?;
                (tunnel, false)
            } else {
                (stream, true)
            }
        }
        ProxyKind::Socks5 { remote_dns } => {
            let mut socks =
                SocksV5::new(address, Connected(Some(TokioIo::new(stream)))).local_dns(!remote_dns);
            if let Some((user, password)) = &proxy.credentials {
                socks = socks.with_auth(user.clone(), password.clone());
            }
            let stream = socks
                .call(target.clone())
                .await
                .map_err(|e| failed(Failure::Refused, Box::new(e)))?
                .into_inner();
            (ProxyStream::Tcp(stream), false)
        }
        ProxyKind::Socks4 { remote_dns } => {
            let stream = SocksV4::new(address, Connected(Some(TokioIo::new(stream))))
                .local_dns(!remote_dns)
                .call(target.clone())
                .await
                .map_err(|e| failed(Failure::Refused, Box::new(e)))?
                .into_inner();
            (ProxyStream::Tcp(stream), false)
        }
    };
    Ok(Through {
        stream,
        dns,
        connect: dialing.elapsed().saturating_sub(dns.unwrap_or_default()),
        forward,
    })
}

/// Hands out one connection made already (the SOCKS handshakes take a connector).
struct Connected<S>(Option<S>);

impl<S> Service<Uri> for Connected<S> {
    type Response = S;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<S, std::io::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _proxy: Uri) -> Self::Future {
        std::future::ready(
            self.0
                .take()
                .ok_or_else(|| std::io::Error::other("the proxy connection was used already")),
        )
    }
}

/// The longest CONNECT answer head read.
const MAX_CONNECT_HEAD: usize = 16 * 1024;

/// `CONNECT host:port` on `stream`; a `2xx` opens the tunnel.
async fn connect_tunnel(
    mut io: ProxyStream,
    target: &Uri,
    authorization: Option<http::HeaderValue>,
) -> Result<ProxyStream, (Failure, BoxError)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let authority = target
        .authority()
        .map(ToString::to_string)
        .unwrap_or_default();
    let mut head = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n").into_bytes();
    if let Some(auth) = authorization {
        head.extend_from_slice(b"Proxy-Authorization: ");
        head.extend_from_slice(auth.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    let io_error = |e: std::io::Error| (Failure::Handshake, Box::new(e) as BoxError);
    io.write_all(&head).await.map_err(io_error)?;
    io.flush().await.map_err(io_error)?;
    // Byte by byte up to the end of the head: what follows it (the server's
    // TLS handshake) must stay in the stream (over TLS to the proxy, each
    // byte comes out of the plaintext rustls already decrypted).
    let mut answer = Vec::with_capacity(256);
    while !answer.ends_with(b"\r\n\r\n") {
        if answer.len() >= MAX_CONNECT_HEAD {
            return Err((Failure::Handshake, "the CONNECT answer is too long".into()));
        }
        answer.push(io.read_u8().await.map_err(io_error)?);
    }
    let stream = io;
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(&answer) {
        Ok(httparse::Status::Complete(_)) => match response.code {
            Some(code) if (200..300).contains(&code) => Ok(stream),
            Some(407) => Err((
                Failure::AuthRequired,
                "407 Proxy Authentication Required".into(),
            )),
            Some(code) => {
                let status = format!("{code} {}", response.reason.unwrap_or(""));
                Err((Failure::Refused, status.trim_end().to_owned().into()))
            }
            None => Err((Failure::Handshake, "no status in the CONNECT answer".into())),
        },
        _ => Err((Failure::Handshake, "the CONNECT answer is not HTTP".into())),
    }
}

/// `dst` with its port written out (the SOCKS handshakes need it).
fn with_port(dst: &Uri, default: u16) -> Uri {
    if dst.port_u16().is_some() {
        return dst.clone();
    }
    let (Some(scheme), Some(host)) = (dst.scheme_str(), dst.host()) else {
        return dst.clone();
    };
    format!("{scheme}://{host}:{default}/")
        .parse()
        .unwrap_or_else(|_| dst.clone())
}

#[derive(Debug, Clone, Copy)]
enum Failure {
    Unreachable,
    AuthRequired,
    Refused,
    Handshake,
    /// The TLS handshake with an `https://` proxy.
    Tls,
    /// The same, and what the proxy answered is not TLS.
    NotTls,
}

/// Whether a failed TLS handshake read something other than TLS records (as
/// a plain-HTTP proxy's `400` answer to a `ClientHello`), looking inside
/// `io::Error`s (tokio-rustls gives the rustls error inside one).
fn answered_without_tls(err: &(dyn StdError + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(current) = next {
        if let Some(rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)) =
            current.downcast_ref::<rustls::Error>()
        {
            return true;
        }
        next = match current.downcast_ref::<io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
    }
    false
}

/// A proxy that could not be reached or did not open the way to the target.
#[derive(Debug)]
pub(crate) struct ProxyFailed {
    what: Failure,
    proxy: String,
    target: String,
    source: BoxError,
}

impl fmt::Display for ProxyFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (proxy, target) = (&self.proxy, &self.target);
        match self.what {
            Failure::Unreachable => write!(f, "the proxy {proxy} could not be reached"),
            Failure::AuthRequired => write!(
                f,
                "the proxy {proxy} wants credentials (407) to connect to {target}"
            ),
            Failure::Refused => write!(f, "the proxy {proxy} refused to connect to {target}"),
            Failure::Handshake => write!(f, "the handshake with the proxy {proxy} failed"),
            Failure::Tls => write!(f, "the TLS handshake with the proxy {proxy} failed"),
            Failure::NotTls => write!(
                f,
                "the TLS handshake with the proxy {proxy} failed: it answered without TLS \
                 (a proxy that speaks plain HTTP needs an http:// proxy URL)"
            ),
        }
    }
}

impl StdError for ProxyFailed {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}
