//! The response future of `Redirect`: the first hop is polled in place; only a
//! response that is a redirect moves the rest of the chain into one boxed future.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, ready};
use std::time::Instant;

use bytes::Bytes;
use http::{Extensions, HeaderMap, Method, Response, Uri, Version};
use sessio_core::{BoxError, Error, ErrorKind, PreparedRequest};
use tower_service::Service;
use url::Url;

use super::hop::{self, Hop};
use super::policy::{Action, Attempt};
use super::service::Config;
use super::{RedirectInfo, RedirectOutcome, ReplayBody};
use crate::cookies::CookieSent;

/// What the chain needs besides the first response: the inner service, and the
/// first request without its body (plus a replayable copy of the body).
pub(crate) struct Context<S, B> {
    pub(crate) service: S,
    pub(crate) origin: Origin<B>,
    pub(crate) version: Version,
    pub(crate) extensions: Extensions,
    pub(crate) allow: bool,
    pub(crate) started: Instant,
    pub(crate) config: Arc<Config>,
}

/// The first request of the chain: copied by the layer, or the caller's own
/// record of it (no copy; given back when no redirect needed it).
pub(crate) enum Origin<B> {
    Copied {
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        fragment: Option<String>,
        body: Option<B>,
    },
    Record {
        request: PreparedRequest,
        /// `false` when the body was a stream (the record keeps an empty body).
        replayable: bool,
    },
}

type Chain<RB, E> = Pin<Box<dyn Future<Output = Result<Response<RB>, E>> + Send>>;

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
        First { #[pin] future: S::Future, context: Option<Context<S, B>> },
        Chain { future: Chain<RB, S::Error> },
    }
}

