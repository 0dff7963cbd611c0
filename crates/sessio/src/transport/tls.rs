//! TLS: the rustls handshake over a connected stream, offering HTTP/2 by ALPN
//! when the adapter speaks it.

use std::fmt;
use std::sync::Arc;

use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use sessio_core::BoxError;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// The TLS step: one rustls configuration (roots, client certificate,
/// versions, ALPN), shared by every connection made with it.
#[derive(Clone)]
pub(crate) struct TlsConnect {
    connector: TlsConnector,
    /// The same settings offering `http/1.1` alone, for `https://` proxies
    /// (spoken to in HTTP/1.1 whatever the adapter speaks to servers).
    to_proxy: TlsConnector,
}

impl TlsConnect {
    /// TLS with `config`, offering `h2` before `http/1.1` when `http2`.
    pub(crate) fn new(mut config: ClientConfig, http2: bool) -> Self {
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        if !http2 {
            let connector = TlsConnector::from(Arc::new(config));
            return TlsConnect {
                connector: connector.clone(),
                to_proxy: connector,
            };
        }
        let to_proxy = TlsConnector::from(Arc::new(config.clone()));
        config.alpn_protocols.insert(0, b"h2".to_vec());
        TlsConnect {
            connector: TlsConnector::from(Arc::new(config)),
            to_proxy,
        }
    }

    /// The handshake with `host` (its name is sent as SNI and checked
    /// against the certificate; an IP address is checked as one) over `io`.
    /// The stream, and whether the server chose HTTP/2.
    pub(crate) async fn handshake<S>(
        &self,
        host: &str,
        io: S,
    ) -> Result<(TlsStream<S>, bool), BoxError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let stream = self.connector.connect(server_name(host)?, io).await?;
        let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
        Ok((stream, h2))
    }

    /// The handshake with an `https://` proxy at `host` over `io`, offering
    /// `http/1.1` alone.
    pub(crate) async fn handshake_proxy<S>(
        &self,
        host: &str,
        io: S,
    ) -> Result<TlsStream<S>, BoxError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        Ok(self.to_proxy.connect(server_name(host)?, io).await?)
    }
}

/// `host` (an IP address in brackets or not, or a name) as rustls checks it.
fn server_name(host: &str) -> Result<ServerName<'static>, BoxError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(bare.to_owned())
        .map_err(|err| format!("{host} is not a name TLS can check: {err}").into())
}

impl fmt::Debug for TlsConnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsConnect")
    }
}
