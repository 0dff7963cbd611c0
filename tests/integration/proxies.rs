//! Proxies against loopback proxies: plain-http forwarding, CONNECT tunnels,
//! `https://` proxies (TLS to the proxy, TLS in TLS), SOCKS5 and SOCKS4/4a,
//! requests' keys and `no_proxy`, credentials that stay with the proxy, typed
//! errors, and pools that never mix proxied and direct requests.

use sessio::Session;
use sessio_tests::{ProxyOptions, ProxySeen, ProxyTls, Server, TestCa, TestProxy};

use crate::seen;

/// `Basic` of `user:pass`.
const USER_PASS: &str = "Basic dXNlcjpwYXNz";

fn requiring(credentials: &str) -> ProxyOptions {
    ProxyOptions {
        require: Some(credentials.to_owned()),
        ..ProxyOptions::default()
    }
}

fn methods_and_targets(seen: &[ProxySeen]) -> Vec<(String, String)> {
    seen.iter()
        .map(|s| (s.method.clone(), s.target.clone()))
        .collect()
}

#[tokio::test]
async fn an_http_target_is_forwarded_in_absolute_form_with_the_proxy_credentials() {
    let server = Server::echo().await;
    let proxy = TestProxy::http(requiring(USER_PASS)).await;
    let session = Session::builder()
        .proxy("http", &proxy.url_with("http", "user:pass"))
        .build()
        .unwrap();
    let echo = seen(session.get(server.url("/anything?q=1"))).await;
    assert_eq!(echo["path"], "/anything");
    let asked = proxy.seen();
    assert_eq!(
        methods_and_targets(&asked),
        [("GET".to_owned(), server.url("/anything?q=1"))]
    );
    assert_eq!(asked[0].credentials.as_deref(), Some(USER_PASS));

    // Without credentials the proxy's 407 is the response, as in requests.
    let anonymous = Session::builder()
        .proxy("http", &proxy.url("http"))
        .build()
        .unwrap();
    let r = anonymous.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 407);
}

#[tokio::test]
async fn an_https_target_goes_through_connect_and_the_credentials_stay_outside_the_tunnel() {
    let ca = TestCa::new();
    let server = Server::start_tls(&ca, sessio_tests::echo).await;
    let proxy = TestProxy::http(requiring(USER_PASS)).await;
    let session = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .proxy("https", &proxy.url_with("http", "user:pass"))
        .build()
        .unwrap();
    let echo = seen(
        session
            .get(server.localhost_url("/inside"))
            .header("proxy-authorization", "Basic c2VjcmV0"),
    )
    .await;
    assert_eq!(echo["path"], "/inside");
    assert!(
        echo["headers"].get("proxy-authorization").is_none(),
        "no Proxy-Authorization inside the tunnel: {echo}"
    );
    let port = server.addr().port();
    let asked = proxy.seen();
    assert_eq!(
        methods_and_targets(&asked),
        [("CONNECT".to_owned(), format!("localhost:{port}"))]
    );
    assert_eq!(asked[0].credentials.as_deref(), Some(USER_PASS));
    // The tunnel is pooled: a second request opens no second CONNECT.
    seen(session.get(server.localhost_url("/again"))).await;
    assert_eq!(proxy.seen().len(), 1);
    assert_eq!(server.connections(), 1);
}

