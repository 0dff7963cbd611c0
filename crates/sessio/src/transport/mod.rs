//! The transport room: how a request reaches the wire, one piece per job.
//!
//! ```text
//! HttpAdapter (adapter::http)      routes a request: its key, its route
//!  └ Pool (pool)                   one map of connections by ConnKey (key)
//!     │                            HTTP/1 idle stacks, shared HTTP/2
//!     │                            connections, limits, waiters, stats
//!     └ PooledSend (send)          one request: check out, wait, connect,
//!        │                         send, resend what was never written
//!        ├ Connect (connect)       resolve (resolve) → TCP with happy
//!        │                         eyeballs (tcp) or a proxy (proxy) →
//!        │                         TLS with ALPN (tls) → a boxed transport (io)
//!        └ handshake (conn)        hyper's client::conn HTTP/1 or HTTP/2,
//!                                  the connection's task (pool::driver)
//! ```
//!
//! The pieces know nothing of sessio's session: the pool and the request
//! future work on `http::Request<Body>`, and each step can be driven and
//! tested alone.

pub(crate) mod conn;
pub(crate) mod connect;
pub(crate) mod io;
pub(crate) mod key;
pub(crate) mod pool;
pub(crate) mod proxy;
pub(crate) mod resolve;
pub(crate) mod route;
pub(crate) mod send;
pub(crate) mod tcp;
pub(crate) mod tls;
