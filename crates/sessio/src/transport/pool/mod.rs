//! The pool: one map from [`ConnKey`] to the connections of that key.
//!
//! - HTTP/1: a stack of idle connections per key. A connection goes back on
//!   it the moment its response body ends (or is dropped), from the task that
//!   read the body: no task per request, and the next request, on this task
//!   or another, finds it. A connection returned before hyper has finished
//!   with it is still taken; the request waits for it to be ready rather than
//!   open another.
//! - HTTP/2: the connections of a key are shared by all its requests, as long
//!   as the peer's stream limit allows. While a connection that may speak
//!   HTTP/2 is being made (the first for a key, or the next after a GOAWAY or
//!   a full stream limit), the other requests of that key wait for it instead
//!   of racing connections of their own.
//! - Limits: connections per key and in all, idle connections per key and in
//!   all (the least recently used is closed first), FIFO waiters with a
//!   timeout, and an idle timeout enforced by each connection's own task.

mod driver;
mod lease;
mod stats;
mod sweep;
mod wait;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hyper::client::conn::http1;
#[cfg(feature = "http2")]
use hyper::client::conn::http2;
use sessio_core::Body;
use tokio::sync::oneshot;

use super::conn::{ConnMeta, Driving, Protocols, Sender};
use super::connect::Connect;
use super::key::{ConnKey, FastBuild};

pub(crate) use lease::{ConnectPermit, Lease, ResponseFuture};
pub use stats::{PoolKey, PoolStats};
pub(crate) use wait::{PoolTimedOut, Waiting};

/// The pool's limits.
#[derive(Debug, Clone)]
pub(crate) struct PoolConfig {
    /// Idle HTTP/1 connections kept per key; `0`: none (unpooled).
    pub(crate) max_idle_per_host: usize,
    /// Idle connections kept in all.
    pub(crate) max_idle_total: Option<usize>,
    /// How long an idle connection is kept.
    pub(crate) idle_timeout: Option<Duration>,
    /// Connections open (or being opened) per key.
    pub(crate) max_per_host: Option<usize>,
    /// Connections open (or being opened) in all.
    pub(crate) max_total: Option<usize>,
    /// How long a request waits for a connection under the limits.
    pub(crate) pool_timeout: Option<Duration>,
}

/// A pool of connections, shared by clones.
#[derive(Clone)]
pub(crate) struct Pool {
    shared: Arc<Shared>,
}

/// What a request gets from [`Pool::checkout`].
pub(crate) enum Checkout {
    /// A connection (HTTP/1: maybe still finishing its last response).
    Ready(Lease),
    /// Room for a new connection: connect with this permit.
    Connect(ConnectPermit),
    /// The limits are reached, or the key's one HTTP/2 connection is being
    /// made: wait.
    Wait(Waiting),
    /// The pool was closed.
    Closed,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    config: PoolConfig,
    pub(crate) protocols: Protocols,
    pub(crate) connector: Box<dyn Connect>,
    /// Requests waiting now (read without the lock on hot paths).
    waiting: AtomicUsize,
    next_id: AtomicU64,
}

#[derive(Default)]
struct State {
    /// Where each key's [`Host`] is in `hosts`: the one hash look-up of a
    /// request, at check-out; leases and permits keep the slot.
    index: HashMap<ConnKey, usize, FastBuild>,
    hosts: Vec<Option<Host>>,
    free: Vec<usize>,
    next_host: u64,
    totals: Totals,
    /// Requests waiting, first come first served.
    waiters: VecDeque<Waiter>,
    closed: bool,
    /// When the sweeper will look at this pool next, if it will.
    sweep_due: Option<Instant>,
}

/// Counts over all keys.
#[derive(Default)]
struct Totals {
    /// Connections open, and being made.
    open: usize,
    connecting: usize,
    /// Entries on the HTTP/1 idle stacks.
    idle: usize,
    created: u64,
    reused: u64,
}

