//! The body of a response as `bytes()`, `text()` and `json()` see it: unread
//! (or read in chunks), or read whole and kept, so that every buffered reader
//! gives it again (requests' `r.content`, `r.text`, `r.json()`).

use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use http::HeaderMap;

use super::ResponseBody;
use super::reader::Reader;
use crate::{Error, ErrorKind, Result};

/// The body: a [`Reader`], or the decoded bytes once read whole. Behind a
/// lock so that the buffered readers take `&self`; the lock is never held
/// across an `.await` (a read takes the reader out and puts the bytes back).
pub(crate) struct Content(Mutex<State>);

enum State {
    /// Not read whole (maybe not read at all).
    Unread(Reader),
    /// Read whole and decoded.
    Kept(Bytes),
    /// A read is under way (taken by another call), or ended without the
    /// whole body: what a later read says.
    Gone(Gone),
}

#[derive(Clone, Copy)]
enum Gone {
    Reading,
    Failed,
    Cancelled,
}

impl Gone {
    fn error(self) -> Error {
        let message = match self {
            Gone::Reading => "the body is being read by another call",
            Gone::Failed => "the body could not be read (an earlier read failed)",
            Gone::Cancelled => "the body is gone: an earlier read of it was cancelled",
        };
        Error::msg(ErrorKind::Body, message)
    }
}

impl Content {
    pub(crate) fn new(reader: Reader) -> Self {
        Content(Mutex::new(State::Unread(reader)))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn state_mut(&mut self) -> &mut State {
        self.0.get_mut().unwrap_or_else(PoisonError::into_inner)
    }

    /// The whole decoded body: read (at most `max` bytes, else a body error)
    /// the first time, the same bytes every time after.
    pub(crate) async fn bytes(&self, headers: &HeaderMap, max: u64) -> Result<Bytes> {
        let mut reader = {
            let mut state = self.lock();
            match &mut *state {
                State::Kept(bytes) => return Ok(bytes.clone()),
                State::Gone(gone) => return Err(gone.error()),
                State::Unread(reader) if !reader.untouched() => {
                    return Err(Error::msg(
                        ErrorKind::Body,
                        "the body was read in part already (by chunk()); it can only be read on",
                    ));
                }
                State::Unread(reader) if reader.is_buffered() => {
                    // In memory (`stream(false)`): decoded here and now, in place.
                    let result = decode_now(reader, headers, max);
                    *state = match &result {
                        Ok(bytes) => State::Kept(bytes.clone()),
                        Err(_) => State::Gone(Gone::Failed),
                    };
                    return result;
                }
                State::Unread(_) => {}
            }
            match std::mem::replace(&mut *state, State::Gone(Gone::Reading)) {
                State::Unread(reader) => reader,
                _ => unreachable!("matched as unread above"),
            }
        };
        let mut reading = Reading {
            content: self,
            done: false,
        };
        let result = reader.read_all(headers, max).await;
        *self.lock() = match &result {
            Ok(bytes) => State::Kept(bytes.clone()),
            Err(_) => State::Gone(Gone::Failed),
        };
        reading.done = true;
        result
    }

    /// The reader, for reads in chunks: a kept body is given once more, as it is.
    pub(crate) fn reader_mut(&mut self) -> &mut Reader {
        let state = self.state_mut();
        match state {
            State::Unread(reader) => return reader,
            State::Kept(bytes) => *state = State::Unread(Reader::decoded(bytes.clone())),
            State::Gone(gone) => *state = State::Unread(Reader::failed(gone.error())),
        }
        match state {
            State::Unread(reader) => reader,
            _ => unreachable!("made a reader above"),
        }
    }

    /// Reads the rest of the raw body into memory (see `Reader::buffer_raw`);
    /// nothing to do for a body read whole.
    pub(crate) async fn buffer_raw(&mut self, max: u64) -> Result<()> {
        match self.state_mut() {
            State::Unread(reader) => reader.buffer_raw(max).await,
            State::Kept(_) => Ok(()),
            State::Gone(gone) => Err(gone.error()),
        }
    }

    /// The reader, for a stream of the body (see [`reader_mut`](Self::reader_mut)).
    pub(crate) fn into_reader(mut self) -> Reader {
        self.reader_mut();
        match self.0.into_inner().unwrap_or_else(PoisonError::into_inner) {
            State::Unread(reader) => reader,
            _ => unreachable!("made a reader above"),
        }
    }

    /// Whether the body was read whole and is kept (decoded).
    pub(crate) fn is_kept(&mut self) -> bool {
        matches!(self.state_mut(), State::Kept(_))
    }

    /// The body as it is now: the raw body, or the decoded one once it was
    /// read whole (`true`).
    pub(crate) fn into_body(self) -> (ResponseBody, bool) {
        match self.0.into_inner().unwrap_or_else(PoisonError::into_inner) {
            State::Unread(reader) => (reader.into_body(), false),
            State::Kept(bytes) => (ResponseBody::from(bytes), true),
            State::Gone(gone) => (ResponseBody::new(Failed(Some(gone.error()))), false),
        }
    }

    /// A copy, when the body is in memory: raw and not read yet, or read whole.
    pub(crate) fn try_clone(&self) -> Option<Content> {
        let state = match &*self.lock() {
            State::Kept(bytes) => State::Kept(bytes.clone()),
            State::Unread(reader) => {
                State::Unread(Reader::buffered(reader.unread_buffer()?.clone()))
            }
            State::Gone(_) => return None,
        };
        Some(Content(Mutex::new(state)))
    }
}

/// Reads a body that is in memory whole: its read never waits, so it is
/// polled to the end at once.
fn decode_now(reader: &mut Reader, headers: &HeaderMap, max: u64) -> Result<Bytes> {
    let mut read = std::pin::pin!(reader.read_all(headers, max));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match read.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(result) => result,
        std::task::Poll::Pending => Err(Error::msg(
            ErrorKind::Body,
            "a body in memory waited while read (a bug in sessio)",
        )),
    }
}

/// Marks the body gone when a read of it ends before it is done (its future
/// was dropped).
struct Reading<'a> {
    content: &'a Content,
    done: bool,
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        if !self.done {
            *self.content.lock() = State::Gone(Gone::Cancelled);
        }
    }
}

/// A body that gives an error (why the body is gone) instead of data.
struct Failed(Option<Error>);

impl http_body::Body for Failed {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>>>> {
        std::task::Poll::Ready(self.0.take().map(Err))
    }
}
