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
        // The first response came back and was not followed (or was an error).
        answered: bool,
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
            answered: false,
        }
    }

    /// The headers of the request as this layer received it, once the future
    /// has completed without following a redirect (with a response or an
    /// error): the copy the layer kept to follow one. `None` before completion,
    /// once taken, and after a redirect was followed (the
    /// [`RedirectHistory`](super::RedirectHistory) extension then has the
    /// requests of the chain).
    ///
    /// A client that keeps a record of every request it sent can take them from
    /// here instead of copying the headers a second time.
    ///
    /// ```
    /// use std::pin::pin;
    /// use sessio::http::{Request, Response};
    /// use sessio::layers::redirect::RedirectLayer;
    /// use tower::{Layer, Service, service_fn};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let server = service_fn(|_: Request<String>| async {
    ///     Ok::<_, std::convert::Infallible>(Response::new(String::from("hi")))
    /// });
    /// let mut client = RedirectLayer::new().layer(server);
    /// let request = Request::get("http://example.test/").header("x-a", "1").body(String::new()).unwrap();
    /// let mut future = pin!(client.call(request));
    /// assert!(future.as_mut().take_request_headers().is_none()); // not answered yet
    /// let response = future.as_mut().await.unwrap();
    /// assert_eq!(response.status(), 200);
    /// let sent = future.as_mut().take_request_headers().unwrap();
    /// assert_eq!(sent["x-a"], "1");
    /// # });
    /// ```
    pub fn take_request_headers(self: Pin<&mut Self>) -> Option<http::HeaderMap> {
        let this = self.project();
        if !*this.answered {
            return None;
        }
        match this.state.project() {
            StateProj::First { start, .. } => start.take().map(|start| start.first.into_headers()),
            StateProj::Following { .. } => None,
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
                    let result = ready!(future.poll(cx));
                    *this.answered = true;
                    let response = result.map_err(Into::into)?;
                    if location(response.status(), response.headers()).is_none() {
                        return Poll::Ready(Ok(response));
                    }
                    let Some(start) = start.take() else {
                        return Poll::Ready(Ok(response));
                    };
                    *this.answered = false;
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
