//! Row 30: a request dropped by the user (a `select!`, a timeout, an aborted
//! task) while the head or the body is on its way.

use std::time::Duration;

use sessio::Session;
use sessio_tests::{FaultServer, Step};

use super::{ok, within};

/// Tasks alive on this test's runtime.
fn tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// A session capped at one connection per host, so that a connection slot
/// the cancellation did not give back shows up as a pool timeout.
fn capped() -> Session {
    Session::builder()
        .max_connections_per_host(1)
        .pool_timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

/// After a cancelled request: the server sees its connection closed, the
/// client counts nothing open, the tasks of both sides are gone, and the
/// session sends the next request on a new connection.
async fn assert_cleaned_up(server: &FaultServer, s: &Session, tasks_before: usize) {
    server
        .eventually("the server sees the connection closed", |server| {
            server.open_connections() == 0
        })
        .await;
    server
        .eventually("the connection tasks end", |_| {
            tasks() <= tasks_before && s.pool_stats().open == 0
        })
        .await;
    let before = server.connections();
    let r = within(10, s.get(server.url("/after")).send())
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "fresh");
    assert_eq!(
        server.connections(),
        before + 1,
        "not the cancelled connection"
    );
}

/// Waits until the server has read the request to `path`, and a little more
/// for what it writes next to arrive.
async fn served(server: &FaultServer, path: &str) {
    server
        .eventually("the request arrives", |server| {
            server.requests("GET", path) == 1
        })
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
}

fn fresh() -> Vec<Step> {
    vec![Step::Serve(ok("fresh"))]
}

// Row 30
#[tokio::test]
async fn a_request_dropped_mid_head_closes_its_connection_and_leaks_no_task() {
    let server = FaultServer::start(vec![
        vec![
            Step::ReadRequest,
            Step::write("HTTP/1.1 200 OK\r\nX-Partial: 1\r\n"),
            Step::AwaitClose,
        ],
        fresh(),
    ])
    .await;
    let s = capped();
    let before = tasks();
    within(10, async {
        tokio::select! {
            r = s.get(server.url("/head")).send() => panic!("answered: {r:?}"),
            () = served(&server, "/head") => {}
        }
    })
    .await;
    assert_cleaned_up(&server, &s, before).await;
}

// Row 30
#[tokio::test]
async fn an_aborted_task_mid_body_closes_its_connection_and_leaks_no_task() {
    let server = FaultServer::start(vec![
        vec![
            Step::ReadRequest,
            Step::write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"),
            Step::AwaitClose,
        ],
        fresh(),
    ])
    .await;
    let s = capped();
    let before = tasks();
    // send() reads the body into memory: the task is inside it, mid-body
    let task = tokio::spawn({
        let (s, url) = (s.clone(), server.url("/body"));
        async move { s.get(url).send().await }
    });
    within(10, served(&server, "/body")).await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_cleaned_up(&server, &s, before).await;
}

// Row 30
#[tokio::test]
async fn a_streamed_response_dropped_mid_body_closes_its_connection_and_leaks_no_task() {
    let server = FaultServer::start(vec![
        vec![
            Step::ReadRequest,
            Step::write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"),
            Step::AwaitClose,
        ],
        fresh(),
    ])
    .await;
    let s = capped();
    let before = tasks();
    within(10, async {
        let mut r = s
            .get(server.url("/stream"))
            .stream(true)
            .send()
            .await
            .unwrap();
        let first = r.chunk().await.unwrap().unwrap();
        assert_eq!(&first[..], b"0123456789");
        drop(r);
    })
    .await;
    assert_cleaned_up(&server, &s, before).await;
}