/// Where a key's [`Host`] is: its slot, and its number, so that a slot used
/// again for another key is never mistaken for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HostAt {
    slot: usize,
    id: u64,
}

/// What speaks on a key's connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Http1,
    Http2,
    /// TLS with ALPN will tell: the first connection decides for the key.
    Negotiating,
}

/// The connections of one key.
struct Host {
    key: ConnKey,
    at: HostAt,
    /// Idle HTTP/1 connections, the most recently used last.
    idle: Vec<Idle>,
    /// Shared HTTP/2 connections.
    #[cfg(feature = "http2")]
    h2: Vec<H2>,
    open: usize,
    connecting: usize,
    protocol: Protocol,
    /// HTTP/2: the peer's limit on streams, as the last connection told it.
    #[cfg(feature = "http2")]
    stream_limit: Option<usize>,
    created: u64,
    reused: u64,
}

struct Idle {
    sender: http1::SendRequest<Body>,
    meta: Arc<ConnMeta>,
    since: Instant,
}

#[cfg(feature = "http2")]
struct H2 {
    sender: http2::SendRequest<Body>,
    meta: Arc<ConnMeta>,
}

/// A request waiting for a connection.
struct Waiter {
    key: ConnKey,
    tx: oneshot::Sender<Grant>,
}

/// What a waiting request is given.
pub(crate) enum Grant {
    /// An idle HTTP/1 connection.
    Conn(Lease),
    /// Room to open a connection.
    Connect(ConnectPermit),
    /// Something changed for the key (an HTTP/2 connection is up, ALPN chose
    /// HTTP/1, the pool closed): check out again.
    Retry,
    /// The connection the waiter was waiting for could not be made.
    Failed(sessio_core::Error),
}

