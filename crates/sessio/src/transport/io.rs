//! The transport under a connection: any byte stream (TCP, TLS, a tunnel, a
//! Unix socket), boxed once, and a thin wrapper that notes when a request was
//! written and when its answer began to arrive.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use hyper::rt::{Read, ReadBufCursor, Write};

/// A byte stream hyper can drive.
pub(crate) trait Io: Read + Write + Unpin + Send + 'static {}

impl<T: Read + Write + Unpin + Send + 'static> Io for T {}

/// A transport of any kind: one type for every connection, so the handshake
/// and the pool are compiled once.
pub(crate) type BoxIo = Box<dyn Io>;

/// When the current request's last byte was written and its answer's first
/// byte read. HTTP/1 only: one request at a time is on the wire. The times
/// are kept as they are read off the clock, and turned into durations once
/// per request.
#[derive(Debug, Default)]
pub(crate) struct IoClock {
    stamps: Mutex<Stamps>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Stamps {
    written: Option<Instant>,
    first_byte: Option<Instant>,
    /// Since when a write has been waiting for the connection to take bytes
    /// (`None` while writes go through).
    write_stalled: Option<Instant>,
}

impl IoClock {
    fn stamps(&self) -> std::sync::MutexGuard<'_, Stamps> {
        self.stamps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// When the current request was written, and its answer began.
    pub(crate) fn read(&self) -> (Option<Instant>, Option<Instant>) {
        let stamps = *self.stamps();
        (stamps.written, stamps.first_byte)
    }

    /// Since when a write has been waiting for the connection, if one is.
    pub(crate) fn write_stalled_since(&self) -> Option<Instant> {
        self.stamps().write_stalled
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
        match result {
            Poll::Ready(Ok(n)) if *n > 0 => {
                let mut stamps = self.clock.stamps();
                stamps.written = Some(Instant::now());
                stamps.write_stalled = None;
                self.awaiting_answer = true;
            }
            Poll::Pending => {
                let mut stamps = self.clock.stamps();
                if stamps.write_stalled.is_none() {
                    stamps.write_stalled = Some(Instant::now());
                }
            }
            _ => {}
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
            self.clock.stamps().first_byte = Some(Instant::now());
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
