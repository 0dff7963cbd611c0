//! Loopback proxies for the tests: an HTTP forward proxy that also tunnels
//! `CONNECT` (over TCP, or over TLS as an `https://` proxy), a SOCKS5 server
//! and a SOCKS4/4a server. Each records what it was asked.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::{ServerBody, TestCa, TlsOptions, respond};

/// One request a proxy was asked to carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxySeen {
    /// `GET`, `CONNECT`, … for the HTTP proxy; `SOCKS5` for the SOCKS5
    /// server; `SOCKS4` (an IPv4 address was sent) or `SOCKS4A` (a host name
    /// was sent) for the SOCKS4 server.
    pub method: String,
    /// The request target: an absolute URL, `host:port` for CONNECT and SOCKS
    /// (the host as the client sent it: an address, or a name).
    pub target: String,
    /// The `Proxy-Authorization` the proxy received, the SOCKS5
    /// user:password, or a non-empty SOCKS4 user id.
    pub credentials: Option<String>,
}

/// One TLS handshake an [`https`](TestProxy::https) proxy accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyTls {
    /// The server name (SNI) the client sent; `None` for none (as for an IP
    /// address).
    pub server_name: Option<String>,
    /// The protocol chosen by ALPN (the proxy takes `h2` when it is offered).
    pub alpn: Option<String>,
}

/// How a test proxy behaves.
#[derive(Clone, Debug, Default)]
pub struct ProxyOptions {
    /// Require this exact `Proxy-Authorization` (HTTP) or `user:password`
    /// (SOCKS); otherwise answer 407, or refuse the SOCKS handshake.
    pub require: Option<String>,
    /// Answer every CONNECT with `403 Forbidden` (SOCKS4: refuse it).
    pub refuse_connect: bool,
}

/// A running loopback proxy; it stops when dropped.
#[derive(Debug)]
pub struct TestProxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<ProxySeen>>>,
    tls: Arc<Mutex<Vec<ProxyTls>>>,
    _shutdown: watch::Sender<()>,
}

impl TestProxy {
    /// An HTTP proxy: absolute-form requests are forwarded, `CONNECT` opens a
    /// tunnel.
    pub async fn http(options: ProxyOptions) -> TestProxy {
        Self::spawn(options, Kind::Http(None)).await
    }

    /// An HTTP proxy like [`http`](Self::http) that speaks TLS (an `https://`
    /// proxy), with a certificate for `localhost` and `127.0.0.1` issued by
    /// `ca`. It takes `h2` by ALPN when a client offers it, and then fails
    /// (it speaks HTTP/1.1 only): a client must offer it `http/1.1` alone. A
    /// connection that is not TLS gets no answer but the TLS alert.
    pub async fn https(ca: &TestCa, options: ProxyOptions) -> TestProxy {
        let acceptor = ca.acceptor(TlsOptions::default());
        Self::spawn(options, Kind::Http(Some(acceptor))).await
    }

    /// A SOCKS5 server (no authentication, or user/password when `require`
    /// is set), for IPv4, IPv6 and domain-name targets.
    pub async fn socks5(options: ProxyOptions) -> TestProxy {
        Self::spawn(options, Kind::Socks5).await
    }

    /// A SOCKS4 server with the 4a extension: it connects to the IPv4 address
    /// the client sent, or resolves the host name the client sent (4a) itself.
    /// A 4a "name" that is an IP address is refused: a client that resolved
    /// the name must send SOCKS4.
    pub async fn socks4(options: ProxyOptions) -> TestProxy {
        Self::spawn(options, Kind::Socks4).await
    }

