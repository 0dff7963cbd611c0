//! `CookiesLayer`, `Cookies<S>` and their response future.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use http::header::{COOKIE, SET_COOKIE};
use http::{Request, Response, Uri};
use sessio_core::CookieStore;
use tower_layer::Layer;
use tower_service::Service;
use url::Url;

use sessio_core::__private::{PreparedCookie, cookie_header};

use super::{CookieSent, RequestCookies, StrictOrigin};

/// Sends and stores cookies. See the [module docs](crate::cookies) for more details.
#[derive(Clone)]
pub struct CookiesLayer {
    store: Arc<dyn CookieStore>,
}

impl CookiesLayer {
    /// A layer over `store` (usually an `Arc<Jar>`).
    pub fn new(store: Arc<dyn CookieStore>) -> Self {
        CookiesLayer { store }
    }
}

impl std::fmt::Debug for CookiesLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookiesLayer")
    }
}

impl<S> Layer<S> for CookiesLayer {
    type Service = Cookies<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Cookies {
            inner,
            store: self.store.clone(),
        }
    }
}

/// The service of [`CookiesLayer`]. See the [module docs](crate::cookies) for more details.
#[derive(Clone)]
pub struct Cookies<S> {
    inner: S,
    store: Arc<dyn CookieStore>,
}

impl<S> Cookies<S> {
    /// Wraps `inner` with `store`.
    pub fn new(inner: S, store: Arc<dyn CookieStore>) -> Self {
        Cookies { inner, store }
    }

    /// A layer for this service.
    pub fn layer(store: Arc<dyn CookieStore>) -> CookiesLayer {
        CookiesLayer::new(store)
    }

    define_inner_service_accessors!();
}

impl<S: std::fmt::Debug> std::fmt::Debug for Cookies<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cookies")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<S, B, RB> Service<Request<B>> for Cookies<S>
where
    S: Service<Request<B>, Response = Response<RB>>,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let mut url = None;
        let mut sent = None;
        let extra = req.extensions().get::<RequestCookies>();
        let strict = req.extensions().get::<StrictOrigin>();
        let wanted = extra.is_some() || !self.store.is_empty();
        // A header sessio made when the request was prepared is made again
        // when the store changed since (a redirect's or a challenge's
        // `Set-Cookie`); one the user set is left alone.
        if wanted
            && req.headers().get(COOKIE).is_none_or(|header| {
                req.extensions()
                    .get::<PreparedCookie>()
                    .is_some_and(|prepared| prepared.is_stale(header, &*self.store))
            })
        {
            let header = if extra.is_none() && strict.is_none() {
                // The common case: the store's cookies only, matched on the URI.
                self.store.cookies_for_uri(req.uri())
            } else if let Some(parsed) = url_of(req.uri()) {
                let own = extra.and_then(|c| c.for_url(&parsed)).unwrap_or(&[]);
                let header = cookie_header(Some(&*self.store), &parsed, own, strict);
                url = Some(parsed);
                header.ok().flatten()
            } else {
                None
            };
            match header {
                Some(header) => {
                    req.headers_mut().insert(COOKIE, header.clone());
                    sent = Some(header);
                }
                None => {
                    req.headers_mut().remove(COOKIE);
                }
            }
        }
        let target = match url {
            Some(url) => Target::Parsed(url),
            None => Target::Raw(req.uri().clone()),
        };
        ResponseFuture {
            inner: self.inner.call(req),
            store: self.store.clone(),
            target: Some(target),
            sent,
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`Cookies`]: stores the response's `Set-Cookie`.
    #[must_use = "futures do nothing unless polled"]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        store: Arc<dyn CookieStore>,
        target: Option<Target>,
        sent: Option<http::HeaderValue>,
    }
}

/// The URL the response's cookies are stored for: parsed already when the
/// request's `Cookie` header was built, or parsed when a `Set-Cookie` comes.
enum Target {
    Parsed(Url),
    Raw(Uri),
}

