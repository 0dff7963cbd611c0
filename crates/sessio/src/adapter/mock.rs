//! `MockAdapter`: canned responses and a record of every request, so that code
//! using a [`Session`](crate::Session) can be tested without a server (httpx's
//! `MockTransport`, Python's `responses`).

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use sessio_core::__private::{error_msg, invalid_url};
use sessio_core::{Body, Error, ErrorKind, Result, Url};
use tower_service::Service;

/// The answer to one mocked request: a status, headers and a body, given
/// after an optional delay (to exercise timeouts), or an error.
///
/// ```
/// use std::time::Duration;
/// use sessio::MockResponse;
///
/// let ok = MockResponse::json(200, r#"{"id": 1}"#);
/// let moved = MockResponse::new(302).header("location", "/elsewhere");
/// let slow = MockResponse::text(200, "late").delay(Duration::from_secs(5));
/// let down = MockResponse::connect_error("connection refused");
/// # drop((ok, moved, slow, down));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct MockResponse {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
    delay: Option<Duration>,
    error: Option<(ErrorKind, String)>,
    // An invalid status or header given to a setter, reported when used.
    invalid: Option<String>,
}

impl MockResponse {
    /// A response with this status and no body. A status outside 100–999 is
    /// an error (`is_builder()`) when the response is served.
    pub fn new(status: u16) -> Self {
        let (status, invalid) = match StatusCode::from_u16(status) {
            Ok(status) => (status, None),
            Err(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(format!("invalid mock status {status}")),
            ),
        };
        MockResponse {
            status,
            version: Version::HTTP_11,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            delay: None,
            error: None,
            invalid,
        }
    }

    /// A `text/plain; charset=utf-8` response.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self::new(status)
            .header("content-type", "text/plain; charset=utf-8")
            .body(body.into())
    }

    /// An `application/json` response with this JSON text.
    pub fn json(status: u16, json: impl Into<String>) -> Self {
        Self::new(status)
            .header("content-type", "application/json")
            .body(json.into())
    }

    /// Not a response: the request fails with an error for which
    /// `is_connect()` is true, as if the server could not be reached.
    pub fn connect_error(message: impl Into<String>) -> Self {
        MockResponse {
            error: Some((ErrorKind::Connect, message.into())),
            ..Self::new(200)
        }
    }

    /// Adds a header (a repeated name adds another value). An invalid name or
    /// value is an error (`is_builder()`) when the response is served.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            _ => {
                let why = format!("invalid mock header {name:?}: {value:?}");
                self.invalid = self.invalid.or(Some(why));
            }
        }
        self
    }

    /// The body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// The HTTP version the response says it has (default HTTP/1.1).
    pub fn version(mut self, version: Version) -> Self {
        self.version = version;
        self
    }

    /// Waits this long before answering.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    fn to_http(&self) -> Result<http::Response<Full<Bytes>>> {
        if let Some(why) = &self.invalid {
            return Err(error_msg(ErrorKind::Builder, why.clone()));
        }
        if let Some((kind, message)) = &self.error {
            return Err(error_msg(*kind, message.clone()));
        }
        let mut response = http::Response::new(Full::new(self.body.clone()));
        *response.status_mut() = self.status;
        *response.version_mut() = self.version;
        *response.headers_mut() = self.headers.clone();
        Ok(response)
    }
}

/// A request as the [`MockAdapter`] saw it, body read in full.
#[derive(Debug, Clone)]
pub struct MockRequest {
    method: Method,
    url: Url,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
}

