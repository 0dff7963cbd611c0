//! Hooks: async functions called on every hop, before the request is sent and
//! when its response arrives (requests' `hooks={'response': [...]}`, plus httpx's
//! `request` event).
//!
//! # When
//!
//! * `request` hooks run before each hop is sent (the first request and every
//!   redirect), in order, and may change the request.
//! * `response` hooks run when each hop's response head arrives, in order, before
//!   its cookies are stored and before the redirect is resolved; each may return a
//!   different response, which replaces it.
//!
//! # Merging
//!
//! As requests' `merge_hooks`: for each event, a request's own hooks replace the
//! session's; with `extend`, they run after the session's instead.
//!
//! # Errors
//!
//! A hook that returns an error ends the request with that error (`ErrorKind::Hook`
//! unless it is already a sessio error). A hook that panics ends the request with
//! an `ErrorKind::Hook` error; the session stays usable.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::{BoxError, PreparedRequest, Response};

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send + 'static>>;
type RequestFn = dyn Fn(PreparedRequest) -> BoxFuture<PreparedRequest> + Send + Sync;
type ResponseFn = dyn Fn(Response) -> BoxFuture<Response> + Send + Sync;

/// One hook: a request hook or a response hook. Cheap to clone.
///
/// ```
/// use sessio_core::Hook;
///
/// let log = Hook::response(|response| async move {
///     println!("{} {}", response.status(), response.url());
///     Ok(response)
/// });
/// let sign = Hook::request(|mut request| async move {
///     request.headers_mut().insert("x-signature", "abc".parse().unwrap());
///     Ok(request)
/// });
/// assert!(log.is_response() && !sign.is_response());
/// ```
#[derive(Clone)]
pub struct Hook {
    kind: HookKind,
}

#[derive(Clone)]
enum HookKind {
    Request(Arc<RequestFn>),
    Response(Arc<ResponseFn>),
}

impl Hook {
    /// A hook run before each hop is sent; it returns the request to send.
    pub fn request<F, Fut>(hook: F) -> Hook
    where
        F: Fn(PreparedRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<PreparedRequest, BoxError>> + Send + 'static,
    {
        Hook {
            kind: HookKind::Request(Arc::new(move |request| Box::pin(hook(request)))),
        }
    }

    /// A hook run on each hop's response; it returns the response to use.
    pub fn response<F, Fut>(hook: F) -> Hook
    where
        F: Fn(Response) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Response, BoxError>> + Send + 'static,
    {
        Hook {
            kind: HookKind::Response(Arc::new(move |response| Box::pin(hook(response)))),
        }
    }

    /// Whether this is a response hook.
    pub fn is_response(&self) -> bool {
        matches!(self.kind, HookKind::Response(_))
    }
}

impl fmt::Debug for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            HookKind::Request(_) => f.write_str("Hook::request(..)"),
            HookKind::Response(_) => f.write_str("Hook::response(..)"),
        }
    }
}

/// The hooks of a session or a request, per event.
///
/// ```
/// use sessio_core::{Hook, HookRegistry};
///
/// let mut session = HookRegistry::default();
/// session.push(Hook::response(|r| async { Ok(r) }));
/// let mut request = HookRegistry::default();
/// request.push(Hook::response(|r| async { Ok(r) }));
/// request.push(Hook::request(|r| async { Ok(r) }));
///
/// let merged = HookRegistry::merge(&session, &request, false);
/// assert_eq!(merged.response_hooks().count(), 1, "the request's list replaces the session's");
/// let extended = HookRegistry::merge(&session, &request, true);
/// assert_eq!(extended.response_hooks().count(), 2);
/// ```
#[derive(Clone, Default)]
pub struct HookRegistry {
    // Shared: a registry is cloned into every request that uses it. `None` until
    // the first hook, so that an empty registry costs no allocation.
    lists: Option<Arc<Lists>>,
}

#[derive(Clone, Default)]
struct Lists {
    request: Vec<Arc<RequestFn>>,
    response: Vec<Arc<ResponseFn>>,
}

impl HookRegistry {
    /// Adds a hook at the end of its event's list.
    pub fn push(&mut self, hook: Hook) {
        let lists = Arc::make_mut(self.lists.get_or_insert_with(Default::default));
        match hook.kind {
            HookKind::Request(f) => lists.request.push(f),
            HookKind::Response(f) => lists.response.push(f),
        }
    }

    /// Whether there is no hook at all.
    pub fn is_empty(&self) -> bool {
        self.lists().request.is_empty() && self.lists().response.is_empty()
    }

    fn lists(&self) -> &Lists {
        static EMPTY: Lists = Lists {
            request: Vec::new(),
            response: Vec::new(),
        };
        self.lists.as_deref().unwrap_or(&EMPTY)
    }

    /// requests' `merge_hooks`: per event, the request's list if it has one, else the
    /// session's; with `extend`, the session's followed by the request's.
    pub fn merge(session: &HookRegistry, request: &HookRegistry, extend: bool) -> HookRegistry {
        fn pick<T: ?Sized>(session: &[Arc<T>], request: &[Arc<T>], extend: bool) -> Vec<Arc<T>> {
            match (request.is_empty(), extend) {
                (true, _) => session.to_vec(),
                (false, false) => request.to_vec(),
                (false, true) => session.iter().chain(request).cloned().collect(),
            }
        }
        let (session, request) = (session.lists(), request.lists());
        HookRegistry {
            lists: Some(Arc::new(Lists {
                request: pick(&session.request, &request.request, extend),
                response: pick(&session.response, &request.response, extend),
            })),
        }
    }

    /// The request hooks, in order.
    pub fn request_hooks(
        &self,
    ) -> impl Iterator<Item = &(dyn Fn(PreparedRequest) -> BoxFuture<PreparedRequest> + Send + Sync)>
    {
        self.lists().request.iter().map(|f| &**f)
    }

    /// The response hooks, in order.
    pub fn response_hooks(
        &self,
    ) -> impl Iterator<Item = &(dyn Fn(Response) -> BoxFuture<Response> + Send + Sync)> {
        self.lists().response.iter().map(|f| &**f)
    }

    /// Whether there are request hooks.
    pub fn has_request_hooks(&self) -> bool {
        !self.lists().request.is_empty()
    }

    /// Whether there are response hooks.
    pub fn has_response_hooks(&self) -> bool {
        !self.lists().response.is_empty()
    }
}

impl fmt::Debug for HookRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookRegistry")
            .field("request", &self.lists().request.len())
            .field("response", &self.lists().response.len())
            .finish()
    }
}
