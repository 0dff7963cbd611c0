//! A future that is one of two futures with the same output, without boxing.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project_lite::pin_project! {
    /// One of two futures with the same output; used where a layer may answer early
    /// (an invalid input) without calling the inner service.
    #[must_use = "futures do nothing unless polled"]
    #[derive(Debug)]
    pub struct EitherFuture<L, R> {
        #[pin]
        inner: Inner<L, R>,
    }
}

pin_project_lite::pin_project! {
    #[project = InnerProj]
    #[derive(Debug)]
    enum Inner<L, R> {
        Left { #[pin] future: L },
        Right { #[pin] future: R },
    }
}

impl<L, R> EitherFuture<L, R> {
    pub(crate) fn left(future: L) -> Self {
        EitherFuture {
            inner: Inner::Left { future },
        }
    }

    pub(crate) fn right(future: R) -> Self {
        EitherFuture {
            inner: Inner::Right { future },
        }
    }
}

impl<L, R> Future for EitherFuture<L, R>
where
    L: Future,
    R: Future<Output = L::Output>,
{
    type Output = L::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().inner.project() {
            InnerProj::Left { future } => future.poll(cx),
            InnerProj::Right { future } => future.poll(cx),
        }
    }
}
