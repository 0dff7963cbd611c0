//! `PreparedRequest`: exactly what is sent.

use std::fmt;
use std::sync::OnceLock;

use http::{Extensions, HeaderMap, Method, Uri};
use url::{Position, Url};

use super::RequestBody;
use crate::{Body, Error, Result};

/// The exact request that goes on the wire: method, URL, headers and body.
///
/// `Session::send` sends it as it is, adding nothing from the session's defaults.
///
/// ```
/// use sessio::{Method, PreparedRequest};
///
/// let url = "http://user:pw@example.com/a?b=1#frag".parse().unwrap();
/// let prepared = PreparedRequest::new(Method::GET, url);
/// assert_eq!(prepared.path_url(), "/a?b=1");
/// let http = prepared.into_http().unwrap();
/// assert_eq!(http.uri(), "http://example.com/a?b=1");
/// ```
pub struct PreparedRequest {
    method: Method,
    target: Target,
    headers: HeaderMap,
    body: Body,
    extensions: Extensions,
}

/// Where a prepared request goes: a parsed `Url`, or the wire `Uri` with the `Url`
/// built from it only when asked for (simple URLs, requests rebuilt from the wire).
#[derive(Clone)]
pub(super) enum Target {
    Parsed(Url),
    // Boxed: the `Url` is rarely built, and a small target keeps futures small.
    Simple { uri: Uri, url: OnceLock<Box<Url>> },
}

impl Target {
    pub(super) fn simple(uri: Uri) -> Self {
        Target::Simple {
            uri,
            url: OnceLock::new(),
        }
    }

    /// The host, lower-cased (IPv6 in brackets), without building a `Url`.
    pub(super) fn host(&self) -> Option<String> {
        match self {
            Target::Parsed(url) => url.host_str().map(str::to_ascii_lowercase),
            Target::Simple { uri, .. } => uri.host().map(str::to_ascii_lowercase),
        }
    }

    fn url(&self) -> &Url {
        match self {
            Target::Parsed(url) => url,
            Target::Simple { uri, url } => url.get_or_init(|| Box::new(url_of_simple(uri))),
        }
    }

    fn into_url(self) -> Url {
        match self {
            Target::Parsed(url) => url,
            Target::Simple { uri, url } => match url.into_inner() {
                Some(url) => *url,
                None => url_of_simple(&uri),
            },
        }
    }
}

/// The `Url` of a wire URI. The `url` crate accepts every absolute URI the `http`
/// crate does (and simple URLs unchanged, see `simple_url`'s tests), so the
/// fallback is not expected to be used.
fn url_of_simple(uri: &Uri) -> Url {
    Url::parse(&uri.to_string())
        .unwrap_or_else(|_| Url::parse("http://invalid.invalid/").expect("a valid literal URL"))
}

impl PreparedRequest {
    pub(super) fn assemble(
        method: Method,
        target: Target,
        headers: HeaderMap,
        body: Body,
        extensions: Extensions,
    ) -> Self {
        PreparedRequest {
            method,
            target,
            headers,
            body,
            extensions,
        }
    }

    /// A request with no headers and no body.
    pub fn new(method: Method, url: Url) -> Self {
        PreparedRequest {
            method,
            target: Target::Parsed(url),
            headers: HeaderMap::new(),
            body: Body::empty(),
            extensions: Extensions::new(),
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The method, for changing.
    pub fn method_mut(&mut self) -> &mut Method {
        &mut self.method
    }

    /// The full URL (with fragment and any userinfo as given).
    pub fn url(&self) -> &Url {
        self.target.url()
    }

    /// The URL, for changing.
    pub fn url_mut(&mut self) -> &mut Url {
        if let Target::Simple { .. } = self.target {
            let target = std::mem::replace(&mut self.target, Target::simple(Uri::default()));
            self.target = Target::Parsed(target.into_url());
        }
        match &mut self.target {
            Target::Parsed(url) => url,
            Target::Simple { .. } => unreachable!("converted just above"),
        }
    }

    /// The fragment of the URL, if any (without building a `Url` for simple URLs,
    /// which have none).
    pub fn fragment(&self) -> Option<&str> {
        match &self.target {
            Target::Parsed(url) => url.fragment(),
            Target::Simple { .. } => None,
        }
    }

    /// The headers that will be sent.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The headers, for changing.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// The body, for changing in place. The headers stay as they are, so a body
    /// of another length must come with a matching `Content-Length` (sending a
    /// mismatch is an error, before anything goes out); to swap the body, use
    /// [`set_body`](PreparedRequest::set_body) and friends, which update them.
    pub fn body_mut(&mut self) -> &mut Body {
        &mut self.body
    }

    /// Replaces the body with bytes, text or a stream and updates
    /// `Content-Length` and `Transfer-Encoding` to match, as requests'
    /// `prepare_body` does.
    ///
    /// ```
    /// use sessio::{Body, Method, Request};
    ///
    /// let mut request = Request::new(Method::POST, "http://example.com/");
    /// request.parts_mut().body = Some(sessio::RequestBody::new("abc"));
    /// let mut prepared = request.prepare().unwrap();
    /// prepared.set_body("a longer body");
    /// assert_eq!(prepared.headers()["content-length"], "13");
    /// let stream = futures_util::stream::iter(vec![Ok::<_, std::io::Error>("x")]);
    /// prepared.set_body(Body::wrap_stream(stream));
    /// assert_eq!(prepared.headers()["transfer-encoding"], "chunked");
    /// assert!(!prepared.headers().contains_key("content-length"));
    /// ```
    pub fn set_body(&mut self, body: impl Into<Body>) {
        self.set_request_body(Some(RequestBody::new(body)));
    }

    /// Replaces the body with JSON and updates the headers (`Content-Type:
    /// application/json` unless one is set).
    pub fn set_json<T: serde::Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.set_request_body(Some(RequestBody::json(value)?));
        Ok(())
    }

    /// Replaces the body with a form and updates the headers
    /// (`application/x-www-form-urlencoded` unless a `Content-Type` is set; an
    /// empty form is no body).
    pub fn set_form<T: serde::Serialize + ?Sized>(&mut self, form: &T) -> Result<()> {
        self.set_request_body(RequestBody::form(form)?);
        Ok(())
    }

    fn set_request_body(&mut self, body: Option<RequestBody>) {
        super::framing::frame_body(&self.method, body.as_ref(), &mut self.headers, true);
        self.body = body.map_or_else(Body::empty, |b| b.body);
    }

    /// Checks that the request can be sent as it is: a body of known size must
    /// match its `Content-Length`.
    pub(crate) fn check_framing(&self) -> Result<()> {
        super::framing::check_length(&self.headers, &self.body)
    }

    /// The per-request options.
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// The per-request options, for changing.
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.extensions
    }

