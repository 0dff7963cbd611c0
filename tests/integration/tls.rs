//! TLS settings against real TLS servers on loopback: CA bundles, client
//! certificates, protocol versions, per-request settings, and connections never
//! shared between requests whose TLS settings differ.

use sessio::Session;
use sessio::tls::{Identity, Version};
use sessio_tests::{PeerCertificate, Server, TempDir, TestCa, TlsOptions, respond};

/// A server answering `ok`, or with a redirect to `/final` on `/redirect`, and
/// saying in `x-client-cert` whether its connection presented a certificate.
async fn server(ca: &TestCa, options: TlsOptions) -> Server {
    Server::start_tls_with(ca, options, |req: http::Request<_>| async move {
        let presented = req
            .extensions()
            .get::<PeerCertificate>()
            .is_some_and(|peer| peer.0.is_some());
        let cert = if presented { "yes" } else { "no" };
        if req.uri().path() == "/redirect" {
            return respond(302, &[("location", "/final"), ("x-client-cert", cert)], "");
        }
        respond(200, &[("x-client-cert", cert)], "ok")
    })
    .await
}

async fn get_ok(request: sessio::RequestBuilder) -> sessio::Response {
    let r = request.send().await.expect("request succeeds");
    assert_eq!(r.status(), 200);
    r
}

fn client_cert(r: &sessio::Response) -> &str {
    r.headers()["x-client-cert"].to_str().unwrap()
}

#[tokio::test]
async fn a_ca_bundle_file_or_directory_is_trusted_in_place_of_the_built_in_roots() {
    let ca = TestCa::new();
    let other = TestCa::new();
    let server = server(&ca, TlsOptions::default()).await;
    let files = TempDir::new("ca-bundle");
    let bundle = files.write("ca.pem", ca.ca_pem());
    let wrong_bundle = files.write("other.pem", other.ca_pem());

    let session = Session::builder().ca_bundle(&bundle).build().unwrap();
    get_ok(session.get(server.url("/"))).await;

    // A c_rehash-style directory: hashed names, and a file that is no certificate.
    let dir = TempDir::new("ca-dir");
    dir.write("5ed36f99.0", ca.ca_pem());
    dir.write("README", "certificates of the test CA");
    let session = Session::builder().ca_bundle(dir.path()).build().unwrap();
    get_ok(session.get(server.url("/"))).await;

    // A bundle without the server's CA fails the handshake...
    let session = Session::builder().ca_bundle(&wrong_bundle).build().unwrap();
    let err = session.get(server.url("/")).send().await.unwrap_err();
    assert!(err.is_tls(), "{err:?}");
    // ...unless the CA is added beside the bundle.
    let session = Session::builder()
        .ca_bundle(&wrong_bundle)
        .add_root_certificate_pem(ca.ca_pem())
        .build()
        .unwrap();
    get_ok(session.get(server.url("/"))).await;
    // Per request, through the same session.
    let session = Session::builder().ca_bundle(&wrong_bundle).build().unwrap();
    get_ok(session.get(server.url("/")).ca_bundle(&bundle)).await;
    let err = session.get(server.url("/")).send().await.unwrap_err();
    assert!(
        err.is_tls(),
        "the bundle of one request is not the session's: {err:?}"
    );
}

#[tokio::test]
async fn missing_or_unusable_tls_files_are_builder_errors_before_connecting() {
    let ca = TestCa::new();
    let server = server(&ca, TlsOptions::default()).await;
    let files = TempDir::new("tls-files");
    let missing = files.path().join("missing.pem");
    let (cert, key) = ca.client_cert_pem();
    let cert_file = files.write("client.crt", cert);
    let empty = files.write("empty.pem", "");
    let no_certificates = TempDir::new("no-certificates");
    no_certificates.write("notes.txt", "nothing to trust here");

    for builder in [
        Session::builder().ca_bundle(&missing),
        Session::builder().ca_bundle(&empty),
        Session::builder().ca_bundle(no_certificates.path()),
        Session::builder()
            .min_tls_version(Version::TLS_1_3)
            .max_tls_version(Version::TLS_1_2),
    ] {
        let err = builder.build().unwrap_err();
        assert!(err.is_builder(), "{err:?}");
    }
    let err = Session::builder().ca_bundle(&missing).build().unwrap_err();
    assert!(err.report().to_string().contains("missing.pem"), "{err}");
    assert!(
        err.report().to_string().contains("No such file"),
        "the cause is shown: {err}"
    );

    for result in [
        Identity::from_pem_file(&missing),
        Identity::from_pem_files(&cert_file, &missing),
        Identity::from_pem(cert),
        Identity::from_pem(key),
        Identity::from_pem("neither"),
    ] {
        let err = result.unwrap_err();
        assert!(err.is_builder(), "{err:?}");
    }
    // A key that is not the certificate's.
    let other = TestCa::new();
    let mismatched = Identity::from_pem_parts(cert, other.client_cert_pem().1).unwrap();
    let err = Session::builder().identity(mismatched).build().unwrap_err();
    assert!(err.is_builder(), "{err:?}");

    // Per request, the bundle is read when the request is sent: it fails
    // before any connection is made.
    let session = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .build()
        .unwrap();
    let err = session
        .get(server.url("/"))
        .ca_bundle(&missing)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.is_builder() && err.report().to_string().contains("missing.pem"),
        "{err:?}"
    );
    assert_eq!(server.connections(), 0);
    // TLS settings do not apply to plain http, as in requests.
    let plain = Server::start(|_req| async { respond(200, &[], "plain") }).await;
    get_ok(session.get(plain.url("/")).ca_bundle(&missing)).await;
}

