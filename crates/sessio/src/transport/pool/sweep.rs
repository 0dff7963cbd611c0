//! Closing idle connections once their idle time is up, without a timer in
//! the runtime: one thread for the whole process sleeps until the earliest
//! moment a pool has asked to be looked at, and takes the connections whose
//! time is up out of that pool (hyper closes a connection whose last sender
//! is gone).
//!
//! Why not a tokio timer: a runtime with a timer pending does more work on
//! every park (finding the next expiry, reading the clock), and a busy
//! pooled client parks once or twice per request; measured, a timer per
//! connection cost some 600 instructions per request. The thread costs
//! nothing per request: a pool schedules a sweep only when it has none
//! scheduled, and the thread wakes when a sweep is due.

use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::Instant;

use super::Shared;

/// The process's sweeper: the pools to look at, and when.
struct Sweeper {
    due: Mutex<Vec<(Instant, Weak<Shared>)>>,
    wake: Condvar,
}

static SWEEPER: OnceLock<Option<Sweeper>> = OnceLock::new();

/// Asks for `pool` to be swept at `at` (the pool keeps at most one sweep
/// scheduled). Without the thread (it could not be started), idle
/// connections are only dropped when the server closes them or the pool is.
pub(super) fn schedule(pool: &Arc<Shared>, at: Instant) {
    let Some(sweeper) = SWEEPER.get_or_init(start) else {
        return;
    };
    let mut due = lock(&sweeper.due);
    let earliest = due.iter().map(|(at, _)| *at).min();
    due.push((at, Arc::downgrade(pool)));
    if earliest.is_none_or(|earliest| at < earliest) {
        sweeper.wake.notify_one();
    }
}

fn start() -> Option<Sweeper> {
    std::thread::Builder::new()
        .name("sessio-pool-sweeper".to_owned())
        .spawn(run)
        .ok()?;
    Some(Sweeper {
        due: Mutex::new(Vec::new()),
        wake: Condvar::new(),
    })
}

fn run() {
    // The sweeper is set once `start` returns; wait for it.
    let sweeper = loop {
        match SWEEPER.get() {
            Some(Some(sweeper)) => break sweeper,
            Some(None) => return,
            None => std::thread::yield_now(),
        }
    };
    let mut due = lock(&sweeper.due);
    loop {
        due.retain(|(_, pool)| pool.strong_count() > 0);
        let Some((at, next)) = due
            .iter()
            .enumerate()
            .min_by_key(|(_, (at, _))| *at)
            .map(|(index, (at, _))| (*at, index))
        else {
            due = sweeper.wake.wait(due).unwrap_or_else(|e| e.into_inner());
            continue;
        };
        let now = Instant::now();
        if at > now {
            due = sweeper
                .wake
                .wait_timeout(due, at - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            continue;
        }
        let (_, pool) = due.swap_remove(next);
        drop(due);
        let again = pool
            .upgrade()
            .and_then(|pool| pool.sweep(now).map(|at| (at, pool)));
        due = lock(&sweeper.due);
        if let Some((at, pool)) = again {
            due.push((at, Arc::downgrade(&pool)));
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
