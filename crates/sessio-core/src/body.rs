//! The request body: replayable bytes, or a stream sent once.

use std::fmt;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;

use crate::BoxError;
use crate::progress::{Counted, Progress, ProgressFn};

/// A request body.
///
/// Bytes, strings, JSON and forms are *replayable*: [`Body::try_clone`] returns a copy,
/// so redirects (307/308) and retries can send them again. A stream
/// ([`Body::wrap_stream`]) is sent once, with `Transfer-Encoding: chunked` on HTTP/1.1,
/// and cannot be replayed.
///
/// ```
/// use sessio::Body;
///
/// let body = Body::from("hello");
/// assert_eq!(body.as_bytes(), Some(&b"hello"[..]));
/// assert!(body.try_clone().is_some());
/// ```
pub struct Body {
    inner: Inner,
}

enum Inner {
    Empty,
    Reusable(Bytes),
    // `Mutex` makes the body `Sync` without locking: it is only reached through `&mut`.
    Streaming(Mutex<UnsyncBoxBody<Bytes, BoxError>>),
    // A body whose chunks are reported as they are sent.
    Counted(Box<Counted<Body>>),
}

impl Body {
    /// An empty body.
    pub const fn empty() -> Self {
        Body {
            inner: Inner::Empty,
        }
    }

    /// A body streamed from `stream`, sent as it is produced.
    ///
    /// ```
    /// use sessio::Body;
    ///
    /// let chunks = vec![Ok::<_, std::io::Error>("a"), Ok("b")];
    /// let body = Body::wrap_stream(futures_util::stream::iter(chunks));
    /// assert!(body.try_clone().is_none());
    /// assert!(body.as_bytes().is_none());
    /// ```
    pub fn wrap_stream<S, D, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<D, E>> + Send + 'static,
        D: Into<Bytes>,
        E: Into<BoxError>,
    {
        Self::streaming(StreamBody { stream }.boxed_unsync())
    }

    /// A body read from any [`http_body::Body`] (for example a proxied server body).
    pub fn wrap<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        Self::streaming(body.map_err(Into::into).boxed_unsync())
    }

    /// The same body, with `report` told how many bytes have been sent after
    /// each chunk (and the total when the length is known). A replayable body
    /// stays replayable; each copy counts from zero.
    ///
    /// ```
    /// use sessio::Body;
    ///
    /// let body = Body::from("hello").with_progress(|p| println!("{} of {:?}", p.bytes(), p.total()));
    /// assert!(body.try_clone().is_some());
    /// assert_eq!(body.content_length(), Some(5));
    /// ```
    pub fn with_progress(self, report: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.with_progress_fn(std::sync::Arc::new(report))
    }

    pub(crate) fn with_progress_fn(self, report: ProgressFn) -> Self {
        let total = self.content_length();
        Body {
            inner: Inner::Counted(Box::new(Counted::new(self, report, total))),
        }
    }

    fn streaming(body: UnsyncBoxBody<Bytes, BoxError>) -> Self {
        Body {
            inner: Inner::Streaming(Mutex::new(body)),
        }
    }

    /// The bytes of a replayable body; `None` for a stream.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.inner {
            Inner::Empty => Some(&[]),
            Inner::Reusable(bytes) => Some(bytes),
            Inner::Streaming(_) => None,
            Inner::Counted(counted) => counted.inner.as_bytes(),
        }
    }

    /// A copy of a replayable body; `None` for a stream.
    pub fn try_clone(&self) -> Option<Body> {
        match &self.inner {
            Inner::Empty => Some(Body::empty()),
            Inner::Reusable(bytes) => Some(Body::from(bytes.clone())),
            Inner::Streaming(_) => None,
            Inner::Counted(counted) => counted
                .inner
                .try_clone()
                .map(|copy| copy.with_progress_fn(counted.report.clone())),
        }
    }

    /// Whether this body is a stream (sent once, length unknown).
    pub fn is_stream(&self) -> bool {
        match &self.inner {
            Inner::Counted(counted) => counted.inner.is_stream(),
            inner => matches!(inner, Inner::Streaming(_)),
        }
    }

    /// The exact length when it is known before sending.
    pub fn content_length(&self) -> Option<u64> {
        match &self.inner {
            Inner::Empty => Some(0),
            Inner::Reusable(bytes) => Some(bytes.len() as u64),
            Inner::Streaming(body) => match body.lock() {
                Ok(body) => http_body::Body::size_hint(&*body).exact(),
                Err(_) => None,
            },
            Inner::Counted(counted) => counted.inner.content_length(),
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Empty => f.write_str("Body(empty)"),
            Inner::Reusable(bytes) => write!(f, "Body({} bytes)", bytes.len()),
            Inner::Streaming(_) => f.write_str("Body(stream)"),
            Inner::Counted(counted) => write!(f, "{:?} with progress", counted.inner),
        }
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        if bytes.is_empty() {
            Body::empty()
        } else {
            Body {
                inner: Inner::Reusable(bytes),
            }
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Body::from(Bytes::from(bytes))
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Body::from(Bytes::from(text))
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Body::from(Bytes::from_static(text.as_bytes()))
    }
}