impl MockRequest {
    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL it was sent to.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The HTTP version asked for.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The headers as they would have gone out (cookies, auth, defaults merged).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

type Responder = Arc<dyn Fn(&MockRequest) -> MockResponse + Send + Sync>;

/// Canned responses by method and URL, or a closure of your own, and a record
/// of every request seen: test code that uses a [`Session`](crate::Session)
/// without a server. Mount it like any adapter; cookies, redirects, hooks,
/// auth and timeouts of the session apply as they would over the network.
///
/// A request matches a route when the method is the route's (or the route
/// takes any method) and the scheme, host, port and path are the route's;
/// a route whose URL has a query matches only that query, one without
/// matches any. Several responses for one route are given in turn, the last
/// one again and again. A request that matches no route goes to the
/// fallback closure if there is one, and is otherwise an error for which
/// `is_connect()` is true, naming the request and the routes.
///
/// ```
/// use sessio::{Method, MockAdapter, MockResponse, Session};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> sessio::Result<()> {
/// let mock = MockAdapter::new();
/// mock.on(Method::GET, "https://api.test/items", MockResponse::json(200, "[1, 2]"))
///     .on(Method::POST, "https://api.test/items", MockResponse::new(503))
///     .on(Method::POST, "https://api.test/items", MockResponse::new(201));
/// let session = Session::builder().mount("https://api.test/", mock.clone()).build()?;
///
/// let items: Vec<u32> = session.get("https://api.test/items").send().await?.json().await?;
/// assert_eq!(items, [1, 2]);
/// assert_eq!(session.post("https://api.test/items").send().await?.status(), 503);
/// assert_eq!(session.post("https://api.test/items").body("x").send().await?.status(), 201);
///
/// assert_eq!(mock.calls(Method::POST, "https://api.test/items"), 2);
/// assert_eq!(mock.requests()[2].body(), "x");
/// let err = session.get("https://api.test/other").send().await.unwrap_err();
/// assert!(err.is_connect());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct MockAdapter {
    inner: Arc<Mock>,
}

#[derive(Default)]
struct Mock {
    routes: Mutex<Vec<Route>>,
    fallback: Option<Responder>,
    seen: Mutex<Vec<MockRequest>>,
}

struct Route {
    method: Option<Method>,
    url: std::result::Result<Url, String>,
    responses: VecDeque<MockResponse>,
}

impl Route {
    fn matches(&self, method: &Method, url: &Url) -> bool {
        self.method.as_ref().is_none_or(|m| m == method)
            && self.url.as_ref().is_ok_and(|route| same_target(route, url))
    }

    /// The next response: each in turn, the last one for good.
    fn next(&mut self) -> MockResponse {
        if self.responses.len() > 1 {
            self.responses.pop_front().expect("more than one response")
        } else {
            self.responses
                .front()
                .cloned()
                .expect("a route has a response")
        }
    }

    fn describe(&self) -> String {
        let method = self.method.as_ref().map_or("*", Method::as_str);
        match &self.url {
            Ok(url) => format!("{method} {url}"),
            Err(raw) => format!("{method} {raw} (invalid URL)"),
        }
    }
}

