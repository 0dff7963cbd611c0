//! Name resolution for [`HttpAdapter`](super::HttpAdapter): the system resolver,
//! or one of the user's, with fixed addresses for some names in front of either.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::{GaiResolver, Name};
use sessio_core::BoxError;
use tower_service::Service;

/// The future of a name lookup: the addresses of the name, or why there are none.
pub type Resolving = Pin<Box<dyn Future<Output = Result<Vec<SocketAddr>, BoxError>> + Send>>;

/// A resolver of host names, for
/// [`HttpAdapterBuilder::resolver`](super::HttpAdapterBuilder::resolver): your
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

/// What the adapter's connector resolves names with.
#[derive(Clone)]
pub(crate) struct Resolver {
    /// Fixed addresses by lower-case host name, looked at first.
    fixed: Arc<HashMap<String, Vec<SocketAddr>>>,
    /// The user's resolver; the system's when `None`.
    custom: Option<Arc<dyn Resolve>>,
    system: GaiResolver,
}

impl Resolver {
    pub(crate) fn new(
        fixed: HashMap<String, Vec<SocketAddr>>,
        custom: Option<Arc<dyn Resolve>>,
    ) -> Self {
        Resolver {
            fixed: Arc::new(fixed),
            custom,
            system: GaiResolver::new(),
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

impl Service<Name> for Resolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let host = name.as_str().to_ascii_lowercase();
        if let Some(addrs) = self.fixed.get(&host) {
            let addrs = addrs.clone();
            return Box::pin(std::future::ready(Ok(addrs.into_iter())));
        }
        match &self.custom {
            Some(custom) => {
                let resolving = custom.resolve(&host);
                Box::pin(async move {
                    let addrs = resolving.await?;
                    if addrs.is_empty() {
                        return Err(format!("{host} resolved to no address").into());
                    }
                    Ok(addrs.into_iter())
                })
            }
            None => {
                let resolving = self.system.call(name);
                Box::pin(async move {
                    let addrs: Vec<SocketAddr> = resolving.await?.collect();
                    Ok(addrs.into_iter())
                })
            }
        }
    }
}
