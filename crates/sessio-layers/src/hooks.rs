//! Hooks on every hop: request hooks before it is sent, response hooks when its
//! response arrives (see [`sessio_core::hooks`] for the rules).
//!
//! The hooks come from a [`HookRegistry`] request extension (a session puts the
//! merged session and request hooks there), else from the layer's own registry.
//! With no hooks at all the layer adds nothing: the inner future is returned as it is.
//!
//! This layer works on sessio's own body types (`Body` in, `ResponseBody` out),
//! because hooks receive sessio's `PreparedRequest` and `Response`. Its errors
//! are [`BoxError`]s: sessio [`Error`]s for hooks that failed or
//! panicked, or the inner service's own.
//!
//! # Example
//!
//! ```
//! use sessio::http::{Request, Response};
//! use sessio::{Body, Hook, HookRegistry, ResponseBody};
//! use sessio::layers::hooks::HooksLayer;
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let server = service_fn(|req: Request<Body>| async move {
//!     let signed = req.headers().contains_key("x-signature");
//!     Ok::<_, std::convert::Infallible>(Response::new(ResponseBody::from(format!("signed: {signed}"))))
//! });
//! let mut hooks = HookRegistry::default();
//! hooks.push(Hook::request(|mut request| async move {
//!     request.headers_mut().insert("x-signature", "abc".parse().unwrap());
//!     Ok(request)
//! }));
//! hooks.push(Hook::response(|response| async move {
//!     assert_eq!(response.request().headers()["x-signature"], "abc");
//!     Ok(response)
//! }));
//! let client = ServiceBuilder::new().layer(HooksLayer::new(hooks)).service(server);
//!
//! let request = Request::get("http://example.test/").body(Body::empty()).unwrap();
//! let response = client.oneshot(request).await.unwrap();
//! let text = sessio::Response::new(response, sessio::PreparedRequest::new(
//!     sessio::http::Method::GET, "http://example.test/".parse().unwrap())).text().await.unwrap();
//! assert_eq!(text, "signed: true");
//! # });
//! ```

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use sessio_core::__private::error_msg;
use sessio_core::{Body, BoxError, Error, ErrorKind, PreparedRequest, ResponseBody};

/// The hooks the layer runs (re-exported from sessio-core, so that a
/// layers-only user needs nothing else).
pub use sessio_core::{Hook, HookRegistry};
use tower_layer::Layer;
use tower_service::Service;

/// Runs hooks on every request through it. See the [module docs](self) for more details.
#[derive(Debug, Clone, Default)]
pub struct HooksLayer {
    hooks: HookRegistry,
}

impl HooksLayer {
    /// A layer running `hooks` (a request's [`HookRegistry`] extension replaces them).
    pub fn new(hooks: HookRegistry) -> Self {
        HooksLayer { hooks }
    }
}

impl<S> Layer<S> for HooksLayer {
    type Service = Hooks<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Hooks {
            inner,
            hooks: self.hooks.clone(),
        }
    }
}

/// The service of [`HooksLayer`]. See the [module docs](self) for more details.
#[derive(Debug, Clone)]
pub struct Hooks<S> {
    inner: S,
    hooks: HookRegistry,
}

impl<S> Hooks<S> {
    /// Wraps `inner`, running `hooks`.
    pub fn new(inner: S, hooks: HookRegistry) -> Self {
        HooksLayer::new(hooks).layer(inner)
    }

    /// A layer for this service.
    pub fn layer(hooks: HookRegistry) -> HooksLayer {
        HooksLayer::new(hooks)
    }

    define_inner_service_accessors!();
}

type Running = Pin<Box<dyn Future<Output = Result<Response<ResponseBody>, BoxError>> + Send>>;

impl<S> Service<Request<Body>> for Hooks<S>
where
    S: Service<Request<Body>, Response = Response<ResponseBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
{
    type Response = Response<ResponseBody>;
    type Error = BoxError;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let hooks = match req.extensions().get::<HookRegistry>() {
            Some(own) if !own.is_empty() => own.clone(),
            Some(_) => return ResponseFuture::direct(self.inner.call(req)),
            None if self.hooks.is_empty() => return ResponseFuture::direct(self.inner.call(req)),
            None => self.hooks.clone(),
        };
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        ResponseFuture::running(Box::pin(run(inner, hooks, req)))
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`Hooks`]: the inner service's future as it is when
    /// there are no hooks, else one boxed future that runs them.
    #[must_use = "futures do nothing unless polled"]
    pub struct ResponseFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F> {
        Direct { #[pin] future: F },
        Running { future: Running },
    }
}

impl<F> ResponseFuture<F> {
    fn direct(future: F) -> Self {
        ResponseFuture {
            state: State::Direct { future },
        }
    }

    fn running(future: Running) -> Self {
        ResponseFuture {
            state: State::Running { future },
        }
    }
}

impl<F, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResponseBody>, E>>,
    E: Into<BoxError>,
{
    type Output = Result<Response<ResponseBody>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Direct { future } => future.poll(cx).map_err(Into::into),
            StateProj::Running { future } => future.as_mut().poll(cx),
        }
    }
}

impl<F> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("hooks::ResponseFuture")
    }
}

