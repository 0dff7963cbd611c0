//! TCP: resolve the host, then connect to its addresses, IPv6 and IPv4 raced
//! as RFC 8305 ("happy eyeballs") describes, with `TCP_NODELAY` and, when
//! asked, TCP keep-alive.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use sessio_core::BoxError;
use tokio::net::TcpStream;
use tower_service::Service;

use super::resolve::Resolver;

/// How long the first address family gets before the other one is tried too
/// (RFC 8305 recommends 250 ms; hyper-util and curl use 300 ms and 200 ms).
pub(crate) const HAPPY_EYEBALLS_DELAY: Duration = Duration::from_millis(300);

/// Where to connect: a URL's authority (`host[:port]`, a name or an IP
/// literal, IPv6 in brackets), and the scheme's port for when it names none
/// (a port the URL names overrides a resolver's; a default one does not).
#[derive(Debug, Clone)]
pub(crate) struct Destination {
    pub(crate) authority: http::uri::Authority,
    pub(crate) default_port: u16,
    /// The time allowed for the whole attempt, split between addresses.
    pub(crate) timeout: Option<Duration>,
}

/// The host (brackets and user info removed) and the port of `authority`,
/// read in one pass (the `http` crate's accessors each parse it again).
pub(crate) fn host_and_port(authority: &str) -> (&str, Option<u16>) {
    let authority = match authority.bytes().rposition(|b| b == b'@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    let (host, port) = match authority.bytes().rposition(|b| b == b':') {
        // A colon inside brackets belongs to an IPv6 address.
        Some(colon) if !authority[colon..].contains(']') => {
            (&authority[..colon], authority[colon + 1..].parse().ok())
        }
        _ => (authority, None),
    };
    (host.trim_start_matches('[').trim_end_matches(']'), port)
}

/// A connected TCP stream and how long its steps took.
#[derive(Debug)]
pub(crate) struct TcpConnected {
    pub(crate) stream: TcpStream,
    /// The name lookup; `None` for an IP literal.
    pub(crate) dns: Option<Duration>,
    /// The TCP handshake (all attempts), after the lookup.
    pub(crate) connect: Duration,
}

/// The TCP step: a tower service from [`Destination`] to [`TcpConnected`].
#[derive(Debug, Clone)]
pub(crate) struct TcpConnect {
    resolver: Resolver,
    keepalive: Option<Duration>,
}

impl TcpConnect {
    pub(crate) fn new(resolver: Resolver, keepalive: Option<Duration>) -> Self {
        TcpConnect {
            resolver,
            keepalive,
        }
    }

    /// Resolves `to.host` (unless it is an IP literal) and connects.
    pub(crate) fn connect(
        &self,
        to: Destination,
    ) -> impl Future<Output = Result<TcpConnected, BoxError>> + Send + 'static {
        let resolver = self.resolver.clone();
        let keepalive = self.keepalive;
        async move {
            let started = Instant::now();
            let (host, explicit) = host_and_port(to.authority.as_str());
            let port = explicit.unwrap_or(to.default_port);
            let (addrs, dns) = match host.parse::<IpAddr>() {
                Ok(ip) => (vec![SocketAddr::new(ip, port)], None),
                Err(_) => {
                    let mut addrs = resolver.lookup(host).await?;
                    for addr in &mut addrs {
                        if explicit.is_some() || addr.port() == 0 {
                            addr.set_port(port);
                        }
                    }
                    (addrs, Some(started.elapsed()))
                }
            };
            let dialing = if dns.is_some() {
                Instant::now()
            } else {
                started
            };
            let stream = race(addrs, to.timeout, HAPPY_EYEBALLS_DELAY)
                .await
                .map_err(|err| -> BoxError { Box::new(err) })?;
            stream.set_nodelay(true)?;
            if let Some(idle) = keepalive {
                let keepalive = socket2::TcpKeepalive::new().with_time(idle);
                socket2::SockRef::from(&stream).set_tcp_keepalive(&keepalive)?;
            }
            Ok(TcpConnected {
                stream,
                dns,
                connect: dialing.elapsed(),
            })
        }
    }
}

impl Service<Destination> for TcpConnect {
    type Response = TcpConnected;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<TcpConnected, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, to: Destination) -> Self::Future {
        Box::pin(self.connect(to))
    }
}

