//! What a response knows about the connection it came over.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Response extension: the connection a response came over, set by sessio's
/// `HttpAdapter`; read it with [`Response::connection`](crate::Response::connection).
///
/// The timings split a request the way curl's `-w` variables do: how the
/// connection was set up (when this response opened it: the name lookup, the
/// TCP handshake, the TLS handshake), and how this request went on it (the
/// time to write it, and the time to the first byte of the answer).
/// [`Response::elapsed`] is the whole time from sending to the response head,
/// a wait for a free connection included.
///
/// [`Response::elapsed`]: crate::Response::elapsed
///
/// ```no_run
/// # async fn run() -> sessio::Result<()> {
/// let session = sessio::Session::new();
/// let first = session.get("https://example.com/").send().await?;
/// let conn = first.connection().expect("sent by HttpAdapter").clone();
/// assert!(!conn.is_reused());
/// println!("{:?} connected in {:?}, TLS took {:?}", conn.remote_addr(), conn.connect_time(), conn.tls_time());
/// first.bytes().await?;
///
/// let second = session.get("https://example.com/").send().await?;
/// assert!(second.connection().unwrap().is_reused());
/// assert_eq!(second.connection().unwrap().id(), conn.id());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ConnectionInfo {
    // What every response on the connection shares.
    setup: Arc<Setup>,
    reused: bool,
    // Clock readings, turned into durations only when asked for.
    sent_at: Option<Instant>,
    written_at: Option<Instant>,
    first_byte_at: Option<Instant>,
}

/// How a connection was set up.
#[derive(Debug, Default)]
struct Setup {
    id: u64,
    remote_addr: Option<SocketAddr>,
    local_addr: Option<SocketAddr>,
    dns_time: Option<Duration>,
    connect_time: Option<Duration>,
    tls_time: Option<Duration>,
}

impl ConnectionInfo {
    /// A number that tells this connection apart from the other connections
    /// of the same adapter (and of its clones).
    pub fn id(&self) -> u64 {
        self.setup.id
    }

    /// Whether the connection carried an earlier response before this one
    /// (a keep-alive connection taken from the pool, or a shared HTTP/2
    /// connection).
    pub fn is_reused(&self) -> bool {
        self.reused
    }

    /// The address connected to.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.setup.remote_addr
    }

    /// The local address of the connection.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.setup.local_addr
    }

    /// How long the name lookup took when the connection was opened (`None`
    /// for an IP address in the URL, and for a connection made by another
    /// kind of adapter).
    pub fn dns_time(&self) -> Option<Duration> {
        self.setup.dns_time
    }

    /// How long the TCP handshake took when the connection was opened, after
    /// the name lookup (every address tried included; a proxy's own handshake
    /// included when the connection goes through one; not counting a wait for
    /// a free connection under the pool's limits).
    pub fn connect_time(&self) -> Option<Duration> {
        self.setup.connect_time
    }

    /// How long the TLS handshake took (`None` for plain HTTP).
    pub fn tls_time(&self) -> Option<Duration> {
        self.setup.tls_time
    }

    /// How long writing this request took: from handing it to the connection
    /// to its last byte written (HTTP/1; `None` on HTTP/2, where requests
    /// share the connection's writes).
    pub fn write_time(&self) -> Option<Duration> {
        Some(self.written_at?.saturating_duration_since(self.sent_at?))
    }

    /// The time to the first byte of this response: from handing the request
    /// to the connection to the first byte of the answer (HTTP/1), or to its
    /// head (HTTP/2).
    pub fn first_byte_time(&self) -> Option<Duration> {
        Some(self.first_byte_at?.saturating_duration_since(self.sent_at?))
    }

    fn with_setup(setup: Setup) -> Self {
        ConnectionInfo {
            setup: Arc::new(setup),
            reused: false,
            sent_at: None,
            written_at: None,
            first_byte_at: None,
        }
    }
}

impl fmt::Debug for ConnectionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionInfo")
            .field("id", &self.setup.id)
            .field("reused", &self.reused)
            .field("remote_addr", &self.setup.remote_addr)
            .field("local_addr", &self.setup.local_addr)
            .field("dns_time", &self.setup.dns_time)
            .field("connect_time", &self.setup.connect_time)
            .field("tls_time", &self.setup.tls_time)
            .field("write_time", &self.write_time())
            .field("first_byte_time", &self.first_byte_time())
            .finish()
    }
}

/// Setters for adapters (re-exported through `__private`).
pub(crate) mod builder {
    use super::*;

    /// How connection `id` was set up: its addresses (remote, local) and the
    /// times of its name lookup, TCP and TLS handshakes.
    pub fn connection_info(
        id: u64,
        addrs: (Option<SocketAddr>, Option<SocketAddr>),
        setup: [Option<Duration>; 3],
    ) -> ConnectionInfo {
        let [dns_time, connect_time, tls_time] = setup;
        ConnectionInfo::with_setup(Setup {
            id,
            remote_addr: addrs.0,
            local_addr: addrs.1,
            dns_time,
            connect_time,
            tls_time,
        })
    }

    /// How one request went on the connection: whether the connection had
    /// carried one before, when it was handed to the connection, when its last
    /// byte was written and when the answer's first byte arrived.
    pub fn set_exchange(
        info: &mut ConnectionInfo,
        reused: bool,
        sent_at: Instant,
        written_at: Option<Instant>,
        first_byte_at: Option<Instant>,
    ) {
        info.reused = reused;
        info.sent_at = Some(sent_at);
        info.written_at = written_at;
        info.first_byte_at = first_byte_at;
    }
}
