//! `RequestBuilder`: one request's own headers, params, auth, body and options.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use sessio_core::__private::{check_cookie, checked_header, checked_value, name_of};
use sessio_core::cache::CacheMode;
use sessio_core::request::{AuthSetting, RequestBody};
use sessio_core::{
    AllowRedirects, Auth, Body, DownloadProgress, Hook, Progress, Request, Response, Result,
    Streaming, Timeouts, UploadProgress,
};

use super::Session;
use crate::proxy::RequestProxies;
use crate::tls::{Identity, RequestTls};

/// Builds one request of a [`Session`]. Request values win over the session's;
/// the first invalid input is kept and returned by [`send`](RequestBuilder::send)
/// or [`build`](RequestBuilder::build), before anything is sent.
///
/// ```no_run
/// # async fn run(s: sessio::Session) -> sessio::Result<()> {
/// use std::time::Duration;
/// use sessio::Auth;
///
/// let r = s
///     .post("http://127.0.0.1:8080/items")
///     .header("x-request-id", "42")
///     .remove_header("x-session-default")
///     .query(&[("dry_run", "1")])
///     .auth(Auth::bearer("token"))
///     .json(&serde_json::json!({"name": "widget"}))
///     .timeout(Duration::from_secs(5))
///     .send()
///     .await?
///     .error_for_status()?;
/// # Ok(()) }
/// ```
#[must_use = "a RequestBuilder does nothing until it is sent"]
pub struct RequestBuilder {
    session: Session,
    request: Result<Request>,
}

impl RequestBuilder {
    pub(crate) fn new(session: Session, method: Method, url: &str) -> Self {
        RequestBuilder {
            session,
            request: Ok(Request::new(method, url)),
        }
    }

    fn with(mut self, edit: impl FnOnce(&mut sessio_core::RequestParts) -> Result<()>) -> Self {
        if let Ok(request) = &mut self.request
            && let Err(err) = edit(request.parts_mut())
        {
            self.request = Err(err);
        }
        self
    }

    /// Sets a header for this request, replacing the session's value of that name.
    pub fn header<K, V>(self, name: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        self.with(|parts| {
            let (name, value) = checked_header(name, value)?;
            parts.removed_headers.retain(|removed| removed != name);
            parts.headers.insert(name, value);
            Ok(())
        })
    }

    /// Sets several headers for this request.
    pub fn headers(self, headers: HeaderMap) -> Self {
        self.with(|parts| {
            let mut last: Option<HeaderName> = None;
            for (name, value) in headers {
                if let Some(name) = name {
                    parts.headers.remove(&name);
                    parts.removed_headers.retain(|removed| *removed != name);
                    last = Some(name);
                }
                if let Some(name) = &last {
                    let value = checked_value(name, value)?;
                    parts.headers.append(name.clone(), value);
                }
            }
            Ok(())
        })
    }

    /// Leaves out the session's header of this name for this request (requests'
    /// `headers={'Name': None}`; case-insensitive).
    pub fn remove_header<K>(self, name: K) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
    {
        self.with(|parts| {
            let name = name_of(name)?;
            parts.headers.remove(&name);
            parts.removed_headers.push(name);
            Ok(())
        })
    }

    /// Adds query params (a map, a struct or a list of pairs), appended after the
    /// URL's own query and the session's params. A key set here replaces the
    /// session's values of that key.
    pub fn query<T: serde::Serialize + ?Sized>(self, query: &T) -> Self {
        self.with(|parts| {
            let pairs = sessio_core::__private::serialize_pairs(query)?;
            for (key, _) in &pairs {
                parts.removed_params.retain(|removed| removed != key);
            }
            parts.params.extend(pairs);
            Ok(())
        })
    }

    /// Adds query params (a map, a struct or a list of pairs): requests'
    /// `params=`, the same as [`query`](RequestBuilder::query) (reqwest's
    /// name), and the name the session builder uses
    /// ([`SessionBuilder::params`](crate::SessionBuilder::params)).
    ///
    /// ```
    /// let s = sessio::Session::new();
    /// let prepared = s.prepare(s.get("http://example.test/search").params(&[("q", "rust")]).param("page", "2"))?;
    /// assert_eq!(prepared.url().query(), Some("q=rust&page=2"));
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn params<T: serde::Serialize + ?Sized>(self, params: &T) -> Self {
        self.query(params)
    }

    /// Adds one query param.
    pub fn param(self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.with(|parts| {
            let key = key.into();
            parts.removed_params.retain(|removed| *removed != key);
            parts.params.push((key, value.into()));
            Ok(())
        })
    }

