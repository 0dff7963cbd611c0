//! Interop tests against real servers from Debian: nginx (TLS with HTTP/2 and
//! client certificates, plain HTTP, a Unix socket), tinyproxy (open and with
//! Basic auth) and dante (SOCKS5), started by `scripts/interop-servers.sh`.
//!
//! ```sh
//! bash scripts/interop-servers.sh start /tmp/interop
//! SESSIO_INTEROP_ENV=/tmp/interop/interop.env cargo test --test interop -- --ignored --nocapture
//! bash scripts/interop-servers.sh stop /tmp/interop
//! ```
//!
//! The tests are `#[ignore]`d, so that a plain `cargo test` lists them as
//! ignored rather than passed: they run with `--ignored` once the servers are
//! up (`.ci/run` does). Run that way without `SESSIO_INTEROP_ENV` (or when the
//! script could not install the servers and wrote `<dir>/skipped`), every test
//! prints why it is skipped and passes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sessio::tls::Identity;
use sessio::{Session, SessionBuilder, StatusCode, UnixAdapter, Version};

/// What `scripts/interop-servers.sh start` wrote to `interop.env`.
#[derive(Debug)]
struct Interop {
    tls_port: u16,
    plain_port: u16,
    unix_socket: PathBuf,
    ca_pem: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
    proxy_port: u16,
    auth_proxy_port: u16,
    socks_port: u16,
    versions: Vec<(&'static str, String)>,
}

impl Interop {
    /// `https://localhost:<tls port><path>`.
    fn tls(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.tls_port)
    }

    /// `http://127.0.0.1:<plain port><path>`.
    fn plain(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.plain_port)
    }

    fn identity(&self) -> Identity {
        Identity::from_pem_files(&self.client_cert, &self.client_key)
            .expect("the client certificate and key of the script")
    }
}

/// The servers' addresses, or `None` after printing why the tests are skipped.
fn interop() -> Option<Interop> {
    let Some(path) = std::env::var_os("SESSIO_INTEROP_ENV") else {
        skipped("SESSIO_INTEROP_ENV is not set; run scripts/interop-servers.sh start <dir>");
        return None;
    };
    let path = PathBuf::from(path);
    let dir = path.parent().unwrap_or(Path::new("."));
    if let Ok(reason) = std::fs::read_to_string(dir.join("skipped")) {
        skipped(reason.trim());
        return None;
    }
    let Ok(text) = std::fs::read_to_string(&path) else {
        skipped(&format!(
            "{} does not exist; run scripts/interop-servers.sh start <dir>",
            path.display()
        ));
        return None;
    };
    let values: HashMap<&str, &str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .collect();
    let get = |key: &str| -> String {
        values
            .get(key)
            .unwrap_or_else(|| panic!("{} has no {key}", path.display()))
            .to_string()
    };
    let port = |key: &str| -> u16 {
        get(key)
            .parse()
            .unwrap_or_else(|e| panic!("{key} in {}: {e}", path.display()))
    };
    Some(Interop {
        tls_port: port("NGINX_TLS_PORT"),
        plain_port: port("NGINX_PLAIN_PORT"),
        unix_socket: get("NGINX_UNIX_SOCKET").into(),
        ca_pem: get("CA_PEM").into(),
        client_cert: get("CLIENT_CERT").into(),
        client_key: get("CLIENT_KEY").into(),
        proxy_port: port("PROXY_PORT"),
        auth_proxy_port: port("AUTH_PROXY_PORT"),
        socks_port: port("SOCKS_PORT"),
        versions: ["NGINX_VERSION", "TINYPROXY_VERSION", "DANTE_VERSION"]
            .into_iter()
            .map(|key| (key, get(key)))
            .collect(),
    })
}

fn skipped(reason: &str) {
    println!("interop tests skipped: {reason}");
}

/// A session that ignores the machine's proxies and CA bundle variables, with
/// every request bounded.
fn builder() -> SessionBuilder {
    Session::builder()
        .trust_env(false)
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(20))
}

/// Sends a GET with `session` and returns the status and the body.
async fn get(session: &Session, url: &str) -> (StatusCode, String) {
    let response = session
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status();
    (status, response.text().await.expect("the body"))
}

