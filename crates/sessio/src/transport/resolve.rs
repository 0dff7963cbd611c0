//! Name resolution, the first step of connecting: the system resolver, or one
//! of the user's, with fixed addresses for some names in front of either.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use sessio_core::BoxError;
use tower_service::Service;

/// The future of a name lookup: the addresses of the name, or why there are none.
pub type Resolving = Pin<Box<dyn Future<Output = Result<Vec<SocketAddr>, BoxError>> + Send>>;

/// A resolver of host names, for
/// [`HttpAdapterBuilder::resolver`](crate::HttpAdapterBuilder::resolver): your
/// own DNS client, a service registry, or a fake in tests. IP literals in URLs
/// are never resolved. An address with port `0` gets the URL's port (or the
/// scheme's default); another port is used when the URL names none.
///
/// Any `Fn(&str) -> Resolving` is a resolver:
///
/// ```
/// use std::net::SocketAddr;
/// use sessio::{HttpAdapter, Resolving};
///
/// let registry = |host: &str| -> Resolving {
///     let found: Result<Vec<SocketAddr>, sessio::BoxError> = match host {
///         "billing.internal" => Ok(vec!["10.0.0.7:0".parse().unwrap()]),
///         other => Err(format!("{other} is not registered").into()),
///     };
///     Box::pin(std::future::ready(found))
/// };
/// let adapter = HttpAdapter::builder().resolver(registry).build()?;
/// # drop(adapter);
/// # Ok::<(), sessio::Error>(())
/// ```
pub trait Resolve: Send + Sync + 'static {
    /// Looks `host` up.
    fn resolve(&self, host: &str) -> Resolving;
}

impl<F> Resolve for F
where
    F: Fn(&str) -> Resolving + Send + Sync + 'static,
{
    fn resolve(&self, host: &str) -> Resolving {
        self(host)
    }
}

/// How the TCP step finds the addresses of a host: fixed addresses first,
/// then the user's resolver, or the system's (`getaddrinfo` on a blocking
/// thread, through tokio).
#[derive(Clone)]
pub(crate) struct Resolver {
    /// Fixed addresses by lower-case host name, looked at first.
    fixed: Arc<HashMap<String, Vec<SocketAddr>>>,
    /// The user's resolver; the system's when `None`.
    custom: Option<Arc<dyn Resolve>>,
}

impl Resolver {
    pub(crate) fn new(
        fixed: HashMap<String, Vec<SocketAddr>>,
        custom: Option<Arc<dyn Resolve>>,
    ) -> Self {
        Resolver {
            fixed: Arc::new(fixed),
            custom,
        }
    }

    /// The addresses of `host` (a name, never an IP literal), with the ports
    /// the resolver gave (`0` where it gave none).
    pub(crate) fn lookup(&self, host: &str) -> Resolving {
        let host = host.to_ascii_lowercase();
        if let Some(addrs) = self.fixed.get(&host) {
            return Box::pin(std::future::ready(Ok(addrs.clone())));
        }
        match &self.custom {
            Some(custom) => {
                let resolving = custom.resolve(&host);
                Box::pin(async move {
                    let addrs = resolving.await?;
                    if addrs.is_empty() {
                        return Err(format!("{host} resolved to no address").into());
                    }
                    Ok(addrs)
                })
            }
            None => Box::pin(async move {
                let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                    .await
                    .map_err(|err| -> BoxError {
                        Box::new(std::io::Error::new(
                            err.kind(),
                            format!("looking up {host}: {err}"),
                        ))
                    })?
                    .collect();
                if addrs.is_empty() {
                    return Err(format!("{host} resolved to no address").into());
                }
                Ok(addrs)
            }),
        }
    }
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver")
            .field("fixed", &self.fixed)
            .field("custom", &self.custom.is_some())
            .finish()
    }
}

/// A resolver is a tower service from a host name to its addresses.
impl Service<String> for Resolver {
    type Response = Vec<SocketAddr>;
    type Error = BoxError;
    type Future = Resolving;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, host: String) -> Self::Future {
        self.lookup(&host)
    }
}