impl Pool {
    pub(crate) fn new(
        config: PoolConfig,
        protocols: Protocols,
        connector: Box<dyn Connect>,
    ) -> Self {
        Pool {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                config,
                protocols,
                connector,
                waiting: AtomicUsize::new(0),
                next_id: AtomicU64::new(1),
            }),
        }
    }

    /// A connection for `key`, room to make one, or a place in the queue.
    pub(crate) fn checkout(&self, key: &ConnKey) -> Checkout {
        let shared = &self.shared;
        let mut guard = shared.lock();
        let state = &mut *guard;
        if state.closed {
            return Checkout::Closed;
        }
        let slot = state.find_or_add(key, shared.protocol_for(key));
        let Some(host) = state.hosts[slot].as_mut() else {
            return Checkout::Closed;
        };
        #[cfg(feature = "http2")]
        if let Some(lease) = host.h2_stream(shared) {
            return Checkout::Ready(lease);
        }
        if let Some(lease) = host.take_idle(&mut state.totals, shared) {
            return Checkout::Ready(lease);
        }
        if let Some(permit) = host.reserve(&mut state.totals, shared) {
            return Checkout::Connect(permit);
        }
        let totals = &state.totals;
        if totals.open + totals.connecting >= shared.config.max_total.unwrap_or(usize::MAX) {
            // Full in all: an idle connection of another key makes room.
            drop(state.evict_lru());
        }
        let (tx, rx) = oneshot::channel();
        state.waiters.push_back(Waiter {
            key: key.clone(),
            tx,
        });
        Checkout::Wait(Waiting::new(rx, shared, shared.config.pool_timeout))
    }

    /// Closes the pool: idle connections now, busy ones when their response
    /// is done; later checkouts get [`Checkout::Closed`].
    pub(crate) fn close(&self) {
        let mut dropped = Vec::new();
        {
            let mut guard = self.shared.lock();
            let state = &mut *guard;
            state.closed = true;
            for host in state.hosts.iter_mut().flatten() {
                dropped.extend(host.idle.drain(..).map(|idle| idle.sender));
                #[cfg(feature = "http2")]
                host.h2.clear();
            }
            state.totals.idle = 0;
            for waiter in state.waiters.drain(..) {
                let _ = waiter.tx.send(Grant::Retry);
            }
        }
        drop(dropped);
    }

    /// Whether `self` and `other` are the same pool.
    pub(crate) fn same(&self, other: &Pool) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("config", &self.shared.config)
            .finish()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing here leaves the state half-updated on a panic.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The protocol a new key starts with.
    fn protocol_for(&self, key: &ConnKey) -> Protocol {
        if self.protocols.http2_prior_knowledge {
            Protocol::Http2
        } else if self.protocols.http2 && key.is_https() {
            Protocol::Negotiating
        } else {
            Protocol::Http1
        }
    }

    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Puts an HTTP/1 connection back on its key's idle stack (or closes it
    /// when the pool keeps no more), and serves a waiter with it.
    fn put_idle(
        self: &Arc<Self>,
        at: HostAt,
        sender: http1::SendRequest<Body>,
        meta: Arc<ConnMeta>,
    ) {
        let mut evicted = None;
        let mut sweep = None;
        let refused = {
            let mut guard = self.lock();
            let state = &mut *guard;
            let closed = state.closed;
            let refused = match host_at(&mut state.hosts, at) {
                Some(host) if !closed && host.idle.len() < self.config.max_idle_per_host => {
                    let since = Instant::now();
                    host.idle.push(Idle {
                        sender,
                        meta,
                        since,
                    });
                    state.totals.idle += 1;
                    if state.totals.idle > self.config.max_idle_total.unwrap_or(usize::MAX) {
                        evicted = state.evict_lru();
                    }
                    sweep = self.schedule_sweep(state, since);
                    None
                }
                _ => Some(sender),
            };
            if !state.waiters.is_empty() {
                state.dispatch(self);
            }
            refused
        };
        if let Some(at) = sweep {
            sweep::schedule(self, at);
        }
        drop((refused, evicted));
    }

    /// Serves waiters after an HTTP/2 stream ended.
    fn stream_ended(self: &Arc<Self>) {
        if self.waiting.load(Ordering::Acquire) > 0 {
            self.lock().dispatch(self);
        }
    }

    /// Takes out of the pool the connections idle for the idle timeout or
    /// longer; when the next one's time is up (`None`: nothing left to look
    /// at). Run by the sweeper.
    fn sweep(&self, now: Instant) -> Option<Instant> {
        let timeout = self.config.idle_timeout?;
        let mut expired = Vec::new();
        #[cfg(feature = "http2")]
        let mut expired_h2 = Vec::new();
        let mut guard = self.lock();
        let state = &mut *guard;
        let mut next: Option<Instant> = None;
        let mut later = |at: Instant| next = Some(next.map_or(at, |next| next.min(at)));
        for host in state.hosts.iter_mut().flatten() {
            let before = host.idle.len();
            host.idle.retain(|idle| idle.since + timeout > now);
            state.totals.idle -= before - host.idle.len();
            for idle in &host.idle {
                later(idle.since + timeout);
            }
            expired.extend(host.idle.drain(..0));
            #[cfg(feature = "http2")]
            {
                let (kept, gone): (Vec<H2>, Vec<H2>) =
                    std::mem::take(&mut host.h2).into_iter().partition(|conn| {
                        conn.meta.streams.load(Ordering::Acquire) > 0
                            || conn.meta.idle_since() + timeout > now
                    });
                for conn in &kept {
                    if conn.meta.streams.load(Ordering::Acquire) > 0 {
                        later(now + timeout);
                    } else {
                        later(conn.meta.idle_since() + timeout);
                    }
                }
                host.h2 = kept;
                expired_h2.extend(gone);
            }
        }
        state.sweep_due = next;
        drop(guard);
        drop(expired);
        #[cfg(feature = "http2")]
        drop(expired_h2);
        next
    }

    /// Makes sure a sweep is scheduled while idle connections may expire.
    fn schedule_sweep(self: &Arc<Self>, state: &mut State, at: Instant) -> Option<Instant> {
        let timeout = self.config.idle_timeout?;
        if state.sweep_due.is_some() {
            return None;
        }
        let due = at + timeout;
        state.sweep_due = Some(due);
        Some(due)
    }

    /// A connection's task ended: its slot is free.
    fn connection_gone(self: &Arc<Self>, at: HostAt, id: u64) {
        let mut dropped = None;
        let mut guard = self.lock();
        let state = &mut *guard;
        state.totals.open -= 1;
        if let Some(host) = host_at(&mut state.hosts, at) {
            host.open -= 1;
            if let Some(at) = host.idle.iter().position(|idle| idle.meta.id == id) {
                dropped = Some(host.idle.remove(at));
                state.totals.idle -= 1;
            }
            #[cfg(feature = "http2")]
            host.h2.retain(|conn| conn.meta.id != id);
        }
        if !state.waiters.is_empty() {
            state.dispatch(self);
        }
        state.prune(at);
        drop(guard);
        drop(dropped);
    }
}

