//! The proxy step: a TCP connection to the proxy, then the way through it:
//! nothing more for plain-http targets (sent in absolute form), a `CONNECT`
//! tunnel for `https://` targets, or a SOCKS handshake (hyper-util's `SocksV4`
//! and `SocksV5`).

use std::error::Error as StdError;
use std::fmt;
use std::task::{Context, Poll};

use http::Uri;
use hyper_util::client::legacy::connect::proxy::{SocksV4, SocksV5};
use hyper_util::rt::TokioIo;
use sessio_core::BoxError;
use tokio::net::TcpStream;
use tower_service::Service;

use super::tcp::{Destination, TcpConnect, TcpConnected};
use crate::proxy::{Proxy, ProxyKind};

/// A stream through a proxy, and whether requests on it go to the proxy in
/// absolute form (a forward proxy) rather than to the target.
#[derive(Debug)]
pub(crate) struct Through {
    pub(crate) tcp: TcpConnected,
    pub(crate) forward: bool,
}

/// Connects to `proxy` and opens the way to `target` (`scheme://host:port`).
pub(crate) async fn through(
    tcp: &TcpConnect,
    proxy: &Proxy,
    target: &Uri,
    timeout: Option<std::time::Duration>,
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
    let dialing = std::time::Instant::now();
    let TcpConnected { stream, dns, .. } = tcp
        .connect(to)
        .await
        .map_err(|e| failed(Failure::Unreachable, e))?;
    let dialed = |stream| TcpConnected {
        stream,
        dns,
        connect: dialing.elapsed().saturating_sub(dns.unwrap_or_default()),
    };
    let address = proxy.address.clone();
    let stream = match proxy.kind {
        ProxyKind::Http if !https => {
            return Ok(Through {
                tcp: dialed(stream),
                forward: true,
            });
        }
        ProxyKind::Http => connect_tunnel(stream, &target, proxy.authorization())
            .await
            .map_err(|(what, e)| failed(what, e))?,
        ProxyKind::Socks5 { remote_dns } => {
            let mut socks =
                SocksV5::new(address, Connected(Some(TokioIo::new(stream)))).local_dns(!remote_dns);
            if let Some((user, password)) = &proxy.credentials {
                socks = socks.with_auth(user.clone(), password.clone());
            }
            socks
                .call(target.clone())
                .await
                .map_err(|e| failed(Failure::Refused, Box::new(e)))?
                .into_inner()
        }
        ProxyKind::Socks4 { remote_dns } => {
            SocksV4::new(address, Connected(Some(TokioIo::new(stream))))
                .local_dns(!remote_dns)
                .call(target.clone())
                .await
                .map_err(|e| failed(Failure::Refused, Box::new(e)))?
                .into_inner()
        }
    };
    Ok(Through {
        tcp: dialed(stream),
        forward: false,
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
    mut io: TcpStream,
    target: &Uri,
    authorization: Option<http::HeaderValue>,
) -> Result<TcpStream, (Failure, BoxError)> {
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
    // TLS handshake) must stay in the stream.
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
        }
    }
}

impl StdError for ProxyFailed {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}
