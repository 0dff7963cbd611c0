//! A hyper server on a Unix domain socket in a fresh temporary directory.

use std::convert::Infallible;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::UnixListener;
use tokio::sync::watch;

use crate::ServerBody;

/// Serves `handler` on a socket; stops and removes the socket when dropped.
#[derive(Debug)]
pub struct UnixServer {
    dir: PathBuf,
    path: PathBuf,
    connections: Arc<AtomicUsize>,
    _shutdown: watch::Sender<()>,
}

impl UnixServer {
    /// Starts one.
    pub async fn start<F, Fut>(handler: F) -> UnixServer
    where
        F: Fn(http::Request<Incoming>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = http::Response<ServerBody>> + Send + 'static,
    {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sessio-unix-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let path = dir.join("http.sock");
        let listener = UnixListener::bind(&path).expect("bind the socket");
        let connections = Arc::new(AtomicUsize::new(0));
        let (shutdown, mut stopped) = watch::channel(());
        let handler = Arc::new(handler);
        let counted = connections.clone();
        tokio::spawn(async move {
            while let Some((stream, _)) =
                crate::accept_or_stop(|| listener.accept(), &mut stopped).await
            {
                counted.fetch_add(1, Ordering::SeqCst);
                let handler = handler.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let response = handler(req);
                        async move { Ok::<_, Infallible>(response.await) }
                    });
                    let _ = auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        UnixServer {
            dir,
            path,
            connections,
            _shutdown: shutdown,
        }
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An `http+unix://` URL for `path` on this socket.
    pub fn url(&self, path: &str) -> String {
        let socket = self.path.to_str().expect("a UTF-8 temporary path");
        let encoded: String = url::form_urlencoded::byte_serialize(socket.as_bytes()).collect();
        format!("http+unix://{encoded}{path}")
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for UnixServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
