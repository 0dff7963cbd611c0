//! Plumbing shared by sessio's own crates. Not a public API: nothing here is
//! covered by semver, and it may change in any release.

pub use crate::connection::builder::{connection_info, set_exchange};

/// Puts the connection a body comes over on the body (the session's adapters
/// do, instead of adding it to the response's extensions).
pub fn attach_connection(body: &mut crate::ResponseBody, connection: crate::ConnectionInfo) {
    body.connection = Some(connection);
}
/// Takes the connection a body carries (to move it elsewhere when the body is wrapped).
pub fn take_connection(body: &mut crate::ResponseBody) -> Option<crate::ConnectionInfo> {
    body.connection.take()
}
pub use crate::cookie::{
    MAX_COOKIE_HEADER, PreparedCookie, check_cookie, cookie_header, fitting, join_pairs,
};
pub use crate::progress::count_download;
pub use crate::request::header::{
    checked_header, checked_value, header_name, header_pair, name_of,
};
pub use crate::request::merge::merge_headers;
pub use crate::request::prepare::{SessionDefaults, prepare};
pub use crate::request::prepared::wire_uri;
pub use crate::response::text::utf8_or_latin1;
pub use crate::response::{accept_encoding, is_redirect_status};
pub use crate::simple_url::{SimpleTarget, simple_target};
pub use crate::unix_url::{is_unix_scheme, socket_path as unix_socket_path};
pub use crate::url::{
    encode_pairs, merge_params, prepare_url, requote_uri, same_origin, serialize_pairs,
};

use std::time::Duration;

use url::Url;

use crate::{BoxError, Error, ErrorKind, PreparedRequest, Response};

/// A new error of `kind` caused by `source`.
pub fn error(kind: ErrorKind, source: impl Into<BoxError>) -> Error {
    Error::new(kind, source)
}

/// A new error of `kind` with a message and no underlying cause.
pub fn error_msg(kind: ErrorKind, message: impl Into<String>) -> Error {
    Error::msg(kind, message)
}

/// An invalid URL: `Invalid URL '<url>': <why>`.
pub fn invalid_url(url: &str, why: &str) -> Error {
    Error::invalid_url(url, why)
}

/// An invalid header name or value.
pub fn invalid_header(header: &str, why: &str) -> Error {
    Error::invalid_header(header, why)
}

/// Any boxed error as an `Error`: a boxed `Error` is unwrapped, anything else is
/// classified by its cause chain (timeouts, I/O).
pub fn error_from_boxed(err: BoxError) -> Error {
    Error::from_boxed(err)
}

/// What sessio's crates attach to an error.
pub trait ErrorExt {
    /// Attaches the URL (credentials removed).
    fn with_url(self, url: Url) -> Self;
    /// Attaches the URL if none is attached yet (credentials removed).
    fn with_url_if_missing(self, url: &Url) -> Self;
    /// Attaches the response this error concerns.
    fn with_response(self, response: Response) -> Self;
}

/// What sessio's crates set on a response they build.
pub trait ResponseExt {
    /// The reason phrase the server sent (HTTP/1 only).
    fn set_reason(&mut self, reason: impl Into<Box<str>>);
    /// The time from sending to receiving the head.
    fn set_elapsed(&mut self, elapsed: Duration);
    /// The redirect history, oldest first.
    fn set_history(&mut self, history: Vec<Response>);
    /// The request a redirect not followed leads to.
    fn set_next(&mut self, next: Option<PreparedRequest>);
    /// Why a redirect was not followed.
    fn set_redirect_not_followed(&mut self, reason: impl Into<String>);
    /// The cap on buffered reads (`None`: no cap).
    fn set_max_decompressed_size(&mut self, max: Option<u64>);
}

/// The flow of a multi-step auth (`Auth::digest`, `Auth::flow`), if it is one.
pub fn auth_flow(auth: &crate::Auth) -> Option<std::sync::Arc<dyn crate::auth::AuthFlow>> {
    auth.as_flow().cloned()
}
