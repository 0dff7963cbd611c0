//! `Request`: what the user asked for, not merged with any session state.

use http::{Extensions, HeaderMap, HeaderName, HeaderValue, Method};

use super::{PreparedRequest, SessionDefaults};
use crate::{Auth, Body, Error, ErrorKind, Result};

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

impl RequestBody {
    /// Bytes, text or a stream, with no `Content-Type` of its own (requests'
    /// `data=` with bytes or text).
    pub fn new(body: impl Into<Body>) -> Self {
        RequestBody {
            body: body.into(),
            content_type: None,
        }
    }

    /// A JSON body, `Content-Type: application/json` (requests' `json=`). A NaN
    /// or infinite float anywhere in `value` is a builder error, as requests'
    /// `InvalidJSONError` (serde_json would send `null`).
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Self> {
        super::finite::check_finite(value).map_err(|e| Error::new(ErrorKind::Builder, e))?;
        let bytes = serde_json::to_vec(value).map_err(|e| Error::new(ErrorKind::Builder, e))?;
        Ok(RequestBody {
            body: Body::from(bytes),
            content_type: Some(HeaderValue::from_static("application/json")),
        })
    }

    /// A form body, `application/x-www-form-urlencoded`, from a map, a struct or
    /// a list of pairs (sequences repeat the key); `None` for an empty form,
    /// which is no body at all (requests' `data={}`).
    pub fn form<T: serde::Serialize + ?Sized>(form: &T) -> Result<Option<Self>> {
        let pairs = crate::url::serialize_pairs(form)?;
        if pairs.is_empty() {
            return Ok(None);
        }
        Ok(Some(RequestBody {
            body: Body::from(crate::url::encode_pairs(&pairs)),
            content_type: Some(HeaderValue::from_static(
                "application/x-www-form-urlencoded",
            )),
        }))
    }
}

/// The parts of a [`Request`], all public, for code that merges or rewrites requests.
///
/// Its `Debug` hides the URL's password and the values of credential headers.
///
/// The struct may gain fields: its fields are public to read and to assign,
/// and `RequestParts::default()` makes an empty one.
#[derive(Default)]
#[non_exhaustive]
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

impl std::fmt::Debug for RequestParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cookies: Vec<&str> = self.cookies.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("RequestParts")
            .field("method", &self.method)
            .field("url", &crate::redact::url(&self.url))
            .field("headers", &crate::redact::Headers(&self.headers))
            .field("removed_headers", &self.removed_headers)
            .field("params", &self.params)
            .field("removed_params", &self.removed_params)
            .field("auth", &self.auth)
            .field("body", &self.body)
            .field("cookies (names)", &cookies)
            .field("hooks", &self.hooks)
            .field("extend_hooks", &self.extend_hooks)
            .field("extensions", &self.extensions)
            .finish()
    }
}

/// A request as the user described it, not merged with any session state.
///
/// Build one with a session's `RequestBuilder::build`, or by hand; turn it into the
/// exact request with [`Request::prepare`] (no session state) or `Session::prepare`.
///
/// ```
/// use sessio::{Method, Request};
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

    /// Prepares the request on its own, without any session state (requests'
    /// `Request.prepare()`: method, URL, headers, cookies, body, auth). This is
    /// the same prepare a session runs, with no session defaults.
    ///
    /// Removals in the parts have nothing to remove here and are ignored.
    pub fn prepare(self) -> Result<PreparedRequest> {
        super::prepare::prepare(self, &SessionDefaults::NONE)
    }
}
