//! `UnixAdapter` against a hyper server on a Unix domain socket: a fixed
//! socket mounted for a prefix, `http+unix://` URLs, pooling, redirects and
//! cookies, and typed errors.

use std::time::Duration;

use sessio::{Session, UnixAdapter};
use sessio_tests::{UnixServer, respond};

/// Answers with what it received; `/login` sets a cookie and redirects.
async fn server() -> UnixServer {
    UnixServer::start(|req| async move {
        if req.uri().path() == "/login" {
            return respond(
                302,
                &[("location", "/me"), ("set-cookie", "sid=9; Path=/")],
                "",
            );
        }
        let header = |name: &str| {
            req.headers()
                .get(name)
                .map_or("-", |v| v.to_str().unwrap())
                .to_owned()
        };
        let text = format!(
            "{} {} host={} cookie={}",
            req.method(),
            req.uri(),
            header("host"),
            header("cookie")
        );
        respond(200, &[], text)
    })
    .await
}

#[tokio::test]
async fn a_socket_mounted_for_a_prefix_serves_its_requests_over_one_connection() {
    let server = server().await;
    let s = Session::builder()
        .mount("http://sidecar/", UnixAdapter::new(server.path()))
        .build()
        .unwrap();
    let r = s.get("http://sidecar/login").send().await.unwrap();
    assert_eq!(r.history().len(), 1);
    assert_eq!(r.text().await.unwrap(), "GET /me host=sidecar cookie=sid=9");
    let r = s
        .post("http://sidecar/items")
        .param("n", "1")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.text().await.unwrap(),
        "POST /items?n=1 host=sidecar cookie=sid=9"
    );
    assert_eq!(server.connections(), 1, "pooled like TCP");
}

#[tokio::test]
async fn http_unix_urls_name_their_socket() {
    let (one, two) = (server().await, server().await);
    let s = Session::builder()
        .mount("http+unix://", UnixAdapter::per_url())
        .build()
        .unwrap();
    for server in [&one, &two, &one] {
        let url = server.url("/v1/info~x");
        let r = s.get(&url).param("all", "1").send().await.unwrap();
        assert_eq!(r.url().as_str(), format!("{url}?all=1"));
        assert_eq!(
            r.text().await.unwrap(),
            "GET /v1/info~x?all=1 host=localhost cookie=-"
        );
    }
    assert_eq!(
        (one.connections(), two.connections()),
        (1, 1),
        "one pool per socket"
    );
}

#[tokio::test]
async fn a_missing_socket_or_a_url_without_one_is_a_connect_error() {
    let dir = std::env::temp_dir().join("sessio-no-such-dir");
    let s = Session::builder()
        .mount("http://gone/", UnixAdapter::new(dir.join("missing.sock")))
        .mount("http://wrong/", UnixAdapter::per_url())
        .build()
        .unwrap();
    let err = s.get("http://gone/").send().await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(err.report().to_string().contains("missing.sock"), "{err}");
    let err = s.get("http://wrong/").send().await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(err.report().to_string().contains("http+unix"), "{err}");
}

#[tokio::test]
async fn session_timeouts_apply_over_a_socket() {
    let server = UnixServer::start(|_| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        respond(200, &[], "late")
    })
    .await;
    let s = Session::builder()
        .timeout(Duration::from_millis(300))
        .mount("http://slow/", UnixAdapter::new(server.path()))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = s.get("http://slow/").send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}
