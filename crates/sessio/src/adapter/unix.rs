//! `UnixAdapter`: HTTP/1.1 over a Unix domain socket, pooled like TCP
//! connections (Docker's API, a local sidecar, nginx on a socket).

use std::fmt;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use http::header::HOST;
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use sessio_core::__private::{error_msg, is_unix_scheme, unix_socket_path};
use sessio_core::{Body, BoxError, Error, ErrorKind, Result};
use tokio::net::UnixStream;
use tower_service::Service;

use super::connect::TimeoutConnector;
use super::http::{DEFAULT_POOL_IDLE_TIMEOUT, classify};

/// Sends requests over a Unix domain socket. Either every request goes to
/// one socket ([`UnixAdapter::new`]; mount it for a prefix such as
/// `http://docker/`, whose host becomes the `Host` header), or each
/// `http+unix://` URL names its socket, percent-encoded as the host
/// ([`UnixAdapter::per_url`]; `http+unix://%2Fvar%2Frun%2Fapp.sock/v1/info`,
/// sent with `Host: localhost`).
///
/// Connections are pooled per socket and host as TCP connections are, kept
/// idle for 30 s. Cookies, redirects, hooks, auth and timeouts of the
/// session apply; `connect_timeout` bounds connecting to the socket.
///
/// ```no_run
/// use sessio::{Session, UnixAdapter};
///
/// # async fn run() -> sessio::Result<()> {
/// let session = Session::builder()
///     .mount("http://docker/", UnixAdapter::new("/var/run/docker.sock"))
///     .mount("http+unix://", UnixAdapter::per_url())
///     .build()?;
/// let version = session.get("http://docker/version").send().await?.text().await?;
/// let info = session.get("http+unix://%2Fvar%2Frun%2Fdocker.sock/info").send().await?;
/// # drop((version, info));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct UnixAdapter {
    inner: Arc<Shared>,
}

struct Shared {
    client: Client<TimeoutConnector<UnixConnector>, Body>,
    socket: Option<PathBuf>,
}

impl UnixAdapter {
    /// Every request through this adapter goes to the socket at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self::build(Some(path.into()), None)
    }

    /// Each request goes to the socket its `http+unix://` URL names; a URL
    /// of another scheme is an error for which `is_connect()` is true.
    pub fn per_url() -> Self {
        Self::build(None, None)
    }

    /// The same adapter with a limit on connecting to the socket.
    pub fn connect_timeout(&self, timeout: Duration) -> Self {
        Self::build(self.inner.socket.clone(), Some(timeout))
    }

    fn build(socket: Option<PathBuf>, connect_timeout: Option<Duration>) -> Self {
        let connector = TimeoutConnector::new(
            UnixConnector {
                socket: socket.clone().map(Arc::from),
            },
            connect_timeout,
        );
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(DEFAULT_POOL_IDLE_TIMEOUT)
            .http1_title_case_headers(true)
            .build(connector);
        UnixAdapter {
            inner: Arc::new(Shared { client, socket }),
        }
    }

    /// The socket every request goes to, if there is one.
    pub fn socket(&self) -> Option<&Path> {
        self.inner.socket.as_deref()
    }
}

impl fmt::Debug for UnixAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixAdapter")
            .field("socket", &self.inner.socket)
            .finish()
    }
}

impl Service<http::Request<Body>> for UnixAdapter {
    type Response = http::Response<Incoming>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        if request.uri().scheme_str().is_some_and(is_unix_scheme) {
            // The wire authority is the encoded socket path, not a host name.
            request
                .headers_mut()
                .entry(HOST)
                .or_insert(http::HeaderValue::from_static("localhost"));
        }
        let response = self.inner.client.request(request);
        Box::pin(async move { response.await.map_err(classify) })
    }
}

/// Connects to the fixed socket, or to the one the URI names.
#[derive(Clone)]
struct UnixConnector {
    socket: Option<Arc<Path>>,
}

impl Service<Uri> for UnixConnector {
    type Response = TokioIo<UnixStream>;
    type Error = BoxError;
    type Future =
        Pin<Box<dyn Future<Output = std::result::Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<std::result::Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let socket: std::result::Result<PathBuf, BoxError> = match &self.socket {
            Some(path) => Ok(path.to_path_buf()),
            None => match unix_socket_path(&uri) {
                Some(bytes) => Ok(path_from_bytes(bytes)),
                None => Err(Box::new(error_msg(
                    ErrorKind::Connect,
                    format!("{uri} is not an http+unix:// URL naming a socket"),
                ))),
            },
        };
        Box::pin(async move {
            let socket = socket?;
            let stream = UnixStream::connect(&socket).await.map_err(|err| {
                Box::new(io::Error::new(
                    err.kind(),
                    format!("connecting to the Unix socket {}: {err}", socket.display()),
                )) as BoxError
            })?;
            Ok(TokioIo::new(stream))
        })
    }
}

fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}
