//! One exchange: the prepared request through the stack, and the `Response` built
//! from what comes back.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use sessio_core::__private::{ErrorExt, ResponseExt, count_download, error_msg};
use sessio_core::{
    Body, BoxError, DownloadProgress, Error, ErrorKind, PreparedRequest, ProgressFn, Response,
    ResponseBody, Result,
};
use sessio_layers::redirect::{RedirectHistory, TooManyRedirects};
use tower_service::Service;

use super::history::{ResponseContext, finish, hop};
use super::stack::{Chain, ChainFuture, Stack};
use crate::error::from_boxed;

/// A request on its way: what `Session::start_exchange` prepared.
pub(super) struct Exchange {
    pub(super) stack: Stack,
    pub(super) http: http::Request<Body>,
    /// The request as prepared, for `Response::request()` (a stream body left
    /// out; with the session's own stack its headers are left out too, and
    /// come back from the redirect layer with the response).
    pub(super) snapshot: PreparedRequest,
    pub(super) deadline: Option<Instant>,
    pub(super) stream: bool,
    pub(super) max_decompressed_size: Option<u64>,
    /// Whether the spans' `url.full` shows query values (`tracing` feature).
    #[cfg(feature = "tracing")]
    pub(super) trace_query_values: bool,
}

/// Sends the request through the stack (a plain `Service::call`) and builds the
/// `Response`.
pub(super) fn run(start: Result<Exchange>) -> impl Future<Output = Result<Response>> + Send {
    #[cfg(feature = "tracing")]
    {
        let mut start = start;
        let span = match &mut start {
            Ok(exchange) => {
                crate::trace::request_span(&mut exchange.http, exchange.trace_query_values)
            }
            Err(_) => tracing::Span::none(),
        };
        // One named future around `send`, so the span adds only itself.
        crate::trace::TracedRequest::new(send(start), span)
    }
    #[cfg(not(feature = "tracing"))]
    send(start)
}

/// The exchange itself.
async fn send(start: Result<Exchange>) -> Result<Response> {
    let Exchange {
        stack,
        http,
        mut snapshot,
        deadline,
        stream,
        max_decompressed_size,
        ..
    } = start?;
    let started = Instant::now();
    let result = match stack {
        Stack::Plain(chain) => {
            let mut call = std::pin::pin!(ChainCall::new(chain, http));
            let result = WithDeadline::new(deadline, call.as_mut()).await;
            if let Some(headers) = call.take_request_headers() {
                *snapshot.headers_mut() = headers;
            }
            result
        }
        mut wrapped @ Stack::Wrapped(_) => {
            WithDeadline::new(deadline, async move {
                std::future::poll_fn(|cx| wrapped.poll_ready(cx)).await?;
                wrapped.call(http).await
            })
            .await
        }
    };
    let mut response = respond(result, snapshot, started, max_decompressed_size)?;
    // requests' `stream=False`: the body is read into memory before `send`
    // returns (in place: the response is not moved into another future).
    if !stream && let Err(err) = response.buffer_raw_body().await {
        return Err(err.with_url_if_missing(response.url()));
    }
    Ok(response)
}

pin_project_lite::pin_project! {
    /// The session's own chain, polled ready and called, which can give back the
    /// request it was called with once it answered.
    struct ChainCall {
        chain: Chain,
        request: Option<http::Request<Body>>,
        #[pin]
        future: Option<ChainFuture>,
    }
}

impl ChainCall {
    fn new(chain: Chain, request: http::Request<Body>) -> Self {
        ChainCall {
            chain,
            request: Some(request),
            future: None,
        }
    }

    /// The request's headers as the redirect layer kept them, when no redirect
    /// was followed.
    fn take_request_headers(self: Pin<&mut Self>) -> Option<http::HeaderMap> {
        self.project().future.as_pin_mut()?.take_request_headers()
    }
}

impl Future for ChainCall {
    type Output = StackResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<StackResult> {
        let mut this = self.project();
        if let Some(request) = this.request.take() {
            if this.chain.poll_ready(cx)?.is_pending() {
                *this.request = Some(request);
                return Poll::Pending;
            }
            this.future.set(Some(this.chain.call(request)));
        }
        match this.future.as_pin_mut() {
            Some(future) => future.poll(cx),
            // Only after `poll_ready` failed, which was returned.
            None => Poll::Pending,
        }
    }
}

