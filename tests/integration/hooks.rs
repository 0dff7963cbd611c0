//! Hooks through a whole session: on every hop, in order, before cookies are
//! stored; replacement, merging, errors and panics.

use std::sync::{Arc, Mutex};

use sessio::{ErrorKind, Hook, Session};
use sessio_tests::Server;

type Log = Arc<Mutex<Vec<String>>>;

fn logging(log: &Log, tag: &'static str) -> Hook {
    let log = log.clone();
    Hook::response(move |response| {
        log.lock().unwrap().push(format!(
            "{tag} {} {}",
            response.status().as_u16(),
            response.url().path()
        ));
        async move { Ok(response) }
    })
}

#[tokio::test]
async fn response_hooks_run_once_per_hop_in_order() {
    let server = Server::echo().await;
    let log = Log::default();
    let s = Session::builder()
        .hook(logging(&log, "a"))
        .hook(logging(&log, "b"))
        .build()
        .unwrap();
    s.get(server.url("/redirect/2")).send().await.unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        [
            "a 302 /redirect/2",
            "b 302 /redirect/2",
            "a 302 /redirect/1",
            "b 302 /redirect/1",
            "a 200 /redirect/0",
            "b 200 /redirect/0"
        ]
    );
}

#[tokio::test]
async fn request_hooks_run_before_every_hop_and_may_change_it() {
    let server = Server::echo().await;
    let s = Session::builder()
        .hook(Hook::request(|mut request| async move {
            let path = request.url().path().to_owned();
            request
                .headers_mut()
                .insert("x-hooked-path", path.parse().unwrap());
            Ok(request)
        }))
        .build()
        .unwrap();
    let r = s.get(server.url("/redirect/1")).send().await.unwrap();
    assert_eq!(r.history()[0].status(), 302);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["headers"]["x-hooked-path"], "/redirect/0");
}

#[tokio::test]
async fn a_response_hook_may_replace_the_response() {
    let server = Server::echo().await;
    let s = Session::new();
    let r = s
        .get(server.url("/status/503"))
        .hook(Hook::response(|response| async move {
            let replaced = http::Response::builder()
                .status(200)
                .body(sessio::ResponseBody::from("from the hook"))
                .unwrap();
            Ok(sessio::Response::new(
                replaced,
                response.request().snapshot(),
            ))
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "from the hook");
}

#[tokio::test]
async fn hooks_run_before_cookies_are_stored() {
    let server = Server::echo().await;
    let s = Session::new();
    let jar = s.cookies().clone();
    let r = s
        .get(server.url("/set-cookie?h=late%3D1"))
        .hook(Hook::response(move |response| {
            let stored_yet = jar.get("late").unwrap().is_some();
            async move {
                assert!(
                    !stored_yet,
                    "the hook runs before the jar stores Set-Cookie"
                );
                Ok(response)
            }
        }))
        .send()
        .await
        .unwrap();
    assert!(r.ok());
    assert_eq!(s.cookies().get("late").unwrap().as_deref(), Some("1"));
}

#[tokio::test]
async fn request_hooks_replace_session_hooks_unless_extended() {
    // requests test_session_hooks_are_overridden_by_request_hooks
    let server = Server::echo().await;
    let log = Log::default();
    let s = Session::builder()
        .hook(logging(&log, "session"))
        .build()
        .unwrap();
    s.get(server.url("/"))
        .hook(logging(&log, "request"))
        .send()
        .await
        .unwrap();
    assert_eq!(*log.lock().unwrap(), ["request 200 /"]);
    log.lock().unwrap().clear();
    s.get(server.url("/"))
        .hook(logging(&log, "request"))
        .extend_session_hooks()
        .send()
        .await
        .unwrap();
    assert_eq!(*log.lock().unwrap(), ["session 200 /", "request 200 /"]);
    log.lock().unwrap().clear();
    s.get(server.url("/")).send().await.unwrap();
    assert_eq!(*log.lock().unwrap(), ["session 200 /"]);
}

#[tokio::test]
async fn a_failing_hook_is_a_typed_error_and_a_panicking_one_does_not_poison() {
    let server = Server::echo().await;
    let s = Session::new();
    let err = s
        .get(server.url("/"))
        .hook(Hook::response(|_r| async {
            Err::<sessio::Response, _>("nope".into())
        }))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Hook);
    let err = s
        .get(server.url("/"))
        .hook(Hook::request(|_r| async { panic!("hook panic") }))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Hook);
    s.set_header("x-after", "1").unwrap();
    let r = s.get(server.url("/")).send().await.unwrap();
    assert!(r.ok(), "the session still works after a hook panicked");
}

/// The hooks a requests user writes first: raise for status, and count responses
/// with a shared counter.
#[tokio::test]
async fn error_for_status_and_a_counter_as_hooks() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let server = Server::echo().await;
    let responses = Arc::new(AtomicUsize::new(0));
    let counter = responses.clone();
    let s = Session::builder()
        .hook(Hook::response(move |response| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                Ok(response)
            }
        }))
        .build()
        .unwrap();
    let err = s
        .get(server.url("/status/404"))
        .hook(Hook::response(|r| async move { r.error_for_status() }))
        .extend_session_hooks()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Status(sessio::StatusCode::NOT_FOUND),
        "{err:?}"
    );
    assert_eq!(err.response().unwrap().status(), 404);
    s.get(server.url("/redirect/1")).send().await.unwrap();
    assert_eq!(
        responses.load(Ordering::SeqCst),
        3,
        "one per hop, the 404 included"
    );
}