impl<S, B, RB> ResponseFuture<S, B, RB>
where
    S: Service<http::Request<B>, Response = Response<RB>>,
{
    pub(crate) fn new(future: S::Future, context: Context<S, B>) -> Self {
        ResponseFuture {
            state: State::First {
                future,
                context: Some(context),
            },
        }
    }

    /// The caller's record, if no redirect took it.
    fn take_record(self: Pin<&mut Self>) -> Option<PreparedRequest> {
        match self.project().state.project() {
            StateProj::First { context, .. } => match context.take()?.origin {
                Origin::Record { request, .. } => Some(request),
                Origin::Copied { .. } => None,
            },
            StateProj::Chain { .. } => None,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Redirect::call_recorded`](super::Redirect::call_recorded): the
    /// response, and the caller's record of the request back when no redirect used it.
    #[must_use = "futures do nothing unless polled"]
    pub struct RecordedFuture<S, B, RB>
    where
        S: Service<http::Request<B>, Response = Response<RB>>,
    {
        #[pin]
        inner: ResponseFuture<S, B, RB>,
    }
}

impl<S, B, RB> RecordedFuture<S, B, RB>
where
    S: Service<http::Request<B>, Response = Response<RB>>,
{
    pub(crate) fn new(inner: ResponseFuture<S, B, RB>) -> Self {
        RecordedFuture { inner }
    }
}

impl<S, B, RB> Future for RecordedFuture<S, B, RB>
where
    S: Service<http::Request<B>, Response = Response<RB>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: From<Error> + Send + 'static,
    B: ReplayBody + Send + 'static,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    type Output = (Result<Response<RB>, S::Error>, Option<PreparedRequest>);

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let mut inner = self.project().inner;
        let result = ready!(inner.as_mut().poll(cx));
        Poll::Ready((result, inner.take_record()))
    }
}

impl<S, B, RB> std::fmt::Debug for RecordedFuture<S, B, RB>
where
    S: Service<http::Request<B>, Response = Response<RB>>,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("redirect::RecordedFuture")
    }
}

impl<S, B, RB> Future for ResponseFuture<S, B, RB>
where
    S: Service<http::Request<B>, Response = Response<RB>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: From<Error> + Send + 'static,
    B: ReplayBody + Send + 'static,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    type Output = Result<Response<RB>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StateProj::First { future, context } => {
                    let response = ready!(future.poll(cx))?;
                    if hop::location(response.status(), response.headers()).is_none() {
                        return Poll::Ready(Ok(response));
                    }
                    let Some(context) = context.take() else {
                        return Poll::Ready(Ok(response));
                    };
                    let chain = Box::pin(follow(context, response));
                    this.state.set(State::Chain { future: chain });
                }
                StateProj::Chain { future } => return future.as_mut().poll(cx),
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

/// Follows the chain that starts with `response`, a redirect.
async fn follow<S, B, RB>(
    context: Context<S, B>,
    mut response: Response<RB>,
) -> Result<Response<RB>, S::Error>
where
    S: Service<http::Request<B>, Response = Response<RB>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: From<Error> + Send + 'static,
    B: ReplayBody + Send + 'static,
    RB: http_body::Body<Data = Bytes> + Send + 'static,
    RB::Error: Into<BoxError>,
{
    let Context {
        mut service,
        origin,
        version,
        extensions,
        allow,
        started,
        config,
    } = context;
    let (mut current, mut fragment) = first_hop(origin, version, extensions)?;
    let mut elapsed = started.elapsed();
    let mut history: Vec<sessio_core::Response> = Vec::new();
    let mut urls: Vec<Url> = Vec::new();

    loop {
        let Some(location) = hop::location(response.status(), response.headers()).cloned() else {
            return Ok(finish(response, history, &current, None, None));
        };
        let status = response.status();
        let target = hop::resolve(&current.url, &location, &mut fragment)?;
        let next = current.next(status, target.clone(), &*config.policy);
        if !allow {
            return Ok(finish(response, history, &current, Some(&next), None));
        }
        urls.push(current.url.clone());
        if history.len() >= config.max_redirects {
            let mut last = record(response, current.snapshot(), elapsed).await;
            last.set_history(with_nested_histories(history));
            let message = format!("Exceeded {} redirects.", config.max_redirects);
            return Err(Error::msg(ErrorKind::Redirect, message)
                .with_response(last)
                .into());
        }
        if config.https_only && target.scheme() != "https" {
            let message = "refused to follow a redirect to a URL that is not https (https_only)";
            return Err(Error::msg(ErrorKind::Redirect, message)
                .with_url(target)
                .into());
        }
        let attempt = Attempt {
            status,
            method: &next.method,
            location: &target,
            previous: &urls,
        };
        match config.policy.redirect(&attempt) {
            Action::Follow => {}
            Action::Stop => {
                let why = Some("the redirect policy stopped");
                return Ok(finish(response, history, &current, Some(&next), why));
            }
            Action::Error(err) => {
                return Err(Error::new(ErrorKind::Redirect, err).with_url(target).into());
            }
        }
        if next.body.is_none() {
            let why = Some("the request body is a stream and cannot be sent again");
            return Ok(finish(response, history, &current, Some(&next), why));
        }
        history.push(record(response, current.snapshot(), elapsed).await);
        current = next;
        let request = current.to_request()?;
        let hop_started = Instant::now();
        std::future::poll_fn(|cx| service.poll_ready(cx)).await?;
        response = service.call(request).await?;
        elapsed = hop_started.elapsed();
    }
}

/// The first hop of a chain, from whichever origin the layer has.
fn first_hop<B: ReplayBody + 'static>(
    origin: Origin<B>,
    version: Version,
    extensions: Extensions,
) -> Result<(Hop<B>, Option<String>), Error> {
    match origin {
        Origin::Copied {
            method,
            uri,
            headers,
            fragment,
            body,
        } => {
            let mut url = Url::parse(&uri.to_string())
                .map_err(|e| Error::invalid_url(&uri.to_string(), &e.to_string()))?;
            url.set_fragment(fragment.as_deref());
            let hop = Hop {
                method,
                url,
                version,
                headers,
                extensions,
                body,
            };
            Ok((hop, fragment))
        }
        Origin::Record {
            request,
            replayable,
        } => {
            let (method, url, headers, body, _) = request.into_parts();
            let fragment = url.fragment().map(str::to_owned);
            // The record's body is sessio's `Body`; the layer's is `B` (the same type
            // whenever a record is used: `call_recorded` takes `Request<Body>`).
            let body = replayable
                .then(|| {
                    (Box::new(body) as Box<dyn std::any::Any>)
                        .downcast::<B>()
                        .ok()
                })
                .flatten()
                .map(|b| *b);
            let hop = Hop {
                method,
                url,
                version,
                headers,
                extensions,
                body,
            };
            Ok((hop, fragment))
        }
    }
}

/// The response to return, with the outcome of the chain attached.
fn finish<B: ReplayBody + 'static, RB>(
    mut response: Response<RB>,
    history: Vec<sessio_core::Response>,
    current: &Hop<B>,
    next: Option<&Hop<B>>,
    not_followed: Option<&str>,
) -> Response<RB> {
    let outcome = RedirectOutcome {
        request: Some(with_sent_cookie(current.snapshot(), response.extensions())),
        history: with_nested_histories(history),
        next: next.map(Hop::snapshot),
        not_followed: not_followed.map(str::to_owned),
    };
    response.extensions_mut().insert(RedirectInfo::new(outcome));
    response
}

/// A redirect response for the history: its body drained (raw, bounded).
async fn record<RB>(
    response: Response<RB>,
    request: sessio_core::PreparedRequest,
    elapsed: std::time::Duration,
) -> sessio_core::Response
where
    RB: http_body::Body<Data = Bytes>,
    RB::Error: Into<BoxError>,
{
    let (parts, body) = response.into_parts();
    let request = with_sent_cookie(request, &parts.extensions);
    let drained = hop::drain(body).await.unwrap_or_default();
    let mut record = sessio_core::Response::buffered(Response::from_parts(parts, drained), request);
    record.set_elapsed(elapsed);
    record
}

/// The hop's request as sent: with the `Cookie` header the cookies layer added.
fn with_sent_cookie(
    mut request: sessio_core::PreparedRequest,
    extensions: &http::Extensions,
) -> sessio_core::PreparedRequest {
    if let Some(CookieSent(cookie)) = extensions.get::<CookieSent>() {
        request
            .headers_mut()
            .insert(http::header::COOKIE, cookie.clone());
    }
    request
}

/// requests' history: each entry's own history is the entries before it.
fn with_nested_histories(mut history: Vec<sessio_core::Response>) -> Vec<sessio_core::Response> {
    let flat: Vec<sessio_core::Response> = history
        .iter()
        .filter_map(sessio_core::Response::try_clone)
        .collect();
    for (i, entry) in history.iter_mut().enumerate() {
        entry.set_history(
            flat[..i]
                .iter()
                .filter_map(sessio_core::Response::try_clone)
                .collect(),
        );
    }
    history
}
