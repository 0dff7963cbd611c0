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
//! Hooks return `sessio::Result`, so a sessio error (`error_for_status()`, say)
//! is returned as it is. Errors of your own become `ErrorKind::Hook` errors with
//! `?` or `.into()`: text, `std::io::Error` and any `BoxError` convert. A hook
//! that panics ends the request with an `ErrorKind::Hook` error; the session
//! stays usable.
//!
//! # State in a hook
//!
//! A hook is called once per hop, so it is a `Fn`: clone what it captures (an
//! `Arc` counter, say) for each call before moving it into the future.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use sessio::Hook;
//!
//! let seen = Arc::new(AtomicUsize::new(0));
//! let counter = seen.clone();
//! let count = Hook::response(move |response| {
//!     let counter = counter.clone();
//!     async move {
//!         counter.fetch_add(1, Ordering::SeqCst);
//!         Ok(response)
//!     }
//! });
//! // requests' `hooks={'response': lambda r, *a, **k: r.raise_for_status()}`:
//! let raise = Hook::response(|response| async move { response.error_for_status() });
//! let refuse = Hook::request(|request| async move {
//!     if request.url().scheme() != "https" {
//!         return Err("plain http is not allowed here".into());
//!     }
//!     Ok(request)
//! });
//! # drop((count, raise, refuse));
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::{PreparedRequest, Response, Result};

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'static>>;
type RequestFn = dyn Fn(PreparedRequest) -> BoxFuture<PreparedRequest> + Send + Sync;
type ResponseFn = dyn Fn(Response) -> BoxFuture<Response> + Send + Sync;

/// One hook: a request hook or a response hook. Cheap to clone.
///
/// ```
/// use sessio::Hook;
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
        Fut: Future<Output = Result<PreparedRequest>> + Send + 'static,
    {
        Hook {
            kind: HookKind::Request(Arc::new(move |request| Box::pin(hook(request)))),
        }
    }

    /// A hook run on each hop's response; it returns the response to use.
    pub fn response<F, Fut>(hook: F) -> Hook
    where
        F: Fn(Response) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Response>> + Send + 'static,
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
/// use sessio::{Hook, HookRegistry};
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

    /// Removes `hook` (the same hook, or a clone of it) and returns whether it
    /// was there.
    ///
    /// ```
    /// use sessio::{Hook, HookRegistry};
    ///
    /// let log = Hook::response(|r| async { Ok(r) });
    /// let mut hooks = HookRegistry::default();
    /// hooks.push(log.clone());
    /// assert!(hooks.remove(&log));
    /// assert!(hooks.is_empty());
    /// assert!(!hooks.remove(&log));
    /// ```
    pub fn remove(&mut self, hook: &Hook) -> bool {
        fn same<T: ?Sized>(a: &Arc<T>, b: &Arc<T>) -> bool {
            std::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b))
        }
        let Some(lists) = self.lists.as_mut() else {
            return false;
        };
        let lists = Arc::make_mut(lists);
        match &hook.kind {
            HookKind::Request(f) => match lists.request.iter().position(|g| same(g, f)) {
                Some(i) => drop(lists.request.remove(i)),
                None => return false,
            },
            HookKind::Response(f) => match lists.response.iter().position(|g| same(g, f)) {
                Some(i) => drop(lists.response.remove(i)),
                None => return false,
            },
        }
        true
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
