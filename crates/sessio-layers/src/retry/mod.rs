//! Retries with urllib3's `Retry` semantics (what requests'
//! `HTTPAdapter(max_retries=Retry(..))` does), as a [`tower::retry::Policy`]:
//! use [`RetryPolicy`] with tower's own `Retry` service ([`RetryLayer`]).
//!
//! * `total` (10 by default), `connect`, `read`, `status` and `other` bound the
//!   retries in all and per reason; one over a limit ends the retries.
//! * An error before the request was sent (connect, TLS, connect timeout) is
//!   retried whatever the method; one after it was sent (a read timeout, a
//!   closed connection) only for [`allowed_methods`](RetryPolicy::allowed_methods),
//!   by default the idempotent ones: a `POST` is never sent twice unless allowed.
//! * A response whose status is in [`status_forcelist`](RetryPolicy::status_forcelist)
//!   is retried for allowed methods; so is a 413, 429 or 503 with a
//!   `Retry-After`, whose wait (seconds or an HTTP date, at most
//!   [`DEFAULT_RETRY_AFTER_MAX`] unless [`retry_after_max`](RetryPolicy::retry_after_max)
//!   says otherwise) replaces the backoff.
//! * A waiting-for-a-pooled-connection timeout is never retried (nor is it by
//!   urllib3): a retry would only add to a full pool.
//! * Nothing is retried past the request's total deadline (its
//!   [`Deadline`](sessio_core::Deadline) extension, set from a session's
//!   `timeout`): not a total timeout, not a failure after the deadline
//!   passed, and not when the backoff or `Retry-After` wait would end past it
//!   (the last response or error is returned then).
//! * Backoff: none before the first retry, then `backoff_factor × 2^(n-1)` plus
//!   up to `backoff_jitter`, at most `backoff_max`.
//! * When the status retries run out, the request fails with
//!   [`RetriesExhausted`] (or, with `raise_on_status(false)`, the last response
//!   is returned).
//! * Only a request whose body can be replayed ([`ReplayBody`](crate::ReplayBody))
//!   is sent again; a stream is sent once.
//! * A [`budget`](RetryPolicy::budget) shared by all requests bounds the retries
//!   to a share of the traffic.
//! * Every response says how many attempts it took ([`Attempts`]).
//! * urllib3's `redirect` counter has no counterpart here: redirects are
//!   followed by the redirect layer (module `redirect`) with its
//!   `max_redirects`, above the retries, as in requests (whose adapter turns
//!   urllib3's own redirects off). A 3xx is never retried.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use sessio::http::{Request, Response};
//! use sessio::layers::retry::{Attempts, RetryLayer, RetryPolicy};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let calls = Arc::new(AtomicUsize::new(0));
//! let seen = calls.clone();
//! let flaky = service_fn(move |_req: Request<String>| {
//!     let n = seen.fetch_add(1, Ordering::SeqCst);
//!     async move {
//!         let status = if n < 2 { 503 } else { 200 };
//!         Ok::<_, sessio::BoxError>(Response::builder().status(status).body(()).unwrap())
//!     }
//! });
//! let policy = RetryPolicy::new().total(3).status_forcelist([503]);
//! let client = ServiceBuilder::new().layer(RetryLayer::new(policy)).service(flaky);
//! let response = client.oneshot(Request::get("http://example.test/").body(String::new()).unwrap()).await.unwrap();
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.extensions().get::<Attempts>(), Some(&Attempts(3)));
//! # });
//! ```

mod backoff;
mod classify;
mod policy;
#[cfg(test)]
mod tests;

use std::error::Error as StdError;
use std::fmt;

use http::{HeaderMap, StatusCode};

pub use classify::{ErrorClass, RetryError};
pub use policy::{Backoff, DEFAULT_RETRY_AFTER_MAX, RetryPolicy};
pub use sessio_core::Attempts;
pub use tower::retry::budget::TpsBudget;
pub use tower::retry::{Retry, RetryLayer};

/// The status retries ran out (urllib3's `MaxRetryError`, requests'
/// `RetryError`): the head of the last response.
#[derive(Debug)]
pub struct RetriesExhausted {
    pub(crate) retries: usize,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
}

impl RetriesExhausted {
    /// The retries made.
    pub fn retries(&self) -> usize {
        self.retries
    }

    /// The status of the last response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers of the last response.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
}

impl fmt::Display for RetriesExhausted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "max retries exceeded ({} retries); the last response was {}",
            self.retries, self.status
        )
    }
}

impl StdError for RetriesExhausted {}
