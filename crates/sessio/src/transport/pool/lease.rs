//! What a request holds while it uses the pool: a [`Lease`] on a connection,
//! or a [`ConnectPermit`] to open one. Both give back what they hold when
//! dropped, whatever way the request ends.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper::body::Incoming;
use hyper::client::conn::TrySendError;
use hyper::client::conn::http1;
use sessio_core::Body;

use super::{HostAt, Shared};
use crate::transport::conn::{ConnMeta, Sender};
use crate::transport::key::ConnKey;

/// The answer to a request sent on a connection; the request itself back
/// when it was not written.
pub(crate) type ResponseFuture = Pin<
    Box<
        dyn Future<Output = Result<http::Response<Incoming>, TrySendError<http::Request<Body>>>>
            + Send,
    >,
>;

/// A request's hold on a connection. HTTP/1: the connection itself, back on
/// the idle stack when the lease is dropped after a response head (the
/// response body holds the lease until it ends or is dropped), closed when it
/// is dropped before one. HTTP/2: one of the connection's streams.
pub(crate) struct Lease {
    shared: Arc<Shared>,
    at: HostAt,
    meta: Arc<ConnMeta>,
    sender: Option<Sender>,
    /// HTTP/1: the response head arrived and the connection can be reused.
    keep: bool,
    /// The request body is a stream: hyper may still be writing it.
    streamed_upload: bool,
}

impl Lease {
    pub(super) fn http1(
        shared: Arc<Shared>,
        at: HostAt,
        sender: http1::SendRequest<Body>,
        meta: Arc<ConnMeta>,
    ) -> Self {
        Self::new(shared, at, Sender::Http1(sender), meta)
    }

    /// A stream on a shared HTTP/2 connection (counted by the caller).
    #[cfg(feature = "http2")]
    pub(super) fn http2(
        shared: Arc<Shared>,
        at: HostAt,
        sender: hyper::client::conn::http2::SendRequest<Body>,
        meta: Arc<ConnMeta>,
    ) -> Self {
        Self::new(shared, at, Sender::Http2(sender), meta)
    }

    fn new(shared: Arc<Shared>, at: HostAt, sender: Sender, meta: Arc<ConnMeta>) -> Self {
        Lease {
            shared,
            at,
            meta,
            sender: Some(sender),
            keep: false,
            streamed_upload: false,
        }
    }

    pub(crate) fn meta(&self) -> &ConnMeta {
        &self.meta
    }

    /// The key of the connection.
    pub(crate) fn key(&self) -> &ConnKey {
        &self.meta.key
    }

    /// The pool the lease is from.
    pub(crate) fn pool(&self) -> super::Pool {
        super::Pool {
            shared: self.shared.clone(),
        }
    }

    /// Whether the connection can take a request right now.
    pub(crate) fn is_ready(&self) -> bool {
        match &self.sender {
            Some(Sender::Http1(sender)) => sender.is_ready(),
            #[cfg(feature = "http2")]
            Some(Sender::Http2(sender)) => sender.is_ready(),
            None => false,
        }
    }

    /// Whether the connection can take the request now; an error when it
    /// closed instead.
    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), hyper::Error>> {
        match &mut self.sender {
            Some(Sender::Http1(sender)) => sender.poll_ready(cx),
            #[cfg(feature = "http2")]
            Some(Sender::Http2(sender)) => sender.poll_ready(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    /// Hands `request` to the connection; the request back if the lease
    /// was used already.
    // The request comes back (by value) only on the rare path; the common
    // one returns the boxed answer.
    #[allow(clippy::result_large_err)]
    #[inline]
    pub(crate) fn send(
        &mut self,
        request: http::Request<Body>,
    ) -> Result<ResponseFuture, http::Request<Body>> {
        self.streamed_upload = request.body().as_bytes().is_none();
        match &mut self.sender {
            Some(Sender::Http1(sender)) => Ok(Box::pin(sender.try_send_request(request))),
            #[cfg(feature = "http2")]
            Some(Sender::Http2(sender)) => {
                let response = sender.try_send_request(request);
                // The stream is the lease from now on; the sender is shared.
                self.sender = None;
                Ok(Box::pin(response))
            }
            None => Err(request),
        }
    }

    /// The response head arrived: an HTTP/1 connection may go back to the
    /// pool once the body is done, unless `reusable` is false.
    pub(crate) fn answered(&mut self, reusable: bool) {
        self.keep = reusable;
    }

    /// Takes the HTTP/1 connection out of the lease without giving it back
    /// (the pool, under its lock, puts it back itself).
    pub(super) fn disarm(mut self) -> Option<(HostAt, http1::SendRequest<Body>, Arc<ConnMeta>)> {
        if self.meta.http2 {
            return None;
        }
        // Without its sender, the lease's drop gives nothing back.
        let Some(Sender::Http1(sender)) = self.sender.take() else {
            return None;
        };
        Some((self.at, sender, self.meta.clone()))
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.meta.http2 {
            self.meta.stream_ended();
            self.shared.stream_ended();
            return;
        }
        if let Some(Sender::Http1(sender)) = self.sender.take() {
            let reusable = self.keep
                && !sender.is_closed()
                // A stream body hyper is still writing would hold the
                // connection for as long as it lasts: close it instead.
                && (!self.streamed_upload || sender.is_ready());
            if reusable {
                self.shared.put_idle(self.at, sender, self.meta.clone());
            }
        }
    }
}

impl fmt::Debug for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease")
            .field("connection", &self.meta.id)
            .field("http2", &self.meta.http2)
            .finish()
    }
}

/// Room to open one connection for a key, counted against the limits until
/// the connection is up or the permit is dropped.
pub(crate) struct ConnectPermit {
    shared: Arc<Shared>,
    key: ConnKey,
    /// HTTP/2: the peer's limit on streams, as the key's last connection learnt it.
    stream_limit: Option<usize>,
    /// `None` once disarmed.
    at: Option<HostAt>,
}

impl ConnectPermit {
    pub(super) fn new(
        shared: Arc<Shared>,
        at: HostAt,
        key: ConnKey,
        stream_limit: Option<usize>,
    ) -> Self {
        ConnectPermit {
            shared,
            key,
            stream_limit,
            at: Some(at),
        }
    }

    /// HTTP/2: the peer's limit on streams, as the key's last connection learnt it.
    pub(crate) fn stream_limit(&self) -> Option<usize> {
        self.stream_limit
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// What to connect to.
    pub(crate) fn key(&self) -> &ConnKey {
        &self.key
    }

    /// Fails the requests waiting for the connection this permit was for
    /// (see [`Grant::Failed`](super::Grant::Failed)).
    pub(crate) fn fail_waiters(&self, err: &sessio_core::Error) {
        if let Some(at) = self.at {
            self.shared.lock().fail_waiters(at, err);
        }
    }

    /// Where the key's host is, with the permit no longer counted back when
    /// dropped.
    pub(super) fn disarm(mut self) -> HostAt {
        self.at.take().expect("a permit is disarmed once")
    }
}

impl Drop for ConnectPermit {
    fn drop(&mut self) {
        let Some(at) = self.at.take() else {
            return;
        };
        let mut guard = self.shared.lock();
        guard.unreserve(at);
        if !guard.waiters.is_empty() {
            guard.dispatch(&self.shared);
        }
        guard.prune(at);
    }
}

impl fmt::Debug for ConnectPermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectPermit")
            .field("key", &self.key)
            .finish()
    }
}