    /// `scheme://127.0.0.1:port`, for `.proxy(key, url)`.
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.addr)
    }

    /// `scheme://user:password@127.0.0.1:port`.
    pub fn url_with(&self, scheme: &str, userinfo: &str) -> String {
        format!("{scheme}://{userinfo}@{}", self.addr)
    }

    /// What the proxy was asked so far.
    pub fn seen(&self) -> Vec<ProxySeen> {
        self.seen.lock().unwrap().clone()
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// An [`https`](Self::https) proxy: the TLS handshakes that succeeded, in
    /// order.
    pub fn tls_handshakes(&self) -> Vec<ProxyTls> {
        self.tls.lock().unwrap().clone()
    }

    async fn spawn(options: ProxyOptions, kind: Kind) -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let tls = Arc::new(Mutex::new(Vec::new()));
        let (shutdown, mut stopped) = watch::channel(());
        let state = Arc::new(State {
            options,
            seen: seen.clone(),
            tls: tls.clone(),
            client: Client::builder(TokioExecutor::new()).build(HttpConnector::new()),
        });
        tokio::spawn(async move {
            while let Some((stream, _)) =
                crate::accept_or_stop(|| listener.accept(), &mut stopped).await
            {
                let state = state.clone();
                let kind = kind.clone();
                tokio::spawn(async move {
                    match kind {
                        Kind::Http(None) => serve_http(state, stream).await,
                        Kind::Http(Some(acceptor)) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                let connection = stream.get_ref().1;
                                let handshake = ProxyTls {
                                    server_name: connection.server_name().map(str::to_owned),
                                    alpn: connection
                                        .alpn_protocol()
                                        .map(|p| String::from_utf8_lossy(p).into_owned()),
                                };
                                state.tls.lock().unwrap().push(handshake);
                                serve_http(state, stream).await;
                            }
                        }
                        Kind::Socks5 => {
                            let _ = serve_socks5(&state, stream).await;
                        }
                        Kind::Socks4 => {
                            let _ = serve_socks4(&state, stream).await;
                        }
                    }
                });
            }
        });
        TestProxy {
            addr,
            seen,
            tls,
            _shutdown: shutdown,
        }
    }
}

#[derive(Clone)]
enum Kind {
    /// With an acceptor: over TLS.
    Http(Option<tokio_rustls::TlsAcceptor>),
    Socks5,
    Socks4,
}

struct State {
    options: ProxyOptions,
    seen: Arc<Mutex<Vec<ProxySeen>>>,
    tls: Arc<Mutex<Vec<ProxyTls>>>,
    client: Client<HttpConnector, Incoming>,
}

impl State {
    fn record(&self, method: &str, target: String, credentials: Option<String>) {
        self.seen.lock().unwrap().push(ProxySeen {
            method: method.to_owned(),
            target,
            credentials,
        });
    }

    fn allowed(&self, credentials: Option<&str>) -> bool {
        self.options
            .require
            .as_deref()
            .is_none_or(|want| credentials == Some(want))
    }
}

