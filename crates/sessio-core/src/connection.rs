//! What a response knows about the connection it came over.

use std::any::Any;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Response extension: the connection a response came over, set by sessio's
/// `HttpAdapter`; read it with [`Response::connection`](crate::Response::connection).
///
/// The time to the first byte of a response is [`Response::elapsed`]
/// (from sending to the response head): on a new connection it includes
/// [`connect_time`](Self::connect_time) and [`tls_time`](Self::tls_time).
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
    id: u64,
    reused: bool,
    remote_addr: Option<SocketAddr>,
    local_addr: Option<SocketAddr>,
    connect_time: Option<Duration>,
    tls_time: Option<Duration>,
    // The adapter's own bookkeeping for this connection.
    state: Option<Arc<dyn Any + Send + Sync>>,
}

impl ConnectionInfo {
    /// A number that tells this connection apart from the other connections
    /// of the same adapter (and of its clones).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Whether the connection carried an earlier response before this one
    /// (a keep-alive connection taken from the pool, or a shared HTTP/2
    /// connection).
    pub fn is_reused(&self) -> bool {
        self.reused
    }

    /// The address connected to.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.remote_addr
    }

    /// The local address of the connection.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// How long the TCP connection took to set up, name lookup included,
    /// when the connection was opened (not counting a wait for a free slot
    /// under `max_connections_per_host`).
    pub fn connect_time(&self) -> Option<Duration> {
        self.connect_time
    }

    /// How long the TLS handshake took (`None` for plain HTTP).
    pub fn tls_time(&self) -> Option<Duration> {
        self.tls_time
    }

    pub(crate) fn new(id: u64) -> Self {
        ConnectionInfo {
            id,
            reused: false,
            remote_addr: None,
            local_addr: None,
            connect_time: None,
            tls_time: None,
            state: None,
        }
    }
}

impl fmt::Debug for ConnectionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionInfo")
            .field("id", &self.id)
            .field("reused", &self.reused)
            .field("remote_addr", &self.remote_addr)
            .field("local_addr", &self.local_addr)
            .field("connect_time", &self.connect_time)
            .field("tls_time", &self.tls_time)
            .finish()
    }
}

/// Setters for adapters (re-exported through `__private`).
pub(crate) mod builder {
    use super::*;

    /// Information about connection `id`, with the adapter's own state attached.
    pub fn connection_info(
        id: u64,
        addrs: (Option<SocketAddr>, Option<SocketAddr>),
        connect_time: Option<Duration>,
        tls_time: Option<Duration>,
        state: Arc<dyn Any + Send + Sync>,
    ) -> ConnectionInfo {
        ConnectionInfo {
            remote_addr: addrs.0,
            local_addr: addrs.1,
            connect_time,
            tls_time,
            state: Some(state),
            ..ConnectionInfo::new(id)
        }
    }

    /// Marks the connection as reused for this response.
    pub fn set_reused(info: &mut ConnectionInfo, reused: bool) {
        info.reused = reused;
    }

    /// The adapter's state attached to `info`.
    pub fn state(info: &ConnectionInfo) -> Option<&Arc<dyn Any + Send + Sync>> {
        info.state.as_ref()
    }
}