/// Scheme, host, port and path equal; the query too when the route has one.
fn same_target(route: &Url, url: &Url) -> bool {
    route.scheme() == url.scheme()
        && route.host_str() == url.host_str()
        && route.port_or_known_default() == url.port_or_known_default()
        && route.path() == url.path()
        && route.query().is_none_or(|query| url.query() == Some(query))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl MockAdapter {
    /// A mock with no routes: every request is an error until routes are added.
    pub fn new() -> Self {
        Self::default()
    }

    /// A mock that answers every request that matches no route with `respond`.
    ///
    /// ```
    /// use sessio::{MockAdapter, MockResponse};
    ///
    /// let echo = MockAdapter::from_fn(|request| MockResponse::text(200, request.url().path()));
    /// # drop(echo);
    /// ```
    pub fn from_fn(respond: impl Fn(&MockRequest) -> MockResponse + Send + Sync + 'static) -> Self {
        MockAdapter {
            inner: Arc::new(Mock {
                fallback: Some(Arc::new(respond)),
                ..Mock::default()
            }),
        }
    }

    /// Answers `method` requests to `url` with `response`; called again for
    /// the same method and URL, adds a response given after the earlier ones.
    /// An invalid `url` is an error (`is_builder()`) for the requests that
    /// reach the mock while it is there.
    pub fn on(&self, method: Method, url: &str, response: MockResponse) -> &Self {
        self.add(Some(method), url, response)
    }

    /// Like [`on`](Self::on), for any method.
    pub fn on_any(&self, url: &str, response: MockResponse) -> &Self {
        self.add(None, url, response)
    }

    fn add(&self, method: Option<Method>, url: &str, response: MockResponse) -> &Self {
        let parsed = Url::parse(url).map_err(|_| url.to_owned());
        let mut routes = lock(&self.inner.routes);
        match routes
            .iter_mut()
            .find(|route| route.method == method && route.url == parsed)
        {
            Some(route) => route.responses.push_back(response),
            None => routes.push(Route {
                method,
                url: parsed,
                responses: VecDeque::from([response]),
            }),
        }
        self
    }

    /// Every request seen so far, oldest first.
    pub fn requests(&self) -> Vec<MockRequest> {
        lock(&self.inner.seen).clone()
    }

    /// How many `method` requests to `url` were seen (matched as routes are).
    pub fn calls(&self, method: Method, url: &str) -> usize {
        let Ok(url) = Url::parse(url) else {
            return 0;
        };
        lock(&self.inner.seen)
            .iter()
            .filter(|seen| seen.method == method && same_target(&url, &seen.url))
            .count()
    }

    /// Asserts that `method` requests to `url` were seen `times` times.
    ///
    /// # Panics
    ///
    /// When they were not, with the requests that were seen (this is a test
    /// assertion, like `assert_eq!`).
    #[track_caller]
    pub fn assert_calls(&self, method: Method, url: &str, times: usize) {
        let seen = self.calls(method.clone(), url);
        if seen != times {
            let all: Vec<String> = self
                .requests()
                .iter()
                .map(|r| format!("{} {}", r.method, r.url))
                .collect();
            panic!("expected {times} {method} {url}, saw {seen}; all requests: {all:#?}");
        }
    }

    /// Forgets the requests seen (the routes stay).
    pub fn clear_requests(&self) {
        lock(&self.inner.seen).clear();
    }

    /// Records `request` and picks its answer.
    fn answer(&self, request: MockRequest) -> Result<MockResponse> {
        lock(&self.inner.seen).push(request.clone());
        let mut routes = lock(&self.inner.routes);
        if let Some(route) = routes
            .iter_mut()
            .find(|route| route.matches(&request.method, &request.url))
        {
            return Ok(route.next());
        }
        if let Some(bad) = routes.iter().find_map(|route| route.url.as_ref().err()) {
            return Err(invalid_url(bad, "a mock route's URL cannot be parsed"));
        }
        let known: Vec<String> = routes.iter().map(Route::describe).collect();
        drop(routes);
        match &self.inner.fallback {
            Some(respond) => Ok(respond(&request)),
            None => Err(error_msg(
                ErrorKind::Connect,
                format!(
                    "no mock response for {} {}; mocked: {}",
                    request.method,
                    request.url,
                    if known.is_empty() {
                        "nothing".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            )),
        }
    }
}

impl fmt::Debug for MockAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let routes: Vec<String> = lock(&self.inner.routes)
            .iter()
            .map(Route::describe)
            .collect();
        f.debug_struct("MockAdapter")
            .field("routes", &routes)
            .field("fallback", &self.inner.fallback.is_some())
            .field("seen", &lock(&self.inner.seen).len())
            .finish()
    }
}

impl Service<http::Request<Body>> for MockAdapter {
    type Response = http::Response<Full<Bytes>>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let mock = self.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let url = Url::parse(&parts.uri.to_string())
                .map_err(|err| invalid_url(&parts.uri.to_string(), &err.to_string()))?;
            let body = body
                .collect()
                .await
                .map_err(|err| sessio_core::__private::error(ErrorKind::Body, err))?
                .to_bytes();
            let response = mock.answer(MockRequest {
                method: parts.method,
                url,
                version: parts.version,
                headers: parts.headers,
                body,
            })?;
            if let Some(delay) = response.delay {
                tokio::time::sleep(delay).await;
            }
            response.to_http()
        })
    }
}
