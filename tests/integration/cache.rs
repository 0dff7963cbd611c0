//! The HTTP cache (`SessionBuilder::cache`, `sessio_layers::cache`) against a
//! counting loopback server: what the server sees, and what the user reads.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sessio::layers::cache::{CacheLayer, CacheStatus, DiskStore, MemoryStore};
use sessio::{Hook, Session, StatusCode};
use sessio_tests::{Server, TempDir, respond};
use tower::{ServiceBuilder, ServiceExt};

fn cached(layer: &CacheLayer) -> Session {
    Session::builder().cache(layer.clone()).build().unwrap()
}

fn header<'a>(req: &'a http::Request<Incoming>, name: &str) -> &'a str {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// An API with ETags: `/items` answers `max-age=0` and an ETag, and a 304 to
/// a matching `If-None-Match`; `/fresh` is fresh for a minute.
async fn api() -> Server {
    Server::start(|req: http::Request<Incoming>| async move {
        match req.uri().path() {
            "/fresh" => respond(200, &[("cache-control", "max-age=60")], "fresh body"),
            "/items" if header(&req, "if-none-match") == "\"v1\"" => respond(
                304,
                &[("cache-control", "max-age=0"), ("etag", "\"v1\"")],
                "",
            ),
            "/items" => respond(
                200,
                &[("cache-control", "max-age=0"), ("etag", "\"v1\"")],
                "[1,2,3]",
            ),
            _ => respond(404, &[], ""),
        }
    })
    .await
}

