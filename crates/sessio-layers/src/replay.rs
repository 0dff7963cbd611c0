//! Request bodies that can be sent again: the one trait the redirect layer (and
//! any layer that re-sends a request) uses to copy a body.

use bytes::Bytes;
use http_body_util::combinators::{BoxBody, UnsyncBoxBody};
use http_body_util::{Empty, Full};

/// A request body that can be sent again (on a 307/308 redirect, say), unless it
/// is a stream.
///
/// It is implemented for sessio's `Body` (bytes replay, streams do not), for the
/// plain body types of `http-body-util` and for `()`, `String` and `Bytes`.
/// Boxed bodies never replay: a layer that needs a copy stops cleanly instead.
///
/// ```
/// use bytes::Bytes;
/// use http_body_util::Full;
/// use sessio::layers::ReplayBody;
///
/// let body = Full::new(Bytes::from_static(b"form=1"));
/// assert!(body.try_replay().is_some());
/// ```
///
/// A body that cannot be copied does not fit under the redirect layer: the
/// compiler says `ReplayBody` is missing and lists the bodies that have it.
///
/// ```compile_fail
/// use bytes::Bytes;
/// use http_body_util::{Full, Limited};
/// use sessio::layers::redirect::RedirectLayer;
/// use tower::{Layer, Service};
///
/// let server = tower::service_fn(|_req: http::Request<Limited<Full<Bytes>>>| async {
///     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
/// });
/// let mut client = RedirectLayer::new().layer(server);
/// let body = Limited::new(Full::new(Bytes::new()), 1024);
/// let _ = client.call(http::Request::new(body));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a request body sessio's layers can copy (`ReplayBody`)",
    label = "the request body type of this service",
    note = "the redirect, retry and auth-flow layers need `ReplayBody` of the request body: it is implemented for sessio's `Body`, http-body-util's `Full`, `Empty` and `BoxBody`, `()`, `String` and `Bytes`; implement it for your body, or map the request body into one of these (e.g. `req.map(sessio::Body::wrap)`)"
)]
pub trait ReplayBody: Sized {
    /// A copy to send again; `None` when the body cannot be replayed.
    fn try_replay(&self) -> Option<Self>;

    /// An empty body, for requests that drop the body.
    fn empty() -> Self;

    /// The body's bytes when it holds them in memory (auth flows hash them);
    /// `None` by default.
    fn as_bytes(&self) -> Option<&[u8]> {
        None
    }
}

impl ReplayBody for sessio_core::Body {
    fn try_replay(&self) -> Option<Self> {
        self.try_clone()
    }

    fn as_bytes(&self) -> Option<&[u8]> {
        sessio_core::Body::as_bytes(self)
    }

    fn empty() -> Self {
        sessio_core::Body::empty()
    }
}

impl ReplayBody for () {
    fn try_replay(&self) -> Option<Self> {
        Some(())
    }

    fn empty() -> Self {}
}

impl ReplayBody for String {
    fn try_replay(&self) -> Option<Self> {
        Some(self.clone())
    }

    fn empty() -> Self {
        String::new()
    }
}

impl ReplayBody for Bytes {
    fn try_replay(&self) -> Option<Self> {
        Some(self.clone())
    }

    fn empty() -> Self {
        Bytes::new()
    }
}

impl ReplayBody for Full<Bytes> {
    fn try_replay(&self) -> Option<Self> {
        Some(self.clone())
    }

    fn empty() -> Self {
        Full::new(Bytes::new())
    }
}

impl ReplayBody for Empty<Bytes> {
    fn try_replay(&self) -> Option<Self> {
        Some(*self)
    }

    fn empty() -> Self {
        Empty::new()
    }
}

impl<E: 'static> ReplayBody for BoxBody<Bytes, E> {
    fn try_replay(&self) -> Option<Self> {
        None
    }

    fn empty() -> Self {
        BoxBody::default()
    }
}

impl<E: 'static> ReplayBody for UnsyncBoxBody<Bytes, E> {
    fn try_replay(&self) -> Option<Self> {
        None
    }

    fn empty() -> Self {
        UnsyncBoxBody::default()
    }
}
