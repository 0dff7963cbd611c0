//! How a request body is framed on the wire (requests' `prepare_content_length`
//! and `prepare_body`): `Content-Type`, `Content-Length` or chunked encoding.

use http::header::{CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderValue, Method};

use super::RequestBody;
use crate::{Body, Error, ErrorKind, Result};

/// Sets the headers `body` implies: its `Content-Type` unless one is set, then
/// its length (`0` for a body-less request of any method but `GET` and `HEAD`),
/// or `Transfer-Encoding: chunked` for a stream of unknown length. With
/// `replace`, the `Content-Length` and `Transfer-Encoding` already there are
/// dropped first (a body that was swapped).
pub(crate) fn frame_body(
    method: &Method,
    body: Option<&RequestBody>,
    headers: &mut HeaderMap,
    replace: bool,
) {
    if replace {
        headers.remove(CONTENT_LENGTH);
        headers.remove(TRANSFER_ENCODING);
    }
    if let Some(RequestBody {
        content_type: Some(content_type),
        ..
    }) = body
    {
        headers
            .entry(CONTENT_TYPE)
            .or_insert_with(|| content_type.clone());
    }
    let (length, stream) = match body {
        Some(RequestBody { body, .. }) => (body.content_length(), body.is_stream()),
        None => (Some(0), false),
    };
    match length {
        Some(0) if stream => {}
        Some(0) => {
            if method != Method::GET && method != Method::HEAD {
                headers
                    .entry(CONTENT_LENGTH)
                    .or_insert(HeaderValue::from_static("0"));
            }
        }
        // A stream of known size (a file, a multipart form) is sent with its
        // length, as requests does for file objects (`super_len`).
        Some(len) => {
            if !stream || !headers.contains_key(CONTENT_LENGTH) {
                headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
            }
        }
        _ => {
            if !headers.contains_key(CONTENT_LENGTH) {
                headers.insert(TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
            }
        }
    }
}

/// A body whose size is known must match the `Content-Length` it is sent with:
/// a longer body would be cut on the wire, a shorter one would leave the server
/// waiting.
pub(crate) fn check_length(headers: &HeaderMap, body: &Body) -> Result<()> {
    let Some(declared) = headers.get(CONTENT_LENGTH) else {
        return Ok(());
    };
    let declared = declared
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
        .ok_or_else(|| Error::invalid_header("content-length", "not a number"))?;
    match body.as_bytes() {
        Some(bytes) if bytes.len() as u64 != declared => Err(Error::msg(
            ErrorKind::Builder,
            format!(
                "the body has {} bytes but Content-Length says {declared}; set the body with \
                 PreparedRequest::set_body (or set_json, set_form), which updates the headers",
                bytes.len()
            ),
        )),
        _ => Ok(()),
    }
}
