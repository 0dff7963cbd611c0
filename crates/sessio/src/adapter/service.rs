//! `ServiceAdapter`: an in-process tower service (an axum `Router`, a
//! `service_fn`) as an adapter, with no socket in between (httpx's ASGI transport).

use std::task::{Context, Poll};

use http::header::HOST;
use http::uri::PathAndQuery;
use http::{HeaderValue, Uri};
use sessio_core::Body;
use tower_service::Service;

/// Sends requests to a tower service in the same process, shaped as a server
/// would receive them: the target in origin form (`/path?query`) and a `Host`
/// header from the URL (unless the request has one). Everything above the
/// adapter still applies: the session's cookies, redirects, hooks, auth and
/// timeouts.
///
/// The service takes `http::Request<sessio::Body>` (axum's `Router` takes any
/// body, so it fits as it is) and must be `Clone + Send + Sync`; wrap a
/// service that is not `Clone` in `tower::buffer::Buffer`.
///
/// ```
/// use std::convert::Infallible;
/// use sessio::{Body, ServiceAdapter, Session};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> sessio::Result<()> {
/// let app = tower::service_fn(|request: http::Request<Body>| async move {
///     let host = request.headers()["host"].to_str().unwrap().to_owned();
///     let answer = format!("{} {} on {host}", request.method(), request.uri());
///     Ok::<_, Infallible>(http::Response::new(http_body_util::Full::new(bytes::Bytes::from(answer))))
/// });
/// let session = Session::builder()
///     .mount("http://app.internal/", ServiceAdapter::new(app))
///     .build()?;
/// let text = session.get("http://app.internal/users?page=2").send().await?.text().await?;
/// assert_eq!(text, "GET /users?page=2 on app.internal");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ServiceAdapter<S> {
    service: S,
}

impl<S> ServiceAdapter<S> {
    /// Wraps `service`.
    pub fn new(service: S) -> Self {
        ServiceAdapter { service }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.service
    }
}

impl<S> Service<http::Request<Body>> for ServiceAdapter<S>
where
    S: Service<http::Request<Body>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.service.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        as_a_server_sees_it(&mut request);
        self.service.call(request)
    }
}

/// `Host` from the authority (kept if set), and the target in origin form.
fn as_a_server_sees_it(request: &mut http::Request<Body>) {
    let uri = request.uri().clone();
    if let Some(authority) = uri.authority()
        && !request.headers().contains_key(HOST)
        && let Ok(host) = HeaderValue::from_str(host_of(&uri, authority.as_str()))
    {
        request.headers_mut().insert(HOST, host);
    }
    let target = uri
        .path_and_query()
        .cloned()
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    *request.uri_mut() = Uri::from(target);
}

/// The authority without credentials and without the scheme's default port.
fn host_of<'a>(uri: &Uri, authority: &'a str) -> &'a str {
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let default_port = match uri.scheme_str() {
        Some("http") => Some(80),
        Some("https") => Some(443),
        _ => None,
    };
    match (uri.port_u16(), default_port) {
        (Some(port), Some(default)) if port == default => authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host),
        _ => authority,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(uri: &str, host: Option<&str>) -> (String, String) {
        let mut builder = http::Request::get(uri);
        if let Some(host) = host {
            builder = builder.header(HOST, host);
        }
        let mut request = builder.body(Body::empty()).unwrap();
        as_a_server_sees_it(&mut request);
        let host = request.headers()[HOST].to_str().unwrap().to_owned();
        (request.uri().to_string(), host)
    }

    #[test]
    fn requests_arrive_in_origin_form_with_a_host() {
        assert_eq!(
            seen("http://app.test/a/b?c=d", None),
            ("/a/b?c=d".into(), "app.test".into())
        );
        assert_eq!(
            seen("http://app.test:8080", None),
            ("/".into(), "app.test:8080".into())
        );
        assert_eq!(
            seen("https://app.test:443/x", None),
            ("/x".into(), "app.test".into())
        );
        assert_eq!(
            seen("http://app.test/x", Some("other.test")),
            ("/x".into(), "other.test".into()),
            "a Host the request has is kept"
        );
    }
}
