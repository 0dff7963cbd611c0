//! Read and total timeouts for any HTTP client service, with requests' meaning of a
//! read timeout: the longest the server may stay silent, before the response head
//! and between body chunks while the body is read.
//!
//! The timeouts come from the request's [`Timeouts`]
//! extension, else from the layer's defaults. A [`Deadline`]
//! extension (set once for a request that goes through several hops) bounds the
//! whole exchange, body included.
//!
//! Errors are [`BoxError`](crate::BoxError)s, as in tower: a [`ReadTimeout`] when
//! the server went silent, a [`TotalTimeout`] when the total deadline passed, or
//! the inner service's own error.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use sessio::http::{Request, Response};
//! use sessio::Timeouts;
//! use sessio::layers::timeout::{ReadTimeout, TimeoutLayer};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
//! let slow = service_fn(|_req: Request<()>| async {
//!     tokio::time::sleep(Duration::from_secs(5)).await;
//!     Ok::<_, std::convert::Infallible>(Response::new(http_body_util::Empty::<bytes::Bytes>::new()))
//! });
//! let read = Timeouts::new().read(Duration::from_millis(20));
//! let client = ServiceBuilder::new().layer(TimeoutLayer::new(read)).service(slow);
//!
//! let err = client.oneshot(Request::new(())).await.unwrap_err();
//! assert_eq!(err.downcast_ref::<ReadTimeout>().unwrap().after(), Duration::from_millis(20));
//! # });
//! ```

mod body;
mod error;
mod future;
mod limits;
mod service;
#[cfg(test)]
mod tests;

pub use body::TimeoutBody;
pub use error::{ReadTimeout, TotalTimeout};
pub use future::ResponseFuture;
pub use service::{Timeout, TimeoutLayer};
/// The timeouts the layer enforces, and a request's deadline (re-exported
/// from sessio-core, so that a layers-only user needs nothing else).
pub use sessio_core::{Deadline, Timeouts};
