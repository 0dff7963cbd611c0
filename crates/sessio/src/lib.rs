#![doc = include_str!("guide.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod adapter;
mod convert;
mod error;
mod mount;
pub mod multipart;
pub mod proxy;
mod session;
pub mod tls;
#[cfg(feature = "tracing")]
mod trace;
mod transport;

use std::future::Future;

#[cfg(unix)]
pub use adapter::UnixAdapter;
pub use adapter::{
    Adapter, AdapterFuture, DEFAULT_MAX_HEADER_LINE, DEFAULT_MAX_RESPONSE_HEADERS,
    DEFAULT_POOL_IDLE_TIMEOUT, HttpAdapter, HttpAdapterBuilder, HttpBody, HttpFuture, IntoAdapter,
    MockAdapter, MockRequest, MockResponse, PoolKey, PoolStats, Resolve, Resolving, ServiceAdapter,
};
pub use session::{
    ExchangeService, HopService, HttpService, HttpSessionFuture, IntoRequest, MergedSettings,
    RequestBuilder, Session, SessionBuilder, SessionFuture,
};

pub use sessio_core::http::{self, header};
pub use sessio_core::request::{AuthSetting, RequestBody, RequestParts};
pub use sessio_core::{
    AllowRedirects, Auth, Body, BoxError, BytesStream, ConnectionInfo, CookieStore,
    DEFAULT_MAX_DECOMPRESSED_SIZE, Error, ErrorKind, Hook, HookRegistry, Lines, Link,
    PreparedRequest, Request, Response, ResponseBody, Result, TextStream, Timeouts,
};
pub use sessio_core::{
    Attempts, Deadline, DownloadProgress, Fragment, Progress, Streaming, UploadProgress,
};
pub use sessio_core::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Url, Version};

/// Multi-step authentication of your own: [`AuthFlow`](auth::AuthFlow), used
/// through [`Auth::flow`]. [`Auth::digest`] is one.
pub mod auth {
    pub use sessio_core::auth::{AuthFlow, AuthFuture, AuthRequest};
}

pub use sessio_layers::cookies::Jar;
pub use sessio_layers::retry::RetryPolicy;

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
