//! `Request` (what the user asked for) and `PreparedRequest` (exactly what is sent).

use std::fmt;

use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use http::{Extensions, HeaderMap, HeaderName, HeaderValue, Method, Uri};
use std::sync::OnceLock;

use url::{Position, Url};

use crate::{Auth, Body, Error, Result};

/// How a request relates to the session's auth (requests' `merge_setting` for `auth`,
/// plus httpx's explicit "no auth").
#[derive(Debug, Clone, Default)]
pub enum AuthSetting {
    /// Use the session's auth, or else credentials in the URL.
    #[default]
    Inherit,
    /// Send no `Authorization` from session auth or URL credentials.
    Disabled,
    /// Use these credentials.
    Set(Auth),
}

/// The body of a request with the `Content-Type` its kind implies.
#[derive(Debug, Default)]
pub struct RequestBody {
    /// The bytes or stream.
    pub body: Body,
    /// `Content-Type` to set when the user set none (`application/json`, form, ...).
    pub content_type: Option<HeaderValue>,
}

/// The parts of a [`Request`], all public, for code that merges or rewrites requests.
#[derive(Debug, Default)]
pub struct RequestParts {
    /// The method (upper-cased when prepared).
    pub method: Method,
    /// The URL as the user wrote it.
    pub url: String,
    /// Headers this request sets (they win over session headers).
    pub headers: HeaderMap,
    /// Session headers this request removes (requests' `headers={'X': None}`).
    pub removed_headers: Vec<HeaderName>,
    /// Query params this request adds, in order.
    pub params: Vec<(String, String)>,
    /// Session params this request removes.
    pub removed_params: Vec<String>,
    /// Auth for this request.
    pub auth: AuthSetting,
    /// The body, if any.
    pub body: Option<RequestBody>,
    /// Cookies of this request only (requests' `cookies=`): sent, never stored.
    pub cookies: Vec<(String, String)>,
    /// Hooks of this request; per event they replace the session's (requests'
    /// `merge_hooks`) unless `extend_hooks` is set.
    pub hooks: crate::HookRegistry,
    /// Run this request's hooks after the session's instead of replacing them.
    pub extend_hooks: bool,
    /// Per-request options (`Timeouts`, `Streaming`, `AllowRedirects`, ...).
    pub extensions: Extensions,
}

/// A request as the user described it, not merged with any session state.
///
/// Build one with a session's `RequestBuilder::build`, or by hand; turn it into the
/// exact request with [`Request::prepare`] (no session state) or `Session::prepare`.
///
/// ```
/// use sessio_core::{Method, Request};
///
/// let mut request = Request::new(Method::GET, "http://example.com/search");
/// request.parts_mut().params.push(("q".into(), "rust http".into()));
/// let prepared = request.prepare().unwrap();
/// assert_eq!(prepared.url().as_str(), "http://example.com/search?q=rust+http");
/// assert!(prepared.headers().is_empty());
/// ```
#[derive(Debug, Default)]
pub struct Request {
    parts: RequestParts,
}

impl Request {
    /// A request with `method` for `url` and nothing else.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Request {
            parts: RequestParts {
                method,
                url: url.into(),
                ..RequestParts::default()
            },
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.parts.method
    }

    /// The URL as given.
    pub fn url(&self) -> &str {
        &self.parts.url
    }

    /// The headers this request sets.
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// The per-request options.
    pub fn extensions(&self) -> &Extensions {
        &self.parts.extensions
    }

    /// All parts, for reading.
    pub fn parts(&self) -> &RequestParts {
        &self.parts
    }

    /// All parts, for changing.
    pub fn parts_mut(&mut self) -> &mut RequestParts {
        &mut self.parts
    }

    /// Splits the request into its parts.
    pub fn into_parts(self) -> RequestParts {
        self.parts
    }

    /// A request from parts.
    pub fn from_parts(parts: RequestParts) -> Self {
        Request { parts }
    }

    /// Prepares the request on its own, without any session state: requests'
    /// `Request.prepare()` (steps P1–P7).
    ///
    /// Removals in the parts have nothing to remove here and are ignored.
    pub fn prepare(self) -> Result<PreparedRequest> {
        let RequestParts {
            method,
            url,
            headers,
            params,
            removed_params,
            auth,
            body,
            cookies,
            hooks,
            extensions,
            ..
        } = self.parts;
        let params = if removed_params.is_empty() {
            params
        } else {
            crate::url::merge_params(&[], &params, &removed_params)
        };
        let use_url_credentials = !matches!(auth, AuthSetting::Disabled);
        let auth = match auth {
            AuthSetting::Set(auth) => Some(auth),
            AuthSetting::Inherit | AuthSetting::Disabled => None,
        };
        let mut prepared = prepare_merged(PrepareInput {
            method,
            url: &url,
            params: &params,
            headers,
            auth: auth.as_ref(),
            use_url_credentials,
            body,
            extensions,
        })?;
        // P4: the request's own cookies, unless it set a Cookie header itself.
        if !cookies.is_empty() && !prepared.headers().contains_key(http::header::COOKIE) {
            let text = cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            let value = header_value(http::header::COOKIE.as_str(), &text)?;
            prepared.headers_mut().insert(http::header::COOKIE, value);
        }
        // P7
        if !hooks.is_empty() {
            prepared.extensions_mut().insert(hooks);
        }
        Ok(prepared)
    }
}

