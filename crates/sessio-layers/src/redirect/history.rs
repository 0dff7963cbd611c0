//! What the redirect layer records: each redirect followed, as plain http data.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Version};
use url::Url;

/// The most bytes of a redirect response's body that are read (raw, never
/// decoded) so that its connection can be reused; past it the body is dropped
/// and the connection closed.
pub const DRAIN_LIMIT: usize = crate::recorded::DRAIN_LIMIT;

/// The head of a request of a redirect chain, as this layer sent it (layers
/// inside it may have added headers, such as `Cookie`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestHead {
    /// The method.
    pub method: Method,
    /// The URL, with the fragment the chain carried over.
    pub url: Url,
    /// The HTTP version asked for.
    pub version: Version,
    /// The headers.
    pub headers: HeaderMap,
    /// Whether this request sent the first request's body again (every redirect
    /// before it was a 307 or 308); otherwise it had no body.
    pub resends_body: bool,
}

/// One redirect that was followed: the request, its response (the body drained
/// raw, at most [`DRAIN_LIMIT`] bytes, empty when it was larger) and the time
/// from sending the request to receiving the response head.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FollowedRedirect {
    /// The request that got the redirect.
    pub request: RequestHead,
    /// The redirect response, its body in memory.
    pub response: http::Response<Bytes>,
    /// Time from sending the request to the response head.
    pub elapsed: Duration,
}

/// Response extension set by the redirect layer on a response whose first hop
/// was a redirect (followed or not).
///
/// ```
/// use sessio::http::{Request, Response};
/// use sessio::layers::redirect::{RedirectHistory, RedirectLayer};
/// use tower::{ServiceBuilder, ServiceExt, service_fn};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let server = service_fn(|req: Request<String>| async move {
///     let response = match req.uri().path() {
///         "/old" => Response::builder().status(308).header("location", "/new").body(String::new()),
///         _ => Response::builder().body("here".to_owned()),
///     };
///     Ok::<_, std::convert::Infallible>(response.unwrap())
/// });
/// let client = ServiceBuilder::new().layer(RedirectLayer::new()).service(server);
/// let response = client.oneshot(Request::get("http://example.test/old").body(String::new()).unwrap()).await.unwrap();
///
/// let history = response.extensions().get::<RedirectHistory>().unwrap();
/// assert_eq!(history.followed[0].response.status(), 308);
/// assert_eq!(history.followed[0].request.url.path(), "/old");
/// assert_eq!(history.request.url.path(), "/new");
/// # });
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RedirectHistory {
    /// The redirects followed, oldest first.
    pub followed: Vec<FollowedRedirect>,
    /// The request that got the response this extension is on.
    pub request: RequestHead,
    /// The request the returned redirect leads to, when it was not followed.
    pub next: Option<RequestHead>,
    /// Why a redirect was not followed although redirects were allowed (a 307/308
    /// whose body is a stream, a policy that said stop).
    pub not_followed: Option<String>,
}
