//! The HTTP step: hyper's HTTP/1 or HTTP/2 handshake over a transport, and
//! what a pooled connection carries (its sender, its facts, its counters).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use hyper::client::conn::http1;
#[cfg(feature = "http2")]
use hyper::client::conn::http2;
use sessio_core::__private::connection_info;
use sessio_core::{Body, ConnectionInfo};

use super::connect::Connected;
use super::io::{IoClock, TimedIo};

/// How connections speak HTTP.
#[derive(Debug, Clone)]
pub(crate) struct Protocols {
    /// Offer HTTP/2 by ALPN on `https://`.
    pub(crate) http2: bool,
    /// Speak HTTP/2 without negotiating (h2c prior knowledge).
    pub(crate) http2_prior_knowledge: bool,
    /// Write HTTP/1 header names in Title-Case.
    pub(crate) title_case_headers: bool,
    /// The most response header fields (`None`: hyper's 100, kept on the stack).
    pub(crate) max_headers: Option<usize>,
}

/// The sending half of a connection.
pub(crate) enum Sender {
    Http1(http1::SendRequest<Body>),
    #[cfg(feature = "http2")]
    Http2(http2::SendRequest<Body>),
}

/// A connection's task: hyper's connection future, driven until it ends.
pub(crate) enum Driving {
    Http1(http1::Connection<TimedIo, Body>),
    #[cfg(feature = "http2")]
    Http2(http2::Connection<super::io::BoxIo, Body, hyper_util::rt::TokioExecutor>),
}

impl Driving {
    /// Polls the connection; for HTTP/2, also notes the peer's current limit
    /// on concurrent streams.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>, meta: &ConnMeta) -> Poll<()> {
        match self {
            Driving::Http1(conn) => Pin::new(conn).poll(cx).map(|_| ()),
            #[cfg(feature = "http2")]
            Driving::Http2(conn) => {
                let done = Pin::new(&mut *conn).poll(cx).map(|_| ());
                meta.max_streams
                    .store(conn.current_max_send_streams(), Ordering::Relaxed);
                done
            }
        }
    }
}

/// What the pool knows of one connection, shared by its entry in the pool,
/// its task, and the leases of the requests on it.
#[derive(Debug)]
pub(crate) struct ConnMeta {
    pub(crate) id: u64,
    /// The key the connection serves.
    pub(crate) key: super::key::ConnKey,
    pub(crate) http2: bool,
    /// Requests on this connection go to a forward proxy in absolute form.
    pub(crate) forward_proxy: bool,
    /// How the connection was made; each response gets a copy.
    pub(crate) info: ConnectionInfo,
    /// HTTP/1: when the current request was written and answered.
    pub(crate) clock: Option<Arc<IoClock>>,
    /// Requests sent so far.
    pub(crate) requests: AtomicU64,
    /// HTTP/2: streams open now, and the peer's limit on them.
    pub(crate) streams: AtomicUsize,
    pub(crate) max_streams: AtomicUsize,
    /// HTTP/2: when the last stream ended (nanoseconds after `born`).
    pub(crate) idle_since: AtomicU64,
    pub(crate) born: Instant,
}

impl ConnMeta {
    /// Counts a request; whether the connection had carried one before.
    pub(crate) fn count_request(&self) -> bool {
        self.requests.fetch_add(1, Ordering::Relaxed) > 0
    }

    /// Whether an HTTP/2 connection has room for one more stream.
    pub(crate) fn has_stream_room(&self) -> bool {
        self.streams.load(Ordering::Relaxed) < self.max_streams.load(Ordering::Relaxed)
    }

    /// Notes that an HTTP/2 stream ended.
    pub(crate) fn stream_ended(&self) {
        if self.streams.fetch_sub(1, Ordering::AcqRel) == 1 {
            let nanos = u64::try_from(self.born.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.idle_since.store(nanos, Ordering::Relaxed);
        }
    }

    /// When an HTTP/2 connection's last stream ended.
    pub(crate) fn idle_since(&self) -> Instant {
        self.born + std::time::Duration::from_nanos(self.idle_since.load(Ordering::Relaxed))
    }
}

/// hyper's handshake over `connected`: HTTP/2 when TLS negotiated it or the
/// adapter speaks it by prior knowledge, HTTP/1.1 otherwise.
pub(crate) async fn handshake(
    connected: Connected,
    protocols: &Protocols,
    id: u64,
    key: &super::key::ConnKey,
) -> Result<(Sender, Driving, Arc<ConnMeta>), hyper::Error> {
    let Connected { io, facts } = connected;
    let http2 = facts.negotiated_h2 || protocols.http2_prior_knowledge;
    let born = Instant::now();
    let info = connection_info(
        id,
        (facts.remote_addr, facts.local_addr),
        [facts.dns, facts.connect, facts.tls],
    );
    let meta = |clock| {
        Arc::new(ConnMeta {
            id,
            key: key.clone(),
            http2,
            forward_proxy: facts.forward_proxy,
            info,
            clock,
            requests: AtomicU64::new(0),
            streams: AtomicUsize::new(0),
            // Until the peer's SETTINGS say otherwise (RFC 9113 §6.5.2
            // recommends at least 100).
            max_streams: AtomicUsize::new(if http2 { 100 } else { 1 }),
            idle_since: AtomicU64::new(0),
            born,
        })
    };
    #[cfg(feature = "http2")]
    if http2 {
        let (sender, conn) = http2::Builder::new(hyper_util::rt::TokioExecutor::new())
            .timer(hyper_util::rt::TokioTimer::new())
            .handshake(io)
            .await?;
        return Ok((Sender::Http2(sender), Driving::Http2(conn), meta(None)));
    }
    let clock = Arc::new(IoClock::default());
    let io = TimedIo::new(io, clock.clone());
    let mut builder = http1::Builder::new();
    builder.title_case_headers(protocols.title_case_headers);
    if let Some(max) = protocols.max_headers {
        builder.max_headers(max);
    }
    let (sender, conn) = builder.handshake(io).await?;
    Ok((
        Sender::Http1(sender),
        Driving::Http1(conn),
        meta(Some(clock)),
    ))
}
