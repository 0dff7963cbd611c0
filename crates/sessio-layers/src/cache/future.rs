//! The response future of `Cache`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::Response;
use http_body::Body;

use super::body::CacheBody;
use super::service::Pending;
use crate::BoxError;

pin_project_lite::pin_project! {
    /// The response future of [`Cache`](super::Cache): a stored response, or
    /// the server's answer (then stored, or merged into the stored one).
    #[must_use = "futures do nothing unless polled"]
    pub struct ResponseFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        Ready { response: Option<Response<CacheBody<B>>> },
        Network { #[pin] future: F, pending: Option<Box<Pending>> },
    }
}

impl<F, B> ResponseFuture<F, B> {
    pub(crate) fn ready(response: Response<CacheBody<B>>) -> Self {
        ResponseFuture {
            state: State::Ready {
                response: Some(response),
            },
        }
    }

    pub(crate) fn network(future: F, pending: Option<Box<Pending>>) -> Self {
        ResponseFuture {
            state: State::Network { future, pending },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
    E: Into<BoxError>,
    B: Body<Data = Bytes>,
{
    type Output = Result<Response<CacheBody<B>>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Ready { response } => Poll::Ready(
                response
                    .take()
                    .ok_or_else(|| "cache::ResponseFuture polled after completion".into()),
            ),
            StateProj::Network { future, pending } => {
                let result = ready!(future.poll(cx));
                Poll::Ready(match pending.take() {
                    Some(pending) => pending.finish(result),
                    None => result
                        .map(|response| response.map(CacheBody::upstream))
                        .map_err(Into::into),
                })
            }
        }
    }
}

impl<F, B> std::fmt::Debug for ResponseFuture<F, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cache::ResponseFuture")
    }
}
