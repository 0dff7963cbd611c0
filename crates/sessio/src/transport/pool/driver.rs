//! Each connection's task: drives hyper's connection until it ends, and frees
//! its place in the pool when it is gone. No other task exists: idle
//! connections are closed by the sweeper (see `sweep`), which takes their
//! senders out of the pool.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};

use super::{HostAt, Shared};
use crate::transport::conn::{ConnMeta, Driving};

/// Starts the task of a new connection.
pub(super) fn spawn(shared: &Arc<Shared>, at: HostAt, driving: Driving, meta: Arc<ConnMeta>) {
    let driver = Driver {
        driving,
        _registration: Registration {
            shared: Arc::downgrade(shared),
            at,
            meta,
        },
    };
    tokio::spawn(driver);
}

struct Driver {
    driving: Driving,
    // Frees the connection's place in the pool when the task ends.
    _registration: Registration,
}

impl Future for Driver {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.driving.poll(cx)
    }
}

/// A connection's place in the pool, freed when its task ends.
struct Registration {
    shared: Weak<Shared>,
    at: HostAt,
    meta: Arc<ConnMeta>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.upgrade() {
            shared.connection_gone(self.at, self.meta.id);
        }
    }
}
