//! Each connection's task: drives hyper's connection until it ends, closes it
//! once it has been idle for the idle timeout, and frees its place in the
//! pool when it is gone. No other task exists: the pool has no reaper.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::time::Sleep;

use super::{HostAt, Shared};
use crate::transport::conn::{ConnMeta, Driving};

/// Starts the task of a new connection.
pub(super) fn spawn(shared: &Arc<Shared>, at: HostAt, driving: Driving, meta: Arc<ConnMeta>) {
    let driver = Driver {
        driving,
        idle_timeout: shared.config.idle_timeout,
        sleep: None,
        registration: Registration {
            shared: Arc::downgrade(shared),
            at,
            meta,
        },
    };
    tokio::spawn(driver);
}

/// Whether an idle connection is closed now, or looked at again later.
pub(super) enum Expiry {
    Now,
    At(Instant),
}

struct Driver {
    driving: Driving,
    idle_timeout: Option<Duration>,
    sleep: Option<Pin<Box<Sleep>>>,
    registration: Registration,
}

impl Future for Driver {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.driving.poll(cx).is_ready() {
            return Poll::Ready(());
        }
        let Some(timeout) = this.idle_timeout else {
            return Poll::Pending;
        };
        // The timer fires at most once per idle timeout; whether the
        // connection is idle, and since when, is the pool's to say.
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        while sleep.as_mut().poll(cx).is_ready() {
            match this.registration.expire(timeout) {
                Expiry::Now => return Poll::Ready(()),
                Expiry::At(deadline) => sleep.as_mut().reset(deadline.into()),
            }
        }
        Poll::Pending
    }
}

/// A connection's place in the pool, freed when its task ends.
struct Registration {
    shared: Weak<Shared>,
    at: HostAt,
    meta: Arc<ConnMeta>,
}

impl Registration {
    fn expire(&self, timeout: Duration) -> Expiry {
        match self.shared.upgrade() {
            Some(shared) => shared.expire(self.at, &self.meta, timeout),
            None => Expiry::Now,
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.upgrade() {
            shared.connection_gone(self.at, self.meta.id);
        }
    }
}
