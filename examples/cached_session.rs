//! A cached session (requests-cache's `CachedSession`) over an API with ETags:
//! fresh hits that never reach the server, revalidations answered by a `304`,
//! and a store on disk that a second session (a restarted program) reads.
//!
//!     cargo run --example cached_session

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sessio::Session;
use sessio::layers::cache::{CacheLayer, DiskStore};
use sessio_tests::{Server, respond};

#[tokio::main]
async fn main() -> sessio::Result<()> {
    // The API on 127.0.0.1: `/config` is fresh for a minute; `/items` must be
    // revalidated every time (`no-cache`) and answers a matching
    // `If-None-Match` with `304 Not Modified`.
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    let server = Server::start(move |req| {
        count.fetch_add(1, Ordering::SeqCst);
        async move {
            let etag = req.headers().get("if-none-match").cloned();
            match req.uri().path() {
                "/config" => respond(
                    200,
                    &[("cache-control", "max-age=60")],
                    r#"{"theme":"dark"}"#,
                ),
                _ if etag.is_some_and(|e| e == "\"items-v1\"") => respond(
                    304,
                    &[("etag", "\"items-v1\""), ("cache-control", "no-cache")],
                    "",
                ),
                _ => respond(
                    200,
                    &[("etag", "\"items-v1\""), ("cache-control", "no-cache")],
                    "[1,2,3]",
                ),
            }
        }
    })
    .await;

    let dir = std::env::temp_dir().join(format!("sessio-cached-session-{}", std::process::id()));
    let store = DiskStore::open(&dir).map_err(sessio::Error::from)?;
    let session = Session::builder().cache(CacheLayer::new(store)).build()?;

    for path in ["/config", "/config", "/items", "/items"] {
        let response = session.get(server.url(path)).send().await?;
        let status = response.cache_status();
        let revalidated = status.is_some_and(|s| s.is_revalidated());
        println!(
            "GET {path:8} {} from_cache={:<5} revalidated={revalidated:<5} {}",
            response.status(),
            response.from_cache(),
            response.text().await?,
        );
    }
    let stats = session.cache().expect("a cache").stats();
    println!(
        "server saw {} requests; hits {}, misses {}, revalidations {}, {} bytes in {}",
        seen.load(Ordering::SeqCst),
        stats.hits,
        stats.misses,
        stats.revalidations,
        stats.bytes,
        dir.display(),
    );

    // A restarted program: a new session on the same folder still has `/config`.
    let store = DiskStore::open(&dir).map_err(sessio::Error::from)?;
    let restarted = Session::builder().cache(CacheLayer::new(store)).build()?;
    let config = restarted.get(server.url("/config")).send().await?;
    println!(
        "after a restart: /config from_cache={}",
        config.from_cache()
    );
    assert!(config.from_cache());

    restarted.cache().expect("a cache").clear();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