impl<F, RB, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<RB>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        if let Some(sent) = this.sent.take() {
            response.extensions_mut().insert(CookieSent(sent));
        }
        if response.headers().contains_key(SET_COOKIE) {
            let url = match this.target.take() {
                Some(Target::Parsed(url)) => Some(url),
                Some(Target::Raw(uri)) => url_of(&uri),
                None => None,
            };
            if let Some(url) = url {
                let mut headers = response.headers().get_all(SET_COOKIE).iter();
                this.store.set_cookies(&mut headers, &url);
            }
        }
        Poll::Ready(Ok(response))
    }
}

impl<F> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cookies::ResponseFuture")
    }
}

/// The `Url` of an absolute request URI (the full WHATWG parse).
pub(super) fn url_of(uri: &Uri) -> Option<Url> {
    Url::parse(&uri.to_string()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookies::Jar;
    use http::HeaderValue;
    use sessio_core::Error;
    use tower::{ServiceExt, service_fn};

    fn echo_cookie(
        set: &'static str,
    ) -> impl Service<
        Request<()>,
        Response = Response<Option<String>>,
        Error = Error,
        Future = impl Send,
    > + Clone {
        service_fn(move |req: Request<()>| async move {
            let seen = req
                .headers()
                .get(COOKIE)
                .map(|v| v.to_str().unwrap().to_owned());
            let mut response = Response::new(seen);
            if !set.is_empty() {
                response
                    .headers_mut()
                    .insert(SET_COOKIE, HeaderValue::from_static(set));
            }
            Ok::<_, Error>(response)
        })
    }

    fn get(uri: &str) -> Request<()> {
        Request::get(uri).body(()).unwrap()
    }

    #[tokio::test]
    async fn an_explicit_cookie_header_wins_over_the_jar() {
        let jar = Arc::new(Jar::new());
        jar.set("from_jar", "1").unwrap();
        let svc = CookiesLayer::new(jar).layer(echo_cookie(""));
        let mut req = get("http://a.test/");
        req.headers_mut()
            .insert(COOKIE, HeaderValue::from_static("mine=1"));
        let seen = svc.oneshot(req).await.unwrap().into_body();
        assert_eq!(seen.as_deref(), Some("mine=1"));
    }

    #[tokio::test]
    async fn request_cookies_override_and_stay_out_of_the_jar() {
        let jar = Arc::new(Jar::new());
        jar.set("k", "jar").unwrap();
        let svc = CookiesLayer::new(jar.clone()).layer(echo_cookie(""));
        let url: Url = "http://a.test/".parse().unwrap();
        let mut req = get("http://a.test/x");
        req.extensions_mut().insert(RequestCookies::new(
            &url,
            vec![("k".into(), "request".into()), ("only".into(), "r".into())],
        ));
        let seen = svc.clone().oneshot(req).await.unwrap().into_body();
        assert_eq!(seen.as_deref(), Some("k=request; only=r"));
        assert_eq!(jar.get("k").unwrap().as_deref(), Some("jar"));
        assert_eq!(jar.get("only").unwrap(), None);

        let mut other_origin = get("http://b.test/");
        other_origin
            .extensions_mut()
            .insert(RequestCookies::new(&url, vec![("only".into(), "r".into())]));
        let seen = svc.oneshot(other_origin).await.unwrap().into_body();
        assert_eq!(
            seen.as_deref(),
            Some("k=jar"),
            "request cookies stay with their origin"
        );
    }

    #[tokio::test]
    async fn set_cookie_is_stored_for_the_requested_url() {
        let jar = Arc::new(Jar::new());
        let svc = CookiesLayer::new(jar.clone()).layer(echo_cookie("sid=9; Path=/"));
        svc.clone()
            .oneshot(get("http://a.test/login"))
            .await
            .unwrap();
        assert_eq!(jar.get_for("sid", "a.test", "/").as_deref(), Some("9"));
        let seen = svc
            .oneshot(get("http://a.test/"))
            .await
            .unwrap()
            .into_body();
        assert_eq!(seen.as_deref(), Some("sid=9"));
    }
}
