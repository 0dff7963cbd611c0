//! An HTTP cache for any HTTP client service: RFC 9111's private cache, as
//! requests-cache's `CachedSession` gives requests one.
//!
//! A `GET` whose stored response is fresh is answered from the store, without
//! the server; a stale one is revalidated (`If-None-Match` from its `ETag`,
//! `If-Modified-Since` from its `Last-Modified`) and a `304 Not Modified` is
//! merged into it. What may be stored is stored once its body has been read to
//! the end, within [`max_entry_size`](CacheLayer::max_entry_size). The rules:
//!
//! - freshness from `max-age`, `Expires`, `Date` and `Age` (the apparent age
//!   counted, RFC 9111 §4.2.3), heuristic freshness from `Last-Modified`
//!   (10% of its age) for the statuses that allow it;
//! - `Vary`: each variant is stored apart (`Vary: *` is never stored);
//! - `no-store` (request or response) is never written; `no-cache` and
//!   `must-revalidate` are never served without revalidation; `private` is
//!   stored (this is a private cache);
//! - only `GET` is served and stored, with the statuses RFC 9110 allows; a
//!   successful unsafe request (`POST`, `PUT`, `DELETE`, …) removes what is
//!   stored for its URL and for its `Location`/`Content-Location` of the same
//!   origin (RFC 9111 §4.4);
//! - a request with `Authorization` is stored only if the response says
//!   `public`, `must-revalidate` or `s-maxage` (§3.5), and it answers only the
//!   same credentials;
//! - `stale-if-error`: a stale response answers when the server fails (an error,
//!   or 500, 502, 503, 504); `stale-while-revalidate`: it answers at once while
//!   the server is asked in the background (needs a tokio runtime; without
//!   one, the request revalidates in the foreground) (RFC 5861);
//! - request directives `no-cache`, `max-age`, `max-stale`, `min-fresh`,
//!   `only-if-cached` (a `504` when nothing stored fits), and the per-request
//!   [`CacheMode`] extension (leave the cache out, revalidate now, only from the
//!   store);
//! - conditional and range requests of the user (`If-None-Match`, `Range`, …)
//!   and `HEAD` pass through untouched.
//!
//! Every answer that went through the cache carries a [`CacheStatus`] in its
//! extensions. Bodies are stored as they came (a `Content-Encoding` body is
//! kept encoded), so a client that decodes on read reads a stored body the
//! same as the server's.
//!
//! Stores: [`MemoryStore`] (bounded in bytes, least recently used out first),
//! [`DiskStore`] (a folder, shared by processes), or any [`CacheStore`].
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use sessio::http::{Request, Response};
//! use sessio::layers::cache::{CacheLayer, CacheStatus};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let seen = Arc::new(AtomicUsize::new(0));
//! let counter = seen.clone();
//! let server = service_fn(move |_req: Request<()>| {
//!     counter.fetch_add(1, Ordering::SeqCst);
//!     async {
//!         let response = Response::builder()
//!             .header("cache-control", "max-age=60")
//!             .body(http_body_util::Full::new(bytes::Bytes::from("hello")))
//!             .unwrap();
//!         Ok::<_, std::convert::Infallible>(response)
//!     }
//! });
//! let cache = CacheLayer::memory(1 << 20);
//! let client = ServiceBuilder::new().layer(cache.clone()).service(server);
//!
//! for _ in 0..2 {
//!     let request = Request::get("http://example.test/").body(()).unwrap();
//!     let response = client.clone().oneshot(request).await.unwrap();
//!     let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap();
//!     assert_eq!(body.to_bytes(), "hello");
//! }
//! assert_eq!(seen.load(Ordering::SeqCst), 1, "the second GET came from the cache");
//! assert_eq!(cache.stats().hits, 1);
//! # });
//! ```
//!
//! Customised: a disk store, overrides per URL and per status, and a request
//! that must be answered from the store.
//!
//! ```
//! use std::time::Duration;
//! use sessio::http::{Request, Response, StatusCode};
//! use sessio::layers::cache::{CacheLayer, CacheMode, CacheStatus, DiskStore, Expiry};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let dir = std::env::temp_dir().join(format!("sessio-doc-cache2-{}", std::process::id()));
//! let cache = CacheLayer::new(DiskStore::open(&dir).unwrap())
//!     .max_entry_size(1 << 20)
//!     .expire_url("example.test/static/*", Expiry::After(Duration::from_secs(3600)))
//!     .expire_url("example.test/live", Expiry::DoNotCache)
//!     .expire_status(StatusCode::NOT_FOUND, Expiry::After(Duration::from_secs(60)));
//! let server = service_fn(|_req: Request<()>| async {
//!     Ok::<_, std::convert::Infallible>(Response::new(http_body_util::Empty::<bytes::Bytes>::new()))
//! });
//! let client = ServiceBuilder::new().layer(cache.clone()).service(server);
//!
//! let mut request = Request::get("http://example.test/live").body(()).unwrap();
//! request.extensions_mut().insert(CacheMode::OnlyIfCached);
//! let response = client.oneshot(request).await.unwrap();
//! assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
//! assert_eq!(response.extensions().get::<CacheStatus>(), Some(&CacheStatus::Unsatisfiable));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # });
//! ```

mod body;
mod disk;
mod entry;
mod future;
mod layer;
mod rules;
mod service;
mod store;
#[cfg(test)]
mod tests;

pub use body::CacheBody;
pub use disk::DiskStore;
pub use entry::CacheEntry;
pub use future::ResponseFuture;
pub use layer::{CacheLayer, CacheStats, DEFAULT_MAX_ENTRY_SIZE, Expiry};
pub use service::Cache;
pub use sessio_core::cache::{CacheMode, CacheStatus};
pub use store::{CacheStore, MemoryStore};
