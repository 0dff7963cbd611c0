//! `TimeoutBody`: a response body with the read and total limits.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep, sleep_until};

use super::limits::Limits;
use crate::BoxError;

pin_project_lite::pin_project! {
    /// A response body that fails with a [`ReadTimeout`](super::ReadTimeout) when
    /// the server stays silent longer than the read timeout, or a
    /// [`TotalTimeout`](super::TotalTimeout) when the total deadline passes.
    pub struct TimeoutBody<B> {
        #[pin]
        body: B,
        #[pin]
        sleep: Option<Sleep>,
        limits: Limits,
        expired: bool,
    }
}

impl<B> TimeoutBody<B> {
    pub(crate) fn new(body: B, limits: Limits) -> Self {
        TimeoutBody {
            body,
            sleep: None,
            limits,
            expired: false,
        }
    }

    /// The body inside.
    ///
    /// ```
    /// use sessio_layers::timeout::TimeoutLayer;
    /// use tower::{Layer, ServiceExt, service_fn};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let service = TimeoutLayer::new(Default::default()).layer(service_fn(|_: http::Request<()>| async {
    ///     Ok::<_, std::convert::Infallible>(http::Response::new(http_body_util::Full::new(bytes::Bytes::from("hi"))))
    /// }));
    /// let response = service.oneshot(http::Request::new(())).await.unwrap();
    /// assert_eq!(http_body::Body::size_hint(response.body().get_ref()).exact(), Some(2));
    /// # }
    /// ```
    pub fn get_ref(&self) -> &B {
        &self.body
    }

    /// The body inside, to change (reading from it directly bypasses the limits).
    pub fn get_mut(&mut self) -> &mut B {
        &mut self.body
    }
}

impl<B> Body for TimeoutBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let mut this = self.project();
        if *this.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(frame) = this.body.poll_frame(cx) {
            if this.limits.read.is_some()
                && let Some(sleep) = this.sleep.as_mut().as_pin_mut()
                && let Some(next) = this.limits.next_deadline(Instant::now())
            {
                sleep.reset(next);
            }
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if this.sleep.is_none() {
            match this.limits.next_deadline(Instant::now()) {
                Some(next) => this.sleep.set(Some(sleep_until(next))),
                None => return Poll::Pending,
            }
        }
        if let Some(sleep) = this.sleep.as_pin_mut() {
            ready!(sleep.poll(cx));
            *this.expired = true;
            return Poll::Ready(Some(Err(this.limits.error())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.expired || self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl<B> std::fmt::Debug for TimeoutBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimeoutBody")
            .field("read", &self.limits.read)
            .finish()
    }
}
