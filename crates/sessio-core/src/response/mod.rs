//! The response: status, headers, the request that produced it, and a body that
//! is decoded (gzip, deflate, br, zstd) as it is read.

mod body;
mod capped;
mod content;
pub(crate) mod decode;
mod lines;
mod links;
mod reader;
#[allow(clippy::module_inception)]
mod response;
#[cfg(test)]
mod tests;
pub(crate) mod text;
mod text_stream;

use http::StatusCode;

pub use body::ResponseBody;
pub use decode::accept_encoding;
pub use lines::Lines;
pub use links::Link;
pub use reader::BytesStream;
pub use response::Response;
pub use text_stream::TextStream;

/// The default cap on a body read into memory with `bytes()`, `text()` or `json()`.
pub const DEFAULT_MAX_DECOMPRESSED_SIZE: u64 = 1 << 30;

/// The statuses a redirect is followed for (with a `Location`): 301, 302, 303, 307, 308.
pub fn is_redirect_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}