/// Merged input of the prepare steps.
#[derive(Debug)]
pub struct PrepareInput<'a> {
    /// P1: the method.
    pub method: Method,
    /// P2: the user URL.
    pub url: &'a str,
    /// P2: merged params, appended to the query.
    pub params: &'a [(String, String)],
    /// P3: merged headers.
    pub headers: HeaderMap,
    /// P6: the auth to apply, if any.
    pub auth: Option<&'a Auth>,
    /// P6: whether URL credentials apply when `auth` is `None`.
    pub use_url_credentials: bool,
    /// P5: the body.
    pub body: Option<RequestBody>,
    /// Per-request options.
    pub extensions: Extensions,
}

/// Runs requests' prepare steps P1–P6 on already merged input.
///
/// This is what `Session::prepare` calls after merging the session's headers,
/// params and auth into the request.
pub fn prepare_merged(input: PrepareInput<'_>) -> Result<PreparedRequest> {
    let PrepareInput {
        method,
        url,
        params,
        mut headers,
        auth,
        use_url_credentials,
        body,
        extensions,
    } = input;

    // P1: methods are case-sensitive tokens; requests upper-cases them.
    let method = upper_method(method)?;
    // P2: simple URLs go straight to the wire form; the rest through `url`.
    let trimmed = url.trim_start();
    let target = match crate::simple_url::simple_uri(trimmed, params) {
        Some(uri) => Target::simple(uri),
        None => Target::Parsed(crate::url::prepare_url(url, params)?),
    };
    // P3: names and values were validated when they were set.
    // P5
    let body = match body {
        Some(RequestBody { body, content_type }) => {
            if let Some(content_type) = content_type {
                headers.entry(CONTENT_TYPE).or_insert(content_type);
            }
            body
        }
        None => Body::empty(),
    };
    match body.content_length() {
        Some(0) if body.is_stream() => {}
        Some(0) => {
            if method != Method::GET && method != Method::HEAD {
                headers
                    .entry(CONTENT_LENGTH)
                    .or_insert(HeaderValue::from_static("0"));
            }
        }
        Some(len) if !body.is_stream() => {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
        }
        _ => {
            if !headers.contains_key(CONTENT_LENGTH) {
                headers.insert(TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
            }
        }
    }
    // P6
    match auth {
        Some(auth) => auth.apply(&mut headers)?,
        None if use_url_credentials => {
            if let Target::Parsed(url) = &target
                && let Some(auth) = url_credentials(url)
            {
                auth.apply(&mut headers)?;
            }
        }
        None => {}
    }
    Ok(PreparedRequest {
        method,
        target,
        headers,
        body,
        extensions,
    })
}

fn upper_method(method: Method) -> Result<Method> {
    let name = method.as_str();
    if name.bytes().all(|b| !b.is_ascii_lowercase()) {
        return Ok(method);
    }
    Method::from_bytes(name.to_ascii_uppercase().as_bytes()).map_err(Error::builder)
}

/// Basic auth from `user:pass@` in the URL, percent-decoded (requests' `get_auth_from_url`).
pub fn url_credentials(url: &Url) -> Option<Auth> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    Some(Auth::basic(
        decode(url.username()),
        decode(url.password().unwrap_or("")),
    ))
}

/// The exact request that goes on the wire: method, URL, headers and body.
///
/// `Session::send` sends it as it is, adding nothing from the session's defaults.
///
/// ```
/// use sessio_core::{Method, PreparedRequest};
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
enum Target {
    Parsed(Url),
    // Boxed: the `Url` is rarely built, and a small target keeps futures small.
    Simple { uri: Uri, url: OnceLock<Box<Url>> },
}

