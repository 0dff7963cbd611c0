//! Keeping a response that is not returned (a redirect followed, a challenge
//! answered) for the history: its body drained raw and bounded, its headers
//! with bytes of their own.

use bytes::{Buf, Bytes, BytesMut};
use http_body::Body;
use http_body_util::BodyExt;

/// The most bytes of a kept response's body that are read (raw, never decoded)
/// so that its connection can be reused; past it the body is dropped and the
/// connection closed.
pub(crate) const DRAIN_LIMIT: usize = 64 * 1024;

/// The response as kept: its body read (see [`drain`]; empty when it was larger
/// than [`DRAIN_LIMIT`] or failed) and its headers copied (see [`own_headers`]).
pub(crate) async fn keep<RB: Body>(response: http::Response<RB>) -> http::Response<Bytes> {
    let (mut parts, body) = response.into_parts();
    let drained = drain(body).await.unwrap_or_default();
    parts.headers = own_headers(&parts.headers);
    http::Response::from_parts(parts, drained)
}

/// Reads at most [`DRAIN_LIMIT`] raw bytes of a body so that its connection can
/// go back to the pool. Returns the bytes, or `None` when the body was larger
/// (it is then dropped and the connection closed) or failed.
pub(crate) async fn drain<RB: Body>(body: RB) -> Option<Bytes> {
    let mut body = std::pin::pin!(body);
    if body.size_hint().lower() > DRAIN_LIMIT as u64 {
        return None;
    }
    let mut drained = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let Ok(mut data) = frame.ok()?.into_data() else {
            continue;
        };
        if drained.len() + data.remaining() > DRAIN_LIMIT {
            return None;
        }
        while data.has_remaining() {
            let chunk = data.chunk();
            drained.extend_from_slice(chunk);
            let read = chunk.len();
            data.advance(read);
        }
    }
    Some(drained.freeze())
}

/// The headers with values of their own: a client may parse header values as
/// slices of its read buffer (hyper does), and a kept response with them would
/// keep that whole buffer, body bytes included, alive with it.
pub(crate) fn own_headers(headers: &http::HeaderMap) -> http::HeaderMap {
    let mut owned = http::HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        // (a value's bytes are always a valid value; kept as it is otherwise)
        let copy = match http::HeaderValue::from_bytes(value.as_bytes()) {
            Ok(mut copy) => {
                copy.set_sensitive(value.is_sensitive());
                copy
            }
            Err(_) => value.clone(),
        };
        owned.append(name.clone(), copy);
    }
    owned
}
