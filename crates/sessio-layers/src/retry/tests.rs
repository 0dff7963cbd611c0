//! Retry policy tests: urllib3's table, row by row, in paused time.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use tokio::time::Instant;
use tower::{Layer, ServiceExt, service_fn};

use super::*;
use crate::BoxError;

/// A server that answers each call with the next scripted outcome and logs the
/// method of each call it saw.
fn scripted(
    script: Vec<Result<u16, &'static str>>,
    log: Arc<Mutex<Vec<Method>>>,
) -> impl tower::Service<Request<String>, Response = Response<()>, Error = BoxError, Future = impl Send>
+ Clone {
    let script = Arc::new(Mutex::new(script.into_iter()));
    service_fn(move |req: Request<String>| {
        log.lock().unwrap().push(req.method().clone());
        let next = script.lock().unwrap().next().unwrap_or(Ok(200));
        async move {
            match next {
                Ok(status) => {
                    let mut response = Response::builder().status(status);
                    if status == 503 {
                        response = response.header("retry-after", "2");
                    }
                    Ok(response.body(()).unwrap())
                }
                Err("connect") => Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::ConnectionRefused,
                    "refused",
                )) as BoxError),
                Err("other") => Err("something else went wrong".into()),
                Err("total") => Err(Box::new(crate::timeout::TotalTimeout::new()) as BoxError),
                Err(_) => Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "reset after sending",
                )) as BoxError),
            }
        }
    })
}

fn request(method: Method) -> Request<String> {
    Request::builder()
        .method(method)
        .uri("http://a.test/")
        .body("payload".to_owned())
        .unwrap()
}

async fn run(
    policy: RetryPolicy,
    method: Method,
    script: Vec<Result<u16, &'static str>>,
) -> (Result<Response<()>, BoxError>, Vec<Method>) {
    run_with_deadline(policy, method, script, None).await
}

async fn run_with_deadline(
    policy: RetryPolicy,
    method: Method,
    script: Vec<Result<u16, &'static str>>,
    deadline: Option<std::time::Instant>,
) -> (Result<Response<()>, BoxError>, Vec<Method>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let svc = RetryLayer::new(policy).layer(scripted(script, log.clone()));
    let mut request = request(method);
    if let Some(at) = deadline {
        request.extensions_mut().insert(sessio_core::Deadline(at));
    }
    let result = svc.oneshot(request).await;
    let seen = log.lock().unwrap().clone();
    (result, seen)
}

