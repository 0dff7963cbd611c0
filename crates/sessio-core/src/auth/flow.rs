//! Multi-step authentication: a scheme that sees each response and may send
//! the request again (digest's challenge, a token refreshed on 401).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::{HeaderMap, HeaderValue, Method, Uri};

use crate::BoxError;

/// What an [`AuthFlow`] sees of a request: its head, and its body when the
/// body is in memory (a stream body is `None`).
///
/// The struct may gain fields: its fields are public to read, and
/// [`AuthRequest::new`] makes one.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct AuthRequest<'a> {
    /// The method.
    pub method: &'a Method,
    /// The URI as sent (scheme, authority, path and query).
    pub uri: &'a Uri,
    /// The headers as sent.
    pub headers: &'a HeaderMap,
    /// The body, when it is held in memory.
    pub body: Option<&'a [u8]>,
}

impl<'a> AuthRequest<'a> {
    /// What a flow sees of a request with this head and body (`None`: a
    /// stream).
    pub fn new(
        method: &'a Method,
        uri: &'a Uri,
        headers: &'a HeaderMap,
        body: Option<&'a [u8]>,
    ) -> Self {
        AuthRequest {
            method,
            uri,
            headers,
            body,
        }
    }
}

/// The answer of [`AuthFlow::respond`]: the `Authorization` to send the
/// request again with, or `None` to keep the response.
pub type AuthFuture = Pin<Box<dyn Future<Output = Result<Option<HeaderValue>, BoxError>> + Send>>;

/// An authentication scheme that may take more than one request: it can add
/// an `Authorization` before a request is sent, and look at the response to
/// send the request once more with another one (digest auth answers the
/// server's challenge that way; a bearer token can be refreshed on a 401).
/// Wrap one in [`Auth::flow`](crate::Auth::flow) to use it like any auth.
///
/// A request is sent again only when its body can be replayed (it is in
/// memory); otherwise the response is returned as it is. A flow is asked
/// about the requests of the origin it was given for (a redirect to another
/// host gets no `Authorization` from it), and at most `max_resends()` times
/// per request.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use sessio::auth::{AuthFlow, AuthFuture, AuthRequest};
/// use sessio::http::{HeaderValue, response::Parts};
///
/// /// A bearer token that is fetched again when the server says 401.
/// struct Refreshing { token: Arc<std::sync::Mutex<String>>, refreshes: AtomicUsize }
///
/// impl AuthFlow for Refreshing {
///     fn authorize(&self, _request: &AuthRequest<'_>) -> Option<HeaderValue> {
///         HeaderValue::try_from(format!("Bearer {}", self.token.lock().unwrap())).ok()
///     }
///
///     fn respond(&self, _request: &AuthRequest<'_>, response: &Parts, _resends: u32) -> AuthFuture {
///         let token = self.token.clone();
///         let expired = response.status == 401;
///         if expired {
///             self.refreshes.fetch_add(1, Ordering::Relaxed);
///         }
///         Box::pin(async move {
///             if !expired {
///                 return Ok(None);
///             }
///             let fresh = "new-token".to_owned(); // ask your token endpoint here
///             *token.lock().unwrap() = fresh.clone();
///             Ok(Some(HeaderValue::try_from(format!("Bearer {fresh}"))?))
///         })
///     }
/// }
///
/// let auth = sessio::Auth::flow(Refreshing {
///     token: Arc::new(std::sync::Mutex::new("old-token".into())),
///     refreshes: AtomicUsize::new(0),
/// });
/// let session = sessio::Session::builder().auth(auth).build().unwrap();
/// # drop(session);
/// ```
pub trait AuthFlow: Send + Sync + 'static {
    /// The `Authorization` for a request about to be sent, if the scheme can
    /// give one before any challenge (a token; a digest answer for a nonce
    /// already known). The default gives none.
    fn authorize(&self, request: &AuthRequest<'_>) -> Option<HeaderValue> {
        let _ = request;
        None
    }

    /// Looks at the response to `request`; `resends` is how many times this
    /// request was sent again already. Returns the `Authorization` to send it
    /// once more with, or `None` to return the response (the default: a flow
    /// that only implements [`authorize`](Self::authorize) sets a header per hop).
    fn respond(
        &self,
        request: &AuthRequest<'_>,
        response: &http::response::Parts,
        resends: u32,
    ) -> AuthFuture {
        let _ = (request, response, resends);
        Box::pin(std::future::ready(Ok(None)))
    }

    /// The most times one request is sent again (default 2).
    fn max_resends(&self) -> u32 {
        2
    }
}

/// A flow attached to a request by prepare, with the origin it is for; it
/// travels as a request extension through every hop.
#[derive(Clone)]
#[non_exhaustive]
pub struct AttachedFlow {
    /// The flow.
    pub flow: Arc<dyn AuthFlow>,
    /// `scheme://host:port` of the request the auth was given for.
    pub origin: (String, String, u16),
    /// Whether the flow decides for itself which hosts it answers (netrc
    /// looks each hop's host up); otherwise only `origin` is answered.
    pub every_origin: bool,
}

impl AttachedFlow {
    /// Whether `uri` is on the origin the flow was attached for.
    pub fn applies_to(&self, uri: &Uri) -> bool {
        self.every_origin || origin_of(uri).is_some_and(|origin| origin == self.origin)
    }
}

impl std::fmt::Debug for AttachedFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachedFlow")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// `(scheme, host, port)` of an absolute URI, the port made explicit.
pub fn origin_of(uri: &Uri) -> Option<(String, String, u16)> {
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let host = uri.host()?.to_ascii_lowercase();
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    Some((scheme, host, port))
}
