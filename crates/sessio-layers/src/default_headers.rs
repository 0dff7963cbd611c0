//! Default headers: a set of headers every request gets unless it sets its own.
//!
//! The merge follows requests' `merge_setting` for headers: the defaults come
//! first in their order, a header the request sets replaces the default of the
//! same name (names are case-insensitive) in place, headers only the request has
//! are appended, and a request can remove a default altogether with
//! [`RemoveHeaders`] (requests' `headers={'X-Default': None}`).
//!
//! # Example
//!
//! ```
//! use sessio::http::{HeaderMap, HeaderValue, Request, Response};
//! use sessio::layers::default_headers::{DefaultHeadersLayer, RemoveHeaders};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let mut defaults = HeaderMap::new();
//! defaults.insert("user-agent", HeaderValue::from_static("my-app/1.0"));
//! defaults.insert("x-trace", HeaderValue::from_static("on"));
//!
//! let client = ServiceBuilder::new()
//!     .layer(DefaultHeadersLayer::new(defaults))
//!     .service(service_fn(|req: Request<()>| async move {
//!         Ok::<_, std::convert::Infallible>(Response::new(req.headers().clone()))
//!     }));
//!
//! let mut request = Request::new(());
//! request.extensions_mut().insert(RemoveHeaders::new(["x-trace".parse().unwrap()]));
//! let seen = client.oneshot(request).await.unwrap().into_body();
//! assert_eq!(seen["user-agent"], "my-app/1.0");
//! assert!(!seen.contains_key("x-trace"));
//! # });
//! ```

use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderMap, HeaderName, Request};
use sessio_core::__private::merge_headers;
use tower_layer::Layer;
use tower_service::Service;

/// Request extension: default headers this request does not want.
#[derive(Debug, Clone, Default)]
pub struct RemoveHeaders(Vec<HeaderName>);

impl RemoveHeaders {
    /// Removes these names (case-insensitive).
    pub fn new(names: impl IntoIterator<Item = HeaderName>) -> Self {
        RemoveHeaders(names.into_iter().collect())
    }

    /// The names to remove.
    pub fn names(&self) -> &[HeaderName] {
        &self.0
    }
}

/// Adds default headers to every request. See the [module docs](self) for more details.
#[derive(Debug, Clone)]
pub struct DefaultHeadersLayer {
    headers: Arc<HeaderMap>,
}

impl DefaultHeadersLayer {
    /// A layer adding `headers` to requests that do not set them.
    pub fn new(headers: HeaderMap) -> Self {
        DefaultHeadersLayer {
            headers: Arc::new(headers),
        }
    }
}

impl<S> Layer<S> for DefaultHeadersLayer {
    type Service = DefaultHeaders<S>;

    fn layer(&self, inner: S) -> Self::Service {
        DefaultHeaders {
            inner,
            headers: self.headers.clone(),
        }
    }
}

/// The service of [`DefaultHeadersLayer`]. See the [module docs](self) for more details.
#[derive(Debug, Clone)]
pub struct DefaultHeaders<S> {
    inner: S,
    headers: Arc<HeaderMap>,
}

impl<S> DefaultHeaders<S> {
    /// Wraps `inner`, adding `headers`.
    pub fn new(inner: S, headers: HeaderMap) -> Self {
        DefaultHeadersLayer::new(headers).layer(inner)
    }

    /// A layer for this service.
    pub fn layer(headers: HeaderMap) -> DefaultHeadersLayer {
        DefaultHeadersLayer::new(headers)
    }

    define_inner_service_accessors!();
}

impl<S, B> Service<Request<B>> for DefaultHeaders<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let (mut parts, body) = req.into_parts();
        let removed = parts
            .extensions
            .get::<RemoveHeaders>()
            .map(RemoveHeaders::names)
            .unwrap_or(&[]);
        let headers = std::mem::take(&mut parts.headers);
        parts.headers = merge_headers(&self.headers, headers, removed);
        self.inner.call(Request::from_parts(parts, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderValue, Response};
    use std::convert::Infallible;
    use tower::{ServiceExt, service_fn};

    fn map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (k, v) in pairs {
            headers.append(*k, HeaderValue::from_static(v));
        }
        headers
    }

    #[tokio::test]
    async fn layer_adds_defaults_and_honours_removals() {
        let svc = DefaultHeadersLayer::new(map(&[("user-agent", "ua"), ("accept", "*/*")])).layer(
            service_fn(|req: Request<()>| async move {
                Ok::<_, Infallible>(Response::new(req.headers().clone()))
            }),
        );
        let mut req = Request::new(());
        req.headers_mut()
            .insert("accept", HeaderValue::from_static("text/html"));
        req.extensions_mut()
            .insert(RemoveHeaders::new([HeaderName::from_static("user-agent")]));
        let seen = svc.oneshot(req).await.unwrap().into_body();
        assert_eq!(seen["accept"], "text/html");
        assert!(!seen.contains_key("user-agent"));
    }
}
