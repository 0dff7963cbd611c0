use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use tower::{Service, ServiceExt, service_fn};

use super::*;

/// A scripted server: answers with `respond(request number, request)` and
/// records what it saw.
#[derive(Clone)]
struct Server {
    seen: Arc<Mutex<Vec<Request<()>>>>,
}

impl Server {
    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    fn last(&self) -> HeaderMap {
        self.seen.lock().unwrap().last().unwrap().headers().clone()
    }
}

type Respond = fn(usize, &Request<()>) -> Result<Response<Full<Bytes>>, &'static str>;

fn server(
    respond: Respond,
) -> (
    Server,
    impl Service<
        Request<()>,
        Response = Response<Full<Bytes>>,
        Error = &'static str,
        Future = impl Send + 'static,
    > + Clone
    + Send
    + 'static,
) {
    let seen = Server {
        seen: Arc::default(),
    };
    let record = seen.clone();
    let service = service_fn(move |req: Request<()>| {
        let n = {
            let mut seen = record.seen.lock().unwrap();
            let (parts, ()) = req.into_parts();
            seen.push(Request::from_parts(parts, ()));
            seen.len()
        };
        let answer = respond(n, seen_last(&record));
        async move { answer }
    });
    (seen, service)
}

fn seen_last(server: &Server) -> &'static Request<()> {
    // The scripted answers only look at headers; leak one copy per request
    // (a handful per test) to hand them a `'static` view.
    let last = server
        .seen
        .lock()
        .unwrap()
        .last()
        .unwrap()
        .headers()
        .clone();
    let mut req = Request::new(());
    *req.headers_mut() = last;
    Box::leak(Box::new(req))
}

fn ok(cache_control: &str, body: &'static str) -> Response<Full<Bytes>> {
    Response::builder()
        .header("cache-control", cache_control)
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

fn get(uri: &str) -> Request<()> {
    Request::get(uri).body(()).unwrap()
}

async fn send<S>(client: &S, req: Request<()>) -> (StatusCode, Option<CacheStatus>, String)
where
    S: Service<Request<()>, Response = Response<CacheBody<Full<Bytes>>>, Error = crate::BoxError>
        + Clone,
{
    let response = client.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let cache = response.extensions().get::<CacheStatus>().copied();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, cache, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn a_fresh_response_is_served_from_the_store() {
    let (seen, svc) = server(|_, _| Ok(ok("max-age=60", "one")));
    let cache = CacheLayer::memory(1 << 20);
    let client = tower::Layer::layer(&cache, svc);
    let first = send(&client, get("http://a.test/x")).await;
    assert_eq!(
        first,
        (StatusCode::OK, Some(CacheStatus::Miss), "one".to_owned())
    );
    let second = send(&client, get("http://a.test/x")).await;
    assert_eq!(
        second,
        (StatusCode::OK, Some(CacheStatus::Hit), "one".to_owned())
    );
    assert_eq!(seen.count(), 1);
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.stores), (1, 1, 1));
    assert!(stats.bytes > 3);
}

