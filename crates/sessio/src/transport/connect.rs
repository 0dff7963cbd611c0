//! The connect step as one piece: resolve and TCP (directly or through the
//! key's proxy, over TLS to an `https://` proxy), then TLS for `https://`,
//! giving a boxed transport and what was learnt while making it.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::{Duration, Instant};

use hyper_util::rt::TokioIo;
use sessio_core::BoxError;
use tokio::io::{AsyncRead, AsyncWrite};

use super::io::BoxIo;
use super::key::ConnKey;
use super::proxy;
use super::tcp::{Destination, TcpConnect, TcpConnected};
use super::tls::TlsConnect;

/// What connecting learnt about a new transport.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Facts {
    pub(crate) remote_addr: Option<SocketAddr>,
    pub(crate) local_addr: Option<SocketAddr>,
    pub(crate) dns: Option<Duration>,
    pub(crate) connect: Option<Duration>,
    pub(crate) tls: Option<Duration>,
    /// TLS negotiated HTTP/2 (ALPN `h2`).
    pub(crate) negotiated_h2: bool,
    /// A connection to a forward proxy: requests on it keep their absolute URI.
    pub(crate) forward_proxy: bool,
}

/// A transport ready for the HTTP handshake.
pub(crate) struct Connected {
    pub(crate) io: BoxIo,
    pub(crate) facts: Facts,
}

/// The future of a connection being made.
pub(crate) type Connecting = Pin<Box<dyn Future<Output = Result<Connected, BoxError>> + Send>>;

/// Makes transports for the pool: TCP and TLS for [`HttpAdapter`], a Unix
/// socket for [`UnixAdapter`].
///
/// [`HttpAdapter`]: crate::HttpAdapter
/// [`UnixAdapter`]: crate::UnixAdapter
pub(crate) trait Connect: Send + Sync + 'static {
    /// Opens a transport for `key`; `timeout` is the whole time allowed
    /// (applied around this future too; given here so that it can be split
    /// between a host's addresses).
    fn connect(&self, key: &ConnKey, timeout: Option<Duration>) -> Connecting;
}

/// TCP, or TLS over TCP, directly or through the key's proxy; as a tower
/// service, from a key to a transport ready for the HTTP handshake.
#[derive(Debug, Clone)]
pub(crate) struct HttpConnect {
    pub(crate) tcp: TcpConnect,
    /// The TLS step of the adapter's own settings (`None`: they are unusable,
    /// and the adapter refuses `https://` requests before connecting).
    pub(crate) tls: Option<TlsConnect>,
}

impl Connect for HttpConnect {
    fn connect(&self, key: &ConnKey, timeout: Option<Duration>) -> Connecting {
        let route = key.route();
        let tls = match route.and_then(|r| r.tls.as_ref()) {
            Some((_, own)) => Some(own.clone()),
            None => self.tls.clone(),
        };
        let proxy = route.and_then(|r| r.proxy.clone());
        let https = key.is_https();
        let authority = key.authority.clone();
        let scheme = key.scheme.clone();
        let tcp = self.tcp.clone();
        Box::pin(async move {
            let Some(proxy) = proxy else {
                let to = Destination {
                    authority: authority.clone(),
                    default_port: if https { 443 } else { 80 },
                    timeout,
                };
                let TcpConnected {
                    stream,
                    dns,
                    connect,
                } = tcp.connect(to).await?;
                let facts = Facts {
                    remote_addr: stream.peer_addr().ok(),
                    local_addr: stream.local_addr().ok(),
                    dns,
                    connect: Some(connect),
                    ..Facts::default()
                };
                return finish(stream, facts, https, tls.as_ref(), authority.as_str()).await;
            };
            let target = http::Uri::builder()
                .scheme(scheme)
                .authority(authority.clone())
                .path_and_query("/")
                .build()?;
            let through = proxy::through(&tcp, tls.as_ref(), &proxy, &target, timeout).await?;
            let facts = Facts {
                remote_addr: through.stream.peer_addr().ok(),
                local_addr: through.stream.local_addr().ok(),
                dns: through.dns,
                connect: Some(through.connect),
                forward_proxy: through.forward,
                ..Facts::default()
            };
            finish(
                through.stream,
                facts,
                https,
                tls.as_ref(),
                authority.as_str(),
            )
            .await
        })
    }
}

/// The transport over `stream` (to the server, or the way through a proxy):
/// `stream` itself for plain http, TLS to `authority`'s host over it with
/// `tls` for `https://`.
async fn finish<S>(
    stream: S,
    mut facts: Facts,
    https: bool,
    tls: Option<&TlsConnect>,
    authority: &str,
) -> Result<Connected, BoxError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    if !https {
        return Ok(Connected {
            io: Box::new(TokioIo::new(stream)),
            facts,
        });
    }
    let Some(tls) = tls else {
        return Err("no TLS settings for this adapter".into());
    };
    let started = Instant::now();
    let host = super::tcp::host_and_port(authority).0;
    let (stream, h2) = tls.handshake(host, stream).await?;
    facts.tls = Some(started.elapsed());
    facts.negotiated_h2 = h2;
    Ok(Connected {
        io: Box::new(TokioIo::new(stream)),
        facts,
    })
}

impl tower_service::Service<ConnKey> for HttpConnect {
    type Response = Connected;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), BoxError>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, key: ConnKey) -> Connecting {
        Connect::connect(self, &key, None)
    }
}

/// The cause of a connect timeout, found in the error's source chain.
#[derive(Debug)]
pub(crate) struct ConnectTimedOut(pub(crate) Duration);

impl std::fmt::Display for ConnectTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "connect timed out after {:?}", self.0)
    }
}

impl std::error::Error for ConnectTimedOut {}

#[cfg(test)]
mod tests {
    use tower::ServiceExt;

    use super::*;
    use crate::transport::resolve::Resolver;

    /// The connect step with the system's resolver and no TLS settings.
    fn without_tls() -> HttpConnect {
        HttpConnect {
            tcp: TcpConnect::new(Resolver::new(Default::default(), None), None),
            tls: None,
        }
    }

    #[tokio::test]
    async fn a_plain_key_gives_a_tcp_transport_and_its_facts() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connect = without_tls();
        let key = ConnKey::new(&format!("http://{addr}/").parse().unwrap(), None).unwrap();
        let connected = connect.oneshot(key).await.unwrap();
        let facts = connected.facts;
        assert_eq!(facts.remote_addr, Some(addr));
        assert!(
            facts
                .local_addr
                .is_some_and(|local| local.ip().is_loopback())
        );
        assert!(facts.dns.is_none(), "an IP address is not looked up");
        assert!(facts.connect.is_some() && facts.tls.is_none());
        assert!(!facts.negotiated_h2 && !facts.forward_proxy);
        let (_accepted, peer) = listener.accept().await.unwrap();
        assert_eq!(Some(peer), facts.local_addr);
    }

    #[tokio::test]
    async fn https_without_usable_tls_settings_is_an_error_not_a_plain_connection() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connect = without_tls();
        let key = ConnKey::new(&format!("https://{addr}/").parse().unwrap(), None).unwrap();
        let Err(err) = connect.oneshot(key).await else {
            panic!("an https key connected without TLS");
        };
        assert!(err.to_string().contains("no TLS settings"), "{err}");
    }
}