#[tokio::test]
async fn a_client_certificate_is_presented_in_each_of_requests_forms() {
    let ca = TestCa::new();
    let options = TlsOptions {
        require_client_cert: true,
        ..TlsOptions::default()
    };
    let server = server(&ca, options).await;
    let (cert, key) = ca.client_cert_pem();
    let files = TempDir::new("client-cert");
    let cert_file = files.write("client.crt", cert);
    let key_file = files.write("client.key", key);
    let both = files.write("client.pem", format!("{cert}{key}"));

    let anonymous = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .build()
        .unwrap();
    // TLS 1.3: the handshake ends on the client's side, and the server's
    // refusal (a `certificate_required` alert) comes with the first read; a
    // TLS error all the same (requests' SSLError)
    let err = anonymous.get(server.url("/")).send().await.unwrap_err();
    assert!(err.is_tls(), "refused without a certificate: {err:?}");
    assert!(err.is_connect(), "{err:?}");

    for identity in [
        Identity::from_pem_files(&cert_file, &key_file).unwrap(),
        Identity::from_pem_file(&both).unwrap(),
        Identity::from_pem_parts(cert, key).unwrap(),
    ] {
        let session = Session::builder()
            .add_root_certificate_pem(ca.ca_pem())
            .identity(identity.clone())
            .build()
            .unwrap();
        let r = get_ok(session.get(server.url("/"))).await;
        assert_eq!(client_cert(&r), "yes");
        // The same identity for one request of the anonymous session.
        let r = get_ok(anonymous.get(server.url("/")).identity(identity)).await;
        assert_eq!(client_cert(&r), "yes");
    }
    assert!(
        !format!("{:?}", Identity::from_pem_file(&both).unwrap()).contains("PRIVATE"),
        "Debug never shows the key"
    );
}

#[tokio::test]
async fn min_and_max_tls_versions_are_kept() {
    let ca = TestCa::new();
    let tls12 = server(
        &ca,
        TlsOptions {
            tls12_only: true,
            ..TlsOptions::default()
        },
    )
    .await;
    let modern = server(&ca, TlsOptions::default()).await;
    let trusting = || Session::builder().add_root_certificate_pem(ca.ca_pem());

    get_ok(trusting().build().unwrap().get(tls12.url("/"))).await;
    let only13 = trusting()
        .min_tls_version(Version::TLS_1_3)
        .build()
        .unwrap();
    let err = only13.get(tls12.url("/")).send().await.unwrap_err();
    assert!(err.is_tls(), "{err:?}");
    get_ok(only13.get(modern.url("/"))).await;
    let only12 = trusting()
        .max_tls_version(Version::TLS_1_2)
        .build()
        .unwrap();
    get_ok(only12.get(modern.url("/"))).await;
    get_ok(only12.get(tls12.url("/"))).await;
}

/// requests before 2.32 reused a `verify=False` connection for a verifying
/// request to the same host (CVE-2024-35195).
#[tokio::test]
async fn sec_18_a_verify_false_connection_is_never_lent_to_a_verifying_request() {
    let ca = TestCa::new();
    let server = server(&ca, TlsOptions::default()).await;
    let session = Session::new();
    get_ok(session.get(server.url("/")).verify(false)).await;
    assert_eq!(server.connections(), 1);
    let err = session.get(server.url("/")).send().await.unwrap_err();
    assert!(
        err.is_tls(),
        "the verifying request checks the certificate: {err:?}"
    );
    assert_eq!(server.connections(), 2, "on a new connection");
    // The unverified connection is still there for unverified requests, also
    // across a redirect.
    let r = get_ok(session.get(server.url("/redirect")).verify(false)).await;
    assert_eq!(r.history().len(), 1);
    assert_eq!(server.connections(), 2);

    // The other way round: a trusting session's connection is not lent to a
    // verify(false) request, and comes back for verifying ones.
    let server = server_again(&ca).await;
    let trusting = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .build()
        .unwrap();
    get_ok(trusting.get(server.url("/"))).await;
    get_ok(
        trusting
            .get(server.url("/"))
            .danger_accept_invalid_certs(true),
    )
    .await;
    assert_eq!(server.connections(), 2);
    get_ok(trusting.get(server.url("/"))).await;
    assert_eq!(server.connections(), 2, "the trusting connection again");
}