    /// Leaves out the session's param of this name (case-sensitive) for this request.
    pub fn remove_param(self, key: impl Into<String>) -> Self {
        self.with(|parts| {
            let key = key.into();
            parts.params.retain(|(k, _)| *k != key);
            parts.removed_params.push(key);
            Ok(())
        })
    }

    /// Credentials for this request, instead of the session's.
    pub fn auth(self, auth: Auth) -> Self {
        self.with(|parts| {
            parts.auth = AuthSetting::Set(auth);
            Ok(())
        })
    }

    /// Basic credentials for this request.
    pub fn basic_auth(self, user: &str, password: &str) -> Self {
        self.auth(Auth::basic(user, password))
    }

    /// A bearer token for this request.
    pub fn bearer_auth(self, token: &str) -> Self {
        self.auth(Auth::bearer(token))
    }

    /// No credentials for this request: neither the session's auth nor URL userinfo.
    pub fn no_auth(self) -> Self {
        self.with(|parts| {
            parts.auth = AuthSetting::Disabled;
            Ok(())
        })
    }

    /// The body: bytes, a string, or a stream ([`Body::wrap_stream`]). No
    /// `Content-Type` is set (requests' `data=` with bytes or str).
    pub fn body(self, body: impl Into<Body>) -> Self {
        self.with(|parts| {
            parts.body = Some(RequestBody::new(body));
            Ok(())
        })
    }