/// [`get`] through a proxy on 127.0.0.1:`proxy_port`: the connection the
/// response came over goes to the proxy, not to the server.
async fn get_through(session: &Session, url: &str, proxy_port: u16) -> (StatusCode, String) {
    let response = session
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let remote = response.connection().and_then(|c| c.remote_addr());
    assert_eq!(
        remote.map(|a| a.port()),
        Some(proxy_port),
        "GET {url} came over a connection to {remote:?}"
    );
    let status = response.status();
    (status, response.text().await.expect("the body"))
}

#[tokio::test]
#[ignore = "needs the interop servers: bash scripts/interop-servers.sh start DIR, then --ignored"]
async fn versions_of_the_servers() {
    let Some(env) = interop() else { return };
    for (key, version) in &env.versions {
        println!("interop: {key}={version}");
    }
}

#[tokio::test]
#[ignore = "needs the interop servers: bash scripts/interop-servers.sh start DIR, then --ignored"]
async fn nginx_tls_is_verified_with_the_ca_bundle() {
    let Some(env) = interop() else { return };
    let s = builder().ca_bundle(&env.ca_pem).build().unwrap();
    assert_eq!(
        get(&s, &env.tls("/")).await,
        (StatusCode::OK, "tls ok\n".to_owned())
    );
    // The certificate names 127.0.0.1 too.
    let by_ip = format!("https://127.0.0.1:{}/", env.tls_port);
    assert_eq!(get(&s, &by_ip).await.0, StatusCode::OK);
}

#[tokio::test]
#[ignore = "needs the interop servers: bash scripts/interop-servers.sh start DIR, then --ignored"]
async fn nginx_tls_without_the_ca_bundle_is_a_tls_error() {
    let Some(env) = interop() else { return };
    let s = builder().build().unwrap();
    let err = s.get(env.tls("/")).send().await.unwrap_err();
    assert!(err.is_tls(), "not a TLS error: {err}");
}