/// requests 2.3–2.30 sent the proxy credentials to the server inside the
/// tunnel after an http → https redirect (CVE-2023-32681).
#[tokio::test]
async fn sec_08_proxy_credentials_never_enter_the_tunnel_after_a_redirect() {
    let ca = TestCa::new();
    let secure = Server::start_tls(&ca, sessio_tests::echo).await;
    let plain = Server::echo().await;
    let proxy = TestProxy::http(requiring(USER_PASS)).await;
    let url = proxy.url_with("http", "user:pass");
    let session = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .proxy("http", &url)
        .proxy("https", &url)
        .build()
        .unwrap();
    let target = secure.url("/landed");
    let start = plain.url(&format!("/redirect-to?url={target}"));
    let r = session.get(&start).send().await.unwrap();
    assert_eq!(r.history().len(), 1);
    let echo: serde_json::Value = r.json().await.unwrap();
    assert_eq!(echo["path"], "/landed");
    assert!(
        echo["headers"].get("proxy-authorization").is_none(),
        "{echo}"
    );
    let asked = proxy.seen();
    assert_eq!(
        methods_and_targets(&asked),
        [
            ("GET".to_owned(), start.clone()),
            ("CONNECT".to_owned(), secure.addr().to_string()),
        ]
    );
    assert!(
        asked
            .iter()
            .all(|s| s.credentials.as_deref() == Some(USER_PASS))
    );
}

#[tokio::test]
async fn keys_no_proxy_and_per_request_proxies_choose_the_route() {
    let server = Server::echo().await;
    let session_proxy = TestProxy::http(ProxyOptions::default()).await;
    let request_proxy = TestProxy::http(ProxyOptions::default()).await;
    let session = Session::builder()
        .proxy("all", &session_proxy.url("http"))
        .proxy("no_proxy", "localhost")
        .build()
        .unwrap();

    seen(session.get(server.localhost_url("/direct"))).await;
    assert!(session_proxy.seen().is_empty(), "localhost is in no_proxy");
    seen(session.get(server.url("/proxied"))).await;
    assert_eq!(session_proxy.seen().len(), 1);

    // A request's own proxy comes first; its own no_proxy too.
    seen(
        session
            .get(server.url("/mine"))
            .proxy("http", &request_proxy.url("http")),
    )
    .await;
    assert_eq!(request_proxy.seen().len(), 1);
    assert_eq!(session_proxy.seen().len(), 1);
    seen(
        session
            .get(server.url("/none"))
            .proxy("no_proxy", "127.0.0.1"),
    )
    .await;
    assert_eq!(session_proxy.seen().len(), 1, "direct");

    // `http://host` keys beat `all`.
    let host_proxy = TestProxy::http(ProxyOptions::default()).await;
    let session = Session::builder()
        .proxy("all", &session_proxy.url("http"))
        .proxy("http://127.0.0.1", &host_proxy.url("http"))
        .build()
        .unwrap();
    seen(session.get(server.url("/host-key"))).await;
    assert_eq!(host_proxy.seen().len(), 1);
    assert_eq!(session_proxy.seen().len(), 1);
}

#[tokio::test]
async fn socks5_resolves_here_and_socks5h_lets_the_proxy_resolve() {
    let ca = TestCa::new();
    let plain = Server::echo().await;
    let secure = Server::start_tls(&ca, sessio_tests::echo).await;
    let socks = TestProxy::socks5(ProxyOptions::default()).await;

    let local_dns = Session::builder()
        .proxy("all", &socks.url("socks5"))
        .build()
        .unwrap();
    seen(local_dns.get(plain.localhost_url("/local"))).await;
    let remote_dns = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .proxy("all", &socks.url("socks5h"))
        .build()
        .unwrap();
    seen(remote_dns.get(plain.localhost_url("/remote"))).await;
    seen(remote_dns.get(secure.localhost_url("/tls"))).await;
    let targets: Vec<String> = socks.seen().into_iter().map(|s| s.target).collect();
    assert_eq!(
        targets,
        [
            format!("127.0.0.1:{}", plain.addr().port()),
            format!("localhost:{}", plain.addr().port()),
            format!("localhost:{}", secure.addr().port()),
        ]
    );

    let guarded = TestProxy::socks5(requiring("u:p w")).await;
    let session = Session::builder()
        .proxy("all", &guarded.url_with("socks5h", "u:p%20w"))
        .build()
        .unwrap();
    seen(session.get(plain.url("/authenticated"))).await;
    assert_eq!(guarded.seen()[0].credentials.as_deref(), Some("u:p w"));
    let wrong = Session::builder()
        .proxy("all", &guarded.url_with("socks5h", "u:nope"))
        .build()
        .unwrap();
    let err = wrong.get(plain.url("/")).send().await.unwrap_err();
    assert!(err.is_proxy(), "{err:?}");
}