impl State {
    /// The slot of `key`'s host, added if the key is new.
    fn find_or_add(&mut self, key: &ConnKey, protocol: Protocol) -> usize {
        if let Some(&slot) = self.index.get(key) {
            return slot;
        }
        let slot = self.free.pop().unwrap_or_else(|| {
            self.hosts.push(None);
            self.hosts.len() - 1
        });
        self.next_host += 1;
        let at = HostAt {
            slot,
            id: self.next_host,
        };
        self.hosts[slot] = Some(Host::new(key.clone(), at, protocol));
        self.index.insert(key.clone(), slot);
        slot
    }

    /// The host at `at`, if it is still there.
    fn host(&mut self, at: HostAt) -> Option<&mut Host> {
        host_at(&mut self.hosts, at)
    }

    /// Gives back a permit that was not used.
    fn unreserve(&mut self, at: HostAt) {
        self.totals.connecting -= 1;
        if let Some(host) = self.host(at) {
            host.connecting -= 1;
        }
    }

    /// Closes the least recently used idle HTTP/1 connection of any key.
    fn evict_lru(&mut self) -> Option<Idle> {
        let (slot, at) = self
            .hosts
            .iter()
            .enumerate()
            .filter_map(|(slot, host)| Some((slot, host.as_ref()?)))
            .flat_map(|(slot, host)| {
                host.idle
                    .iter()
                    .enumerate()
                    .map(move |(at, idle)| (idle.since, slot, at))
            })
            .min_by_key(|(since, _, _)| *since)
            .map(|(_, slot, at)| (slot, at))?;
        self.totals.idle -= 1;
        Some(self.hosts[slot].as_mut()?.idle.remove(at))
    }

    /// Serves the waiters that can go now, first come first served; a waiter
    /// that gave up is skipped.
    fn dispatch(&mut self, shared: &Arc<Shared>) {
        let mut at = 0;
        while at < self.waiters.len() {
            if self.waiters[at].tx.is_closed() {
                self.waiters.remove(at);
                continue;
            }
            let Some(grant) = self.grant(shared, at) else {
                at += 1;
                continue;
            };
            let Some(waiter) = self.waiters.remove(at) else {
                break;
            };
            if let Err(grant) = waiter.tx.send(grant) {
                self.take_back(grant);
            }
        }
    }

    /// What the waiter at `waiter` can be given now.
    fn grant(&mut self, shared: &Arc<Shared>, waiter: usize) -> Option<Grant> {
        if self.closed {
            return Some(Grant::Retry);
        }
        let slot = *self.index.get(&self.waiters[waiter].key)?;
        let host = self.hosts[slot].as_mut()?;
        #[cfg(feature = "http2")]
        {
            let learnt = &mut host.stream_limit;
            if host
                .h2
                .iter()
                .any(|conn| !conn.sender.is_closed() && conn.meta.has_stream_room(learnt))
            {
                return Some(Grant::Retry);
            }
        }
        if host.protocol == Protocol::Http2 && host.connecting > 0 {
            return None;
        }
        if let Some(lease) = host.take_idle(&mut self.totals, shared) {
            return Some(Grant::Conn(lease));
        }
        host.reserve(&mut self.totals, shared).map(Grant::Connect)
    }