/// Connects to the first address that answers: the addresses of the first
/// address's family in order, and, `delay` later (or as soon as that family
/// has failed), those of the other family, raced. Each address gets an
/// equal share of `timeout`.
async fn race(
    addrs: Vec<SocketAddr>,
    timeout: Option<Duration>,
    delay: Duration,
) -> io::Result<TcpStream> {
    let Some(first) = addrs.first() else {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "no address to connect to",
        ));
    };
    let v6 = first.is_ipv6();
    let (preferred, fallback): (Vec<_>, Vec<_>) =
        addrs.into_iter().partition(|a| a.is_ipv6() == v6);
    if fallback.is_empty() {
        return in_order(preferred, timeout).await;
    }
    let mut preferred = std::pin::pin!(in_order(preferred, timeout));
    let mut fallback = std::pin::pin!(in_order(fallback, timeout));
    let mut head_start = std::pin::pin!(tokio::time::sleep(delay));
    let mut preferred_failed: Option<io::Error> = None;
    let mut fallback_failed: Option<io::Error> = None;
    let mut fallback_started = false;
    std::future::poll_fn(|cx| {
        if preferred_failed.is_none() {
            match preferred.as_mut().poll(cx) {
                Poll::Ready(Ok(stream)) => return Poll::Ready(Ok(stream)),
                Poll::Ready(Err(err)) => preferred_failed = Some(err),
                Poll::Pending => {}
            }
        }
        if !fallback_started {
            fallback_started =
                preferred_failed.is_some() || head_start.as_mut().poll(cx).is_ready();
        }
        if fallback_started && fallback_failed.is_none() {
            match fallback.as_mut().poll(cx) {
                Poll::Ready(Ok(stream)) => return Poll::Ready(Ok(stream)),
                Poll::Ready(Err(err)) => fallback_failed = Some(err),
                Poll::Pending => {}
            }
        }
        match (preferred_failed.take(), fallback_failed.is_some()) {
            (Some(err), true) => Poll::Ready(Err(err)),
            (failed, _) => {
                preferred_failed = failed;
                Poll::Pending
            }
        }
    })
    .await
}

/// Tries `addrs` one after the other; the last error if none answers. Each
/// address but the last gets an equal share of `timeout` (the last one has
/// what is left: the caller bounds the whole attempt).
async fn in_order(addrs: Vec<SocketAddr>, timeout: Option<Duration>) -> io::Result<TcpStream> {
    let share = timeout.map(|t| t / u32::try_from(addrs.len().max(1)).unwrap_or(u32::MAX));
    let mut last = None;
    let count = addrs.len();
    for (at, addr) in addrs.into_iter().enumerate() {
        let attempt = TcpStream::connect(addr);
        let result = match share.filter(|_| at + 1 < count) {
            Some(share) => match tokio::time::timeout(share, attempt).await {
                Ok(result) => result,
                Err(_) => Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("connecting to {addr} timed out"),
                )),
            },
            None => attempt.await,
        };
        match result {
            Ok(stream) => return Ok(stream),
            Err(err) => {
                last = Some(io::Error::new(
                    err.kind(),
                    format!("connecting to {addr}: {err}"),
                ))
            }
        }
    }
    Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address to connect to")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refused_address_is_skipped_for_one_that_answers() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let stream = race(vec![closed, open], None, HAPPY_EYEBALLS_DELAY)
            .await
            .unwrap();
        assert_eq!(stream.peer_addr().unwrap(), open);
    }

    #[tokio::test]
    async fn every_address_refused_is_the_last_error_naming_the_address() {
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let err = race(vec![closed], None, HAPPY_EYEBALLS_DELAY)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        assert!(err.to_string().contains(&closed.to_string()), "{err}");
    }

    #[tokio::test]
    async fn the_other_family_is_tried_at_once_when_the_first_fails() {
        // ::1 may be missing on the machine: then both fail, which is fine
        // for what this checks (no waiting out the head start).
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        let refused_v6: SocketAddr = "[::1]:1".parse().unwrap();
        let started = Instant::now();
        let stream = race(vec![refused_v6, open], None, Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(stream.peer_addr().unwrap(), open);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "did not wait out the delay"
        );
    }

    #[test]
    fn hosts_and_ports_are_read_off_the_authority() {
        assert_eq!(host_and_port("example.com"), ("example.com", None));
        assert_eq!(
            host_and_port("example.com:8080"),
            ("example.com", Some(8080))
        );
        assert_eq!(
            host_and_port("user:pw@example.com:81"),
            ("example.com", Some(81))
        );
        assert_eq!(host_and_port("[::1]"), ("::1", None));
        assert_eq!(host_and_port("[::1]:8443"), ("::1", Some(8443)));
        assert_eq!(host_and_port("127.0.0.1:1"), ("127.0.0.1", Some(1)));
    }

    #[tokio::test]
    async fn an_ip_literal_is_not_looked_up() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let resolver = Resolver::new(
            Default::default(),
            Some(std::sync::Arc::new(|_: &str| -> crate::Resolving {
                panic!("an IP literal was looked up")
            })),
        );
        let tcp = TcpConnect::new(resolver, Some(Duration::from_secs(60)));
        let connected = tcp
            .connect(Destination {
                authority: format!("127.0.0.1:{port}").parse().unwrap(),
                default_port: 80,
                timeout: None,
            })
            .await
            .unwrap();
        assert!(connected.dns.is_none());
        assert_eq!(connected.stream.peer_addr().unwrap().port(), port);
    }
}
