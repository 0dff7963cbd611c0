//! The clients compared: raw hyper-util (the baseline), the floor (hyper's own
//! connections with the smallest pool), sessio in three shapes, and reqwest.
//! Every request reads its body fully, so connections can be reused.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use sessio::{Hook, Session};

use crate::server::Endpoints;

/// The kinds of client in the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// hyper-util's legacy `Client` with hyper-rustls: the baseline.
    RawHyper,
    /// The floor: hyper's `client::conn` connections and the smallest pool
    /// that reuses them (a `Mutex<Vec<SendRequest>>`), the least any pooled
    /// client over hyper can cost.
    Floor,
    /// A `Session` with its default layers.
    Sessio,
    /// A session doing real work on every request: a cookie in the jar, a
    /// response hook, a session param and Basic auth (redirects are always on).
    SessioFull,
    /// `sessio::get`: a new unpooled session per request, like `requests.get`.
    SessioOneShot,
    /// A `Session` with an in-memory cache that keeps every response fresh for
    /// a day: after the first request, every request is a fresh hit (the cost
    /// of a hit against `sessio`'s loopback round trip). Not in [`Variant::ALL`]:
    /// it measures the cache, not a client; ask for it by name.
    SessioCached,
    /// reqwest 0.13 with the same rustls provider (ring).
    Reqwest,
}

impl Variant {
    /// Every variant, baseline first.
    pub const ALL: [Variant; 6] = [
        Variant::RawHyper,
        Variant::Floor,
        Variant::Sessio,
        Variant::SessioFull,
        Variant::SessioOneShot,
        Variant::Reqwest,
    ];

    /// The name printed in tables and accepted on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Variant::RawHyper => "raw-hyper",
            Variant::Floor => "hyper-conn",
            Variant::Sessio => "sessio",
            Variant::SessioFull => "sessio-full",
            Variant::SessioOneShot => "sessio-get",
            Variant::SessioCached => "sessio-cached",
            Variant::Reqwest => "reqwest",
        }
    }

    /// The variant of a name.
    pub fn from_name(name: &str) -> Option<Variant> {
        Variant::ALL
            .into_iter()
            .chain([Variant::SessioCached])
            .find(|v| v.name() == name)
    }

    /// Whether the variant can run this way (the one-shot helper is unpooled and
    /// has no way to trust a custom CA yet).
    pub fn supports(self, tls: bool, pooled: bool) -> bool {
        match self {
            Variant::SessioOneShot => !tls && !pooled,
            Variant::SessioCached => pooled,
            _ => true,
        }
    }
}

/// How a request's body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Into one buffer: sessio's and reqwest's `bytes()`, raw hyper-util's
    /// `collect().to_bytes()`.
    Buffered,
    /// Chunk by chunk, each dropped once counted: sessio with `.stream(true)`
    /// and `chunk()` (the reader `bytes_stream()` polls), reqwest's `chunk()`,
    /// raw hyper-util's `frame()`.
    Streamed,
}

impl Read {
    /// The name printed in tables.
    pub fn name(self) -> &'static str {
        match self {
            Read::Buffered => "buffered",
            Read::Streamed => "streamed",
        }
    }
}

type RawClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// A ready client of one variant.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // one per run; boxing would add a pointer hop to the baseline
pub enum BenchClient {
    /// raw hyper-util
    Raw(RawClient),
    /// hyper's connections with the smallest pool
    Floor(crate::floor::FloorClient),
    /// sessio (default or full)
    Sessio(Session),
    /// `sessio::get`
    OneShot,
    /// reqwest
    Reqwest(reqwest::Client),
}

fn roots(ca_pem: &str) -> RootCertStore {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()).flatten() {
        let _ = roots.add(cert);
    }
    roots
}

pub(crate) fn tls_config(ca_pem: &str) -> rustls::ClientConfig {
    #[allow(deprecated)] // ring on purpose (see sessio's tls/config.rs)
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots(ca_pem))
        .with_no_client_auth()
}

/// hyper-util's TCP connector as the raw client uses it (any scheme, no delay).
fn tcp_connector() -> HttpConnector {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http
}

impl BenchClient {
    /// A client of `variant`, pooled or not, trusting the server's CA.
    pub fn new(variant: Variant, endpoints: &Endpoints, pooled: bool) -> BenchClient {
        let idle = if pooled { usize::MAX } else { 0 };
        match variant {
            Variant::RawHyper => {
                let http = tcp_connector();
                let https = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_tls_config(tls_config(&endpoints.ca_pem))
                    .https_or_http()
                    .enable_http1()
                    .wrap_connector(http);
                let client = Client::builder(TokioExecutor::new())
                    .pool_max_idle_per_host(idle)
                    .build(https);
                BenchClient::Raw(client)
            }
            Variant::Sessio | Variant::SessioFull | Variant::SessioCached => {
                let mut builder = Session::builder().pool_max_idle_per_host(idle);
                if variant == Variant::SessioCached {
                    let day = std::time::Duration::from_secs(86_400);
                    builder = builder.cache(
                        sessio::layers::cache::CacheLayer::memory(1 << 20)
                            .expire_url("*", sessio::layers::cache::Expiry::After(day)),
                    );
                }
                if !endpoints.ca_pem.is_empty() {
                    builder = builder.add_root_certificate_pem(&endpoints.ca_pem);
                }
                if variant == Variant::SessioFull {
                    builder = builder
                        .hook(Hook::response(|response| async move { Ok(response) }))
                        .param("page", "1")
                        .auth(sessio::Auth::basic("user", "pass"));
                }
                let session = builder.build().expect("session");
                if variant == Variant::SessioFull {
                    session.cookies().set("bench", "1").unwrap();
                }
                BenchClient::Sessio(session)
            }
            Variant::SessioOneShot => BenchClient::OneShot,
            Variant::Floor => BenchClient::Floor(crate::floor::FloorClient::http1(
                tls_config(&endpoints.ca_pem),
                pooled,
            )),
            Variant::Reqwest => {
                let client = reqwest::Client::builder()
                    .tls_backend_preconfigured(tls_config(&endpoints.ca_pem))
                    .pool_max_idle_per_host(idle)
                    .no_proxy()
                    .http1_only()
                    .build()
                    .expect("reqwest client");
                BenchClient::Reqwest(client)
            }
        }
    }

