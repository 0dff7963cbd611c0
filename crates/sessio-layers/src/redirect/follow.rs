//! Following a chain of redirects, once the first response turned out to be one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Response;
use tower_service::Service;
use url::Url;

use super::layer::Config;
use super::location::{location, resolve};
use super::policy::{Action, Attempt};
use super::rewrite::{ChainRequest, FirstRequest};
use super::{
    FollowedRedirect, NotHttps, PolicyError, RedirectHistory, RequestHead, TooManyRedirects,
};
use crate::{BoxError, ReplayBody};

/// What following needs besides the first response: a service to send the next
/// requests with, and the layer's copy of the first request.
pub(crate) struct ChainStart<S, B> {
    pub(crate) service: S,
    pub(crate) first: FirstRequest<B>,
    pub(crate) allow: bool,
    /// The request's limit ([`MaxRedirects`](sessio_core::MaxRedirects)) or the layer's.
    pub(crate) max_redirects: usize,
    pub(crate) started: Instant,
    pub(crate) config: Arc<Config>,
}

/// Follows the chain that starts with `response`, a redirect.
pub(crate) async fn follow<S, B, RB>(
    start: ChainStart<S, B>,
    mut response: Response<RB>,
) -> Result<Response<RB>, BoxError>
where
    S: Service<http::Request<B>, Response = Response<RB>>,
    S::Error: Into<BoxError>,
    B: ReplayBody,
    RB: http_body::Body<Data = Bytes>,
    RB::Error: Into<BoxError>,
{
    let ChainStart {
        mut service,
        first,
        allow,
        max_redirects,
        started,
        config,
    } = start;
    let (mut current, mut fragment) = first.into_chain()?;
    let mut elapsed = started.elapsed();
    let mut followed: Vec<FollowedRedirect> = Vec::new();
    let mut urls: Vec<Url> = Vec::new();

    loop {
        let Some(location) = location(response.status(), response.headers()).cloned() else {
            return Ok(finish(response, followed, &current, None, None));
        };
        let status = response.status();
        let target = resolve(&current.url, &location, &mut fragment)?;
        let next = current.next(status, target.clone(), &*config.policy);
        if !allow {
            return Ok(finish(response, followed, &current, Some(&next), None));
        }
        urls.push(current.url.clone());
        if followed.len() >= max_redirects {
            let last = record(response, current.head(), elapsed).await;
            return Err(Box::new(TooManyRedirects {
                max_redirects,
                last: Box::new(last),
                history: followed,
            }));
        }
        if config.https_only && target.scheme() != "https" {
            return Err(Box::new(NotHttps { url: target }));
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
                return Ok(finish(response, followed, &current, Some(&next), why));
            }
            Action::Error(source) => {
                return Err(Box::new(PolicyError {
                    url: target,
                    source,
                }));
            }
        }
        if next.body.is_none() {
            let why = Some("the request body is a stream and cannot be sent again");
            return Ok(finish(response, followed, &current, Some(&next), why));
        }
        if let Some(deadline) = current.deadline()
            && deadline.has_passed()
        {
            return Err(Box::new(deadline.passed_error()));
        }
        followed.push(record(response, current.head(), elapsed).await);
        current = next;
        let request = current.to_http()?;
        let hop_started = Instant::now();
        std::future::poll_fn(|cx| service.poll_ready(cx))
            .await
            .map_err(Into::into)?;
        response = service.call(request).await.map_err(Into::into)?;
        elapsed = hop_started.elapsed();
    }
}

/// The response to return, with the chain recorded on it.
fn finish<B: ReplayBody, RB>(
    mut response: Response<RB>,
    followed: Vec<FollowedRedirect>,
    current: &ChainRequest<B>,
    next: Option<&ChainRequest<B>>,
    not_followed: Option<&str>,
) -> Response<RB> {
    let history = RedirectHistory {
        followed,
        request: current.head(),
        next: next.map(ChainRequest::head),
        not_followed: not_followed.map(str::to_owned),
    };
    response.extensions_mut().insert(history);
    response
}

/// A redirect for the history: its body drained (raw, bounded).
async fn record<RB>(
    response: Response<RB>,
    request: RequestHead,
    elapsed: Duration,
) -> FollowedRedirect
where
    RB: http_body::Body<Data = Bytes>,
    RB::Error: Into<BoxError>,
{
    FollowedRedirect {
        request,
        response: crate::recorded::keep(response).await,
        elapsed,
    }
}