#[tokio::test]
#[ignore = "needs the interop servers: bash scripts/interop-servers.sh start DIR, then --ignored"]
async fn nginx_tls_with_verify_false_is_accepted() {
    let Some(env) = interop() else { return };
    let s = builder().verify(false).build().unwrap();
    assert_eq!(
        get(&s, &env.tls("/")).await,
        (StatusCode::OK, "tls ok\n".to_owned())
    );
    // And per request, on a verifying session without the bundle.
    let s = builder().build().unwrap();
    let r = s.get(env.tls("/")).verify(false).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
#[ignore = "needs the interop servers: bash scripts/interop-servers.sh start DIR, then --ignored"]
async fn http2_is_negotiated_by_alpn_only_when_asked_for() {
    let Some(env) = interop() else { return };
    let h2 = builder()
        .ca_bundle(&env.ca_pem)
        .http2(true)
        .build()
        .unwrap();
    let r = h2.get(env.tls("/")).send().await.unwrap();
    assert_eq!(r.version(), Version::HTTP_2);
    assert_eq!(r.text().await.unwrap(), "tls ok\n");

    let h1 = builder().ca_bundle(&env.ca_pem).build().unwrap();
    let r = h1.get(env.tls("/")).send().await.unwrap();
    assert_eq!(r.version(), Version::HTTP_11);
    assert_eq!(r.text().await.unwrap(), "tls ok\n");
}

#[tokio::test]
#[ignore = "needs the interop servers: bash scripts/interop-servers.sh start DIR, then --ignored"]
async fn nginx_accepts_the_client_certificate_and_refuses_without_one() {
    let Some(env) = interop() else { return };
    let with = builder()
        .ca_bundle(&env.ca_pem)
        .identity(env.identity())
        .build()
        .unwrap();
    assert_eq!(
        get(&with, &env.tls("/client-cert")).await,
        (StatusCode::OK, "client cert ok\n".to_owned())
    );
    // Over HTTP/2 as well.
    let with_h2 = builder()
        .ca_bundle(&env.ca_pem)
        .identity(env.identity())
        .http2(true)
        .build()
        .unwrap();
    let r = with_h2.get(env.tls("/client-cert")).send().await.unwrap();
    assert_eq!((r.version(), r.status()), (Version::HTTP_2, StatusCode::OK));

    // `ssl_verify_client optional`: the handshake succeeds, the location says 403.
    let without = builder().ca_bundle(&env.ca_pem).build().unwrap();
    assert_eq!(
        get(&without, &env.tls("/client-cert")).await,
        (StatusCode::FORBIDDEN, "no client certificate\n".to_owned())
    );

    // A per-request identity on the session without one.
    let r = without
        .get(env.tls("/client-cert"))
        .identity(env.identity())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
#[ignore = "needs the interop servers: bash scripts/interop-servers.sh start DIR, then --ignored"]
async fn redirects_cross_from_https_to_http_and_back() {
    let Some(env) = interop() else { return };
    let s = builder().ca_bundle(&env.ca_pem).build().unwrap();

    let r = s.get(env.tls("/to-http")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.url().as_str(), env.plain("/landed"));
    assert_eq!(r.history().len(), 1);
    assert_eq!(r.history()[0].status(), StatusCode::FOUND);
    assert_eq!(r.history()[0].url().as_str(), env.tls("/to-http"));
    assert_eq!(r.text().await.unwrap(), "landed\n");

    let r = s.get(env.plain("/to-https")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.url().as_str(), env.tls("/landed-tls"));
    assert_eq!(r.history().len(), 1);
    assert_eq!(r.text().await.unwrap(), "landed tls\n");
}

#[tokio::test]
#[ignore = "needs the interop servers: bash scripts/interop-servers.sh start DIR, then --ignored"]
async fn tinyproxy_forwards_plain_http_and_tunnels_https() {
    let Some(env) = interop() else { return };
    let proxy = format!("http://127.0.0.1:{}", env.proxy_port);
    let s = builder()
        .ca_bundle(&env.ca_pem)
        .proxy("http", &proxy)
        .proxy("https", &proxy)
        .build()
        .unwrap();
    assert_eq!(
        get_through(&s, &env.plain("/"), env.proxy_port).await,
        (StatusCode::OK, "plain ok\n".to_owned())
    );
    assert_eq!(
        get_through(&s, &env.tls("/"), env.proxy_port).await,
        (StatusCode::OK, "tls ok\n".to_owned())
    );
    // HTTP/2 inside the CONNECT tunnel.
    let h2 = builder()
        .ca_bundle(&env.ca_pem)
        .proxy("https", &proxy)
        .http2(true)
        .build()
        .unwrap();
    let r = h2.get(env.tls("/")).send().await.unwrap();
    assert_eq!((r.version(), r.status()), (Version::HTTP_2, StatusCode::OK));
}

#[tokio::test]
#[ignore = "needs the interop servers: bash scripts/interop-servers.sh start DIR, then --ignored"]
async fn tinyproxy_with_basic_auth_takes_the_credentials_of_the_proxy_url() {
    let Some(env) = interop() else { return };
    let proxy = format!("http://user:pass@127.0.0.1:{}", env.auth_proxy_port);
    let s = builder()
        .ca_bundle(&env.ca_pem)
        .proxy("http", &proxy)
        .proxy("https", &proxy)
        .build()
        .unwrap();
    assert_eq!(
        get_through(&s, &env.plain("/"), env.auth_proxy_port).await,
        (StatusCode::OK, "plain ok\n".to_owned())
    );
    assert_eq!(
        get_through(&s, &env.tls("/"), env.auth_proxy_port).await,
        (StatusCode::OK, "tls ok\n".to_owned())
    );
}

#[tokio::test]
#[ignore = "needs the interop servers: bash scripts/interop-servers.sh start DIR, then --ignored"]
async fn tinyproxy_with_basic_auth_refuses_without_credentials() {
    let Some(env) = interop() else { return };
    let proxy = format!("http://127.0.0.1:{}", env.auth_proxy_port);
    let s = builder()
        .ca_bundle(&env.ca_pem)
        .proxy("http", &proxy)
        .proxy("https", &proxy)
        .build()
        .unwrap();
    // A forwarded request: the proxy's 407 is the response, as in requests.
    let r = s.get(env.plain("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::PROXY_AUTHENTICATION_REQUIRED);
    assert_eq!(
        r.headers()["proxy-authenticate"],
        "Basic realm=\"Tinyproxy\""
    );
    // A refused CONNECT is an error.
    let err = s.get(env.tls("/")).send().await.unwrap_err();
    assert!(err.is_proxy(), "not a proxy error: {err}");

    let wrong = format!("http://user:wrong@127.0.0.1:{}", env.auth_proxy_port);
    let s = builder()
        .ca_bundle(&env.ca_pem)
        .proxy("http", &wrong)
        .proxy("https", &wrong)
        .build()
        .unwrap();
    // tinyproxy 1.11 answers wrong credentials with 401 Unauthorized (and a
    // `WWW-Authenticate`), not 407; either is the proxy's refusal.
    let r = s.get(env.plain("/")).send().await.unwrap();
    assert!(
        matches!(r.status().as_u16(), 401 | 407),
        "status {}",
        r.status()
    );
    let server = r.headers()["server"].to_str().unwrap();
    assert!(server.starts_with("tinyproxy/"), "answered by {server}");
    let err = s.get(env.tls("/")).send().await.unwrap_err();
    assert!(err.is_proxy(), "not a proxy error: {err}");
}

#[tokio::test]
#[ignore = "needs the interop servers: bash scripts/interop-servers.sh start DIR, then --ignored"]
/// (dante 1.4 speaks SOCKS4 but not its 4a extension: a `socks4a://` target
/// name comes to it as the address 0.0.0.x, which it tries to reach. SOCKS4a
/// is tested against the loopback SOCKS4 server of `tests/support` instead:
/// `proxies::socks4a_sends_the_host_name_and_socks4_resolves_it_here`.)
async fn dante_carries_http_and_https_over_socks4_socks5_and_socks5h() {
    let Some(env) = interop() else { return };
    for scheme in ["socks4", "socks5", "socks5h"] {
        let proxy = format!("{scheme}://127.0.0.1:{}", env.socks_port);
        let s = builder()
            .ca_bundle(&env.ca_pem)
            .proxy("all", &proxy)
            .build()
            .unwrap();
        assert_eq!(
            get_through(&s, &env.plain("/"), env.socks_port).await,
            (StatusCode::OK, "plain ok\n".to_owned()),
            "{scheme} to {}",
            env.plain("/")
        );
        assert_eq!(
            get_through(&s, &env.tls("/"), env.socks_port).await,
            (StatusCode::OK, "tls ok\n".to_owned()),
            "{scheme} to {}",
            env.tls("/")
        );
    }
}

#[tokio::test]
#[ignore = "needs the interop servers: bash scripts/interop-servers.sh start DIR, then --ignored"]
async fn nginx_on_a_unix_socket_answers_through_the_unix_adapter() {
    let Some(env) = interop() else { return };
    let s = builder()
        .mount("http://nginx.unix/", UnixAdapter::new(&env.unix_socket))
        .build()
        .unwrap();
    assert_eq!(
        get(&s, "http://nginx.unix/").await,
        (StatusCode::OK, "unix ok\n".to_owned())
    );
    // The same socket named by an http+unix:// URL.
    let s = builder()
        .mount("http+unix://", UnixAdapter::per_url())
        .build()
        .unwrap();
    let socket = env.unix_socket.to_str().expect("a UTF-8 path");
    let url = format!("http+unix://{}/", socket.replace('/', "%2F"));
    assert_eq!(
        get(&s, &url).await,
        (StatusCode::OK, "unix ok\n".to_owned())
    );
}

#[tokio::test]
#[ignore = "needs the interop servers: bash scripts/interop-servers.sh start DIR, then --ignored"]
async fn nginx_caching_headers_drive_the_session_cache() {
    let Some(env) = interop() else { return };
    let cache = sessio::layers::cache::CacheLayer::memory(1 << 20);
    let s = builder().cache(cache.clone()).build().unwrap();

    // `expires 60s`: the second GET is a fresh hit, nginx is not asked.
    let url = env.plain("/fresh/data.txt");
    let first = s.get(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert!(first.headers().contains_key("etag"));
    assert!(!first.from_cache());
    assert_eq!(first.text().await.unwrap(), "cached by nginx\n");
    let second = s.get(&url).send().await.unwrap();
    assert!(second.from_cache());
    assert_eq!(second.text().await.unwrap(), "cached by nginx\n");
    assert_eq!(cache.stats().hits, 1);

    // `Cache-Control: no-cache`: revalidated with nginx's ETag, a 304 each time.
    let url = env.plain("/validated/data.txt");
    s.get(&url).send().await.unwrap().text().await.unwrap();
    for _ in 0..2 {
        let again = s.get(&url).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::OK);
        assert!(again.cache_status().unwrap().is_revalidated());
        assert_eq!(again.text().await.unwrap(), "cached by nginx\n");
    }
    assert_eq!(cache.stats().revalidations, 2);
}
