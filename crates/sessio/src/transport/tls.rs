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
}

impl TlsConnect {
    /// TLS with `config`, offering `h2` before `http/1.1` when `http2`.
    pub(crate) fn new(mut config: ClientConfig, http2: bool) -> Self {
        config.alpn_protocols = if http2 {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        TlsConnect {
            connector: TlsConnector::from(Arc::new(config)),
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
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let name = ServerName::try_from(bare.to_owned())
            .map_err(|err| format!("{host} is not a name TLS can check: {err}"))?;
        let stream = self.connector.connect(name, io).await?;
        let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
        Ok((stream, h2))
    }
}

impl fmt::Debug for TlsConnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsConnect")
    }
}
