//! `Location` resolution: a redirect with any `Location` bytes, followed by the
//! redirect layer over a service that checks every hop it is sent. Every hop
//! must be an absolute URL with a host, and the chain must end.
#![no_main]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use libfuzzer_sys::fuzz_target;
use sessio_layers::redirect::RedirectLayer;
use tower::{ServiceBuilder, ServiceExt, service_fn};

const STATUSES: [u16; 5] = [301, 302, 303, 307, 308];

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, location)) = data.split_first() else {
        return;
    };
    let Ok(location) = HeaderValue::from_bytes(location) else {
        return;
    };
    let status = StatusCode::from_u16(STATUSES[usize::from(pick) % STATUSES.len()]).expect("3xx");
    let hops = Arc::new(AtomicUsize::new(0));
    let seen = hops.clone();
    let server = service_fn(move |request: Request<Full<Bytes>>| {
        let hop = seen.fetch_add(1, Ordering::SeqCst);
        let uri = request.uri().clone();
        let location = location.clone();
        async move {
            // Another scheme with a host is the caller's to route (a mounted
            // adapter, as requests' `get_adapter`); http(s) needs a real host.
            let web = matches!(uri.scheme_str(), Some("http" | "https"));
            assert!(
                uri.scheme().is_some() && uri.host().is_some_and(|h| !web || !h.is_empty()),
                "hop {hop} was sent to {uri}"
            );
            let mut response = Response::new(Full::new(Bytes::from_static(b"moved")));
            // The first two hops redirect to the fuzzed Location (relative ones
            // resolve against different bases), then the chain ends.
            if hop < 2 {
                *response.status_mut() = status;
                response
                    .headers_mut()
                    .insert(http::header::LOCATION, location);
            }
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let client = ServiceBuilder::new()
        .layer(RedirectLayer::new().max_redirects(5))
        .service(server);
    let request = Request::get("http://example.test/dir/page?q=1")
        .body(Full::new(Bytes::new()))
        .expect("a valid request");
    let _ = RUNTIME.with(|runtime| runtime.block_on(client.oneshot(request)));
    assert!(hops.load(Ordering::SeqCst) <= 3);
});
