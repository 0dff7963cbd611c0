//! Multi-step authentication as a tower layer: before each request the flow
//! may add an `Authorization`, and after the response it may ask to send the
//! request once more with another one (digest auth, a refreshed token).
//!
//! The flow comes with each request as a request extension (sessio's prepare
//! attaches the session's or the request's [`Auth::digest`](sessio_core::Auth::digest)
//! or [`Auth::flow`](sessio_core::Auth::flow) there, with the origin it is
//! for), or is fixed for every request with [`AuthFlowLayer::new`]. A request
//! is sent again only when its body can be replayed; the response that is
//! answered is drained first (up to 64 KiB) so that its connection is reused,
//! and kept with the final response in an [`AuthFlowRecord`] extension.
//!
//! Put it below the redirect layer: each hop of a redirect chain then gets
//! its own answer, as requests' digest handler answers each response.
//!
//! ```
//! use std::convert::Infallible;
//! use http_body_util::Full;
//! use sessio::http::{Request, Response};
//! use sessio::layers::auth_flow::AuthFlowLayer;
//! use tower::{Layer, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let server = tower::service_fn(|req: Request<Full<bytes::Bytes>>| async move {
//!     let status = if req.headers().contains_key("authorization") { 200 } else { 401 };
//!     let challenge = "Digest realm=\"r\", nonce=\"n\", qop=\"auth\"";
//!     Ok::<_, Infallible>(Response::builder().status(status).header("www-authenticate", challenge)
//!         .body(Full::new(bytes::Bytes::new())).unwrap())
//! });
//! let digest = sessio::Auth::digest("user", "pass");
//! let client = AuthFlowLayer::for_auth(&digest).unwrap().layer(server);
//! let response = client.oneshot(Request::get("http://h.test/").body(Full::default()).unwrap()).await.unwrap();
//! assert_eq!(response.status(), 200);
//! # }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::HeaderValue;
use http::header::AUTHORIZATION;
use sessio_core::auth::flow::AttachedFlow;
use sessio_core::{BoxError, Deadline};

/// A flow of one's own, what it sees of a request, and the credentials a
/// flow is made from (re-exported from sessio-core, so that a layers-only
/// user needs nothing else).
pub use sessio_core::Auth;
pub use sessio_core::auth::{AuthFlow, AuthFuture, AuthRequest};
use tower_layer::Layer;
use tower_service::Service;

use crate::ReplayBody;

/// Runs auth flows around the service below; see the [module docs](self).
#[derive(Clone, Default)]
pub struct AuthFlowLayer {
    fixed: Option<Arc<dyn AuthFlow>>,
}

impl AuthFlowLayer {
    /// Runs the flow each request brings as a request extension (sessio's
    /// prepare attaches it); requests without one pass straight through.
    pub fn per_request() -> Self {
        AuthFlowLayer::default()
    }

    /// Runs `flow` for every request.
    pub fn new(flow: impl AuthFlow) -> Self {
        AuthFlowLayer {
            fixed: Some(Arc::new(flow)),
        }
    }

    /// Runs the flow of `auth` (`Auth::digest`, `Auth::flow`) for every
    /// request; `None` for an auth that is a fixed header.
    pub fn for_auth(auth: &sessio_core::Auth) -> Option<Self> {
        let flow = sessio_core::__private::auth_flow(auth)?;
        Some(AuthFlowLayer { fixed: Some(flow) })
    }
}

impl std::fmt::Debug for AuthFlowLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthFlowLayer")
            .field("fixed", &self.fixed.is_some())
            .finish()
    }
}

impl<S> Layer<S> for AuthFlowLayer {
    type Service = AuthFlows<S>;

    fn layer(&self, inner: S) -> AuthFlows<S> {
        AuthFlows {
            inner,
            fixed: self.fixed.clone(),
        }
    }
}

