//! Connecting through a proxy: TCP to the proxy for plain-http targets (sent
//! in absolute form), a `CONNECT` tunnel for `https://` targets, or a SOCKS
//! handshake. hyper-util's `Tunnel`, `SocksV4` and `SocksV5` do the handshakes.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use hyper_util::client::legacy::connect::proxy::{SocksV4, SocksV5};
use sessio_core::BoxError;
use tower_service::Service;

use super::transport::Stamped;
use crate::proxy::{Proxy, ProxyKind};

/// Connects directly, or through `proxy` when there is one. One client (and
/// so one pool) exists per proxy, so a connection made through one proxy is
/// never used for another, or for a direct request.
#[derive(Clone, Debug)]
pub(crate) struct ProxyConnector<C> {
    inner: C,
    proxy: Option<Arc<Proxy>>,
}

impl<C> ProxyConnector<C> {
    pub(crate) fn new(inner: C, proxy: Option<Arc<Proxy>>) -> Self {
        ProxyConnector { inner, proxy }
    }
}

type Boxed<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

impl<C, T> Service<Uri> for ProxyConnector<C>
where
    C: Service<Uri, Response = Stamped<T>> + Clone + Send + 'static,
    C::Future: Send + 'static,
    C::Error: Into<BoxError> + StdError + Send + Sync + 'static,
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    type Response = Stamped<T>;
    type Error = BoxError;
    type Future = Connecting<C::Future, Stamped<T>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        match &self.proxy {
            None => Connecting::Direct {
                future: self.inner.call(dst),
            },
            Some(proxy) => Connecting::Proxied {
                future: Box::pin(through(self.inner.clone(), proxy.clone(), dst)),
            },
        }
    }
}

async fn through<C, T>(inner: C, proxy: Arc<Proxy>, dst: Uri) -> Result<Stamped<T>, BoxError>
where
    C: Service<Uri, Response = Stamped<T>> + Clone + Send + 'static,
    C::Future: Send + 'static,
    C::Error: Into<BoxError> + StdError + Send + Sync + 'static,
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let https = dst.scheme() == Some(&http::uri::Scheme::HTTPS);
    let target = with_port(&dst, if https { 443 } else { 80 });
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
    let mut inner = inner;
    let stream = inner
        .call(proxy.address.clone())
        .await
        .map_err(|e| failed(Failure::Unreachable, e.into()))?;
    let address = proxy.address.clone();
    match proxy.kind {
        ProxyKind::Http if !https => Ok(stream.through_forward_proxy()),
        ProxyKind::Http => connect_tunnel(stream, &target, proxy.authorization())
            .await
            .map_err(|(what, e)| failed(what, e)),
        ProxyKind::Socks5 { remote_dns } => {
            let mut socks = SocksV5::new(address, Connected(Some(stream))).local_dns(!remote_dns);
            if let Some((user, password)) = &proxy.credentials {
                socks = socks.with_auth(user.clone(), password.clone());
            }
            socks
                .call(target.clone())
                .await
                .map_err(|e| failed(Failure::Refused, Box::new(e)))
        }
        ProxyKind::Socks4 { remote_dns } => SocksV4::new(address, Connected(Some(stream)))
            .local_dns(!remote_dns)
            .call(target.clone())
            .await
            .map_err(|e| failed(Failure::Refused, Box::new(e))),
    }
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
async fn connect_tunnel<S>(
    stream: S,
    target: &Uri,
    authorization: Option<http::HeaderValue>,
) -> Result<S, (Failure, BoxError)>
where
    S: hyper::rt::Read + hyper::rt::Write + Unpin,
{
    use hyper_util::rt::TokioIo;
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
    let mut io = TokioIo::new(stream);
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
    let stream = io.into_inner();
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

pin_project_lite::pin_project! {
    /// Connecting, directly or through a proxy.
    #[project = ConnectingProj]
    pub(crate) enum Connecting<F, R> {
        Direct { #[pin] future: F },
        Proxied { future: Boxed<R> },
    }
}

impl<F, R, E> Future for Connecting<F, R>
where
    F: Future<Output = Result<R, E>>,
    E: Into<BoxError>,
{
    type Output = Result<R, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            ConnectingProj::Direct { future } => future.poll(cx).map_err(Into::into),
            ConnectingProj::Proxied { future } => future.as_mut().poll(cx),
        }
    }
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
