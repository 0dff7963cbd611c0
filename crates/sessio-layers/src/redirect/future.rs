//! The response future of `Redirect`: the first response is awaited in place;
//! only a response that is a redirect moves the rest of the chain into one boxed
//! future.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::Response;
use tower_service::Service;

use super::follow::{ChainStart, follow};
use super::location::location;
use crate::{BoxError, ReplayBody};

type Chain<RB> = Pin<Box<dyn Future<Output = Result<Response<RB>, BoxError>> + Send>>;

pin_project_lite::pin_project! {
    /// The response future of [`Redirect`](super::Redirect).
    #[must_use = "futures do nothing unless polled"]
    pub struct ResponseFuture<S, B, RB>
    where
        S: Service<http::Request<B>, Response = Response<RB>>,
    {
        #[pin]
        state: State<S, B, RB>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<S, B, RB>
    where
        S: Service<http::Request<B>, Response = Response<RB>>,
    {
        First { #[pin] future: S::Future, start: Option<ChainStart<S, B>> },
        Following { future: Chain<RB> },
    }
}

impl<S, B, RB> ResponseFuture<S, B, RB>
where
    S: Service<http::Request<B>, Response = Response<RB>>,
{
    pub(crate) fn new(future: S::Future, start: ChainStart<S, B>) -> Self {
        ResponseFuture {
            state: State::First {
                future,
                start: Some(start),
            },
        }
    }
}

impl<S, B, RB> Future for ResponseFuture<S, B, RB>
where
    S: Service<http::Request<B>, Response = Response<RB>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: ReplayBody + Send + 'static,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    type Output = Result<Response<RB>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::First { future, start } => {
                    let response = ready!(future.poll(cx)).map_err(Into::into)?;
                    if location(response.status(), response.headers()).is_none() {
                        return Poll::Ready(Ok(response));
                    }
                    let Some(start) = start.take() else {
                        return Poll::Ready(Ok(response));
                    };
                    let chain = Box::pin(follow(start, response));
                    this.state.set(State::Following { future: chain });
                }
                StateProj::Following { future } => return future.as_mut().poll(cx),
            }
        }
    }
}

impl<S, B, RB> std::fmt::Debug for ResponseFuture<S, B, RB>
where
    S: Service<http::Request<B>, Response = Response<RB>>,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("redirect::ResponseFuture")
    }
}