/// The final response, its body counted for a download progress callback.
fn counted(
    response: http::Response<ResponseBody>,
    report: ProgressFn,
) -> http::Response<ResponseBody> {
    let total = response
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse().ok());
    response.map(|body| count_download(body, report, total))
}

/// The `Response` for what the stack returned.
fn respond(
    result: StackResult,
    snapshot: PreparedRequest,
    started: Instant,
    max_decompressed_size: Option<u64>,
) -> Result<Response> {
    let result = match snapshot.extensions().get::<DownloadProgress>() {
        None => result,
        Some(DownloadProgress(report)) => result.map(|response| counted(response, report.clone())),
    };
    let context = ResponseContext {
        first_body: snapshot.body(),
        max_decompressed_size,
    };
    let mut http_response = match result {
        Ok(response) => response,
        Err(err) => {
            let err = with_exhausted_head(stack_error(err, &context), &snapshot);
            return Err(err.with_url_if_missing(snapshot.url()));
        }
    };
    let Some(history) = http_response.extensions_mut().remove::<RedirectHistory>() else {
        let (request, answered) = hop(
            snapshot,
            http_response.extensions_mut(),
            max_decompressed_size,
        );
        let mut response = Response::new(http_response, request);
        response.set_elapsed(started.elapsed());
        finish(&mut response, max_decompressed_size);
        if !answered.is_empty() {
            response.set_history(answered);
        }
        return Ok(response);
    };
    let RedirectHistory {
        followed,
        request,
        next,
        not_followed,
        ..
    } = history;
    let (request, answered) = hop(
        context.hop_request(request),
        http_response.extensions_mut(),
        max_decompressed_size,
    );
    let next = next.map(|next| context.hop_request(next));
    let mut history = context.history(followed);
    history.extend(answered);
    let mut response = Response::new(http_response, request);
    response.set_elapsed(started.elapsed());
    finish(&mut response, max_decompressed_size);
    response.set_history(history);
    response.set_next(next);
    if let Some(why) = not_followed {
        response.set_redirect_not_followed(why);
    }
    Ok(response)
}

/// An error of the stack as a sessio error; too many redirects carries the last
/// response, with its history.
fn stack_error(err: BoxError, context: &ResponseContext<'_>) -> Error {
    match err.downcast::<TooManyRedirects>() {
        Ok(too_many) => {
            let message = format!("Exceeded {} redirects", too_many.max_redirects());
            let (last, mut followed) = too_many.into_parts();
            followed.push(last);
            let mut history = context.history(followed);
            let mut last = history.pop().expect("the redirect that was one too many");
            last.set_history(history);
            error_msg(ErrorKind::Redirect, message).with_response(last)
        }
        Err(other) => from_boxed(other),
    }
}

/// Retries that ran out on a status carry the last response's head, as an
/// `error_for_status` error carries its response.
fn with_exhausted_head(err: Error, snapshot: &PreparedRequest) -> Error {
    if !err.is_retry() || err.response().is_some() {
        return err;
    }
    let exhausted = std::error::Error::source(&err)
        .and_then(|source| source.downcast_ref::<sessio_layers::retry::RetriesExhausted>());
    let Some(exhausted) = exhausted else {
        return err;
    };
    let mut head = http::Response::new(ResponseBody::empty());
    *head.status_mut() = exhausted.status();
    *head.headers_mut() = exhausted.headers().clone();
    let response = Response::new(head, snapshot.snapshot());
    err.with_response(response)
}

type StackResult = std::result::Result<http::Response<ResponseBody>, BoxError>;

pin_project_lite::pin_project! {
    /// A future with an optional deadline: one type whether or not there is one.
    struct WithDeadline<F> {
        #[pin]
        inner: F,
        #[pin]
        sleep: Option<tokio::time::Sleep>,
    }
}

impl<F> WithDeadline<F> {
    fn new(deadline: Option<Instant>, inner: F) -> Self {
        WithDeadline {
            inner,
            sleep: deadline.map(|at| tokio::time::sleep_until(at.into())),
        }
    }
}

impl<F: Future<Output = StackResult>> Future for WithDeadline<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.inner.poll(cx) {
            return Poll::Ready(output);
        }
        match this.sleep.as_pin_mut().map(|sleep| sleep.poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(Err(Box::new(error_msg(
                ErrorKind::Timeout,
                "request timed out (total timeout)",
            )))),
            _ => Poll::Pending,
        }
    }
}