#[tokio::test]
async fn proxy_failures_are_proxy_errors() {
    let server = Server::echo().await;
    let ca = TestCa::new();
    let secure = Server::start_tls(&ca, sessio_tests::echo).await;
    // Unreachable: a port that was just free.
    let gone = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let gone_url = format!("http://{}", gone.local_addr().unwrap());
    drop(gone);
    let session = Session::builder().proxy("all", &gone_url).build().unwrap();
    let err = session.get(server.url("/")).send().await.unwrap_err();
    assert!(err.is_proxy(), "{err:?}");
    // requests' ProxyError is a ConnectionError: nothing reached the server
    assert!(err.is_connect(), "{err:?}");
    assert!(
        err.report().to_string().contains("could not be reached"),
        "{err}"
    );
    let err = session.get(secure.url("/")).send().await.unwrap_err();
    assert!(err.is_proxy(), "{err:?}");

    // A refused CONNECT, and one that wants credentials.
    let refusing = TestProxy::http(ProxyOptions {
        refuse_connect: true,
        ..ProxyOptions::default()
    })
    .await;
    let session = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .proxy("https", &refusing.url("http"))
        .build()
        .unwrap();
    let err = session.get(secure.url("/")).send().await.unwrap_err();
    assert!(
        err.is_proxy() && err.report().to_string().contains("403"),
        "{err}"
    );
    let guarded = TestProxy::http(requiring(USER_PASS)).await;
    let session = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .proxy("https", &guarded.url("http"))
        .build()
        .unwrap();
    let err = session.get(secure.url("/")).send().await.unwrap_err();
    assert!(
        err.is_proxy() && err.report().to_string().contains("407"),
        "{err}"
    );
    assert_eq!(secure.connections(), 0, "nothing reached the server");

    // Invalid proxy URLs, on every builder.
    for url in ["http://:8080", "http:/bad", "ftp://proxy.test"] {
        let err = Session::builder().proxy("all", url).build().unwrap_err();
        assert!(err.is_proxy(), "{url}: {err:?}");
        let err = Session::new()
            .get(server.url("/"))
            .proxy("all", url)
            .send()
            .await
            .unwrap_err();
        assert!(err.is_proxy(), "{url}: {err:?}");
    }
    assert_eq!(server.requests(), 0);
}

