//! The transport under a connection: any byte stream (TCP, TLS, a tunnel, a
//! Unix socket), boxed once, and a thin wrapper that notes when a request was
//! written and when its answer began to arrive.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Read, ReadBufCursor, Write};

/// A byte stream hyper can drive.
pub(crate) trait Io: Read + Write + Unpin + Send + 'static {}

impl<T: Read + Write + Unpin + Send + 'static> Io for T {}

/// A transport of any kind: one type for every connection, so the handshake
/// and the pool are compiled once.
pub(crate) type BoxIo = Box<dyn Io>;

/// When the current request's last byte was written and its answer's first
/// byte read, as nanoseconds after the connection's start (0: not yet).
/// HTTP/1 only: one request at a time is on the wire.
#[derive(Debug)]
pub(crate) struct IoClock {
    start: Instant,
    written: AtomicU64,
    first_byte: AtomicU64,
}

impl IoClock {
    pub(crate) fn new(start: Instant) -> Self {
        IoClock {
            start,
            written: AtomicU64::new(0),
            first_byte: AtomicU64::new(0),
        }
    }

    fn stamp(&self, slot: &AtomicU64) {
        let nanos = u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        slot.store(nanos.max(1), Ordering::Relaxed);
    }

    /// How long after `sent` the request was written and its answer began.
    pub(crate) fn since(&self, sent: Instant) -> (Option<Duration>, Option<Duration>) {
        let at = |slot: &AtomicU64| match slot.load(Ordering::Relaxed) {
            0 => None,
            nanos => {
                Some((self.start + Duration::from_nanos(nanos)).saturating_duration_since(sent))
            }
        };
        (at(&self.written), at(&self.first_byte))
    }
}

/// A transport that stamps [`IoClock`]: each write that moves bytes, and the
/// first read that completes after a write.
pub(crate) struct TimedIo {
    io: BoxIo,
    clock: Arc<IoClock>,
    awaiting_answer: bool,
}

impl TimedIo {
    pub(crate) fn new(io: BoxIo, clock: Arc<IoClock>) -> Self {
        TimedIo {
            io,
            clock,
            awaiting_answer: false,
        }
    }

    fn wrote(&mut self, result: &Poll<io::Result<usize>>) {
        if matches!(result, Poll::Ready(Ok(n)) if *n > 0) {
            self.clock.stamp(&self.clock.written);
            self.awaiting_answer = true;
        }
    }
}

impl Read for TimedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.io).poll_read(cx, buf);
        // The first read that completes after a write brings the answer's
        // first byte (or its end, should the peer close instead).
        if self.awaiting_answer && matches!(result, Poll::Ready(Ok(()))) {
            self.awaiting_answer = false;
            self.clock.stamp(&self.clock.first_byte);
        }
        result
    }
}

impl Write for TimedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.io).poll_write(cx, buf);
        self.wrote(&result);
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.wrote(&result);
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
