//! Core types of [sessio](https://docs.rs/sessio): [`Request`], [`PreparedRequest`],
//! [`Response`], [`Body`] and the one [`Error`] type.
//!
//! This crate depends on no runtime. It holds requests' *prepare* logic
//! (method, URL and params, headers, cookies, body, auth, hooks) and the response
//! side (decode-on-read, charset rules, JSON detection, `Link` parsing).
//!
//! Every type here is reachable from `sessio::`, and the examples use those
//! paths; some also use `tokio = "1"`, `futures-util = "0.3"` and `serde_json = "1"`.
//!
//! ```
//! use sessio::{Auth, AuthSetting, Method, Request};
//!
//! let mut request = Request::new(Method::GET, "http://example.com/items?page=1");
//! request.parts_mut().params.push(("sort".into(), "new".into()));
//! request.parts_mut().auth = AuthSetting::Set(Auth::bearer("token"));
//! let prepared = request.prepare().unwrap();
//! assert_eq!(prepared.url().as_str(), "http://example.com/items?page=1&sort=new");
//! assert_eq!(prepared.headers()["authorization"], "Bearer token");
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
pub mod auth;
mod body;
pub mod cache;
mod connection;
mod cookie;
mod error;
pub mod hooks;
pub mod options;
mod progress;
mod redact;
pub mod request;
mod response;
mod simple_url;
mod unix_url;
mod url;

pub use auth::Auth;
pub use body::Body;
pub use connection::ConnectionInfo;
pub use cookie::{CookieStore, RequestCookies, StrictOrigin};
pub use error::{BoxError, Error, ErrorKind, Report, Result};
pub use hooks::{Hook, HookRegistry};
pub use options::{
    AllowRedirects, Attempts, Deadline, Fragment, MaxRedirects, Streaming, Timeouts,
};
pub use progress::{DownloadProgress, Progress, ProgressFn, UploadProgress};
pub use request::{PreparedRequest, Request, RequestParts};
pub use response::{
    BytesStream, DEFAULT_MAX_DECOMPRESSED_SIZE, Lines, Link, Response, ResponseBody, TextStream,
};

pub use ::url::Url;
pub use http::{self, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Version};
