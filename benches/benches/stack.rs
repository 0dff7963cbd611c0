//! The cost of sessio's stack alone, over an in-process `service_fn` transport
//! (no sockets): per-request overhead in ns of each configuration.
//!
//! Run with `cargo bench -p sessio-benches --bench stack`.

use std::convert::Infallible;

use criterion::{Criterion, criterion_group, criterion_main};
use http::Response;
use sessio::{Body, Hook, ResponseBody, Session};
use tower::{Service, ServiceExt, service_fn};

fn transport() -> impl Service<
    http::Request<Body>,
    Response = Response<ResponseBody>,
    Error = Infallible,
    Future = impl Send + 'static,
> + Clone
+ Send
+ Sync
+ 'static {
    service_fn(|_req: http::Request<Body>| async {
        Ok::<_, Infallible>(Response::new(ResponseBody::from("Hello, World!")))
    })
}

fn stack(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("stack");

    group.bench_function("service_fn alone", |b| {
        let svc = transport();
        b.to_async(&runtime).iter(|| {
            let svc = svc.clone();
            async move {
                let request = http::Request::get("http://bench.test/").body(Body::empty());
                svc.oneshot(request.expect("request"))
                    .await
                    .expect("response")
            }
        });
    });

    let plain = Session::builder()
        .mount("http://bench.test/", transport())
        .build()
        .expect("session");
    group.bench_function("session, default layers", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = plain.get("http://bench.test/").send().await.expect("send");
            response.bytes().await.expect("body")
        });
    });

    let full = Session::builder()
        .mount("http://bench.test/", transport())
        .hook(Hook::response(|r| async move { Ok(r) }))
        .header("x-api-key", "k")
        .param("v", "2")
        .build()
        .expect("session");
    full.cookies().set("session", "1");
    group.bench_function("session, cookies + hooks + params", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = full.get("http://bench.test/").send().await.expect("send");
            response.bytes().await.expect("body")
        });
    });
    group.finish();
}

criterion_group!(benches, stack);
criterion_main!(benches);