#[tokio::test(start_paused = true)]
async fn connect_errors_are_retried_for_any_method() {
    let (result, seen) = run(
        RetryPolicy::new().total(3),
        Method::POST,
        vec![Err("connect"), Err("connect"), Ok(200)],
    )
    .await;
    assert_eq!(
        result.unwrap().extensions().get::<Attempts>(),
        Some(&Attempts(3))
    );
    assert_eq!(seen.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn errors_after_sending_are_retried_only_for_allowed_methods() {
    let (result, seen) = run(RetryPolicy::new(), Method::GET, vec![Err("read"), Ok(200)]).await;
    assert!(result.is_ok());
    assert_eq!(seen.len(), 2);
    // POST is never sent twice unless allowed...
    let (result, seen) = run(RetryPolicy::new(), Method::POST, vec![Err("read"), Ok(200)]).await;
    assert!(result.is_err());
    assert_eq!(seen, [Method::POST], "sent once");
    // ...and is when it is.
    let allowed = RetryPolicy::new().allowed_methods([Method::POST]);
    let (result, seen) = run(allowed, Method::POST, vec![Err("read"), Ok(200)]).await;
    assert!(result.is_ok());
    assert_eq!(seen.len(), 2);
}

/// Unlike urllib3, which retries "other" errors whatever the method, sessio
/// retries them only for allowed methods: they may come after the request was
/// sent.
#[tokio::test(start_paused = true)]
async fn other_errors_are_retried_only_for_allowed_methods() {
    let (result, seen) = run(RetryPolicy::new(), Method::GET, vec![Err("other"), Ok(200)]).await;
    assert!(result.is_ok());
    assert_eq!(seen.len(), 2);
    let (result, seen) = run(
        RetryPolicy::new(),
        Method::POST,
        vec![Err("other"), Ok(200)],
    )
    .await;
    assert!(result.is_err());
    assert_eq!(seen.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_counters_bound_the_retries() {
    // total
    let (result, seen) = run(
        RetryPolicy::new().total(2),
        Method::GET,
        vec![Err("read"); 5],
    )
    .await;
    assert!(result.is_err());
    assert_eq!(seen.len(), 3, "two retries");
    // per reason, under a larger total
    let policy = RetryPolicy::new().total(10).connect(1);
    let (result, seen) = run(policy, Method::GET, vec![Err("connect"); 5]).await;
    assert!(result.is_err());
    assert_eq!(seen.len(), 2);
    let policy = RetryPolicy::new().total(10).read(0);
    let (_, seen) = run(policy, Method::GET, vec![Err("read"); 5]).await;
    assert_eq!(seen.len(), 1, "read(0): no retry after sending");
    // total(0): no retries at all (requests' default max_retries=0)
    let (_, seen) = run(
        RetryPolicy::new().total(0),
        Method::GET,
        vec![Err("connect"); 5],
    )
    .await;
    assert_eq!(seen.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn statuses_in_the_forcelist_are_retried_then_raise() {
    let policy = RetryPolicy::new()
        .total(5)
        .status(2)
        .status_forcelist([502]);
    let (result, seen) = run(policy.clone(), Method::GET, vec![Ok(502), Ok(200)]).await;
    assert_eq!(result.unwrap().status(), 200);
    assert_eq!(seen.len(), 2);

    let (result, seen) = run(policy.clone(), Method::GET, vec![Ok(502); 5]).await;
    let err = result.unwrap_err();
    let exhausted = err.downcast::<RetriesExhausted>().unwrap();
    assert_eq!(
        (exhausted.status(), exhausted.retries()),
        (StatusCode::BAD_GATEWAY, 2)
    );
    assert_eq!(seen.len(), 3);

    let quiet = policy.raise_on_status(false);
    let (result, _) = run(quiet, Method::GET, vec![Ok(502); 5]).await;
    let last = result.unwrap();
    assert_eq!(last.status(), 502, "the last response, returned");
    assert_eq!(last.extensions().get::<Attempts>(), Some(&Attempts(3)));

    // a method that is not allowed gets its 502 at once
    let (result, seen) = run(
        RetryPolicy::new().status_forcelist([502]),
        Method::POST,
        vec![Ok(502), Ok(200)],
    )
    .await;
    assert_eq!(result.unwrap().status(), 502);
    assert_eq!(seen.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_503_with_retry_after_is_retried_after_that_wait() {
    // No forcelist: urllib3 still retries 413/429/503 that carry Retry-After.
    let started = Instant::now();
    let (result, seen) = run(
        RetryPolicy::new().total(3),
        Method::GET,
        vec![Ok(503), Ok(200)],
    )
    .await;
    assert_eq!(result.unwrap().status(), 200);
    assert_eq!(seen.len(), 2);
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(2),
        "the server's 2 s"
    );

    let ignoring = RetryPolicy::new().respect_retry_after_header(false);
    let (result, _) = run(ignoring, Method::GET, vec![Ok(503), Ok(200)]).await;
    assert_eq!(result.unwrap().status(), 503);
}

#[tokio::test(start_paused = true)]
async fn a_long_retry_after_is_capped_at_two_minutes_by_default() {
    // urllib3 would wait the whole hour (its cap is 6 hours).
    let calls = Arc::new(Mutex::new(0));
    let seen = calls.clone();
    let server = service_fn(move |_req: Request<String>| {
        let first = {
            let mut n = seen.lock().unwrap();
            *n += 1;
            *n == 1
        };
        async move {
            let response = if first {
                Response::builder()
                    .status(503)
                    .header("retry-after", "3600")
            } else {
                Response::builder().status(200)
            };
            Ok::<_, BoxError>(response.body(()).unwrap())
        }
    });
    let started = Instant::now();
    let svc = RetryLayer::new(RetryPolicy::new().total(1)).layer(server.clone());
    let response = svc.oneshot(request(Method::GET)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(started.elapsed(), DEFAULT_RETRY_AFTER_MAX);

    let patient = RetryPolicy::new()
        .total(1)
        .retry_after_max(Duration::from_secs(7200));
    *calls.lock().unwrap() = 0;
    let started = Instant::now();
    let response = RetryLayer::new(patient)
        .layer(server)
        .oneshot(request(Method::GET))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(started.elapsed(), Duration::from_secs(3600));
}

#[tokio::test(start_paused = true)]
async fn backoff_doubles_after_the_first_retry() {
    let policy = RetryPolicy::new()
        .total(4)
        .backoff_factor(Duration::from_millis(100));
    let started = Instant::now();
    let (result, seen) = run(policy, Method::GET, vec![Err("read"); 3]).await;
    assert!(result.is_ok());
    assert_eq!(seen.len(), 4);
    // 0 + 200 + 400 ms
    assert_eq!(started.elapsed(), Duration::from_millis(600));
}

#[tokio::test(start_paused = true)]
async fn a_stream_body_is_never_sent_twice() {
    let log = Arc::new(Mutex::new(0));
    let counted = log.clone();
    let server = service_fn(move |_req: Request<sessio_core::Body>| {
        *counted.lock().unwrap() += 1;
        async {
            Err::<Response<()>, BoxError>(Box::new(std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                "refused",
            )))
        }
    });
    let svc = RetryLayer::new(RetryPolicy::new().total(3)).layer(server);
    let chunks = futures_util::stream::iter(vec![Ok::<_, std::io::Error>("once")]);
    let req = Request::post("http://a.test/")
        .body(sessio_core::Body::wrap_stream(chunks))
        .unwrap();
    assert!(svc.oneshot(req).await.is_err());
    assert_eq!(*log.lock().unwrap(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_budget_bounds_retries_across_requests() {
    // No minimum, retries up to 10 % of requests: the first failures find an
    // empty budget.
    let budget = TpsBudget::new(Duration::from_secs(10), 0, 0.1);
    let policy = RetryPolicy::new().total(3).budget(budget);
    let log = Arc::new(Mutex::new(Vec::new()));
    let svc = RetryLayer::new(policy).layer(scripted(vec![Err("connect"); 100], log.clone()));
    for _ in 0..5 {
        let _ = svc.clone().oneshot(request(Method::GET)).await;
    }
    assert_eq!(log.lock().unwrap().len(), 5, "no budget, no retries");
}

/// A retry is never made past the request's deadline: not after it passed, not
/// when the wait before it would end past it, and a total timeout is never
/// retried at all.
#[tokio::test(start_paused = true)]
async fn nothing_is_retried_past_the_deadline() {
    let now = std::time::Instant::now();
    let passed = Some(now);
    let (result, seen) = run_with_deadline(
        RetryPolicy::new(),
        Method::GET,
        vec![Err("read"), Ok(200)],
        passed,
    )
    .await;
    assert!(result.is_err());
    assert_eq!(seen.len(), 1, "an error past the deadline is not retried");

    let forcelist = || RetryPolicy::new().status_forcelist([500]);
    let (result, seen) =
        run_with_deadline(forcelist(), Method::GET, vec![Ok(500), Ok(200)], passed).await;
    assert_eq!(
        result.unwrap().status(),
        500,
        "the status is returned as it is"
    );
    assert_eq!(seen.len(), 1);

    // a 503 asks for a wait of 2 s: past a deadline 1 s away, within one 60 s away
    let soon = Some(now + Duration::from_secs(1));
    let (result, seen) =
        run_with_deadline(RetryPolicy::new(), Method::GET, vec![Ok(503)], soon).await;
    assert_eq!(result.unwrap().status(), 503);
    assert_eq!(seen.len(), 1, "the wait would end past the deadline");
    let later = Some(now + Duration::from_secs(60));
    let (result, seen) = run_with_deadline(
        RetryPolicy::new(),
        Method::GET,
        vec![Ok(503), Ok(200)],
        later,
    )
    .await;
    assert_eq!(result.unwrap().status(), 200);
    assert_eq!(seen.len(), 2, "the wait ends before the deadline");

    // the timeout layer's total timeout, with no deadline on the request
    let (result, seen) = run(RetryPolicy::new(), Method::GET, vec![Err("total"), Ok(200)]).await;
    assert!(result.unwrap_err().is::<crate::timeout::TotalTimeout>());
    assert_eq!(seen.len(), 1);
}