async fn run<S>(
    mut inner: S,
    hooks: HookRegistry,
    mut req: Request<Body>,
) -> Result<Response<ResponseBody>, BoxError>
where
    S: Service<Request<Body>, Response = Response<ResponseBody>>,
    S::Error: Into<BoxError>,
{
    if hooks.has_request_hooks() {
        let mut prepared = PreparedRequest::from_http(req)?;
        for hook in hooks.request_hooks() {
            prepared = guarded(|| hook(prepared)).await?;
        }
        req = prepared.into_http()?;
    }
    let snapshot = match hooks.has_response_hooks() {
        true => Some(snapshot(&req)?),
        false => None,
    };
    std::future::poll_fn(|cx| inner.poll_ready(cx))
        .await
        .map_err(Into::into)?;
    let response = inner.call(req).await.map_err(Into::into)?;
    let Some(request) = snapshot else {
        return Ok(response);
    };
    let mut response = sessio_core::Response::new(response, request);
    for hook in hooks.response_hooks() {
        response = guarded(|| hook(response)).await?;
    }
    Ok(response.into_http())
}

/// The request as a hook's `Response::request` shows it.
fn snapshot(req: &Request<Body>) -> Result<PreparedRequest, Error> {
    let body = req.body().try_clone().unwrap_or_default();
    PreparedRequest::from_wire(
        req.method().clone(),
        req.uri().clone(),
        req.headers().clone(),
        body,
    )
}

/// Runs one hook: a panic (while creating or polling its future) becomes an
/// `ErrorKind::Hook` error instead of unwinding through the session.
async fn guarded<T, Fut>(make: impl FnOnce() -> Fut) -> Result<T, Error>
where
    Fut: Future<Output = Result<T, Error>> + Unpin,
{
    let panicked = || error_msg(ErrorKind::Hook, "a hook panicked");
    let future = std::panic::catch_unwind(AssertUnwindSafe(make)).map_err(|_| panicked())?;
    CatchUnwind(future).await.map_err(|_| panicked())?
}

struct CatchUnwind<F>(F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(Err(())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sessio_core::Hook;
    use std::sync::{Arc, Mutex};
    use tower::{ServiceExt, service_fn};

    fn server() -> impl Service<
        Request<Body>,
        Response = Response<ResponseBody>,
        Error = std::convert::Infallible,
        Future = impl Send + 'static,
    > + Clone
    + Send
    + 'static {
        service_fn(|req: Request<Body>| async move {
            let tag = req
                .headers()
                .get("x-tag")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            Ok::<_, std::convert::Infallible>(Response::new(ResponseBody::from(tag)))
        })
    }

    fn get() -> Request<Body> {
        Request::get("http://a.test/").body(Body::empty()).unwrap()
    }

    async fn text(response: Response<ResponseBody>) -> String {
        let request = PreparedRequest::new(http::Method::GET, "http://a.test/".parse().unwrap());
        sessio_core::Response::new(response, request)
            .text()
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn hooks_run_in_order_and_may_replace() {
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut hooks = HookRegistry::default();
        for name in ["first", "second"] {
            let order = order.clone();
            hooks.push(Hook::request(move |mut req| {
                order.lock().unwrap().push(format!("request {name}"));
                async move {
                    req.headers_mut().insert("x-tag", name.parse().unwrap());
                    Ok(req)
                }
            }));
        }
        let order2 = order.clone();
        hooks.push(Hook::response(move |response| {
            order2.lock().unwrap().push("response".to_owned());
            async move {
                let replaced = http::Response::new(ResponseBody::from("replaced"));
                Ok(sessio_core::Response::new(
                    replaced,
                    response.request().snapshot(),
                ))
            }
        }));
        let svc = HooksLayer::new(hooks).layer(server());
        let response = svc.oneshot(get()).await.unwrap();
        assert_eq!(text(response).await, "replaced");
        assert_eq!(
            *order.lock().unwrap(),
            ["request first", "request second", "response"]
        );
    }

    #[tokio::test]
    async fn a_request_registry_replaces_the_layers() {
        let mut layer_hooks = HookRegistry::default();
        layer_hooks.push(Hook::request(|mut req| async move {
            req.headers_mut().insert("x-tag", "layer".parse().unwrap());
            Ok(req)
        }));
        let mut own = HookRegistry::default();
        own.push(Hook::request(|mut req| async move {
            req.headers_mut().insert("x-tag", "own".parse().unwrap());
            Ok(req)
        }));
        let svc = HooksLayer::new(layer_hooks).layer(server());
        let mut req = get();
        req.extensions_mut().insert(own);
        assert_eq!(text(svc.clone().oneshot(req).await.unwrap()).await, "own");
        assert_eq!(text(svc.oneshot(get()).await.unwrap()).await, "layer");
    }

    #[tokio::test]
    async fn errors_and_panics_are_hook_errors() {
        let mut failing = HookRegistry::default();
        failing.push(Hook::response(|_response| async {
            Err::<sessio_core::Response, _>("rejected".into())
        }));
        let err = HooksLayer::new(failing)
            .layer(server())
            .oneshot(get())
            .await
            .unwrap_err();
        let err = err.downcast::<Error>().unwrap();
        assert_eq!(err.kind(), ErrorKind::Hook);
        let cause = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(cause.as_deref(), Some("rejected"));

        let mut panicking = HookRegistry::default();
        panicking.push(Hook::request(|_req| async { panic!("boom") }));
        let svc = HooksLayer::new(panicking).layer(server());
        let err = svc.clone().oneshot(get()).await.unwrap_err();
        assert_eq!(err.downcast::<Error>().unwrap().kind(), ErrorKind::Hook);
        assert!(
            svc.oneshot(get()).await.is_err(),
            "the service still answers after a panic"
        );
    }
}
