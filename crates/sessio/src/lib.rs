//! # sessio
//!
//! Python requests' `Session` for async Rust: default headers, auth, params,
//! cookies and hooks that persist across requests, redirects with history, pooled
//! connections, adapters mounted per URL prefix, and requests' exact merge,
//! prepare and redirect semantics, built as tower layers over hyper-util's pooled
//! client.
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
//! * Redirects ([`Response::history`], [`Response::next`], `max_redirects`), the
//!   cookie jar ([`Session::cookies`], a [`Jar`]) and [`Hook`]s run on every hop,
//!   in requests' order: redirect → cookies → hooks → your layers → adapter.
//! * [`layers`]: the same layers as plain tower middleware, usable without a
//!   session over any HTTP client service.
//!
//! # Differences from requests
//!
//! sessio keeps requests' semantics except where a DECIDE row of the design or a
//! security fix says otherwise. Every deliberate difference is listed here, with
//! the test (in `tests/integration/`) that pins it.
//!
//! | requests | sessio | why | pinned by |
//! |---|---|---|---|
//! | `auth=None` on a request inherits the session auth; there is no way to send none | [`RequestBuilder::no_auth`] sends neither session auth nor URL credentials | httpx's escape hatch (F-S4) | `differences::no_auth_sends_neither_session_auth_nor_url_credentials` |
//! | a closed `Session` silently recreates its pools | [`Session::close`] is terminal; later requests fail with `is_closed()` | safer for services (F-PL4) | `differences::a_closed_session_stays_closed` |
//! | `timeout` is per request only | session-wide [`SessionBuilder::timeout`], [`read_timeout`](SessionBuilder::read_timeout), [`connect_timeout`](SessionBuilder::connect_timeout) | N-16 | `differences::a_session_wide_timeout_exists` |
//! | a read timeout while streaming the body is a `ConnectionError` | it is a timeout error (`is_timeout()`) in every phase | RELIABILITY §3 #8 | `differences::a_read_timeout_while_streaming_is_a_timeout_error` |
//! | the read timeout before the head counts from when the request was written | it counts from when the request was handed to the adapter, so it includes connection setup | hyper-util does not report when a connection is ready | `differences::the_read_timeout_before_the_head_includes_connection_setup` |
//! | no limit on a body read into memory | `bytes()`/`text()`/`json()` stop at 1 GiB of decoded data by default ([`SessionBuilder::max_decompressed_size`]); a body whose `Content-Length` is larger is refused before it is read | decompression bombs (SEC-31) | `differences::buffered_reads_are_capped_by_default` |
//! | `text` without any charset hint guesses with chardet | a byte-order mark decides, else UTF-8 (with U+FFFD for invalid bytes) | no detector dependency | `differences::text_without_charset_is_utf8_not_guessed` |
//! | `Basic` credentials outside Latin-1 raise an error | they are encoded as UTF-8 (RFC 7617) | Rust strings are Unicode | `differences::basic_credentials_outside_latin1_are_utf8` |
//! | header names are sent with the case the user gave | HTTP/1 header names are sent in Title-Case (`X-Test`); HTTP/2 lowercases them | hyper cannot keep arbitrary case | `differences::http1_header_names_are_title_case` |
//! | `json=` with NaN raises `InvalidJSONError` | `serde_json` writes NaN as `null` | serde's behaviour | `differences::json_nan_is_sent_as_null` |
//! | an invalid redirect `Location` raises `InvalidURL` | an error with `is_redirect()` (the URL came from the server, not the caller, so it is not `is_builder()`) | F-RD2 | `redirects::an_invalid_location_is_a_typed_error` |
//! | a 307/308 with a generator body re-sends an empty body | a stream body is never re-sent: the 3xx is returned with [`Response::next`] and [`Response::redirect_not_followed`] | F-RD7 | `redirects::a_stream_body_is_not_sent_twice_on_307` |
//! | per-request `cookies=` go to every host of a redirect chain | [`RequestBuilder::cookie`] cookies go only to hops with the first request's origin | F-C2 | `differences::request_cookies_stay_with_the_first_origin` |
//! | a user-set `Host` header survives cross-host redirects | it is dropped on cross-origin hops | SEC-27, F-RD11 | `security::sec_27_cookies_follow_the_url_host_and_a_user_host_header_is_dropped_cross_origin` |
//! | a redirect that drops the body removes `Content-Length`, `Content-Type`, `Transfer-Encoding` | `Content-Encoding` goes too | SEC-15 | `security::sec_15_a_secret_post_body_does_not_follow_a_303` |
//! | a `Domain=` that is a public suffix (`com`, `co.uk`) is accepted | it is rejected (embedded list) | SEC-25, N-10 | `security::sec_25_public_suffix_cookies_are_rejected` |
//! | no cookie limits | at most 4096 bytes a cookie, 50 a domain, 3000 in all | SEC-26 | `security::sec_26_cookie_limits_are_enforced` |
//! | redirect bodies are read whole (and decoded) | drained raw, at most 64 KiB, never decoded; a larger one closes its connection | SEC-32 | `redirects::redirect_bodies_are_drained_raw_never_decoded` |
//! | hooks: only a `response` event, returning `None` keeps the response | a `request` event too; hooks return the request or response to use; a panicking hook is an error | N-18, F-H1 | `hooks::request_hooks_run_before_every_hop_and_may_change_it`, `hooks::a_failing_hook_is_a_typed_error_and_a_panicking_one_does_not_poison` |
//! | domainless cookies (`jar.set(name, value)`) go to every host | the same by default; [`SessionBuilder::strict_cookies`] scopes them to the first request's origin | SEC-28 | `security::sec_28_strict_mode_scopes_domainless_cookies_to_the_first_origin` |

#![cfg_attr(docsrs, feature(doc_cfg))]

mod adapter;
mod error;
mod mount;
mod session;

use std::future::Future;

pub use adapter::{
    Adapter, AdapterFuture, DEFAULT_POOL_IDLE_TIMEOUT, HttpAdapter, HttpAdapterBuilder, HttpFuture,
    IntoAdapter,
};
pub use session::{
    HopService, IntoRequest, RequestBuilder, Session, SessionBuilder, SessionFuture,
};

pub use sessio_core::http::header;
pub use sessio_core::request::AuthSetting;
pub use sessio_core::{
    AllowRedirects, Auth, Body, BoxError, BytesStream, CookieStore, DEFAULT_MAX_DECOMPRESSED_SIZE,
    Error, ErrorKind, Hook, HookRegistry, Link, PreparedRequest, Request, Response, ResponseBody,
    Result, Timeouts,
};
pub use sessio_core::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Url, Version};

pub use sessio_layers::cookies::Jar;

/// The tower layers sessio is built from, for use in any tower HTTP stack (a raw
/// hyper-util `Client` included): `redirect`, `cookies`, `hooks` and `timeout`.
/// The `auth` and `default_headers` layers are there when the `sessio-layers`
/// features of those names are on.
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

/// `HEAD` on a one-shot, unpooled session; redirects are not followed, as with
/// requests' `requests.head`.
pub fn head(url: impl AsRef<str>) -> impl Future<Output = Result<Response>> + Send {
    let url = url.as_ref().to_owned();
    async move { one_shot()?.head(url).send().await }
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
