//! Retries through a session (requests' `HTTPAdapter(max_retries=Retry(..))`),
//! against loopback servers that count what they were sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sessio::{RetryPolicy, Session, StatusCode};
use sessio_tests::{Server, respond};

/// A server answering `fail` times with `status` (and `Retry-After` when
/// given), then 200; it counts every request.
async fn flaky(
    fail: usize,
    status: u16,
    retry_after: Option<&'static str>,
) -> (Server, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    let server = Server::start(move |_req| {
        let n = count.fetch_add(1, Ordering::SeqCst);
        async move {
            if n < fail {
                match retry_after {
                    Some(after) => respond(status, &[("retry-after", after)], "busy"),
                    None => respond(status, &[], "busy"),
                }
            } else {
                respond(200, &[], "ok")
            }
        }
    })
    .await;
    (server, seen)
}

#[tokio::test]
async fn retries_are_off_by_default_as_in_requests() {
    let (server, seen) = flaky(1, 503, None).await;
    let r = Session::new().get(server.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.attempts(), 1);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn statuses_in_the_forcelist_are_retried_and_counted() {
    let (server, seen) = flaky(2, 502, None).await;
    let s = Session::builder()
        .max_retries(RetryPolicy::new().total(3).status_forcelist([502]))
        .build()
        .unwrap();
    let r = s.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.attempts(), 3);
    assert_eq!(seen.load(Ordering::SeqCst), 3);
    assert_eq!(r.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn a_post_is_not_sent_again_unless_allowed() {
    let (server, seen) = flaky(1, 502, None).await;
    let s = Session::builder()
        .max_retries(RetryPolicy::new().total(3).status_forcelist([502]))
        .build()
        .unwrap();
    let r = s
        .post(server.url("/"))
        .body("order=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 502);
    assert_eq!(seen.load(Ordering::SeqCst), 1, "sent once");

    let (server, seen) = flaky(1, 502, None).await;
    let allowing = RetryPolicy::new()
        .total(3)
        .status_forcelist([502])
        .allowed_methods([sessio::Method::POST]);
    let s = Session::builder().max_retries(allowing).build().unwrap();
    let r = s
        .post(server.url("/"))
        .body("order=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn exhausted_status_retries_are_an_error_with_the_last_head() {
    let (server, seen) = flaky(10, 503, None).await;
    let s = Session::builder()
        .max_retries(RetryPolicy::new().total(2).status_forcelist([503]))
        .build()
        .unwrap();
    let err = s.get(server.url("/")).send().await.unwrap_err();
    // requests' RetryError: its own kind, not an HTTPError
    assert!(err.is_retry() && !err.is_status(), "{err:?}");
    assert_eq!(
        err.kind(),
        sessio::ErrorKind::Retry(StatusCode::SERVICE_UNAVAILABLE)
    );
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(err.response().unwrap().status(), 503);
    assert!(
        err.report().to_string().contains("max retries exceeded"),
        "{err}"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 3);

    let quiet = RetryPolicy::new()
        .total(2)
        .status_forcelist([503])
        .raise_on_status(false);
    let s = Session::builder().max_retries(quiet).build().unwrap();
    let r = s.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 503, "the last response itself");
    assert_eq!(r.attempts(), 3);
}

#[tokio::test]
async fn retry_after_is_waited_for() {
    let (server, seen) = flaky(1, 503, Some("1")).await;
    let s = Session::builder()
        .max_retries(RetryPolicy::new().total(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let r = s.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_connection_closed_before_an_answer_is_retried_for_get() {
    // The first connection is closed without an answer; the second answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let n = counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                if n > 0 {
                    let _ = stream
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                        .await;
                }
            });
        }
    });
    let s = Session::builder()
        .max_retries(RetryPolicy::new().total(2))
        .build()
        .unwrap();
    let r = s.get(format!("http://{addr}/")).send().await.unwrap();
    assert_eq!(r.attempts(), 2);
    assert_eq!(r.text().await.unwrap(), "ok");
    assert_eq!(connections.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_streamed_body_is_never_sent_twice() {
    let (server, seen) = flaky(1, 503, None).await;
    let policy = RetryPolicy::new()
        .total(3)
        .status_forcelist([503])
        .any_method();
    let s = Session::builder().max_retries(policy).build().unwrap();
    let chunks = vec![Ok::<_, std::io::Error>("streamed")];
    let body = sessio::Body::wrap_stream(futures_util::stream::iter(chunks));
    let r = s.put(server.url("/")).body(body).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_mounted_adapter_has_its_own_policy() {
    let (server, seen) = flaky(2, 502, None).await;
    let retrying = sessio::HttpAdapter::builder()
        .max_retries(RetryPolicy::new().total(1).status_forcelist([502]))
        .build()
        .unwrap();
    let s = Session::builder()
        .mount(server.url("/retried/"), retrying)
        .build()
        .unwrap();
    let r = s.get(server.url("/plain")).send().await.unwrap();
    assert_eq!(r.status(), 502, "the default adapter does not retry");
    let r = s.get(server.url("/retried/x")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}
