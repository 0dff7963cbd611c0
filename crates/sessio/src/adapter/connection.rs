//! Per-connection bookkeeping of [`HttpAdapter`]: which responses a connection
//! carried, whether it is busy, and the response body that says when it is done.
//!
//! [`HttpAdapter`]: super::HttpAdapter

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use http_body::Body as _;
use hyper::body::Incoming;
use sessio_core::__private::{connection_state, set_reused};
use sessio_core::ConnectionInfo;

/// What one connection has carried, shared by its transport, its
/// [`ConnectionInfo`] and the bodies of the responses read from it.
#[derive(Debug)]
pub(crate) struct ConnState {
    http1: bool,
    open: AtomicBool,
    /// HTTP/1 requests whose first byte was written.
    started: AtomicU64,
    /// Response heads received.
    responses: AtomicU64,
    /// Responses whose body ended or was dropped.
    finished: AtomicU64,
    /// Close the connection once nothing is in flight on it.
    close_when_idle: AtomicBool,
    /// The task reading the connection while it is idle, woken to close it.
    reader: futures_util::task::AtomicWaker,
}

impl ConnState {
    pub(crate) fn new(http1: bool) -> Self {
        ConnState {
            http1,
            open: AtomicBool::new(true),
            started: AtomicU64::new(0),
            responses: AtomicU64::new(0),
            finished: AtomicU64::new(0),
            close_when_idle: AtomicBool::new(false),
            reader: futures_util::task::AtomicWaker::new(),
        }
    }

    /// Closes the connection now if it is idle, else once its last response
    /// is done (the adapter was closed).
    pub(crate) fn close_when_done(&self) {
        self.close_when_idle.store(true, Ordering::Release);
        self.reader.wake();
    }

    /// Remembers the task waiting to read the connection when it is idle, or
    /// marked to close, so that [`close_when_done`](Self::close_when_done) or
    /// the end of the last response can wake it to close the connection.
    pub(crate) fn waiting_to_read(&self, waker: &std::task::Waker) {
        if !self.is_busy() || self.close_when_idle.load(Ordering::Acquire) {
            self.reader.register(waker);
        }
    }

    /// An HTTP/1 request started on this connection.
    pub(crate) fn request_started(&self) {
        self.started.fetch_add(1, Ordering::AcqRel);
    }

    /// The transport is gone.
    pub(crate) fn closed(&self) {
        self.open.store(false, Ordering::Release);
    }

    pub(crate) fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }

    /// Whether a request or a response is in flight on the connection: for
    /// HTTP/1 from the first byte of the request to the end of the response
    /// body, for HTTP/2 while a response body is open.
    pub(crate) fn is_busy(&self) -> bool {
        let begun = if self.http1 {
            &self.started
        } else {
            &self.responses
        };
        self.is_open() && begun.load(Ordering::Acquire) > self.finished.load(Ordering::Acquire)
    }

    /// Whether the transport should end now: the connection was marked to
    /// close, every response on it is done, and no new request was written.
    pub(crate) fn should_end(&self) -> bool {
        self.close_when_idle.load(Ordering::Acquire) && !self.is_busy()
    }
}

/// Counts the response as finished when dropped.
#[derive(Debug)]
pub(crate) struct Finish(Arc<ConnState>);

impl Drop for Finish {
    fn drop(&mut self) {
        self.0.finished.fetch_add(1, Ordering::AcqRel);
        if self.0.close_when_idle.load(Ordering::Acquire) {
            // The reader may have looked before this response ended.
            self.0.reader.wake();
        }
    }
}

/// Notes a response head from the connection named in its [`ConnectionInfo`]
/// (set by the transport): whether the connection was reused, and whether it
/// must close after this response. The returned guard ends the response.
pub(crate) fn on_response(response: &mut http::Response<Incoming>) -> Option<Finish> {
    let info = response.extensions_mut().get_mut::<ConnectionInfo>()?;
    let state = connection_state(info)?
        .clone()
        .downcast::<ConnState>()
        .ok()?;
    let earlier = state.responses.fetch_add(1, Ordering::AcqRel);
    set_reused(info, earlier > 0);
    if state.http1 && has_conflicting_framing(response) {
        // Chunked framing wins over the length (hyper), but a server that
        // sends both may mean the length: the bytes after this response
        // cannot be trusted to start the next one (request smuggling).
        state.close_when_idle.store(true, Ordering::Release);
    }
    Some(Finish(state))
}

/// Both `Transfer-Encoding` and `Content-Length` (RFC 9112 §6.3: close after).
fn has_conflicting_framing(response: &http::Response<Incoming>) -> bool {
    // A body of known length was framed by Content-Length alone: no header
    // lookup on the common path.
    response.body().size_hint().exact().is_none()
        && response.headers().contains_key(TRANSFER_ENCODING)
        && response.headers().contains_key(CONTENT_LENGTH)
}

pin_project_lite::pin_project! {
    /// The response body of [`HttpAdapter`](super::HttpAdapter): hyper's
    /// body, which also tells the adapter's pool accounting when it ends or
    /// is dropped.
    ///
    /// ```no_run
    /// use http_body_util::BodyExt;
    /// use sessio::{Body, HttpAdapter};
    /// use tower::ServiceExt;
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let request = http::Request::get("http://127.0.0.1:8080/").body(Body::empty())?;
    /// let response = HttpAdapter::new().oneshot(request).await?;
    /// let bytes = response.into_body().collect().await?.to_bytes();
    /// # drop(bytes);
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct HttpBody {
        #[pin]
        inner: Incoming,
        finish: Option<Finish>,
    }
}

impl HttpBody {
    pub(crate) fn new(inner: Incoming, finish: Option<Finish>) -> Self {
        HttpBody { inner, finish }
    }
}

impl http_body::Body for HttpBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, hyper::Error>>> {
        let this = self.project();
        let frame = std::task::ready!(this.inner.poll_frame(cx));
        if !matches!(frame, Some(Ok(_))) {
            *this.finish = None;
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