#[tokio::test]
async fn a_stale_response_is_revalidated_and_a_304_merged() {
    let (seen, svc) = server(|n, req| {
        if n == 1 {
            return Ok(Response::builder()
                .header("cache-control", "max-age=0")
                .header("etag", "\"v1\"")
                .header("x-version", "1")
                .body(Full::new(Bytes::from("body")))
                .unwrap());
        }
        assert_eq!(req.headers()["if-none-match"], "\"v1\"");
        Ok(Response::builder()
            .status(304)
            .header("cache-control", "max-age=60")
            .header("etag", "\"v1\"")
            .header("x-version", "2")
            .body(Full::new(Bytes::new()))
            .unwrap())
    });
    let cache = CacheLayer::memory(1 << 20);
    let client = tower::Layer::layer(&cache, svc);
    send(&client, get("http://a.test/x")).await;
    let response = client
        .clone()
        .oneshot(get("http://a.test/x"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-version"], "2");
    assert_eq!(
        response.extensions().get::<CacheStatus>(),
        Some(&CacheStatus::Revalidated)
    );
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, "body");
    assert_eq!(seen.count(), 2);
    // Now fresh for 60 s: a hit.
    assert_eq!(
        send(&client, get("http://a.test/x")).await.1,
        Some(CacheStatus::Hit)
    );
    assert_eq!(seen.count(), 2);
    assert_eq!(cache.stats().revalidations, 1);
}

#[tokio::test]
async fn last_modified_is_sent_as_if_modified_since() {
    let (seen, svc) = server(|_, _| {
        Ok(Response::builder()
            .header("cache-control", "no-cache")
            .header("last-modified", "Tue, 01 Dec 2026 00:00:00 GMT")
            .body(Full::new(Bytes::from("x")))
            .unwrap())
    });
    let client = CacheLayer::memory(1 << 20).layer_over(svc);
    send(&client, get("http://a.test/x")).await;
    let (_, status, _) = send(&client, get("http://a.test/x")).await;
    assert_eq!(status, Some(CacheStatus::Miss), "a 200 replaces it");
    assert_eq!(
        seen.last()["if-modified-since"],
        "Tue, 01 Dec 2026 00:00:00 GMT"
    );
}

#[tokio::test]
async fn vary_keeps_each_variant_apart() {
    let (seen, svc) = server(|_, req| {
        let lang = req.headers()["accept-language"]
            .to_str()
            .unwrap()
            .to_owned();
        let body: &'static str = if lang == "fr" { "bonjour" } else { "hello" };
        Ok(Response::builder()
            .header("cache-control", "max-age=60")
            .header("vary", "Accept-Language")
            .body(Full::new(Bytes::from(body)))
            .unwrap())
    });
    let client = CacheLayer::memory(1 << 20).layer_over(svc);
    let lang = |l: &str| {
        Request::get("http://a.test/greet")
            .header("accept-language", l)
            .body(())
            .unwrap()
    };
    assert_eq!(send(&client, lang("en")).await.2, "hello");
    assert_eq!(send(&client, lang("fr")).await.2, "bonjour");
    assert_eq!(
        send(&client, lang("en")).await,
        (StatusCode::OK, Some(CacheStatus::Hit), "hello".into())
    );
    assert_eq!(
        send(&client, lang("fr")).await,
        (StatusCode::OK, Some(CacheStatus::Hit), "bonjour".into())
    );
    assert_eq!(seen.count(), 2);
}

#[tokio::test]
async fn a_successful_post_invalidates() {
    let (seen, svc) = server(|_, _| Ok(ok("max-age=60", "x")));
    let cache = CacheLayer::memory(1 << 20);
    let client = cache.clone().layer_over(svc);
    send(&client, get("http://a.test/items")).await;
    assert!(cache.get("http://a.test/items").is_some());
    let post = Request::post("http://a.test/items").body(()).unwrap();
    let (_, status, _) = send(&client, post).await;
    assert_eq!(
        status, None,
        "unsafe requests are not answered from the store"
    );
    assert!(cache.get("http://a.test/items").is_none());
    send(&client, get("http://a.test/items")).await;
    assert_eq!(seen.count(), 3);
}

#[tokio::test]
async fn a_failed_post_does_not_invalidate() {
    let (_, svc) = server(|n, _| match n {
        1 => Ok(ok("max-age=60", "x")),
        _ => Ok(Response::builder()
            .status(500)
            .body(Full::default())
            .unwrap()),
    });
    let cache = CacheLayer::memory(1 << 20);
    let client = cache.clone().layer_over(svc);
    send(&client, get("http://a.test/items")).await;
    send(
        &client,
        Request::delete("http://a.test/items").body(()).unwrap(),
    )
    .await;
    assert!(cache.get("http://a.test/items").is_some());
}

#[tokio::test]
async fn location_of_the_same_origin_is_invalidated_too() {
    let (_, svc) = server(|n, _| match n {
        1 | 2 => Ok(ok("max-age=60", "x")),
        _ => Ok(Response::builder()
            .status(201)
            .header("location", "/items/7")
            .body(Full::default())
            .unwrap()),
    });
    let cache = CacheLayer::memory(1 << 20);
    let client = cache.clone().layer_over(svc);
    send(&client, get("http://a.test/items/7")).await;
    send(&client, get("http://b.test/items/7")).await;
    send(
        &client,
        Request::put("http://a.test/items").body(()).unwrap(),
    )
    .await;
    assert!(cache.get("http://a.test/items/7").is_none());
    assert!(cache.get("http://b.test/items/7").is_some());
}

#[tokio::test]
async fn no_store_is_never_written() {
    let (seen, svc) = server(|_, _| Ok(ok("no-store, max-age=60", "secret")));
    let cache = CacheLayer::memory(1 << 20);
    let client = cache.clone().layer_over(svc);
    send(&client, get("http://a.test/x")).await;
    send(&client, get("http://a.test/x")).await;
    assert_eq!(seen.count(), 2);
    assert_eq!(cache.stats().stores, 0);
    assert_eq!(cache.stats().bytes, 0);
    // A request's no-store too.
    let (seen, svc) = server(|_, _| Ok(ok("max-age=60", "x")));
    let client = cache.clone().layer_over(svc);
    let req = Request::get("http://a.test/y")
        .header("cache-control", "no-store")
        .body(())
        .unwrap();
    send(&client, req).await;
    assert!(cache.get("http://a.test/y").is_none());
    assert_eq!(seen.count(), 1);
}

#[tokio::test]
async fn stale_if_error_answers_when_the_server_fails() {
    let (_, svc) = server(|n, _| match n {
        1 => Ok(ok("max-age=0, stale-if-error=600", "kept")),
        2 => Ok(Response::builder()
            .status(503)
            .body(Full::default())
            .unwrap()),
        _ => Err("connection refused"),
    });
    let cache = CacheLayer::memory(1 << 20);
    let client = cache.clone().layer_over(svc);
    send(&client, get("http://a.test/x")).await;
    assert_eq!(
        send(&client, get("http://a.test/x")).await,
        (StatusCode::OK, Some(CacheStatus::Stale), "kept".into())
    );
    assert_eq!(
        send(&client, get("http://a.test/x")).await,
        (StatusCode::OK, Some(CacheStatus::Stale), "kept".into())
    );
    assert_eq!(cache.stats().stale, 2);
}

#[tokio::test]
async fn must_revalidate_is_never_served_stale() {
    let (_, svc) = server(|n, _| match n {
        1 => Ok(ok("max-age=0, must-revalidate, stale-if-error=600", "kept")),
        _ => Err("connection refused"),
    });
    let client = CacheLayer::memory(1 << 20).layer_over(svc);
    send(&client, get("http://a.test/x")).await;
    assert!(
        client
            .clone()
            .oneshot(get("http://a.test/x"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn stale_while_revalidate_answers_now_and_refreshes_in_the_background() {
    let (seen, svc) = server(|n, _| match n {
        1 => Ok(ok("max-age=0, stale-while-revalidate=600", "old")),
        _ => Ok(ok("max-age=600", "new")),
    });
    let client = CacheLayer::memory(1 << 20).layer_over(svc);
    send(&client, get("http://a.test/x")).await;
    assert_eq!(
        send(&client, get("http://a.test/x")).await,
        (StatusCode::OK, Some(CacheStatus::Stale), "old".into())
    );
    // The background revalidation runs on this runtime: wait for it, bounded.
    for _ in 0..1000 {
        if seen.count() == 2 {
            break;
        }
        tokio::task::yield_now().await;
    }
    let mut last = (StatusCode::OK, None, String::new());
    for _ in 0..1000 {
        last = send(&client, get("http://a.test/x")).await;
        if last.2 == "new" {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(last, (StatusCode::OK, Some(CacheStatus::Hit), "new".into()));
    assert_eq!(seen.count(), 2);
}

#[tokio::test]
async fn only_if_cached_refresh_and_bypass() {
    let (seen, svc) = server(|_, _| {
        Ok(Response::builder()
            .header("cache-control", "max-age=60")
            .header("etag", "\"e\"")
            .body(Full::new(Bytes::from("x")))
            .unwrap())
    });
    let client = CacheLayer::memory(1 << 20).layer_over(svc);
    let with = |mode: CacheMode| {
        let mut req = get("http://a.test/x");
        req.extensions_mut().insert(mode);
        req
    };
    let (status, cache, _) = send(&client, with(CacheMode::OnlyIfCached)).await;
    assert_eq!(
        (status, cache),
        (
            StatusCode::GATEWAY_TIMEOUT,
            Some(CacheStatus::Unsatisfiable)
        )
    );
    assert_eq!(seen.count(), 0);
    send(&client, get("http://a.test/x")).await;
    assert_eq!(
        send(&client, with(CacheMode::OnlyIfCached)).await.1,
        Some(CacheStatus::Hit)
    );
    send(&client, with(CacheMode::Refresh)).await;
    assert_eq!(seen.count(), 2);
    assert_eq!(seen.last()["if-none-match"], "\"e\"");
    let (_, cache, _) = send(&client, with(CacheMode::Bypass)).await;
    assert_eq!(cache, None);
    assert_eq!(seen.count(), 3);
    // A request's own `Cache-Control: no-cache` revalidates.
    let req = Request::get("http://a.test/x")
        .header("cache-control", "no-cache")
        .body(())
        .unwrap();
    send(&client, req).await;
    assert_eq!(seen.count(), 4);
}

#[tokio::test]
async fn a_body_read_halfway_or_past_the_cap_is_not_stored() {
    let (_, svc) = server(|_, _| Ok(ok("max-age=60", "0123456789")));
    let cache = CacheLayer::memory(1 << 20).max_entry_size(4);
    let client = cache.clone().layer_over(svc);
    send(&client, get("http://a.test/big")).await;
    assert!(cache.get("http://a.test/big").is_none());

    let (_, svc) = server(|_, _| Ok(ok("max-age=60", "abcd")));
    let cache = CacheLayer::memory(1 << 20);
    let client = cache.clone().layer_over(svc);
    let response = client
        .clone()
        .oneshot(get("http://a.test/x"))
        .await
        .unwrap();
    drop(response); // never read
    assert!(cache.get("http://a.test/x").is_none());
}

#[tokio::test]
async fn memory_store_evicts_the_least_recently_used() {
    let (_, svc) = server(|_, _| Ok(ok("max-age=60", "0123456789012345678901234567890123456789")));
    let store = Arc::new(MemoryStore::new(700));
    let cache = CacheLayer::with_store(store.clone());
    let client = cache.clone().layer_over(svc);
    for path in ["a", "b", "c", "a", "d", "e", "f"] {
        send(&client, get(&format!("http://a.test/{path}"))).await;
    }
    assert!(store.size() <= 700);
    assert!(store.len() < 6, "something was evicted: {store:?}");
    assert!(cache.get("http://a.test/f").is_some(), "the newest stays");
    assert!(
        cache.get("http://a.test/b").is_none(),
        "the least recently used went first"
    );
    cache.clear();
    assert!(store.is_empty());
}

#[tokio::test]
async fn expiry_overrides() {
    let (seen, svc) = server(|_, _| Ok(ok("no-cache", "x")));
    let client = CacheLayer::memory(1 << 20)
        .expire_url("a.test/static/*", Expiry::After(Duration::from_secs(60)))
        .expire_url("a.test/", Expiry::DoNotCache)
        .layer_over(svc);
    send(&client, get("http://a.test/static/app.js")).await;
    assert_eq!(
        send(&client, get("http://a.test/static/app.js")).await.1,
        Some(CacheStatus::Hit)
    );
    send(&client, get("http://a.test/other")).await;
    send(&client, get("http://a.test/other")).await;
    assert_eq!(seen.count(), 3);

    let (seen, svc) = server(|_, _| {
        Ok(Response::builder()
            .status(404)
            .body(Full::new(Bytes::from("gone")))
            .unwrap())
    });
    let client = CacheLayer::memory(1 << 20)
        .expire_status(
            StatusCode::NOT_FOUND,
            Expiry::After(Duration::from_secs(60)),
        )
        .layer_over(svc);
    send(&client, get("http://a.test/missing")).await;
    assert_eq!(
        send(&client, get("http://a.test/missing")).await,
        (StatusCode::NOT_FOUND, Some(CacheStatus::Hit), "gone".into())
    );
    assert_eq!(seen.count(), 1);
}

#[tokio::test]
async fn date_and_age_decide_freshness() {
    let (seen, svc) = server(|_, _| {
        let hour_ago = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(3600));
        Ok(Response::builder()
            .header("date", hour_ago)
            .header("cache-control", "max-age=60")
            .body(Full::new(Bytes::from("x")))
            .unwrap())
    });
    let client = CacheLayer::memory(1 << 20).layer_over(svc);
    send(&client, get("http://a.test/x")).await;
    send(&client, get("http://a.test/x")).await;
    assert_eq!(
        seen.count(),
        2,
        "an hour-old response with max-age=60 is stale"
    );

    let (seen, svc) = server(|_, _| {
        Ok(Response::builder()
            .header("age", "30")
            .header("cache-control", "max-age=60")
            .body(Full::new(Bytes::from("x")))
            .unwrap())
    });
    let client = CacheLayer::memory(1 << 20).layer_over(svc);
    send(&client, get("http://a.test/x")).await;
    let response = client
        .clone()
        .oneshot(get("http://a.test/x"))
        .await
        .unwrap();
    let age: u64 = response.headers()["age"].to_str().unwrap().parse().unwrap();
    assert!((30..60).contains(&age));
    assert_eq!(seen.count(), 1);
}

#[tokio::test]
async fn authorization_is_stored_only_when_allowed_and_per_credentials() {
    let (seen, svc) = server(|_, _| Ok(ok("max-age=60, public", "mine")));
    let client = CacheLayer::memory(1 << 20).layer_over(svc);
    let as_user = |token: &str| {
        Request::get("http://a.test/me")
            .header("authorization", token)
            .body(())
            .unwrap()
    };
    send(&client, as_user("Bearer alice")).await;
    assert_eq!(
        send(&client, as_user("Bearer alice")).await.1,
        Some(CacheStatus::Hit)
    );
    assert_eq!(
        send(&client, as_user("Bearer bob")).await.1,
        Some(CacheStatus::Miss)
    );
    assert_eq!(
        send(&client, get("http://a.test/me")).await.1,
        Some(CacheStatus::Miss)
    );
    assert_eq!(seen.count(), 3);

    let (seen, svc) = server(|_, _| Ok(ok("max-age=60", "mine")));
    let client = CacheLayer::memory(1 << 20).layer_over(svc);
    send(&client, as_user("Bearer alice")).await;
    send(&client, as_user("Bearer alice")).await;
    assert_eq!(
        seen.count(),
        2,
        "no public/must-revalidate/s-maxage: not stored"
    );
}

#[tokio::test]
async fn head_and_conditional_requests_pass_through() {
    let (seen, svc) = server(|_, _| Ok(ok("max-age=60", "x")));
    let client = CacheLayer::memory(1 << 20).layer_over(svc);
    send(&client, get("http://a.test/x")).await;
    let conditional = Request::get("http://a.test/x")
        .header("if-none-match", "\"a\"")
        .body(())
        .unwrap();
    assert_eq!(send(&client, conditional).await.1, None);
    let head = Request::head("http://a.test/x").body(()).unwrap();
    assert_eq!(send(&client, head).await.1, None);
    assert_eq!(seen.count(), 3);
}

#[tokio::test]
async fn disk_store_survives_a_new_store_and_ignores_corruption() {
    let dir = std::env::temp_dir().join(format!("sessio-cache-unit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (seen, svc) = server(|_, _| Ok(ok("max-age=60", "on disk")));
    {
        let client = CacheLayer::new(DiskStore::open(&dir).unwrap()).layer_over(svc.clone());
        send(&client, get("http://a.test/x")).await;
    }
    let store = DiskStore::open(&dir).unwrap();
    let path = store.path_of("http://a.test/x");
    let client = CacheLayer::new(store).layer_over(svc.clone());
    assert_eq!(
        send(&client, get("http://a.test/x")).await,
        (StatusCode::OK, Some(CacheStatus::Hit), "on disk".into())
    );
    assert_eq!(seen.count(), 1);

    // Truncated, then flipped: a miss each time, never an error or a wrong body.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 7]).unwrap();
    assert_eq!(
        send(&client, get("http://a.test/x")).await,
        (StatusCode::OK, Some(CacheStatus::Miss), "on disk".into())
    );
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() - 10;
    bytes[at] ^= 0x55;
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(
        send(&client, get("http://a.test/x")).await.1,
        Some(CacheStatus::Miss)
    );
    assert_eq!(seen.count(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn entries_round_trip_through_bytes() {
    let entry = CacheEntry {
        key: "http://a.test/".into(),
        variants: Vec::new(),
    };
    let back = CacheEntry::from_bytes(&entry.to_bytes()).unwrap();
    assert_eq!(back.key(), "http://a.test/");
    assert!(CacheEntry::from_bytes(&[]).is_none());
    let mut bytes = entry.to_bytes();
    bytes.push(0);
    assert!(CacheEntry::from_bytes(&bytes).is_none());
}

#[test]
fn public_types_are_send_sync_clone() {
    fn assert_send_sync<T: Send + Sync>() {}
    fn assert_clone<T: Clone>() {}
    assert_send_sync::<CacheLayer>();
    assert_clone::<CacheLayer>();
    assert_send_sync::<Cache<()>>();
    assert_send_sync::<MemoryStore>();
    assert_send_sync::<DiskStore>();
    assert_send_sync::<CacheBody<Full<Bytes>>>();
    fn _obj_safe(_: &dyn CacheStore) {}
}

impl CacheLayer {
    fn layer_over<S>(self, inner: S) -> Cache<S> {
        tower::Layer::layer(&self, inner)
    }
}
