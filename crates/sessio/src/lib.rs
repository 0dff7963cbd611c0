//! # sessio
//!
//! Python requests' `Session` for async Rust: default headers, auth, params and
//! (soon) cookies that persist across requests, pooled connections, adapters
//! mounted per URL prefix, and requests' exact merge and prepare semantics, built
//! as tower layers over hyper-util's pooled client.
//!
//! ```no_run
//! # async fn run() -> sessio::Result<()> {
//! use sessio::{Auth, Session};
//!
//! let s = Session::builder()
//!     .header("x-test", "true")
//!     .auth(Auth::basic("user", "pass"))
//!     .param("api-version", "2")
//!     .build()?;
//!
//! let r = s
//!     .get("http://127.0.0.1:8080/get")
//!     .header("x-test2", "true")
//!     .query(&[("a", "1")])
//!     .send()
//!     .await?;
//! assert!(r.ok());
//! let body: serde_json::Value = r.json().await?;
//! # Ok(()) }
//! ```
//!
//! * [`Session`] / [`SessionBuilder`]: the persistent state, cheap to clone, and a
//!   `tower::Service<Request>`.
//! * [`RequestBuilder`]: one request; its values win over the session's.
//! * [`Session::prepare`] then [`Session::send`]: requests' prepare/send split.
//! * [`HttpAdapter`]: the pooled hyper-util + rustls transport; any tower service
//!   can be mounted instead with [`SessionBuilder::mount`].
//! * [`SessionBuilder::layer`]: any tower layer (tower-http's included) on every hop.
//!
//! # Differences from requests
//!
//! sessio keeps requests' semantics except where a DECIDE row of the design or a
//! security fix says otherwise. All deliberate differences are listed here, and
//! each is pinned by a test in `tests/integration/differences.rs`.
//!
//! | requests | sessio | why |
//! |---|---|---|
//! | `auth=None` on a request inherits the session auth; there is no way to send none | [`RequestBuilder::no_auth`] sends neither session auth nor URL credentials | httpx's escape hatch (F-S4) |
//! | a closed `Session` silently recreates its pools | [`Session::close`] is terminal; later requests fail with `is_closed()` | safer for services (F-PL4) |
//! | `timeout` is per request only | session-wide [`SessionBuilder::timeout`], [`read_timeout`](SessionBuilder::read_timeout), [`connect_timeout`](SessionBuilder::connect_timeout) | N-16 |
//! | a read timeout while streaming the body is a `ConnectionError` | it is a timeout error (`is_timeout()`) in every phase | RELIABILITY §3 #8 |
//! | the read timeout before the head counts from when the request was written | it counts from when the request was handed to the adapter, so it includes connection setup | hyper-util does not report when a connection is ready |
//! | no limit on a body read into memory | `bytes()`/`text()`/`json()` stop at 1 GiB of decoded data by default ([`SessionBuilder::max_decompressed_size`]) | decompression bombs (SEC-31) |
//! | `text` without any charset hint guesses with chardet | a byte-order mark decides, else UTF-8 (with U+FFFD for invalid bytes) | no detector dependency |
//! | `Basic` credentials outside Latin-1 raise an error | they are encoded as UTF-8 (RFC 7617) | Rust strings are Unicode |
//! | header names are sent with the case the user gave | HTTP/1 header names are sent in Title-Case (`X-Test`); HTTP/2 lowercases them | hyper cannot keep arbitrary case |
//! | `json=` with NaN raises `InvalidJSONError` | `serde_json` writes NaN as `null` | serde's behaviour |

#![cfg_attr(docsrs, feature(doc_cfg))]

mod adapter;
mod mount;
mod session;

use std::future::Future;

pub use adapter::{
    Adapter, AdapterFuture, DEFAULT_POOL_IDLE_TIMEOUT, HttpAdapter, HttpAdapterBuilder, HttpFuture,
    IntoAdapter,
};
pub use session::{HopService, RequestBuilder, Session, SessionBuilder, SessionFuture};

pub use sessio_core::http::header;
pub use sessio_core::request::AuthSetting;
pub use sessio_core::{
    AllowRedirects, Auth, Body, BoxError, BytesStream, CookieStore, DEFAULT_MAX_DECOMPRESSED_SIZE,
    Error, ErrorKind, Hook, HookRegistry, Link, PreparedRequest, Request, Response, ResponseBody,
    Result, Timeouts,
};
pub use sessio_core::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Url, Version};

pub use sessio_layers::cookies::Jar;

/// The tower layers sessio is built from, for use in any tower HTTP stack.
pub use sessio_layers as layers;

/// A new session with all defaults (requests' `requests.session()`).
///
/// # Panics
///
/// Only if the default TLS configuration cannot be built (see [`Session::new`]).
pub fn session() -> Session {
    Session::new()
}

/// A one-shot session without pooling, as `requests.get` and friends use.
fn one_shot() -> Result<Session> {
    Session::builder().unpooled().build()
}

/// A request with any method on a one-shot, unpooled session (requests'
/// `requests.request`). The connection is closed after the response.
///
/// ```no_run
/// # async fn run() -> sessio::Result<()> {
/// let r = sessio::request(sessio::Method::POST, "http://127.0.0.1:8080/post")?
///     .json(&serde_json::json!({"k": "v"}))
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
pub fn request(method: Method, url: impl AsRef<str>) -> Result<RequestBuilder> {
    Ok(one_shot()?.request(method, url))
}

/// `GET` on a one-shot, unpooled session (requests' `requests.get`).
///
/// ```no_run
/// # async fn run() -> sessio::Result<()> {
/// let r = sessio::get("http://127.0.0.1:8080/get").await?;
/// println!("{}", r.status());
/// # Ok(()) }
/// ```
pub fn get(url: impl AsRef<str>) -> impl Future<Output = Result<Response>> + Send {
    one_shot_send(Method::GET, url.as_ref().to_owned())
}

/// `HEAD` on a one-shot, unpooled session.
pub fn head(url: impl AsRef<str>) -> impl Future<Output = Result<Response>> + Send {
    one_shot_send(Method::HEAD, url.as_ref().to_owned())
}

/// `DELETE` on a one-shot, unpooled session.
pub fn delete(url: impl AsRef<str>) -> impl Future<Output = Result<Response>> + Send {
    one_shot_send(Method::DELETE, url.as_ref().to_owned())
}

/// `OPTIONS` on a one-shot, unpooled session.
pub fn options(url: impl AsRef<str>) -> impl Future<Output = Result<Response>> + Send {
    one_shot_send(Method::OPTIONS, url.as_ref().to_owned())
}

async fn one_shot_send(method: Method, url: String) -> Result<Response> {
    request(method, url)?.send().await
}

#[allow(dead_code)]
fn _assert_impls() {
    fn send_sync_clone<T: Send + Sync + Clone>() {}
    fn send_sync<T: Send + Sync>() {}
    send_sync_clone::<Session>();
    send_sync_clone::<HttpAdapter>();
    send_sync_clone::<Adapter>();
    send_sync::<Error>();
    send_sync::<Response>();
    send_sync::<Body>();
    send_sync::<RequestBuilder>();
}