#[tokio::test]
async fn the_second_get_is_not_seen_by_the_server() {
    let server = api().await;
    let cache = CacheLayer::memory(1 << 20);
    let s = cached(&cache);
    let first = s.get(server.url("/fresh")).send().await.unwrap();
    assert!(!first.from_cache());
    assert_eq!(first.cache_status(), Some(CacheStatus::Miss));
    assert_eq!(first.text().await.unwrap(), "fresh body");
    let second = s.get(server.url("/fresh")).send().await.unwrap();
    assert!(second.from_cache());
    assert_eq!(second.cache_status(), Some(CacheStatus::Hit));
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(second.text().await.unwrap(), "fresh body");
    assert_eq!(server.requests(), 1);
    let stats = s.cache().unwrap().stats();
    assert_eq!((stats.hits, stats.misses), (1, 1));
    assert!(stats.bytes > 0);
    cache.clear();
    assert_eq!(cache.stats().bytes, 0);
    s.get(server.url("/fresh")).send().await.unwrap();
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_304_revalidation_is_seen_and_answered_from_the_store() {
    let server = api().await;
    let s = cached(&CacheLayer::memory(1 << 20));
    assert_eq!(
        s.get(server.url("/items"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "[1,2,3]"
    );
    let again = s.get(server.url("/items")).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert!(again.from_cache());
    assert!(again.cache_status().unwrap().is_revalidated());
    assert_eq!(again.text().await.unwrap(), "[1,2,3]");
    assert_eq!(server.requests(), 2);
    assert_eq!(s.cache().unwrap().stats().revalidations, 1);
}

#[tokio::test]
async fn vary_accept_language_keeps_two_variants() {
    let server = Server::start(|req: http::Request<Incoming>| async move {
        let body = match header(&req, "accept-language") {
            "fr" => "bonjour",
            _ => "hello",
        };
        respond(
            200,
            &[("cache-control", "max-age=60"), ("vary", "Accept-Language")],
            body,
        )
    })
    .await;
    let s = cached(&CacheLayer::memory(1 << 20));
    for _ in 0..2 {
        for (lang, text) in [("en", "hello"), ("fr", "bonjour")] {
            let r = s
                .get(server.url("/"))
                .header("accept-language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(r.text().await.unwrap(), text);
        }
    }
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_post_invalidates_the_stored_response() {
    let server = api().await;
    let s = cached(&CacheLayer::memory(1 << 20));
    s.get(server.url("/fresh")).send().await.unwrap();
    assert!(
        s.get(server.url("/fresh"))
            .send()
            .await
            .unwrap()
            .from_cache()
    );
    s.post(server.url("/fresh")).body("x").send().await.unwrap();
    let after = s.get(server.url("/fresh")).send().await.unwrap();
    assert!(!after.from_cache());
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn no_store_is_never_written() {
    let server = Server::start(|_req: http::Request<Incoming>| async {
        respond(200, &[("cache-control", "no-store, max-age=60")], "secret")
    })
    .await;
    let cache = CacheLayer::memory(1 << 20);
    let s = cached(&cache);
    for _ in 0..2 {
        assert_eq!(
            s.get(server.url("/"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "secret"
        );
    }
    assert_eq!(server.requests(), 2);
    assert_eq!(cache.stats().stores, 0);
    assert_eq!(cache.stats().bytes, 0);
}

#[tokio::test]
async fn stale_if_error_answers_from_the_store_when_the_server_fails() {
    let calls = Arc::new(AtomicUsize::new(0));
    let count = calls.clone();
    let server = Server::start(move |_req: http::Request<Incoming>| {
        let n = count.fetch_add(1, Ordering::SeqCst);
        async move {
            match n {
                0 => respond(
                    200,
                    &[("cache-control", "max-age=0, stale-if-error=3600")],
                    "kept",
                ),
                _ => respond(503, &[], "down"),
            }
        }
    })
    .await;
    let s = cached(&CacheLayer::memory(1 << 20));
    s.get(server.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = s.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.cache_status(), Some(CacheStatus::Stale));
    assert_eq!(r.text().await.unwrap(), "kept");
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_cached_redirect_is_followed_and_hooks_see_from_cache() {
    let server = Server::start(|req: http::Request<Incoming>| async move {
        match req.uri().path() {
            "/old" => respond(
                301,
                &[("location", "/new"), ("cache-control", "max-age=60")],
                "",
            ),
            _ => respond(
                200,
                &[("cache-control", "max-age=60"), ("set-cookie", "seen=1")],
                "new",
            ),
        }
    })
    .await;
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let s = Session::builder()
        .cache(CacheLayer::memory(1 << 20))
        .hook(Hook::response(move |response| {
            log.lock().unwrap().push(format!(
                "{} {}",
                response.status().as_u16(),
                response.from_cache()
            ));
            async move { Ok(response) }
        }))
        .build()
        .unwrap();
    for _ in 0..2 {
        let r = s.get(server.url("/old")).send().await.unwrap();
        assert_eq!(r.url().path(), "/new");
        assert_eq!(r.history().len(), 1);
        assert_eq!(r.text().await.unwrap(), "new");
    }
    assert_eq!(server.requests(), 2, "the 301 and the page, once each");
    assert_eq!(
        *seen.lock().unwrap(),
        ["301 false", "200 false", "301 true", "200 true"]
    );
    assert_eq!(s.cookies().get("seen").unwrap().as_deref(), Some("1"));
}

#[tokio::test]
async fn an_encoded_body_reads_the_same_from_the_store() {
    let server = Server::start(|_req: http::Request<Incoming>| async {
        let body = sessio_tests::gzip(b"decoded on read");
        respond(
            200,
            &[
                ("cache-control", "max-age=60"),
                ("content-encoding", "gzip"),
            ],
            body,
        )
    })
    .await;
    let s = cached(&CacheLayer::memory(1 << 20));
    for _ in 0..2 {
        let r = s.get(server.url("/")).send().await.unwrap();
        assert_eq!(r.headers()["content-encoding"], "gzip");
        assert_eq!(r.text().await.unwrap(), "decoded on read");
    }
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_streamed_body_is_stored_once_read_to_the_end() {
    let server = Server::start(|_req: http::Request<Incoming>| async {
        respond(200, &[("cache-control", "max-age=60")], vec![b'x'; 200_000])
    })
    .await;
    let cache = CacheLayer::memory(1 << 20);
    let s = cached(&cache);
    let url = server.url("/big");
    // Dropped unread: not stored.
    drop(s.get(&url).stream(true).send().await.unwrap());
    assert!(cache.get(&url).is_none());
    // Read to the end: stored, and a hit streams from the store.
    let r = s.get(&url).stream(true).send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().len(), 200_000);
    assert!(cache.get(&url).is_some());
    let hit = s.get(&url).stream(true).send().await.unwrap();
    assert!(hit.from_cache());
    assert_eq!(hit.bytes().await.unwrap().len(), 200_000);
    assert_eq!(server.requests(), 2);

    // Past the entry cap: passes through, never stored.
    let capped = CacheLayer::memory(1 << 20).max_entry_size(1000);
    let s = cached(&capped);
    assert_eq!(
        s.get(&url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .len(),
        200_000
    );
    assert_eq!(capped.stats().stores, 0);
}

#[tokio::test]
async fn per_request_cache_options() {
    let server = api().await;
    let s = cached(&CacheLayer::memory(1 << 20));
    let url = server.url("/fresh");
    let nothing = s.get(&url).only_if_cached().send().await.unwrap();
    assert_eq!(nothing.status(), StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(server.requests(), 0);
    s.get(&url).send().await.unwrap();
    assert!(
        s.get(&url)
            .only_if_cached()
            .send()
            .await
            .unwrap()
            .from_cache()
    );
    let bypass = s.get(&url).cache(false).send().await.unwrap();
    assert!(!bypass.from_cache());
    assert_eq!(bypass.cache_status(), None);
    assert_eq!(server.requests(), 2);
    let refreshed = s.get(&url).refresh().send().await.unwrap();
    assert!(!refreshed.from_cache(), "no validator: a new 200");
    assert_eq!(server.requests(), 3);
    assert!(s.get(&url).cache(true).send().await.unwrap().from_cache());
}

#[tokio::test]
async fn the_disk_store_survives_a_restart_and_is_shared() {
    let server = api().await;
    let dir = TempDir::new("cache");
    let url = server.url("/fresh");
    {
        let s = cached(&CacheLayer::new(DiskStore::open(dir.path()).unwrap()));
        s.get(&url).send().await.unwrap().text().await.unwrap();
    }
    // A new session (a restarted program) and a second one on the same folder.
    let a = cached(&CacheLayer::new(DiskStore::open(dir.path()).unwrap()));
    let b = cached(&CacheLayer::new(DiskStore::open(dir.path()).unwrap()));
    for s in [&a, &b] {
        let r = s.get(&url).send().await.unwrap();
        assert!(r.from_cache());
        assert_eq!(r.text().await.unwrap(), "fresh body");
    }
    assert_eq!(server.requests(), 1);

    // A corrupt file is a miss, never an error or a wrong body.
    let store = DiskStore::open(dir.path()).unwrap();
    std::fs::write(store.path_of(&url), b"garbage").unwrap();
    let r = a.get(&url).send().await.unwrap();
    assert!(!r.from_cache());
    assert_eq!(r.text().await.unwrap(), "fresh body");
}

#[tokio::test]
async fn a_session_without_a_cache_says_nothing() {
    let server = api().await;
    let s = Session::new();
    let r = s.get(server.url("/fresh")).send().await.unwrap();
    assert!(s.cache().is_none());
    assert_eq!(r.cache_status(), None);
    assert!(!r.from_cache());
}

#[tokio::test]
async fn the_layer_works_over_a_raw_hyper_util_client() {
    let server = api().await;
    let store = Arc::new(MemoryStore::new(1 << 20));
    let cache = CacheLayer::with_store(store.clone());
    let client = ServiceBuilder::new()
        .layer(cache.clone())
        .service(Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>());
    for expected in [CacheStatus::Miss, CacheStatus::Hit] {
        let request = http::Request::get(server.url("/fresh"))
            .body(Full::default())
            .unwrap();
        let response = client.clone().oneshot(request).await.unwrap();
        assert_eq!(response.extensions().get::<CacheStatus>(), Some(&expected));
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, "fresh body");
    }
    assert_eq!(server.requests(), 1);
    assert_eq!(store.len(), 1);
}