async fn serve_http<S>(state: Arc<State>, stream: S)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
        let state = state.clone();
        async move { Ok::<_, Infallible>(proxy_http(&state, req).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades()
        .await;
}

async fn proxy_http(state: &State, mut req: http::Request<Incoming>) -> http::Response<ServerBody> {
    let credentials = req
        .headers()
        .get(http::header::PROXY_AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("").to_owned());
    state.record(
        req.method().as_str(),
        req.uri().to_string(),
        credentials.clone(),
    );
    if !state.allowed(credentials.as_deref()) {
        return respond(407, &[("proxy-authenticate", "Basic realm=\"test\"")], "");
    }
    if req.method() == http::Method::CONNECT {
        if state.options.refuse_connect {
            return respond(403, &[], "no tunnels here");
        }
        let Some(target) = req.uri().authority().map(ToString::to_string) else {
            return respond(400, &[], "CONNECT needs host:port");
        };
        tokio::spawn(async move {
            if let (Ok(upgraded), Ok(mut server)) = (
                hyper::upgrade::on(req).await,
                TcpStream::connect(&target).await,
            ) {
                let mut client = TokioIo::new(upgraded);
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            }
        });
        return respond(200, &[], "");
    }
    if req.uri().scheme().is_none() {
        return respond(400, &[], "a proxy wants absolute-form requests");
    }
    req.headers_mut().remove(http::header::PROXY_AUTHORIZATION);
    match state.client.request(req).await {
        Ok(response) => response.map(|body| body.map_err(std::io::Error::other).boxed()),
        Err(err) => respond(502, &[], Bytes::from(err.to_string())),
    }
}

/// RFC 1928 (and RFC 1929 for user/password), CONNECT only.
async fn serve_socks5(state: &State, mut client: TcpStream) -> std::io::Result<()> {
    let mut head = [0u8; 2];
    client.read_exact(&mut head).await?;
    let mut methods = vec![0u8; usize::from(head[1])];
    client.read_exact(&mut methods).await?;
    let mut credentials = None;
    if state.options.require.is_some() {
        if !methods.contains(&2) {
            client.write_all(&[5, 0xff]).await?;
            return Ok(());
        }
        client.write_all(&[5, 2]).await?;
        let mut version_and_len = [0u8; 2];
        client.read_exact(&mut version_and_len).await?;
        let mut user = vec![0u8; usize::from(version_and_len[1])];
        client.read_exact(&mut user).await?;
        let password_len = client.read_u8().await?;
        let mut password = vec![0u8; usize::from(password_len)];
        client.read_exact(&mut password).await?;
        let given = format!(
            "{}:{}",
            String::from_utf8_lossy(&user),
            String::from_utf8_lossy(&password)
        );
        let ok = state.allowed(Some(&given));
        credentials = Some(given);
        client.write_all(&[1, if ok { 0 } else { 1 }]).await?;
        if !ok {
            return Ok(());
        }
    } else {
        client.write_all(&[5, 0]).await?;
    }
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        4 => {
            let mut ip = [0u8; 16];
            client.read_exact(&mut ip).await?;
            format!("[{}]", std::net::Ipv6Addr::from(ip))
        }
        _ => {
            let len = client.read_u8().await?;
            let mut name = vec![0u8; usize::from(len)];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
    };
    let port = client.read_u16().await?;
    let target = format!("{host}:{port}");
    state.record("SOCKS5", target.clone(), credentials);
    let connect_to = if host == "localhost" {
        format!("127.0.0.1:{port}")
    } else {
        target
    };
    match TcpStream::connect(&connect_to).await {
        Ok(mut server) => {
            client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        }
        Err(_) => client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await?,
    }
    Ok(())
}

/// The longest SOCKS4 user id or 4a host name read.
const MAX_SOCKS4_FIELD: usize = 255;

/// SOCKS4, with the 4a extension (an address of `0.0.0.x` with `x` not 0:
/// a host name follows the user id), CONNECT only.
async fn serve_socks4(state: &State, mut client: TcpStream) -> std::io::Result<()> {
    // Answers: version 0, then 90 (granted) or 91 (refused); the port and
    // address fields are ignored by clients of CONNECT.
    const GRANTED: [u8; 8] = [0, 90, 0, 0, 0, 0, 0, 0];
    const REFUSED: [u8; 8] = [0, 91, 0, 0, 0, 0, 0, 0];
    let mut head = [0u8; 8];
    client.read_exact(&mut head).await?;
    if head[..2] != [4, 1] {
        return client.write_all(&REFUSED).await;
    }
    let port = u16::from_be_bytes([head[2], head[3]]);
    let ip = std::net::Ipv4Addr::new(head[4], head[5], head[6], head[7]);
    let user = read_nul_terminated(&mut client).await?;
    let is_4a = ip.octets()[..3] == [0, 0, 0] && ip.octets()[3] != 0;
    let (method, host) = if is_4a {
        ("SOCKS4A", read_nul_terminated(&mut client).await?)
    } else {
        ("SOCKS4", ip.to_string())
    };
    let credentials = (!user.is_empty()).then_some(user);
    state.record(method, format!("{host}:{port}"), credentials.clone());
    if state.options.refuse_connect || !state.allowed(credentials.as_deref()) {
        return client.write_all(&REFUSED).await;
    }
    let to = if is_4a {
        if host.parse::<std::net::IpAddr>().is_ok() {
            // A client that resolved the name itself must say so with SOCKS4.
            return client.write_all(&REFUSED).await;
        }
        // The proxy resolves the name (IPv4: SOCKS4 answers with one).
        tokio::net::lookup_host((host.as_str(), port))
            .await
            .ok()
            .and_then(|mut addrs| addrs.find(SocketAddr::is_ipv4))
    } else {
        Some(SocketAddr::from((ip, port)))
    };
    let server = match to {
        Some(to) => TcpStream::connect(to).await.ok(),
        None => None,
    };
    match server {
        Some(mut server) => {
            client.write_all(&GRANTED).await?;
            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            Ok(())
        }
        None => client.write_all(&REFUSED).await,
    }
}

/// A SOCKS4 field up to its NUL, at most [`MAX_SOCKS4_FIELD`] bytes.
async fn read_nul_terminated(client: &mut TcpStream) -> std::io::Result<String> {
    let mut field = Vec::new();
    loop {
        match client.read_u8().await? {
            0 => return Ok(String::from_utf8_lossy(&field).into_owned()),
            _ if field.len() >= MAX_SOCKS4_FIELD => {
                return Err(std::io::Error::other("a SOCKS4 field over 255 bytes"));
            }
            byte => field.push(byte),
        }
    }
}
