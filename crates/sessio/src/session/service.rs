//! A whole session as a tower service, of `Request`s or of `PreparedRequest`s,
//! so that more layers can wrap it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use sessio_core::{Error, PreparedRequest, Request, Response, Result};
use tower_service::Service;

use super::Session;

/// The future of a session used as a tower service.
pub type SessionFuture = Pin<Box<dyn Future<Output = Result<Response>> + Send + 'static>>;

impl Service<Request> for Session {
    type Response = Response;
    type Error = Error;
    type Future = SessionFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match self.prepare(request) {
            Ok(prepared) => Box::pin(self.send(prepared)),
            Err(err) => Box::pin(std::future::ready(Err(err))),
        }
    }
}

impl Service<PreparedRequest> for Session {
    type Response = Response;
    type Error = Error;
    type Future = SessionFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: PreparedRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}