/// curl's CVE-2023-38545: a socks5h host name longer than 255 bytes.
#[tokio::test]
async fn sec_24_a_socks5h_host_name_over_255_bytes_is_an_error_never_truncated() {
    let socks = TestProxy::socks5(ProxyOptions::default()).await;
    let session = Session::builder()
        .proxy("all", &socks.url("socks5h"))
        .build()
        .unwrap();
    let label = "a".repeat(60);
    let host = [label.as_str(); 5].join(".");
    assert!(host.len() > 255);
    let err = session
        .get(format!("http://{host}/"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_proxy(), "{err:?}");
    assert!(socks.seen().is_empty(), "no truncated name was sent");
}

#[tokio::test]
async fn proxied_and_direct_requests_never_share_a_connection() {
    let server = Server::echo().await;
    let proxy = TestProxy::http(ProxyOptions::default()).await;
    let session = Session::new();
    seen(session.get(server.url("/direct"))).await;
    seen(
        session
            .get(server.url("/proxied"))
            .proxy("http", &proxy.url("http")),
    )
    .await;
    assert_eq!(proxy.seen().len(), 1);
    assert_eq!(server.connections(), 2, "the proxy made its own connection");
    seen(session.get(server.url("/direct-again"))).await;
    seen(
        session
            .get(server.url("/proxied-again"))
            .proxy("http", &proxy.url("http")),
    )
    .await;
    assert_eq!(
        proxy.seen().len(),
        2,
        "the proxied request went to the proxy"
    );
    assert_eq!(server.connections(), 2, "each kind reused its own");
    assert_eq!(session.pool_stats().created, 2);
}

#[tokio::test]
async fn merge_environment_settings_says_where_a_request_would_go() {
    let ca = TestCa::new();
    let files = sessio_tests::TempDir::new("merged");
    let bundle = files.write("ca.pem", ca.ca_pem());
    let (cert, key) = ca.client_cert_pem();
    let session = Session::builder()
        .trust_env(false)
        .proxy("https", "socks5h://user:secret@127.0.0.1:1080")
        .proxy("no_proxy", "localhost")
        .ca_bundle(&bundle)
        .identity(sessio::tls::Identity::from_pem_parts(cert, key).unwrap())
        .mount("http://mock.test/", sessio::MockAdapter::new())
        .build()
        .unwrap();

    let merged = session
        .merge_environment_settings("https://api.example/v1")
        .unwrap();
    assert!(merged.is_http_adapter());
    assert_eq!(
        merged.proxy().as_deref(),
        Some("socks5h://user:***@127.0.0.1:1080")
    );
    assert!(merged.verify());
    assert_eq!(merged.ca_bundle(), Some(bundle.as_path()));
    assert!(merged.client_cert());
    assert!(!format!("{merged:?}").contains("secret"));
    assert_eq!(
        session
            .merge_environment_settings("https://localhost/")
            .unwrap()
            .proxy(),
        None
    );
    assert_eq!(
        session
            .merge_environment_settings("http://api.example/")
            .unwrap()
            .proxy(),
        None,
        "only https has a proxy"
    );
    let mocked = session
        .merge_environment_settings("http://mock.test/x")
        .unwrap();
    assert!(!mocked.is_http_adapter());
    assert!(
        mocked.adapter().contains("MockAdapter"),
        "{}",
        mocked.adapter()
    );
    let err = session
        .merge_environment_settings("ftp://files.example/")
        .unwrap_err();
    assert_eq!(err.kind(), sessio::ErrorKind::NoAdapter, "{err:?}");
}

/// A TLS handshake with `server_name` (SNI) in which `http/1.1` was chosen.
fn http1_handshake(server_name: Option<&str>) -> ProxyTls {
    ProxyTls {
        server_name: server_name.map(str::to_owned),
        alpn: Some("http/1.1".to_owned()),
    }
}

/// The causes of `err`, outermost first, as one string.
fn causes(err: &sessio::Error) -> String {
    let mut text = String::new();
    let mut next = std::error::Error::source(err);
    while let Some(cause) = next {
        text.push_str(&format!(" / {cause}"));
        next = cause.source();
    }
    text
}

#[tokio::test]
async fn an_http_target_through_an_https_proxy_is_forwarded_inside_tls() {
    let ca = TestCa::new();
    let server = Server::echo().await;
    let proxy = TestProxy::https(&ca, requiring(USER_PASS)).await;
    let port = proxy.addr().port();
    let session = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .proxy("http", &format!("https://user:pass@localhost:{port}"))
        .build()
        .unwrap();
    let echo = seen(session.get(server.url("/plain?q=1"))).await;
    assert_eq!(echo["path"], "/plain");
    let asked = proxy.seen();
    assert_eq!(
        methods_and_targets(&asked),
        [("GET".to_owned(), server.url("/plain?q=1"))],
        "absolute form, to the proxy"
    );
    assert_eq!(asked[0].credentials.as_deref(), Some(USER_PASS));
    assert_eq!(
        proxy.tls_handshakes(),
        [http1_handshake(Some("localhost"))],
        "TLS to the proxy, its host name as SNI, HTTP/1.1 by ALPN"
    );
    // The TLS connection to the proxy is pooled.
    seen(session.get(server.url("/again"))).await;
    assert_eq!(proxy.seen().len(), 2);
    assert_eq!(proxy.tls_handshakes().len(), 1);
    assert_eq!(session.pool_stats().created, 1);
    let keys = session.pool_stats_by_key();
    assert_eq!(
        keys[0].0.route(),
        Some(format!("through https://localhost:{port}").as_str())
    );

    // A proxy named by its IP address: its certificate is checked for the
    // address (and no SNI is sent, as TLS has none for addresses).
    let by_address = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .proxy("http", &proxy.url_with("https", "user:pass"))
        .build()
        .unwrap();
    seen(by_address.get(server.url("/by-address"))).await;
    assert_eq!(proxy.tls_handshakes()[1], http1_handshake(None));
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn an_https_target_through_an_https_proxy_is_tls_inside_the_tunnel_inside_tls() {
    let ca = TestCa::new();
    let server = Server::start_tls(&ca, sessio_tests::echo).await;
    let proxy = TestProxy::https(&ca, requiring(USER_PASS)).await;
    let port = proxy.addr().port();
    // HTTP/2 is offered to the server, never to the proxy (which would take it).
    let session = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .http2(true)
        .proxy("https", &format!("https://user:pass@localhost:{port}"))
        .build()
        .unwrap();
    let r = session
        .get(server.localhost_url("/inside"))
        .header("proxy-authorization", "Basic c2VjcmV0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.version(), sessio::Version::HTTP_2, "h2 with the server");
    let echo: serde_json::Value = r.json().await.unwrap();
    assert_eq!(echo["path"], "/inside");
    assert!(
        echo["headers"].get("proxy-authorization").is_none(),
        "no Proxy-Authorization inside the tunnel: {echo}"
    );
    let asked = proxy.seen();
    assert_eq!(
        methods_and_targets(&asked),
        [(
            "CONNECT".to_owned(),
            format!("localhost:{}", server.addr().port())
        )]
    );
    assert_eq!(asked[0].credentials.as_deref(), Some(USER_PASS));
    assert_eq!(proxy.tls_handshakes(), [http1_handshake(Some("localhost"))]);
    // One tunnel, reused.
    seen(session.get(server.localhost_url("/again"))).await;
    assert_eq!(proxy.seen().len(), 1);
    assert_eq!(server.connections(), 1);

    // HTTP/1.1 to the server inside the tunnel too.
    let http1 = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .proxy("https", &proxy.url_with("https", "user:pass"))
        .build()
        .unwrap();
    let r = http1.get(server.url("/http1")).send().await.unwrap();
    assert_eq!(r.version(), sessio::Version::HTTP_11);
    assert_eq!(server.connections(), 2);
    assert_eq!(proxy.tls_handshakes().len(), 2);
}

/// requests raises `ProxyError` (a `ConnectionError`), not `SSLError`, when
/// the TLS handshake with an `https://` proxy fails; the TLS error is its cause.
#[tokio::test]
async fn an_untrusted_proxy_certificate_is_a_proxy_error_and_verify_false_applies_to_the_proxy() {
    let ca = TestCa::new();
    let proxy_ca = TestCa::new();
    let plain = Server::echo().await;
    let secure = Server::start_tls(&ca, sessio_tests::echo).await;
    let proxy = TestProxy::https(&proxy_ca, ProxyOptions::default()).await;
    let session = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .proxy("all", &proxy.url("https"))
        .build()
        .unwrap();
    for url in [plain.url("/"), secure.url("/")] {
        let err = session.get(&url).send().await.unwrap_err();
        assert!(err.is_proxy(), "{url}: {err:?}");
        assert!(err.is_connect(), "{url}: {err:?}");
        assert!(!err.is_tls(), "a ProxyError, not an SSLError: {err:?}");
        assert!(
            err.report()
                .to_string()
                .contains("TLS handshake with the proxy"),
            "{err}"
        );
        assert!(
            causes(&err).contains("invalid peer certificate"),
            "{}",
            causes(&err)
        );
    }
    assert!(proxy.seen().is_empty() && proxy.tls_handshakes().is_empty());

    // The session's CA bundle is trusted for the proxy as for servers.
    let files = sessio_tests::TempDir::new("proxy-ca");
    let bundle = files.write("proxy-ca.pem", proxy_ca.ca_pem());
    let trusting = Session::builder()
        .ca_bundle(&bundle)
        .proxy("http", &proxy.url("https"))
        .build()
        .unwrap();
    seen(trusting.get(plain.url("/trusted"))).await;
    assert_eq!(proxy.tls_handshakes().len(), 1);

    // verify(false) on the session: neither the proxy's certificate nor the
    // server's is checked.
    let unverified = Session::builder()
        .verify(false)
        .proxy("all", &proxy.url("https"))
        .build()
        .unwrap();
    seen(unverified.get(plain.url("/plain"))).await;
    seen(unverified.get(secure.url("/secure"))).await;
    assert_eq!(proxy.tls_handshakes().len(), 3);

    // verify(false) on one request, an http:// target included; its
    // connection never serves a verifying request.
    seen(session.get(plain.url("/once")).verify(false)).await;
    assert_eq!(proxy.tls_handshakes().len(), 4);
    let err = session
        .get(plain.url("/verifying"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_proxy(), "{err:?}");
    assert_eq!(plain.requests(), 3);
    assert_eq!(secure.requests(), 1);
}

#[tokio::test]
async fn an_https_url_for_a_plain_http_proxy_is_a_proxy_error() {
    let server = Server::echo().await;
    let proxy = TestProxy::http(ProxyOptions::default()).await;
    let session = Session::builder()
        .proxy("http", &proxy.url("https"))
        .build()
        .unwrap();
    let err = session.get(server.url("/")).send().await.unwrap_err();
    assert!(err.is_proxy() && err.is_connect(), "{err:?}");
    assert!(
        err.report().to_string().contains(
            "it answered without TLS (a proxy that speaks plain HTTP needs an http:// proxy URL)"
        ),
        "{err}"
    );
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn socks4a_sends_the_host_name_and_socks4_resolves_it_here() {
    let ca = TestCa::new();
    let plain = Server::echo().await;
    let secure = Server::start_tls(&ca, sessio_tests::echo).await;
    let socks = TestProxy::socks4(ProxyOptions::default()).await;

    let local_dns = Session::builder()
        .proxy("all", &socks.url("socks4"))
        .build()
        .unwrap();
    seen(local_dns.get(plain.localhost_url("/local"))).await;
    let remote_dns = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .proxy("all", &socks.url("socks4a"))
        .build()
        .unwrap();
    seen(remote_dns.get(plain.localhost_url("/remote"))).await;
    seen(remote_dns.get(secure.localhost_url("/tls"))).await;
    // An address is sent as one, with either.
    seen(remote_dns.get(plain.url("/address"))).await;
    let (plain_port, secure_port) = (plain.addr().port(), secure.addr().port());
    assert_eq!(
        methods_and_targets(&socks.seen()),
        [
            ("SOCKS4".to_owned(), format!("127.0.0.1:{plain_port}")),
            ("SOCKS4A".to_owned(), format!("localhost:{plain_port}")),
            ("SOCKS4A".to_owned(), format!("localhost:{secure_port}")),
            ("SOCKS4".to_owned(), format!("127.0.0.1:{plain_port}")),
        ]
    );

    // SOCKS4 carries no IPv6 address: an error before anything is asked.
    let err = remote_dns.get("http://[::1]:9/").send().await.unwrap_err();
    assert!(err.is_proxy(), "{err:?}");
    assert_eq!(socks.seen().len(), 4);

    // A refusal is a proxy error.
    let refusing = TestProxy::socks4(ProxyOptions {
        refuse_connect: true,
        ..ProxyOptions::default()
    })
    .await;
    let session = Session::builder()
        .proxy("all", &refusing.url("socks4a"))
        .build()
        .unwrap();
    let err = session
        .get(plain.localhost_url("/"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_proxy() && err.is_connect(), "{err:?}");
    assert_eq!(refusing.seen().len(), 1);
    assert_eq!(plain.requests(), 3);
}
