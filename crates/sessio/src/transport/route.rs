//! Routes: how connections for a key are made when not by the adapter's
//! defaults (a request's own TLS settings, a proxy).

use std::fmt;
use std::sync::Arc;

use super::tls::TlsConnect;
use crate::proxy::Proxy;
use crate::tls::TlsSettings;

/// A route other than the adapter's default. Routes are interned by the
/// adapter (one `Arc` per distinct settings), and a connection key holds its
/// route: connections of two routes are never shared.
pub(crate) struct Route {
    /// TLS settings of their own (`None`: the adapter's), and the handshake
    /// made with them.
    pub(crate) tls: Option<(TlsSettings, TlsConnect)>,
    /// The proxy the connections go through.
    pub(crate) proxy: Option<Arc<Proxy>>,
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some((settings, _)) = &self.tls {
            parts.push(if settings.verify {
                "own TLS settings".to_owned()
            } else {
                "verify off".to_owned()
            });
        }
        if let Some(proxy) = &self.proxy {
            parts.push(format!(
                "through {}{}",
                if proxy.speaks_tls() { "https://" } else { "" },
                proxy.address.authority().map_or("?", |a| a.as_str())
            ));
        }
        f.write_str(&parts.join(", "))
    }
}
