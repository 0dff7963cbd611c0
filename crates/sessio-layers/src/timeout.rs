//! Read and total timeouts for any HTTP client service, with requests' meaning of a
//! read timeout: the longest the server may stay silent, before the response head
//! and between body chunks while the body is read.
//!
//! The timeouts come from the request's [`Timeouts`] extension, else from the
//! layer's defaults. A [`Deadline`] extension (set once for a request that goes
//! through several hops) bounds the whole exchange, body included.
//!
//! Errors are sessio [`Error`]s with `is_timeout() == true`: kind `ReadTimeout` when
//! the server went silent, `Timeout` when the total deadline passed.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use http::{Request, Response};
//! use sessio_core::{Error, Timeouts};
//! use sessio_layers::timeout::TimeoutLayer;
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let slow = service_fn(|_req: Request<()>| async {
//!     tokio::time::sleep(Duration::from_secs(5)).await;
//!     Ok::<_, Error>(Response::new(http_body_util::Empty::<bytes::Bytes>::new()))
//! });
//! let client = ServiceBuilder::new()
//!     .layer(TimeoutLayer::new(Timeouts { read: Some(Duration::from_millis(20)), ..Timeouts::default() }))
//!     .service(slow);
//!
//! let err = client.oneshot(Request::new(())).await.unwrap_err();
//! assert!(err.is_timeout());
//! # });
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body::{Body, Frame, SizeHint};
use sessio_core::{BoxError, Deadline, Error, ErrorKind, Timeouts};
use tokio::time::{Instant, Sleep, sleep_until};
use tower_layer::Layer;
use tower_service::Service;

/// Applies read and total timeouts. See the [module docs](self) for more details.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeoutLayer {
    defaults: Timeouts,
}

impl TimeoutLayer {
    /// A layer with these default timeouts (`connect` is not used here: it belongs
    /// to the connector).
    pub fn new(defaults: Timeouts) -> Self {
        TimeoutLayer { defaults }
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = Timeout<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Timeout {
            inner,
            defaults: self.defaults,
        }
    }
}

/// The service of [`TimeoutLayer`]. See the [module docs](self) for more details.
#[derive(Debug, Clone)]
pub struct Timeout<S> {
    inner: S,
    defaults: Timeouts,
}

impl<S> Timeout<S> {
    /// Wraps `inner` with these default timeouts.
    pub fn new(inner: S, defaults: Timeouts) -> Self {
        Timeout { inner, defaults }
    }

    /// A layer for this service.
    pub fn layer(defaults: Timeouts) -> TimeoutLayer {
        TimeoutLayer::new(defaults)
    }

    define_inner_service_accessors!();
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Timeout<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Error: From<Error>,
{
    type Response = Response<TimeoutBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let timeouts = match req.extensions().get::<Timeouts>() {
            Some(own) => own.or(self.defaults),
            None => self.defaults,
        };
        let now = Instant::now();
        let deadline = match req.extensions().get::<Deadline>() {
            Some(Deadline(at)) => Some(Instant::from_std(*at)),
            None => timeouts.total.map(|total| now + total),
        };
        let limits = Limits {
            read: timeouts.read,
            deadline,
        };
        let head_deadline = limits.next_deadline(now);
        ResponseFuture {
            inner: self.inner.call(req),
            sleep: head_deadline.map(sleep_until),
            limits,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    read: Option<Duration>,
    deadline: Option<Instant>,
}

impl Limits {
    fn next_deadline(&self, now: Instant) -> Option<Instant> {
        match (self.read.map(|read| now + read), self.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn error(&self) -> Error {
        match (self.deadline, self.read) {
            (Some(deadline), _) if Instant::now() >= deadline => {
                Error::msg(ErrorKind::Timeout, "request timed out (total timeout)")
            }
            (_, Some(read)) => Error::msg(
                ErrorKind::ReadTimeout,
                format!("read timed out: no data from the server for {read:?}"),
            ),
            _ => Error::msg(ErrorKind::Timeout, "request timed out"),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`Timeout`].
    #[must_use = "futures do nothing unless polled"]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        #[pin]
        sleep: Option<Sleep>,
        limits: Limits,
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    E: From<Error>,
{
    type Output = Result<Response<TimeoutBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(result) = this.inner.poll(cx) {
            let limits = *this.limits;
            return Poll::Ready(result.map(|response| {
                response.map(|body| TimeoutBody {
                    body,
                    sleep: None,
                    limits,
                    expired: false,
                })
            }));
        }
        if let Some(sleep) = this.sleep.as_pin_mut() {
            ready!(sleep.poll(cx));
            return Poll::Ready(Err(this.limits.error().into()));
        }
        Poll::Pending
    }
}

impl<F> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("read", &self.limits.read)
            .finish()
    }
}

pin_project_lite::pin_project! {
    /// A response body that fails with a timeout error when the server stays silent
    /// longer than the read timeout, or the total deadline passes.
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
    /// A body with no limits (they come from the layer).
    pub fn unlimited(body: B) -> Self {
        TimeoutBody {
            body,
            sleep: None,
            limits: Limits {
                read: None,
                deadline: None,
            },
            expired: false,
        }
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
            return Poll::Ready(Some(Err(Box::new(this.limits.error()))));
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

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, StreamBody};
    use std::convert::Infallible;
    use tower::{ServiceExt, service_fn};

    fn trickle(gaps_ms: Vec<u64>) -> impl Body<Data = Bytes, Error = Infallible> + Send {
        StreamBody::new(futures_util::stream::unfold(
            gaps_ms.into_iter(),
            |mut gaps| async move {
                let gap = gaps.next()?;
                tokio::time::sleep(Duration::from_millis(gap)).await;
                Some((Ok(Frame::data(Bytes::from_static(b"x"))), gaps))
            },
        ))
    }

    fn layer(read_ms: u64, total_ms: Option<u64>) -> TimeoutLayer {
        TimeoutLayer::new(Timeouts {
            read: Some(Duration::from_millis(read_ms)),
            total: total_ms.map(Duration::from_millis),
            connect: None,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn read_timeout_resets_on_every_chunk() {
        let svc = layer(100, None).layer(service_fn(|_: Request<()>| async {
            Ok::<_, Error>(Response::new(trickle(vec![50, 50, 50, 50])))
        }));
        let body = svc.oneshot(Request::new(())).await.unwrap().into_body();
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(
            bytes.len(),
            4,
            "a trickling body never trips the read timeout"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stall_mid_body_is_a_read_timeout() {
        let svc = layer(100, None).layer(service_fn(|_: Request<()>| async {
            Ok::<_, Error>(Response::new(trickle(vec![10, 500])))
        }));
        let body = svc.oneshot(Request::new(())).await.unwrap().into_body();
        let err = body.collect().await.unwrap_err();
        let err = err.downcast::<Error>().unwrap();
        assert_eq!(err.kind(), ErrorKind::ReadTimeout);
    }

    #[tokio::test(start_paused = true)]
    async fn the_total_deadline_covers_the_body() {
        let svc = layer(100, Some(120)).layer(service_fn(|_: Request<()>| async {
            Ok::<_, Error>(Response::new(trickle(vec![50, 50, 50, 50])))
        }));
        let body = svc.oneshot(Request::new(())).await.unwrap().into_body();
        let err = body.collect().await.unwrap_err();
        assert_eq!(err.downcast::<Error>().unwrap().kind(), ErrorKind::Timeout);
    }

    #[tokio::test(start_paused = true)]
    async fn request_timeouts_override_the_layer() {
        let svc = layer(10, None).layer(service_fn(|_: Request<()>| async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok::<_, Error>(Response::new(trickle(vec![])))
        }));
        let mut req = Request::new(());
        req.extensions_mut().insert(Timeouts {
            read: Some(Duration::from_millis(200)),
            ..Timeouts::default()
        });
        assert!(svc.clone().oneshot(req).await.is_ok());
        let err = svc.oneshot(Request::new(())).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ReadTimeout);
    }
}