    /// The path and query as sent on the request line (requests' `path_url`).
    pub fn path_url(&self) -> &str {
        match &self.target {
            Target::Parsed(url) => &url[Position::BeforePath..Position::AfterQuery],
            Target::Simple { uri, .. } => uri.path_and_query().map_or("/", |p| p.as_str()),
        }
    }

    /// Splits the request into method, URL, headers, body and extensions.
    pub fn into_parts(self) -> (Method, Url, HeaderMap, Body, Extensions) {
        (
            self.method,
            self.target.into_url(),
            self.headers,
            self.body,
            self.extensions,
        )
    }

    /// A copy, or `None` when the body is a stream.
    pub fn try_clone(&self) -> Option<PreparedRequest> {
        Some(PreparedRequest {
            method: self.method.clone(),
            target: self.target.clone(),
            headers: self.headers.clone(),
            body: self.body.try_clone()?,
            extensions: self.extensions.clone(),
        })
    }

    /// The wire URI when the URL is a simple one (no `Url` parsed yet).
    pub(super) fn wire_uri(&self) -> Option<&Uri> {
        match &self.target {
            Target::Simple { uri, .. } => Some(uri),
            Target::Parsed(_) => None,
        }
    }

    /// A copy for the record (`Response::request`): a stream body is left out.
    pub fn snapshot(&self) -> PreparedRequest {
        PreparedRequest {
            method: self.method.clone(),
            target: self.target.clone(),
            headers: self.headers.clone(),
            body: self.body.try_clone().unwrap_or_default(),
            extensions: Extensions::new(),
        }
    }

    /// The request as an `http::Request`: the URI leaves out userinfo and
    /// fragment. A body of known size that disagrees with its `Content-Length`
    /// is an error (`is_builder()`).
    pub fn into_http(self) -> Result<http::Request<Body>> {
        self.check_framing()?;
        let uri = match self.target {
            Target::Parsed(url) => wire_uri(&url)?,
            Target::Simple { uri, .. } => uri,
        };
        let mut request = http::Request::new(self.body);
        *request.method_mut() = self.method;
        *request.uri_mut() = uri;
        *request.headers_mut() = self.headers;
        *request.extensions_mut() = self.extensions;
        Ok(request)
    }

    /// A prepared request from an `http::Request` (its URI must be absolute).
    pub fn from_http(request: http::Request<Body>) -> Result<Self> {
        let (parts, body) = request.into_parts();
        let mut prepared = Self::from_wire(parts.method, parts.uri, parts.headers, body)?;
        prepared.extensions = parts.extensions;
        Ok(prepared)
    }

    /// A prepared request from its wire parts. The `Url` is built from the URI
    /// only when [`url`](PreparedRequest::url) is called; the URI must be absolute.
    pub fn from_wire(method: Method, uri: Uri, headers: HeaderMap, body: Body) -> Result<Self> {
        if uri.scheme().is_none() || uri.authority().is_none() {
            return Err(Error::invalid_url(
                &uri.to_string(),
                "the request URI must be absolute",
            ));
        }
        Ok(PreparedRequest {
            method,
            target: Target::simple(uri),
            headers,
            body,
            extensions: Extensions::new(),
        })
    }
}

/// The URI sent to the transport: no userinfo, no fragment.
pub fn wire_uri(url: &Url) -> Result<Uri> {
    let text = if crate::unix_url::is_unix_scheme(url.scheme()) {
        crate::unix_url::wire_uri(url)
    } else if url.username().is_empty() && url.password().is_none() {
        Uri::try_from(&url[..Position::AfterQuery])
    } else {
        Uri::try_from(format!(
            "{}://{}",
            url.scheme(),
            &url[Position::BeforeHost..Position::AfterQuery]
        ))
    };
    text.map_err(|e| Error::invalid_url(url.as_str(), &e.to_string()))
}

impl fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedRequest")
            .field("method", &self.method)
            .field("url", &crate::redact::url(self.url().as_str()))
            .field("headers", &crate::redact::Headers(&self.headers))
            .field("body", &self.body)
            .finish()
    }
}

impl fmt::Display for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<PreparedRequest [{}]>", self.method)
    }
}