/// The service of [`AuthFlowLayer`].
#[derive(Clone)]
pub struct AuthFlows<S> {
    inner: S,
    fixed: Option<Arc<dyn AuthFlow>>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for AuthFlows<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthFlows")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

type Boxed<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

impl<S, B, RB> Service<http::Request<B>> for AuthFlows<S>
where
    S: Service<http::Request<B>, Response = http::Response<RB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: ReplayBody + Send + 'static,
    RB: http_body::Body + Send + Unpin + 'static,
{
    type Response = http::Response<RB>;
    type Error = BoxError;
    type Future = ResponseFuture<S::Future, http::Response<RB>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let flow = match &self.fixed {
            Some(flow) => Some(flow.clone()),
            None => request
                .extensions()
                .get::<AttachedFlow>()
                .filter(|attached| attached.applies_to(request.uri()))
                .map(|attached| attached.flow.clone()),
        };
        match flow {
            None => ResponseFuture {
                state: State::Direct {
                    future: self.inner.call(request),
                },
            },
            Some(flow) => {
                // Called now, ready or not; the copy is for the sends that follow.
                let inner = self.inner.clone();
                let service = std::mem::replace(&mut self.inner, inner);
                ResponseFuture {
                    state: State::Flow {
                        future: Box::pin(run(service, flow, request)),
                    },
                }
            }
        }
    }
}

/// One request through `flow`: authorize, send, and send again while the
/// flow answers the response and the body can be replayed.
async fn run<S, B, RB>(
    mut service: S,
    flow: Arc<dyn AuthFlow>,
    request: http::Request<B>,
) -> Result<http::Response<RB>, BoxError>
where
    S: Service<http::Request<B>, Response = http::Response<RB>>,
    S::Error: Into<BoxError>,
    B: ReplayBody,
    RB: http_body::Body + Unpin,
{
    let (mut parts, body) = request.into_parts();
    let mut record = AuthFlowRecord::default();
    if let Some(value) = flow.authorize(&view(&parts, &body)) {
        record.authorization = Some(sensitive(&value));
        parts.headers.insert(AUTHORIZATION, value);
    }
    let mut spare = body.try_replay();
    let mut sending = body;
    let mut resends = 0;
    loop {
        std::future::poll_fn(|cx| service.poll_ready(cx))
            .await
            .map_err(Into::into)?;
        let sent_at = Instant::now();
        let mut response = service
            .call(http::Request::from_parts(parts.clone(), sending))
            .await
            .map_err(Into::into)?;
        let elapsed = sent_at.elapsed();
        let Some(next) = spare.take() else {
            return Ok(record.put_on(response));
        };
        // Not answered past the limit, nor past the request's deadline.
        let past_deadline = parts
            .extensions
            .get::<Deadline>()
            .is_some_and(Deadline::has_passed);
        if resends >= flow.max_resends() || past_deadline {
            return Ok(record.put_on(response));
        }
        let answer = {
            let (head, body) = response.into_parts();
            let answer = flow.respond(&view(&parts, &next), &head, resends).await?;
            response = http::Response::from_parts(head, body);
            answer
        };
        let Some(value) = answer else {
            return Ok(record.put_on(response));
        };
        record.answered.push(AnsweredChallenge {
            authorization: record.authorization.take(),
            response: crate::recorded::keep(response).await,
            elapsed,
        });
        record.authorization = Some(sensitive(&value));
        parts.headers.insert(AUTHORIZATION, value);
        spare = next.try_replay();
        sending = next;
        resends += 1;
    }
}

/// A copy of `value` marked sensitive (so that `Debug` hides it).
fn sensitive(value: &HeaderValue) -> HeaderValue {
    let mut copy = value.clone();
    copy.set_sensitive(true);
    copy
}

