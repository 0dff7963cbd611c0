//! The response body of [`HttpAdapter`](super::HttpAdapter): hyper's body,
//! holding its connection's lease until it ends.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Body as _;
use hyper::body::Incoming;

use sessio_core::ConnectionInfo;

use crate::transport::pool::Lease;

pin_project_lite::pin_project! {
    /// The response body of [`HttpAdapter`](super::HttpAdapter): hyper's
    /// body, holding its connection. The connection goes back to the pool
    /// the moment the body ends, and also when the body is dropped (hyper
    /// then reads what is left of a short body, or closes the connection).
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
        lease: Option<Lease>,
        // The connection, for the session to move to its `Response`.
        connection: Option<ConnectionInfo>,
    }
}

impl HttpBody {
    pub(crate) fn new(inner: Incoming, lease: Lease, connection: Option<ConnectionInfo>) -> Self {
        // Nothing to read (HEAD, 204, 304, an empty body): done already.
        let lease = (!inner.is_end_stream()).then_some(lease);
        HttpBody {
            inner,
            lease,
            connection,
        }
    }

    /// The connection the body comes over, when the adapter put it here.
    pub(crate) fn take_connection(&mut self) -> Option<ConnectionInfo> {
        self.connection.take()
    }
}

impl http_body::Body for HttpBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, hyper::Error>>> {
        let mut this = self.project();
        let frame = std::task::ready!(this.inner.as_mut().poll_frame(cx));
        match &frame {
            Some(Ok(_)) if !this.inner.is_end_stream() => {}
            Some(Ok(_)) | None => *this.lease = None,
            Some(Err(_)) => {
                if let Some(mut lease) = this.lease.take() {
                    lease.answered(false);
                }
            }
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