    /// A pooled HTTP/2 client of `variant` (raw hyper-util, sessio or reqwest;
    /// `None` for the others): over TLS with ALPN `h2` when `tls`, else h2c
    /// with prior knowledge on the plain port.
    pub fn http2(variant: Variant, endpoints: &Endpoints, tls: bool) -> Option<BenchClient> {
        match variant {
            Variant::RawHyper => {
                let http = tcp_connector();
                let https = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_tls_config(tls_config(&endpoints.ca_pem))
                    .https_or_http()
                    .enable_http2()
                    .wrap_connector(http);
                let client = Client::builder(TokioExecutor::new())
                    .http2_only(true)
                    .build(https);
                Some(BenchClient::Raw(client))
            }
            Variant::Floor => Some(BenchClient::Floor(crate::floor::FloorClient::http2(
                tls_config(&endpoints.ca_pem),
            ))),
            Variant::Sessio => {
                let mut builder = Session::builder();
                if !endpoints.ca_pem.is_empty() {
                    builder = builder.add_root_certificate_pem(&endpoints.ca_pem);
                }
                builder = if tls {
                    builder.http2(true)
                } else {
                    builder.http2_prior_knowledge()
                };
                Some(BenchClient::Sessio(builder.build().expect("session")))
            }
            Variant::Reqwest => {
                let mut config = tls_config(&endpoints.ca_pem);
                config.alpn_protocols = vec![b"h2".to_vec()];
                let mut builder = reqwest::Client::builder()
                    .tls_backend_preconfigured(config)
                    .no_proxy();
                if !tls {
                    builder = builder.http2_prior_knowledge();
                }
                Some(BenchClient::Reqwest(
                    builder.build().expect("reqwest client"),
                ))
            }
            Variant::SessioFull | Variant::SessioOneShot | Variant::SessioCached => None,
        }
    }

    /// A pooled sessio client of `variant` with a retry policy on (three
    /// retries of 502/503/504, as a service might configure it).
    pub fn sessio_with_retries(variant: Variant, endpoints: &Endpoints) -> BenchClient {
        let policy = sessio::RetryPolicy::new()
            .total(3)
            .status_forcelist([502, 503, 504]);
        match BenchClient::new(variant, endpoints, true) {
            BenchClient::Sessio(session) => {
                let adapter = sessio::HttpAdapter::builder()
                    .max_retries(policy)
                    .build()
                    .expect("adapter");
                session.mount("http://", adapter);
                BenchClient::Sessio(session)
            }
            other => other,
        }
    }

    /// One GET with the body read fully; returns the body length.
    pub async fn get(&self, url: &str) -> Result<usize, String> {
        self.fetch(url, Read::Buffered).await
    }

    /// One GET with the body read as `read` says; returns the body length.
    pub async fn fetch(&self, url: &str, read: Read) -> Result<usize, String> {
        if read == Read::Streamed {
            return self.get_streamed(url).await;
        }
        match self {
            BenchClient::Raw(client) => {
                let uri: http::Uri = url.parse().map_err(|e| format!("{e}"))?;
                let response = client.get(uri).await.map_err(|e| e.to_string())?;
                let body = response
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(body.to_bytes().len())
            }
            BenchClient::Floor(client) => client.get(url, Read::Buffered).await,
            BenchClient::Sessio(session) => {
                let response = session.get(url).send().await.map_err(|e| e.to_string())?;
                Ok(response.bytes().await.map_err(|e| e.to_string())?.len())
            }
            BenchClient::OneShot => {
                let response = sessio::get(url).await.map_err(|e| e.to_string())?;
                Ok(response.bytes().await.map_err(|e| e.to_string())?.len())
            }
            BenchClient::Reqwest(client) => {
                let response = client.get(url).send().await.map_err(|e| e.to_string())?;
                Ok(response.bytes().await.map_err(|e| e.to_string())?.len())
            }
        }
    }

    /// One GET with the body read chunk by chunk; returns the body length.
    async fn get_streamed(&self, url: &str) -> Result<usize, String> {
        let mut received = 0;
        match self {
            BenchClient::Raw(client) => {
                let uri: http::Uri = url.parse().map_err(|e| format!("{e}"))?;
                let response = client.get(uri).await.map_err(|e| e.to_string())?;
                let mut body = response.into_body();
                while let Some(frame) = body.frame().await {
                    if let Ok(data) = frame.map_err(|e| e.to_string())?.into_data() {
                        received += data.len();
                    }
                }
            }
            BenchClient::Sessio(session) => {
                let mut response = session
                    .get(url)
                    .stream(true)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
                    received += chunk.len();
                }
            }
            BenchClient::Floor(client) => return client.get(url, Read::Streamed).await,
            BenchClient::OneShot => return Err("sessio-get has no streamed reads".to_owned()),
            BenchClient::Reqwest(client) => {
                let mut response = client.get(url).send().await.map_err(|e| e.to_string())?;
                while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
                    received += chunk.len();
                }
            }
        }
        Ok(received)
    }
}
