//! `ResponseBody`: the raw body an adapter produces.

use std::fmt;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;

use crate::BoxError;

/// A raw (not decoded) response body as an adapter produces it.
///
/// Any `http_body::Body` of `Bytes` that is `Send` can become one (it need not
/// be `Sync`: axum's body is not).
///
/// ```
/// use sessio::ResponseBody;
///
/// let body = ResponseBody::from("hello");
/// assert_eq!(http_body::Body::size_hint(&body).exact(), Some(5));
/// ```
pub struct ResponseBody {
    // `Mutex` makes the body `Sync` (so that `Response` is) without locking on
    // reads: `poll_frame` reaches it through `&mut`.
    inner: Mutex<UnsyncBoxBody<Bytes, BoxError>>,
    // The connection the body comes over, when the adapter said so here
    // rather than in the response's extensions (which would cost the
    // response an extension map of its own).
    pub(crate) connection: Option<crate::ConnectionInfo>,
}

impl ResponseBody {
    /// Wraps any body.
    pub fn new<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        ResponseBody {
            inner: Mutex::new(body.map_err(Into::into).boxed_unsync()),
            connection: None,
        }
    }

    /// An empty body.
    pub fn empty() -> Self {
        Self::new(http_body_util::Empty::new())
    }
}

/// An empty body (what tower-http's timeout layer answers a timed-out request with).
impl Default for ResponseBody {
    fn default() -> Self {
        Self::empty()
    }
}

impl From<Bytes> for ResponseBody {
    fn from(bytes: Bytes) -> Self {
        Self::new(http_body_util::Full::new(bytes))
    }
}

impl From<&'static str> for ResponseBody {
    fn from(text: &'static str) -> Self {
        Self::from(Bytes::from_static(text.as_bytes()))
    }
}

impl From<&'static [u8]> for ResponseBody {
    fn from(bytes: &'static [u8]) -> Self {
        Self::from(Bytes::from_static(bytes))
    }
}

impl From<String> for ResponseBody {
    fn from(text: String) -> Self {
        Self::from(Bytes::from(text))
    }
}

impl From<Vec<u8>> for ResponseBody {
    fn from(bytes: Vec<u8>) -> Self {
        Self::from(Bytes::from(bytes))
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseBody")
    }
}

impl http_body::Body for ResponseBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let inner = self.get_mut().inner.get_mut();
        let inner = inner.unwrap_or_else(PoisonError::into_inner);
        Pin::new(inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.size_hint()
    }
}