impl Target {
    fn simple(uri: Uri) -> Self {
        Target::Simple {
            uri,
            url: OnceLock::new(),
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

    /// The body, for changing.
    pub fn body_mut(&mut self) -> &mut Body {
        &mut self.body
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

    /// The request as an `http::Request`: the URI leaves out userinfo and fragment,
    /// and the `Url` travels in the extensions.
    pub fn into_http(self) -> Result<http::Request<Body>> {
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
    let text = if url.username().is_empty() && url.password().is_none() {
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
            .field("url", &self.url().as_str())
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

impl fmt::Display for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<PreparedRequest [{}]>", self.method)
    }
}

/// Checks a header name and value as requests' `check_header_validity`: no CR or LF,
/// no leading whitespace in the value, a valid token as name.
///
/// ```
/// use sessio_core::request::header_pair;
///
/// assert!(header_pair("x-ok", "fine").is_ok());
/// assert!(header_pair("x-bad", " leading space").unwrap_err().is_builder());
/// assert!(header_pair("x-bad", "a\r\nInjected: 1").is_err());
/// assert!(header_pair("bad name", "v").is_err());
/// ```
pub fn header_pair(name: &str, value: &str) -> Result<(HeaderName, HeaderValue)> {
    let header_name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::invalid_header(name, "not a valid header name"))?;
    Ok((header_name, header_value(name, value)?))
}

/// Checks a header value (see [`header_pair`]).
pub fn header_value(name: &str, value: &str) -> Result<HeaderValue> {
    if value.starts_with([' ', '\t']) {
        return Err(Error::invalid_header(
            name,
            "header value must not start with whitespace",
        ));
    }
    let mut header = HeaderValue::from_bytes(value.as_bytes())
        .map_err(|_| Error::invalid_header(name, "header value contains CR, LF or NUL"))?;
    if name.eq_ignore_ascii_case(AUTHORIZATION.as_str()) {
        header.set_sensitive(true);
    }
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_sets_content_length_as_requests() {
        let mut request = Request::new(Method::POST, "http://example.com/");
        request.parts_mut().body = Some(RequestBody {
            body: Body::from("abc"),
            content_type: None,
        });
        let prepared = request.prepare().unwrap();
        assert_eq!(prepared.headers()[CONTENT_LENGTH], "3");
        assert!(!prepared.headers().contains_key(CONTENT_TYPE));

        let prepared = Request::new(Method::POST, "http://example.com/")
            .prepare()
            .unwrap();
        assert_eq!(prepared.headers()[CONTENT_LENGTH], "0");

        let prepared = Request::new(Method::GET, "http://example.com/")
            .prepare()
            .unwrap();
        assert!(!prepared.headers().contains_key(CONTENT_LENGTH));
    }

    #[test]
    fn stream_bodies_are_chunked() {
        let mut request = Request::new(Method::PUT, "http://example.com/");
        let stream = futures_util::stream::iter(vec![Ok::<_, std::io::Error>("x")]);
        request.parts_mut().body = Some(RequestBody {
            body: Body::wrap_stream(stream),
            content_type: None,
        });
        let prepared = request.prepare().unwrap();
        assert_eq!(prepared.headers()[TRANSFER_ENCODING], "chunked");
        assert!(!prepared.headers().contains_key(CONTENT_LENGTH));
    }

    #[test]
    fn url_credentials_become_basic_auth() {
        let prepared = Request::new(Method::GET, "http://us%40er:p%3Ass@example.com/")
            .prepare()
            .unwrap();
        // base64("us@er:p:ss")
        assert_eq!(prepared.headers()[AUTHORIZATION], "Basic dXNAZXI6cDpzcw==");
        let uri = prepared.into_http().unwrap().uri().clone();
        assert_eq!(uri.to_string(), "http://example.com/");
    }

    #[test]
    fn explicit_auth_wins_over_url_credentials_and_disabled_drops_both() {
        let mut request = Request::new(Method::GET, "http://u:p@example.com/");
        request.parts_mut().auth = AuthSetting::Set(Auth::bearer("t"));
        let prepared = request.prepare().unwrap();
        assert_eq!(prepared.headers()[AUTHORIZATION], "Bearer t");
    }

    #[test]
    fn lowercase_methods_are_upper_cased() {
        let method = Method::from_bytes(b"patch").unwrap();
        let prepared = Request::new(method, "http://example.com/")
            .prepare()
            .unwrap();
        assert_eq!(prepared.method(), Method::PATCH);
    }
}