/// Response extension set by [`AuthFlows`] on a response to a request whose
/// flow added an `Authorization` or answered a challenge: the `Authorization`
/// the request was sent with, and the responses the flow answered before it
/// (requests' `r.history` and `r.request.headers` after digest auth). A session
/// shows these in `Response::history()` and `Response::request()`.
///
/// ```
/// use std::convert::Infallible;
/// use http_body_util::Full;
/// use sessio::http::{Request, Response};
/// use sessio::layers::auth_flow::{AuthFlowLayer, AuthFlowRecord};
/// use tower::{Layer, ServiceExt};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = tower::service_fn(|req: Request<Full<bytes::Bytes>>| async move {
///     let status = if req.headers().contains_key("authorization") { 200 } else { 401 };
///     let challenge = "Digest realm=\"r\", nonce=\"n\", qop=\"auth\"";
///     Ok::<_, Infallible>(Response::builder().status(status).header("www-authenticate", challenge)
///         .body(Full::new(bytes::Bytes::from("denied"))).unwrap())
/// });
/// let digest = sessio::Auth::digest("user", "pass");
/// let client = AuthFlowLayer::for_auth(&digest).unwrap().layer(server);
/// let response = client.oneshot(Request::get("http://h.test/").body(Full::default()).unwrap()).await.unwrap();
///
/// let record = response.extensions().get::<AuthFlowRecord>().unwrap();
/// assert!(record.authorization.as_ref().unwrap().to_str().unwrap().starts_with("Digest "));
/// assert_eq!(record.answered.len(), 1);
/// assert_eq!(record.answered[0].response.status(), 401);
/// assert_eq!(record.answered[0].response.body().as_ref(), b"denied");
/// assert!(record.answered[0].authorization.is_none(), "the first send had none");
/// # }
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct AuthFlowRecord {
    /// The `Authorization` the flow set on the request this response answers
    /// (marked sensitive); `None` when it set none.
    pub authorization: Option<HeaderValue>,
    /// The responses the flow answered by sending the request again, oldest
    /// first.
    pub answered: Vec<AnsweredChallenge>,
}

impl AuthFlowRecord {
    /// `response` with this record on it, when there is anything to record.
    fn put_on<RB>(self, mut response: http::Response<RB>) -> http::Response<RB> {
        if self.authorization.is_some() || !self.answered.is_empty() {
            response.extensions_mut().insert(self);
        }
        response
    }
}

/// A response an auth flow answered by sending the request again (a digest
/// challenge's 401).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AnsweredChallenge {
    /// The `Authorization` the flow set on the request that got this response
    /// (marked sensitive); `None` when it set none (digest's first send).
    pub authorization: Option<HeaderValue>,
    /// The response, its body drained raw (at most 64 KiB, empty when it was
    /// larger), with the extensions the layers below put on it.
    pub response: http::Response<Bytes>,
    /// Time from sending the request to the response head.
    pub elapsed: Duration,
}

fn view<'a, B: ReplayBody>(parts: &'a http::request::Parts, body: &'a B) -> AuthRequest<'a> {
    AuthRequest::new(&parts.method, &parts.uri, &parts.headers, body.as_bytes())
}

pin_project_lite::pin_project! {
    /// The future of [`AuthFlows`].
    pub struct ResponseFuture<F, R> {
        #[pin]
        state: State<F, R>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F, R> {
        Direct { #[pin] future: F },
        Flow { future: Boxed<R> },
    }
}

impl<F, R, E> Future for ResponseFuture<F, R>
where
    F: Future<Output = Result<R, E>>,
    E: Into<BoxError>,
{
    type Output = Result<R, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Direct { future } => future.poll(cx).map_err(Into::into),
            StateProj::Flow { future } => future.as_mut().poll(cx),
        }
    }
}

impl<F, R> std::fmt::Debug for ResponseFuture<F, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("auth_flow::ResponseFuture")
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use http_body_util::Full;
    use tower::{Layer, ServiceExt};

    use super::*;

    /// A challenge past the request's deadline is not answered: the 401 is
    /// returned, and the server sees one request.
    #[tokio::test]
    async fn no_challenge_is_answered_past_the_deadline() {
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = calls.clone();
        let server = tower::service_fn(move |req: http::Request<Full<bytes::Bytes>>| {
            seen.fetch_add(1, Ordering::SeqCst);
            let status = if req.headers().contains_key("authorization") {
                200
            } else {
                401
            };
            async move {
                let challenge = "Digest realm=\"r\", nonce=\"n\", qop=\"auth\"";
                let response = http::Response::builder()
                    .status(status)
                    .header("www-authenticate", challenge)
                    .body(Full::new(bytes::Bytes::new()));
                Ok::<_, Infallible>(response.unwrap())
            }
        });
        let digest = sessio_core::Auth::digest("user", "pass");
        let client = AuthFlowLayer::for_auth(&digest).unwrap().layer(server);
        let mut request = http::Request::get("http://h.test/")
            .body(Full::default())
            .unwrap();
        request
            .extensions_mut()
            .insert(Deadline(std::time::Instant::now()));
        let response = client.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let request = http::Request::get("http://h.test/")
            .body(Full::default())
            .unwrap();
        let response = client.oneshot(request).await.unwrap();
        assert_eq!(response.status(), 200, "answered without a deadline");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }
}