    /// Takes back what a waiter that just gave up was given (under the lock:
    /// no drop that locks again).
    fn take_back(&mut self, grant: Grant) {
        match grant {
            Grant::Conn(lease) => {
                if let Some((at, sender, meta)) = lease.disarm()
                    && let Some(host) = host_at(&mut self.hosts, at)
                {
                    host.reused -= 1;
                    host.idle.push(Idle {
                        sender,
                        meta,
                        since: Instant::now(),
                    });
                    self.totals.reused -= 1;
                    self.totals.idle += 1;
                }
            }
            Grant::Connect(permit) => {
                let at = permit.disarm();
                self.unreserve(at);
            }
            Grant::Retry | Grant::Failed(_) => {}
        }
    }

    /// Fails the waiters of the key at `at` with `err`, when they wait for
    /// the one connection a key that may speak HTTP/2 makes at a time.
    fn fail_waiters(&mut self, at: HostAt, err: &sessio_core::Error) {
        let Some(host) = host_at(&mut self.hosts, at) else {
            return;
        };
        if host.protocol == Protocol::Http1 {
            return;
        }
        let key = host.key.clone();
        let mut kept = VecDeque::with_capacity(self.waiters.len());
        for waiter in self.waiters.drain(..) {
            if waiter.key == key {
                let failed =
                    sessio_core::__private::error_msg(err.kind(), err.report().to_string());
                let _ = waiter.tx.send(Grant::Failed(failed));
            } else {
                kept.push_back(waiter);
            }
        }
        self.waiters = kept;
    }

    /// Forgets the keys that have nothing left (no connection, none being
    /// made, nobody waiting) once there are more than [`KEPT_HOSTS`]: below
    /// that, a key's entry (and what it learnt: its protocol, its HTTP/2
    /// stream limit) stays, so that a client opening a connection per
    /// request does not add and remove its key every time.
    fn prune(&mut self, _at: HostAt) {
        if self.index.len() <= KEPT_HOSTS {
            return;
        }
        for slot in 0..self.hosts.len() {
            let Some(host) = &self.hosts[slot] else {
                continue;
            };
            if host.open > 0 || host.connecting > 0 || !host.idle.is_empty() {
                continue;
            }
            if self.waiters.iter().any(|waiter| waiter.key == host.key) {
                continue;
            }
            if let Some(host) = self.hosts[slot].take() {
                self.index.remove(&host.key);
                self.free.push(slot);
            }
        }
    }
}

/// Keys kept in the pool's map when nothing is left of them.
const KEPT_HOSTS: usize = 64;

/// The host at `at` in `hosts`, if it is still there (a borrow of the
/// hosts alone, so that the totals can change beside it).
fn host_at(hosts: &mut [Option<Host>], at: HostAt) -> Option<&mut Host> {
    hosts
        .get_mut(at.slot)?
        .as_mut()
        .filter(|host| host.at.id == at.id)
}

impl Host {
    fn new(key: ConnKey, at: HostAt, protocol: Protocol) -> Self {
        Host {
            key,
            at,
            idle: Vec::new(),
            #[cfg(feature = "http2")]
            h2: Vec::new(),
            open: 0,
            connecting: 0,
            protocol,
            #[cfg(feature = "http2")]
            stream_limit: None,
            created: 0,
            reused: 0,
        }
    }

