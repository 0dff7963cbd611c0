//! Waiting for a connection under the pool's limits, in order of arrival.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Sleep;

use super::{Grant, Shared};

/// The cause of a pool timeout, found in the error's source chain.
#[derive(Debug)]
pub(crate) struct PoolTimedOut(pub(crate) Duration);

impl fmt::Display for PoolTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no connection became free within {:?} (max_connections_per_host, max_connections)",
            self.0
        )
    }
}

impl std::error::Error for PoolTimedOut {}

/// A request's place in the queue: resolves with what the pool gives it, or
/// with a pool timeout. Dropping it leaves the queue (what it was given in
/// the meantime goes back to the pool).
pub(crate) struct Waiting {
    rx: oneshot::Receiver<Grant>,
    limit: Option<Duration>,
    // Made on the first poll, inside the runtime.
    deadline: Option<Pin<Box<Sleep>>>,
    shared: Arc<Shared>,
}

impl Waiting {
    pub(super) fn new(
        rx: oneshot::Receiver<Grant>,
        shared: &Arc<Shared>,
        limit: Option<Duration>,
    ) -> Self {
        shared.waiting.fetch_add(1, Ordering::AcqRel);
        Waiting {
            rx,
            limit,
            deadline: None,
            shared: shared.clone(),
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.shared.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Future for Waiting {
    type Output = Result<Grant, PoolTimedOut>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(grant) = Pin::new(&mut self.rx).poll(cx) {
            // A dropped sender: the pool let the waiter go; look again.
            return Poll::Ready(Ok(grant.unwrap_or(Grant::Retry)));
        }
        let Some(limit) = self.limit else {
            return Poll::Pending;
        };
        let deadline = self
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(PoolTimedOut(limit))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl fmt::Debug for Waiting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiting")
            .field("limit", &self.limit)
            .finish()
    }
}