async fn server_again(ca: &TestCa) -> Server {
    server(ca, TlsOptions::default()).await
}

/// A change of client certificate or CA bundle is a new connection (curl's
/// CVE-2022-27782 and CVE-2021-22924).
#[tokio::test]
async fn sec_19_client_certificate_and_ca_bundle_changes_open_new_connections() {
    let ca = TestCa::new();
    let options = TlsOptions {
        request_client_cert: true,
        ..TlsOptions::default()
    };
    let server = server(&ca, options).await;
    let (cert, key) = ca.client_cert_pem();
    let identity = Identity::from_pem_parts(cert, key).unwrap();
    let files = TempDir::new("sec-19");
    let bundle = files.write("ca.pem", ca.ca_pem());
    let session = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .build()
        .unwrap();

    let r = get_ok(session.get(server.url("/"))).await;
    assert_eq!(client_cert(&r), "no");
    let r = get_ok(session.get(server.url("/")).identity(identity.clone())).await;
    assert_eq!(client_cert(&r), "yes", "not on the anonymous connection");
    assert_eq!(server.connections(), 2);
    let r = get_ok(session.get(server.url("/"))).await;
    assert_eq!(
        client_cert(&r),
        "no",
        "the certificate's connection is not lent"
    );
    let r = get_ok(session.get(server.url("/")).identity(identity.clone())).await;
    assert_eq!(client_cert(&r), "yes");
    assert_eq!(server.connections(), 2, "each kind reuses its own");

    get_ok(session.get(server.url("/")).ca_bundle(&bundle)).await;
    assert_eq!(
        server.connections(),
        3,
        "another CA bundle, another connection"
    );
    get_ok(session.get(server.url("/")).ca_bundle(&bundle)).await;
    assert_eq!(server.connections(), 3);
    assert_eq!(session.pool_stats().created, 3);
}

/// Sessions share parsed CA bundles (building one parses every root), but a
/// bundle file that changed is read again.
#[tokio::test]
async fn a_changed_ca_bundle_file_is_read_again_by_the_next_session() {
    let ca = TestCa::new();
    let other = TestCa::new();
    let server = server(&ca, TlsOptions::default()).await;
    let files = TempDir::new("changing-bundle");
    let bundle = files.write("ca.pem", ca.ca_pem());
    let trusting = Session::builder().ca_bundle(&bundle).build().unwrap();
    get_ok(trusting.get(server.url("/"))).await;

    // The same path, now naming another CA (a later modification time).
    std::thread::sleep(std::time::Duration::from_millis(20));
    files.write("ca.pem", format!("{}\n", other.ca_pem()));
    let session = Session::builder().ca_bundle(&bundle).build().unwrap();
    let err = session.get(server.url("/")).send().await.unwrap_err();
    assert!(err.is_tls(), "the new bundle is used: {err:?}");
    // A session built before keeps what it read.
    get_ok(trusting.get(server.url("/again"))).await;
}

/// requests' `verify=True` on a request beats the session's `verify="ca.pem"`:
/// `verify(true)` is the built-in roots alone, so the test CA the session
/// trusts is not trusted for that request (and its own `ca_bundle` still is).
#[tokio::test]
async fn a_request_verify_true_goes_back_to_the_built_in_roots() {
    let ca = TestCa::new();
    let server = server(&ca, TlsOptions::default()).await;
    let files = TempDir::new("verify-true");
    let bundle = files.write("ca.pem", ca.ca_pem());
    let session = Session::builder().ca_bundle(&bundle).build().unwrap();
    get_ok(session.get(server.url("/"))).await;

    let err = session
        .get(server.url("/"))
        .verify(true)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_tls(), "the test CA is not a built-in root: {err:?}");

    let added = Session::builder()
        .add_root_certificate_pem(ca.ca_pem())
        .build()
        .unwrap();
    get_ok(added.get(server.url("/"))).await;
    let err = added
        .get(server.url("/"))
        .verify(true)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_tls(), "{err:?}");

    get_ok(session.get(server.url("/")).verify(true).ca_bundle(&bundle)).await;
}
