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

/// hyper's HTTP/2 connection, shared by its task (which drives it) and the
/// pool (which asks it for the peer's current limit on streams: the frames
/// that change it are read by another task of hyper's, so no copy of the
/// limit kept by the driver would be fresh).
#[cfg(feature = "http2")]
pub(crate) type Http2Connection =
    std::sync::Mutex<http2::Connection<super::io::BoxIo, Body, hyper_util::rt::TokioExecutor>>;

/// How the pool reaches an HTTP/2 connection (nothing without HTTP/2).
#[cfg(feature = "http2")]
pub(crate) type Http2Handle = Option<std::sync::Weak<Http2Connection>>;
#[cfg(not(feature = "http2"))]
pub(crate) type Http2Handle = ();

/// A connection's task: hyper's connection future, driven until it ends.
// One per connection, moved once into its task: boxing the HTTP/1 side
// would only add an allocation per connection.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Driving {
    Http1(http1::Connection<TimedIo, Body>),
    #[cfg(feature = "http2")]
    Http2(Arc<Http2Connection>),
}

impl Driving {
    /// Polls the connection.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match self {
            Driving::Http1(conn) => Pin::new(conn).poll(cx).map(|_| ()),
            #[cfg(feature = "http2")]
            Driving::Http2(conn) => {
                let mut conn = conn
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                Pin::new(&mut *conn).poll(cx).map(|_| ())
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
    /// HTTP/1: the `Host` header of its requests.
    pub(crate) host: Option<http::HeaderValue>,
    /// How the connection was made; each response gets a copy.
    pub(crate) info: ConnectionInfo,
    /// HTTP/1: when the current request was written and answered.
    pub(crate) clock: Option<Arc<IoClock>>,
    /// Requests sent so far.
    pub(crate) requests: AtomicU64,
    /// HTTP/2: streams open now.
    pub(crate) streams: AtomicUsize,
    /// A response has arrived on the connection.
    pub(crate) answered: std::sync::atomic::AtomicBool,
    /// HTTP/2: the connection, to ask for the peer's limit on streams.
    #[cfg_attr(not(feature = "http2"), allow(dead_code))]
    pub(crate) http2_connection: Http2Handle,
    /// HTTP/2: when the last stream ended (nanoseconds after `born`).
    pub(crate) idle_since: AtomicU64,
    pub(crate) born: Instant,
}

impl ConnMeta {
    /// Counts a request; whether the connection had carried one before.
    pub(crate) fn count_request(&self) -> bool {
        self.requests.fetch_add(1, Ordering::Relaxed) > 0
    }

    /// Whether an HTTP/2 connection has room for one more stream. Once a
    /// response has arrived, the peer's SETTINGS (sent before anything else)
    /// have too, and its current limit counts (noted in `learnt`, the key's
    /// limit); before that, the limit an earlier connection of the key learnt,
    /// or none: the first connection of a key takes every request of a burst
    /// (hyper holds back past 100 streams until the peer says how many it takes).
    #[cfg(feature = "http2")]
    pub(crate) fn has_stream_room(&self, learnt: &mut Option<usize>) -> bool {
        let streams = self.streams.load(Ordering::Relaxed);
        if !self.answered.load(Ordering::Acquire) {
            return streams < learnt.unwrap_or(usize::MAX);
        }
        let Some(conn) = self
            .http2_connection
            .as_ref()
            .and_then(std::sync::Weak::upgrade)
        else {
            return false;
        };
        let limit = conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .current_max_send_streams();
        *learnt = Some(limit);
        streams < limit
    }

    /// Notes that an HTTP/2 stream ended.
    pub(crate) fn stream_ended(&self) {
        if self.streams.fetch_sub(1, Ordering::AcqRel) == 1 {
            let nanos = u64::try_from(self.born.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.idle_since.store(nanos, Ordering::Relaxed);
        }
    }

    /// When an HTTP/2 connection's last stream ended.
    #[cfg(feature = "http2")]
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
    stream_limit: Option<usize>,
) -> Result<(Sender, Driving, Arc<ConnMeta>), hyper::Error> {
    let Connected { io, facts } = connected;
    let http2 = facts.negotiated_h2 || protocols.http2_prior_knowledge;
    let born = Instant::now();
    let info = connection_info(
        id,
        (facts.remote_addr, facts.local_addr),
        [facts.dns, facts.connect, facts.tls],
    );
    let meta = |clock, http2_connection: Http2Handle| {
        Arc::new(ConnMeta {
            id,
            key: key.clone(),
            http2,
            forward_proxy: facts.forward_proxy,
            host: if http2 {
                None
            } else {
                super::send::host_header(key)
            },
            info,
            clock,
            requests: AtomicU64::new(0),
            streams: AtomicUsize::new(0),
            answered: std::sync::atomic::AtomicBool::new(false),
            http2_connection,
            idle_since: AtomicU64::new(0),
            born,
        })
    };
    #[cfg(not(feature = "http2"))]
    let _ = stream_limit;
    #[cfg(feature = "http2")]
    if http2 {
        let mut builder = http2::Builder::new(hyper_util::rt::TokioExecutor::new());
        builder.timer(hyper_util::rt::TokioTimer::new());
        // Until the peer's SETTINGS arrive: the limit learnt from the key's
        // last connection (hyper's 100 without one).
        if let Some(limit) = stream_limit {
            builder.initial_max_send_streams(limit);
        }
        let (sender, conn) = builder.handshake(io).await?;
        let conn = Arc::new(std::sync::Mutex::new(conn));
        let meta = meta(None, Some(Arc::downgrade(&conn)));
        return Ok((Sender::Http2(sender), Driving::Http2(conn), meta));
    }
    let clock = Arc::new(IoClock::default());
    let io = TimedIo::new(io, clock.clone());
    let mut builder = http1::Builder::new();
    builder.title_case_headers(protocols.title_case_headers);
    if let Some(max) = protocols.max_headers {
        builder.max_headers(max);
    }
    let (sender, conn) = builder.handshake(io).await?;
    #[cfg(feature = "http2")]
    let none = None;
    #[cfg(not(feature = "http2"))]
    let none = ();
    Ok((
        Sender::Http1(sender),
        Driving::Http1(conn),
        meta(Some(clock), none),
    ))
}