impl From<&'static [u8]> for Body {
    fn from(bytes: &'static [u8]) -> Self {
        Body::from(Bytes::from_static(bytes))
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        match &mut this.inner {
            Inner::Empty => Poll::Ready(None),
            Inner::Reusable(bytes) => {
                let bytes = std::mem::take(bytes);
                this.inner = Inner::Empty;
                Poll::Ready(Some(Ok(Frame::data(bytes))))
            }
            Inner::Streaming(body) => match body.get_mut() {
                Ok(body) => Pin::new(body).poll_frame(cx),
                Err(_) => Poll::Ready(Some(Err("request body stream was poisoned".into()))),
            },
            Inner::Counted(counted) => Pin::new(&mut **counted).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Inner::Empty => true,
            Inner::Reusable(bytes) => bytes.is_empty(),
            Inner::Streaming(body) => body.lock().map(|b| b.is_end_stream()).unwrap_or(true),
            Inner::Counted(counted) => counted.inner.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Inner::Empty => SizeHint::with_exact(0),
            Inner::Reusable(bytes) => SizeHint::with_exact(bytes.len() as u64),
            Inner::Streaming(body) => body.lock().map(|b| b.size_hint()).unwrap_or_default(),
            Inner::Counted(counted) => counted.inner.size_hint(),
        }
    }
}

pin_project_lite::pin_project! {
    /// Adapts a `Stream` of chunks into an `http_body::Body`.
    struct StreamBody<S> {
        #[pin]
        stream: S,
    }
}

impl<S, D, E> http_body::Body for StreamBody<S>
where
    S: Stream<Item = Result<D, E>>,
    D: Into<Bytes>,
    E: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.project().stream.poll_next(cx) {
            Poll::Ready(Some(Ok(data))) => Poll::Ready(Some(Ok(Frame::data(data.into())))),
            Poll::Ready(Some(Err(err))) => Poll::Ready(Some(Err(err.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn reusable_body_yields_its_bytes_once() {
        let body = Body::from("abc");
        assert_eq!(http_body::Body::size_hint(&body).exact(), Some(3));
        let collected = body.collect().await.unwrap().to_bytes();
        assert_eq!(&collected[..], b"abc");
    }

    #[tokio::test]
    async fn stream_body_is_sent_in_order_and_not_replayable() {
        let chunks = vec![Ok::<_, std::io::Error>("a"), Ok("b"), Ok("c")];
        let body = Body::wrap_stream(futures_util::stream::iter(chunks));
        assert!(body.is_stream());
        assert!(body.try_clone().is_none());
        let collected = body.collect().await.unwrap().to_bytes();
        assert_eq!(&collected[..], b"abc");
    }

    #[test]
    fn body_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Body>();
    }
}
