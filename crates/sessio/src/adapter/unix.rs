//! `UnixAdapter`: HTTP/1.1 over a Unix domain socket, pooled like TCP
//! connections (Docker's API, a local sidecar, nginx on a socket).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::header::HOST;
use hyper_util::rt::TokioIo;
use sessio_core::__private::{error_msg, is_unix_scheme, unix_socket_path};
use sessio_core::{Body, BoxError, Error, ErrorKind, Result};
use tokio::net::UnixStream;
use tower_service::Service;

use super::HttpFuture;
use super::body::HttpBody;
use super::http::DEFAULT_POOL_IDLE_TIMEOUT;
use crate::transport::conn::Protocols;
use crate::transport::connect::{Connect, Connected, Connecting, Facts};
use crate::transport::key::ConnKey;
use crate::transport::pool::{Pool, PoolConfig};

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
    pool: Pool,
    socket: Option<PathBuf>,
    connect_timeout: Option<Duration>,
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
        let config = PoolConfig {
            max_idle_per_host: usize::MAX,
            max_idle_total: None,
            idle_timeout: Some(DEFAULT_POOL_IDLE_TIMEOUT),
            max_per_host: None,
            max_total: None,
            pool_timeout: None,
        };
        let protocols = Protocols {
            http2: false,
            http2_prior_knowledge: false,
            title_case_headers: true,
            max_headers: None,
        };
        let connector = UnixConnect {
            socket: socket.clone().map(Arc::from),
        };
        UnixAdapter {
            inner: Arc::new(Shared {
                pool: Pool::new(config, protocols, Box::new(connector)),
                socket,
                connect_timeout,
            }),
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
    type Response = http::Response<HttpBody>;
    type Error = Error;
    type Future = HttpFuture;

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
        let Some(key) = ConnKey::new(request.uri(), None) else {
            let why = format!("{} has no scheme or host to connect to", request.uri());
            return HttpFuture::failed(error_msg(ErrorKind::Request, why));
        };
        let timeout = self.inner.connect_timeout;
        HttpFuture::pooled(&self.inner.pool, &key, request, timeout, usize::MAX)
    }
}

/// Connects to the fixed socket, or to the one the URL names.
struct UnixConnect {
    socket: Option<Arc<Path>>,
}

impl Connect for UnixConnect {
    fn connect(&self, key: &ConnKey, _timeout: Option<Duration>) -> Connecting {
        let socket: std::result::Result<PathBuf, BoxError> = match &self.socket {
            Some(path) => Ok(path.to_path_buf()),
            None => {
                let uri = http::Uri::builder()
                    .scheme(key.scheme.clone())
                    .authority(key.authority.clone())
                    .path_and_query("/")
                    .build();
                match uri.ok().as_ref().and_then(unix_socket_path) {
                    Some(bytes) => Ok(path_from_bytes(bytes)),
                    None => Err(Box::new(error_msg(
                        ErrorKind::Connect,
                        format!(
                            "{}://{} is not an http+unix:// URL naming a socket",
                            key.scheme, key.authority
                        ),
                    ))),
                }
            }
        };
        Box::pin(async move {
            let socket = socket?;
            let stream = UnixStream::connect(&socket).await.map_err(|err| {
                Box::new(io::Error::new(
                    err.kind(),
                    format!("connecting to the Unix socket {}: {err}", socket.display()),
                )) as BoxError
            })?;
            Ok(Connected {
                io: Box::new(TokioIo::new(stream)),
                facts: Facts::default(),
            })
        })
    }
}

fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}
