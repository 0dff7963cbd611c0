//! A future that is one of two futures with the same output, without boxing.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project_lite::pin_project! {
    /// One of two futures with the same output; used where a layer may answer early
    /// (an invalid input) without calling the inner service.
    #[project = EitherProj]
    #[derive(Debug)]
    pub enum EitherFuture<L, R> {
        /// The usual path: the inner service's future.
        Left {
            /// The inner service's future.
            #[pin]
            future: L,
        },
        /// The early answer.
        Right {
            /// The early answer.
            #[pin]
            future: R,
        },
    }
}

impl<L, R> EitherFuture<L, R> {
    pub(crate) fn left(future: L) -> Self {
        EitherFuture::Left { future }
    }

    pub(crate) fn right(future: R) -> Self {
        EitherFuture::Right { future }
    }
}

impl<L, R> Future for EitherFuture<L, R>
where
    L: Future,
    R: Future<Output = L::Output>,
{
    type Output = L::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            EitherProj::Left { future } => future.poll(cx),
            EitherProj::Right { future } => future.poll(cx),
        }
    }
}