    /// The most recently used idle HTTP/1 connection, leased.
    fn take_idle(&mut self, totals: &mut Totals, shared: &Arc<Shared>) -> Option<Lease> {
        while let Some(idle) = self.idle.pop() {
            totals.idle -= 1;
            if idle.sender.is_closed() {
                continue;
            }
            self.reused += 1;
            totals.reused += 1;
            return Some(Lease::http1(
                shared.clone(),
                self.at,
                idle.sender,
                idle.meta,
            ));
        }
        None
    }

    /// Room to open a connection, if the limits allow one now. A key that
    /// may speak HTTP/2 opens one connection at a time.
    fn reserve(&mut self, totals: &mut Totals, shared: &Arc<Shared>) -> Option<ConnectPermit> {
        let config = &shared.config;
        let single = self.protocol != Protocol::Http1;
        if (single && self.connecting > 0)
            || self.open + self.connecting >= config.max_per_host.unwrap_or(usize::MAX)
            || totals.open + totals.connecting >= config.max_total.unwrap_or(usize::MAX)
        {
            return None;
        }
        self.connecting += 1;
        totals.connecting += 1;
        #[cfg(feature = "http2")]
        let stream_limit = self.stream_limit;
        #[cfg(not(feature = "http2"))]
        let stream_limit = None;
        Some(ConnectPermit::new(
            shared.clone(),
            self.at,
            self.key.clone(),
            stream_limit,
        ))
    }

    /// A stream on a shared HTTP/2 connection with room for one.
    #[cfg(feature = "http2")]
    fn h2_stream(&mut self, shared: &Arc<Shared>) -> Option<Lease> {
        let learnt = &mut self.stream_limit;
        let conn = self
            .h2
            .iter()
            .rev()
            .find(|conn| !conn.sender.is_closed() && conn.meta.has_stream_room(learnt))?;
        conn.meta.streams.fetch_add(1, Ordering::AcqRel);
        Some(Lease::http2(
            shared.clone(),
            self.at,
            conn.sender.clone(),
            conn.meta.clone(),
        ))
    }
}

/// A new connection's sender and task, handed to the pool: counted, shared
/// when HTTP/2, its task started. The lease of the request that made it.
pub(crate) fn established(
    permit: ConnectPermit,
    sender: Sender,
    driving: Driving,
    meta: Arc<ConnMeta>,
) -> Lease {
    let shared = permit.shared().clone();
    let at = permit.disarm();
    #[cfg_attr(not(feature = "http2"), allow(unused_mut))]
    let mut sweep = None;
    let lease = {
        let mut guard = shared.lock();
        let state = &mut *guard;
        state.totals.connecting -= 1;
        state.totals.open += 1;
        state.totals.created += 1;
        #[cfg(feature = "http2")]
        let closed = state.closed;
        let http2 = meta.http2;
        if let Some(host) = state.host(at) {
            host.connecting -= 1;
            host.open += 1;
            host.created += 1;
            host.protocol = match (http2, host.protocol) {
                (true, _) => Protocol::Http2,
                (false, Protocol::Negotiating) => Protocol::Http1,
                (false, known) => known,
            };
            #[cfg(feature = "http2")]
            if let Sender::Http2(sender) = &sender
                && !closed
            {
                host.h2.push(H2 {
                    sender: sender.clone(),
                    meta: meta.clone(),
                });
                sweep = shared.schedule_sweep(state, Instant::now());
            }
        }
        let lease = match sender {
            Sender::Http1(sender) => Lease::http1(shared.clone(), at, sender, meta.clone()),
            #[cfg(feature = "http2")]
            Sender::Http2(sender) => {
                meta.streams.fetch_add(1, Ordering::AcqRel);
                Lease::http2(shared.clone(), at, sender, meta.clone())
            }
        };
        if !state.waiters.is_empty() {
            state.dispatch(&shared);
        }
        lease
    };
    if let Some(due) = sweep {
        sweep::schedule(&shared, due);
    }
    driver::spawn(&shared, at, driving, meta);
    lease
}
