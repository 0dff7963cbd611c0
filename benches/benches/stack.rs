//! The cost of sessio's layers and stack alone, over an in-process `service_fn`
//! transport (no sockets): nanoseconds per request from criterion, and
//! allocations per request from a counting allocator (printed first, as a table).
//!
//! Run with `cargo bench -p sessio-benches --bench stack`.

use std::future::Future;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue, Response};
use sessio::layers::auth::AddAuthLayer;
use sessio::layers::cookies::{CookiesLayer, Jar};
use sessio::layers::default_headers::DefaultHeadersLayer;
use sessio::layers::hooks::HooksLayer;
use sessio::layers::redirect::RedirectLayer;
use sessio::layers::timeout::TimeoutLayer;
use sessio::{Auth, Body, Error, Hook, HookRegistry, ResponseBody, Session, Timeouts};
use tower::{Layer, Service, ServiceExt, service_fn};

#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

fn transport() -> impl Service<
    http::Request<Body>,
    Response = Response<ResponseBody>,
    Error = Error,
    Future = impl Send + 'static,
> + Clone
+ Send
+ Sync
+ 'static {
    service_fn(|_req: http::Request<Body>| async {
        Ok::<_, Error>(Response::new(ResponseBody::from("Hello, World!")))
    })
}

fn request() -> http::Request<Body> {
    http::Request::get("http://bench.test/")
        .body(Body::empty())
        .expect("request")
}

/// One request through `svc` (a fresh clone, as a session does per request).
async fn once<S>(svc: &S)
where
    S: Service<http::Request<Body>> + Clone,
{
    let _ = svc.clone().oneshot(request()).await;
}

/// Allocations per call of `f`, over many calls.
fn allocations<F, Fut>(runtime: &tokio::runtime::Runtime, f: F) -> f64
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    const CALLS: usize = 2_000;
    runtime.block_on(async {
        f().await;
        let before = GLOBAL.stats();
        for _ in 0..CALLS {
            f().await;
        }
        let after = GLOBAL.stats();
        let allocations =
            (after.allocations + after.reallocations) - (before.allocations + before.reallocations);
        allocations as f64 / CALLS as f64
    })
}

fn headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("user-agent", HeaderValue::from_static("sessio/bench"));
    headers.insert("accept", HeaderValue::from_static("*/*"));
    headers
}

fn hooks() -> HookRegistry {
    let mut hooks = HookRegistry::default();
    hooks.push(Hook::response(|response| async move { Ok(response) }));
    hooks
}

fn stack(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let jar = Arc::new(Jar::new());
    jar.set("session", "1").unwrap();

    let plain = Session::builder()
        .mount("http://bench.test/", transport())
        .build()
        .expect("session");
    let full = Session::builder()
        .mount("http://bench.test/", transport())
        .hook(Hook::response(|r| async move { Ok(r) }))
        .header("x-api-key", "k")
        .param("v", "2")
        .build()
        .expect("session");
    full.cookies().set("session", "1").unwrap();

    // Each layer alone over the transport.
    let raw = transport();
    let default_headers = DefaultHeadersLayer::new(headers()).layer(transport());
    let auth = AddAuthLayer::new(Auth::bearer("t")).layer(transport());
    let timeout = TimeoutLayer::new(Timeouts::default()).layer(transport());
    let redirect = RedirectLayer::new().layer(transport());
    let cookies = CookiesLayer::new(jar).layer(transport());
    let hooks_idle = HooksLayer::default().layer(transport());
    let hooks_busy = HooksLayer::new(hooks()).layer(transport());

    println!("| configuration | allocations/request |");
    println!("|---|---:|");
    let rows: [(&str, f64); 10] = [
        ("service_fn alone", allocations(&runtime, || once(&raw))),
        (
            "default_headers",
            allocations(&runtime, || once(&default_headers)),
        ),
        ("auth", allocations(&runtime, || once(&auth))),
        ("timeout", allocations(&runtime, || once(&timeout))),
        (
            "redirect (no redirect)",
            allocations(&runtime, || once(&redirect)),
        ),
        (
            "cookies (one cookie)",
            allocations(&runtime, || once(&cookies)),
        ),
        ("hooks (none)", allocations(&runtime, || once(&hooks_idle))),
        (
            "hooks (one response hook)",
            allocations(&runtime, || once(&hooks_busy)),
        ),
        (
            "session, default layers",
            allocations(&runtime, || async {
                let r = plain.get("http://bench.test/").send().await.expect("send");
                let _ = r.bytes().await;
            }),
        ),
        (
            "session, cookie + hook + params",
            allocations(&runtime, || async {
                let r = full.get("http://bench.test/").send().await.expect("send");
                let _ = r.bytes().await;
            }),
        ),
    ];
    for (name, allocs) in rows {
        println!("| {name} | {allocs:.1} |");
    }

    let mut group = c.benchmark_group("layer");
    group.bench_function("service_fn alone", |b| {
        b.to_async(&runtime).iter(|| once(&raw))
    });
    group.bench_function("default_headers", |b| {
        b.to_async(&runtime).iter(|| once(&default_headers))
    });
    group.bench_function("auth", |b| b.to_async(&runtime).iter(|| once(&auth)));
    group.bench_function("timeout", |b| b.to_async(&runtime).iter(|| once(&timeout)));
    group.bench_function("redirect", |b| {
        b.to_async(&runtime).iter(|| once(&redirect))
    });
    group.bench_function("cookies", |b| b.to_async(&runtime).iter(|| once(&cookies)));
    group.bench_function("hooks, none", |b| {
        b.to_async(&runtime).iter(|| once(&hooks_idle))
    });
    group.bench_function("hooks, one", |b| {
        b.to_async(&runtime).iter(|| once(&hooks_busy))
    });
    group.finish();

    let mut group = c.benchmark_group("session");
    group.bench_function("default layers", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = plain.get("http://bench.test/").send().await.expect("send");
            response.bytes().await.expect("body")
        });
    });
    group.bench_function("cookie + hook + params", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = full.get("http://bench.test/").send().await.expect("send");
            response.bytes().await.expect("body")
        });
    });
    group.finish();
}

criterion_group!(benches, stack);
criterion_main!(benches);
