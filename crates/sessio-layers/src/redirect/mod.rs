//! Redirects with requests' semantics, history, and a limit.
//!
//! * 301, 302, 303, 307 and 308 with a `Location` are followed, by default for every
//!   method but `HEAD`; an [`AllowRedirects`] extension decides per request.
//! * Method and body follow requests exactly: 302 and 303 turn everything but
//!   `HEAD` into `GET`, 301 turns `POST` into `GET`, and every status but 307/308
//!   drops the body and its `Content-*`/`Transfer-Encoding` headers. A 307/308 replays
//!   the body when it can be cloned ([`ReplayBody`]); a stream is not sent twice: the
//!   3xx is returned instead, with `next` set.
//! * `Authorization` is removed by `should_strip_auth` (host, scheme or port change,
//!   except the http→https upgrade), `Proxy-Authorization` and `Cookie` on every hop,
//!   a user `Host` on cross-origin hops. Each hop starts from the previous one's
//!   headers, so what was removed never comes back later in the chain.
//! * `max_redirects` (default 30) redirects are followed; one more is an error
//!   (`is_redirect()`) that carries that last response and its history.
//! * Each redirect response's body is drained raw (at most [`DRAIN_LIMIT`] bytes,
//!   never decompressed), so its connection can be reused; the responses are
//!   recorded, oldest first, in a [`RedirectInfo`] response extension.
//!
//! # Example
//!
//! ```
//! use http::{Request, Response, StatusCode};
//! use sessio_core::{Body, Error};
//! use sessio_layers::redirect::{RedirectInfo, RedirectLayer};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let server = service_fn(|req: Request<Body>| async move {
//!     let response = match req.uri().path() {
//!         "/old" => Response::builder().status(301).header("location", "/new").body(String::new()),
//!         _ => Response::builder().body(format!("at {}", req.uri().path())),
//!     };
//!     Ok::<_, Error>(response.unwrap())
//! });
//! let client = ServiceBuilder::new().layer(RedirectLayer::new()).service(server);
//!
//! let request = Request::get("http://example.test/old").body(Body::empty()).unwrap();
//! let response = client.oneshot(request).await.unwrap();
//! assert_eq!(response.status(), StatusCode::OK);
//! assert_eq!(response.body(), "at /new");
//! let outcome = response.extensions().get::<RedirectInfo>().unwrap().take().unwrap();
//! assert_eq!(outcome.history[0].status(), 301);
//! # });
//! ```
//!
//! A custom policy decides per hop:
//!
//! ```
//! use sessio_layers::redirect::{Action, RedirectLayer, redirect_fn};
//!
//! let layer = RedirectLayer::new()
//!     .max_redirects(5)
//!     .https_only(true)
//!     .policy(redirect_fn(|attempt| {
//!         if attempt.location().host_str() == Some("evil.test") { Action::Stop } else { Action::Follow }
//!     }));
//! # drop(layer);
//! ```

mod future;
mod hop;
mod policy;
mod service;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use sessio_core::{Body, PreparedRequest, Response};

pub use future::{RecordedFuture, ResponseFuture};
pub use hop::DRAIN_LIMIT;
pub use policy::{
    Action, Attempt, RedirectFn, RedirectPolicy, Standard, redirect_fn, should_strip_auth,
};
pub use service::{DEFAULT_MAX_REDIRECTS, Redirect, RedirectLayer};
pub use sessio_core::AllowRedirects;

/// A request body that can be sent again on a 307/308, if it is not a stream.
pub trait ReplayBody: Sized {
    /// A copy to send again; `None` when the body cannot be replayed.
    fn try_replay(&self) -> Option<Self>;

    /// An empty body, for hops that drop the body.
    fn empty() -> Self;
}

impl ReplayBody for Body {
    fn try_replay(&self) -> Option<Self> {
        self.try_clone()
    }

    fn empty() -> Self {
        Body::empty()
    }
}

impl ReplayBody for () {
    fn try_replay(&self) -> Option<Self> {
        Some(())
    }

    fn empty() -> Self {}
}

impl ReplayBody for String {
    fn try_replay(&self) -> Option<Self> {
        Some(self.clone())
    }

    fn empty() -> Self {
        String::new()
    }
}

impl ReplayBody for Bytes {
    fn try_replay(&self) -> Option<Self> {
        Some(self.clone())
    }

    fn empty() -> Self {
        Bytes::new()
    }
}

impl ReplayBody for http_body_util::Full<Bytes> {
    fn try_replay(&self) -> Option<Self> {
        Some(self.clone())
    }

    fn empty() -> Self {
        http_body_util::Full::new(Bytes::new())
    }
}

impl ReplayBody for http_body_util::Empty<Bytes> {
    fn try_replay(&self) -> Option<Self> {
        Some(*self)
    }

    fn empty() -> Self {
        http_body_util::Empty::new()
    }
}

/// What happened on the way to a response that involved a redirect.
#[derive(Debug)]
pub struct RedirectOutcome {
    /// The redirect responses followed, oldest first; their bodies are in memory.
    pub history: Vec<Response>,
    /// The request of the final hop, as sent.
    pub request: Option<PreparedRequest>,
    /// The request the returned redirect leads to, when it was not followed.
    pub next: Option<PreparedRequest>,
    /// Why a redirect was not followed although redirects were allowed.
    pub not_followed: Option<String>,
}

/// Response extension set by [`Redirect`] when the response involved a redirect;
/// [`take`](RedirectInfo::take) the [`RedirectOutcome`] out of it.
#[derive(Debug, Clone)]
pub struct RedirectInfo(Arc<Mutex<Option<RedirectOutcome>>>);

impl RedirectInfo {
    pub(crate) fn new(outcome: RedirectOutcome) -> Self {
        RedirectInfo(Arc::new(Mutex::new(Some(outcome))))
    }

    /// Takes the outcome (the first caller gets it).
    pub fn take(&self) -> Option<RedirectOutcome> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}