    /// A `multipart/form-data` body (requests' `files=`, with `data=` as text
    /// parts), with its `Content-Type` and boundary unless a `Content-Type` is
    /// set, and a `Content-Length` when every part's length is known.
    ///
    /// ```no_run
    /// use sessio::multipart::Form;
    ///
    /// # async fn run(session: sessio::Session) -> sessio::Result<()> {
    /// let form = Form::new().text("kind", "report").file("report", "report.pdf").await?;
    /// session.post("https://example.com/reports").multipart(form).send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn multipart(self, form: crate::multipart::Form) -> Self {
        self.with(|parts| {
            let content_type = form.content_type();
            parts.body = Some(RequestBody {
                body: form.into_body(),
                content_type: Some(content_type),
            });
            Ok(())
        })
    }

    /// Calls `report` as the request body is sent, after each chunk, with the
    /// bytes sent so far and the body's length when known. A body sent again
    /// (a 307 redirect, a retry) is counted again from zero.
    ///
    /// ```no_run
    /// # async fn run(session: sessio::Session, body: sessio::Body) -> sessio::Result<()> {
    /// session
    ///     .put("https://example.com/big")
    ///     .body(body)
    ///     .on_upload_progress(|p| eprintln!("sent {} of {:?}", p.bytes(), p.total()))
    ///     .send()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_upload_progress(self, report: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.with(|parts| {
            parts.extensions.insert(UploadProgress(Arc::new(report)));
            Ok(())
        })
    }

    /// Calls `report` as the final response's body arrives, after each chunk,
    /// with the bytes received so far (as sent, before decoding) and the
    /// response's `Content-Length` when it has one. With `stream(false)`
    /// (the default) this happens inside `send`; with `stream(true)`, as the
    /// body is read.
    ///
    /// ```no_run
    /// # async fn run(session: sessio::Session) -> sessio::Result<()> {
    /// let response = session
    ///     .get("https://example.com/big.iso")
    ///     .stream(true)
    ///     .on_download_progress(|p| eprintln!("{:.0} %", 100.0 * p.fraction().unwrap_or(0.0)))
    ///     .send()
    ///     .await?;
    /// # drop(response);
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_download_progress(self, report: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.with(|parts| {
            parts.extensions.insert(DownloadProgress(Arc::new(report)));
            Ok(())
        })
    }

    /// A JSON body, with `Content-Type: application/json` unless one is set.
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> Self {
        self.with(|parts| {
            parts.body = Some(RequestBody::json(value)?);
            Ok(())
        })
    }

    /// A form body (`application/x-www-form-urlencoded`) from a map, a struct or a
    /// list of pairs; sequences repeat the key, as requests does. An empty form is
    /// no body at all, without a `Content-Type` (requests' `data={}`).
    pub fn form<T: serde::Serialize + ?Sized>(self, form: &T) -> Self {
        self.with(|parts| {
            parts.body = RequestBody::form(form)?;
            Ok(())
        })
    }

    fn timeouts(self, edit: impl FnOnce(&mut Timeouts)) -> Self {
        self.with(|parts| {
            let mut timeouts = parts
                .extensions
                .get::<Timeouts>()
                .copied()
                .unwrap_or_default();
            edit(&mut timeouts);
            parts.extensions.insert(timeouts);
            Ok(())
        })
    }

    /// Total timeout of this request (all hops and reading the body).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.timeouts(|t| t.total = Some(timeout))
    }

    /// Read timeout of this request (idle time before the head and between chunks).
    pub fn read_timeout(self, timeout: Duration) -> Self {
        self.timeouts(|t| t.read = Some(timeout))
    }

    /// No timeout at all for this request, whatever the session sets (requests'
    /// `timeout=None`): connecting, reading, writing and the whole request are
    /// unbounded. A single one is switched off with `Duration::MAX`
    /// (`.read_timeout(Duration::MAX)`).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # async fn run() -> sessio::Result<()> {
    /// let s = sessio::Session::builder().timeout(Duration::from_secs(10)).build()?;
    /// let export = s.get("http://127.0.0.1:8080/export").no_timeout().send().await?;
    /// # drop(export); Ok(()) }
    /// ```
    pub fn no_timeout(self) -> Self {
        self.timeouts(|t| {
            *t = Timeouts::new()
                .connect(Duration::MAX)
                .read(Duration::MAX)
                .total(Duration::MAX)
                .write(Duration::MAX);
        })
    }

    /// Write timeout of this request: the longest its upload may stall before
    /// the response head arrives (see [`SessionBuilder::write_timeout`](crate::SessionBuilder::write_timeout)).
    pub fn write_timeout(self, timeout: Duration) -> Self {
        self.timeouts(|t| t.write = Some(timeout))
    }

    /// Connect timeout of this request, when it needs a new connection.
    pub fn connect_timeout(self, timeout: Duration) -> Self {
        self.timeouts(|t| t.connect = Some(timeout))
    }

    fn tls(self, edit: impl FnOnce(&mut RequestTls)) -> Self {
        self.with(|parts| {
            let mut tls = parts.extensions.remove::<RequestTls>().unwrap_or_default();
            edit(&mut tls);
            parts.extensions.insert(tls);
            Ok(())
        })
    }

    /// Whether this request verifies certificates (requests' `verify=` per
    /// request); overrides the session's. `verify(true)` is requests'
    /// `verify=True`: the built-in roots only, in place of the session's CA
    /// bundle and added roots (this is how a request goes back to the default
    /// trust store; [`ca_bundle`](RequestBuilder::ca_bundle) on the same
    /// request still names its own). A request with TLS settings of its
    /// own never shares a connection with requests whose settings differ: a
    /// `verify(false)` request opens its own, and verifying requests to the
    /// same host never reuse it. Applies to `https://` URLs sent through an
    /// [`HttpAdapter`](crate::HttpAdapter).
    ///
    /// ```no_run
    /// # async fn run(s: sessio::Session) -> sessio::Result<()> {
    /// let r = s.get("https://127.0.0.1:8443/").verify(false).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn verify(self, verify: bool) -> Self {
        self.tls(|tls| tls.verify = Some(verify))
    }

    /// `verify(!accept)`: accept any certificate for any name for this
    /// request. Never in production.
    ///
    /// ```no_run
    /// # async fn run(s: sessio::Session) -> sessio::Result<()> {
    /// let r = s.get("https://127.0.0.1:8443/").danger_accept_invalid_certs(true).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn danger_accept_invalid_certs(self, accept: bool) -> Self {
        self.verify(!accept)
    }

    /// Trust this CA bundle instead of the session's roots for this request
    /// (requests' `verify="/path"` per request). It is read when the first
    /// request with it is sent; a missing or unreadable bundle fails that
    /// request before connecting, with an error for which `is_builder()` is true.
    ///
    /// ```no_run
    /// # async fn run(s: sessio::Session) -> sessio::Result<()> {
    /// let r = s.get("https://internal.example/").ca_bundle("/etc/ssl/internal-ca.pem").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn ca_bundle(self, path: impl AsRef<std::path::Path>) -> Self {
        let path = path.as_ref().to_owned();
        self.tls(|tls| tls.ca_bundle = Some(path))
    }

    /// Present this client certificate for this request (requests' `cert=`
    /// per request).
    ///
    /// ```no_run
    /// # async fn run(s: sessio::Session) -> sessio::Result<()> {
    /// use sessio::tls::Identity;
    ///
    /// let me = Identity::from_pem_files("client.crt", "client.key")?;
    /// let r = s.get("https://mtls.example/").identity(me).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn identity(self, identity: Identity) -> Self {
        self.tls(|tls| tls.identity = Some(identity))
    }

    /// Sends this request (and each hop of its redirects) through the proxy
    /// at `url` when `key` matches it, before the session's proxies and the
    /// environment's (requests' `proxies=` per request); `"no_proxy"` lists
    /// hosts reached directly. See [`sessio::proxy`](crate::proxy).
    ///
    /// ```no_run
    /// # async fn run(s: sessio::Session) -> sessio::Result<()> {
    /// let r = s.get("http://example.test/").proxy("http", "http://127.0.0.1:3128").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn proxy(self, key: &str, url: &str) -> Self {
        self.with(|parts| {
            let mut own = parts
                .extensions
                .remove::<RequestProxies>()
                .unwrap_or_default();
            own.own.set(key, url)?;
            parts.extensions.insert(own);
            Ok(())
        })
    }

    /// `true`: leave the body on the connection until it is read; `false`: read it
    /// before `send` returns. Overrides the session's setting.
    pub fn stream(self, stream: bool) -> Self {
        self.with(|parts| {
            parts.extensions.insert(Streaming(stream));
            Ok(())
        })
    }

    /// `false`: leave the session's cache out of this request (nothing read
    /// from it, nothing written); `true`: use it (the default).
    pub fn cache(self, enabled: bool) -> Self {
        let mode = match enabled {
            true => CacheMode::Default,
            false => CacheMode::Bypass,
        };
        self.cache_mode(mode)
    }

    /// Revalidate the stored response with the server now, even if it is
    /// fresh (requests-cache's `refresh=True`), and store the answer.
    pub fn refresh(self) -> Self {
        self.cache_mode(CacheMode::Refresh)
    }

    /// Answer only from the session's cache: a fresh stored response, else a
    /// `504 Gateway Timeout` made up without contacting the server (RFC 9111
    /// §5.2.1.7's `only-if-cached`).
    pub fn only_if_cached(self) -> Self {
        self.cache_mode(CacheMode::OnlyIfCached)
    }

    fn cache_mode(self, mode: CacheMode) -> Self {
        self.with(|parts| {
            parts.extensions.insert(mode);
            Ok(())
        })
    }

    /// Whether redirects are followed (requests' `allow_redirects`; default: yes,
    /// except for requests made with [`Session::head`]). Not following returns the
    /// 3xx with [`Response::next`](crate::Response::next) set.
    pub fn allow_redirects(self, allow: bool) -> Self {
        self.with(|parts| {
            parts.extensions.insert(AllowRedirects(allow));
            Ok(())
        })
    }

    /// A cookie for this request only (requests' `cookies=`): it replaces a jar
    /// cookie of the same name, goes with every redirect hop to the same origin,
    /// and is never stored in the jar.
    ///
    /// The name must be a token and the value cookie octets, optionally in
    /// double quotes (RFC 6265): a `;`, `,`, space, double quote, backslash or
    /// control character makes `send` fail with a builder error, where
    /// requests sends `a=1; admin=1` as two cookies.
    ///
    /// ```
    /// let s = sessio::Session::new();
    /// let err = s.get("http://example.test/").cookie("a", "1; admin=1").build().unwrap_err();
    /// assert!(err.is_builder());
    /// ```
    pub fn cookie(self, name: &str, value: &str) -> Self {
        self.with(|parts| {
            check_cookie(name, value)?;
            parts.cookies.retain(|(k, _)| k != name);
            parts.cookies.push((name.to_owned(), value.to_owned()));
            Ok(())
        })
    }

    /// A hook for this request. Per event, the request's hooks replace the
    /// session's (requests' `merge_hooks`), unless
    /// [`extend_session_hooks`](RequestBuilder::extend_session_hooks) is called.
    pub fn hook(self, hook: Hook) -> Self {
        self.with(|parts| {
            parts.hooks.push(hook);
            Ok(())
        })
    }

    /// Run this request's hooks after the session's instead of replacing them.
    pub fn extend_session_hooks(self) -> Self {
        self.with(|parts| {
            parts.extend_hooks = true;
            Ok(())
        })
    }

    /// The request as the user described it, not merged with the session.
    pub fn build(self) -> Result<Request> {
        self.request
    }

    /// Prepares (merging the session's state) and sends the request. The future
    /// owns what it needs (it is `'static`), so it can be spawned.
    pub fn send(self) -> impl Future<Output = Result<Response>> + Send + 'static {
        let RequestBuilder { session, request } = self;
        let start = request
            .and_then(|request| session.prepare(request))
            .and_then(|prepared| session.start_exchange(prepared));
        super::exchange::run(start)
    }
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("request", &self.request)
            .finish()
    }
}
