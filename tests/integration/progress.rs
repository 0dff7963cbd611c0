//! Upload and download progress callbacks against a loopback server.

use std::sync::{Arc, Mutex};

use sessio::{Body, Progress, Session};
use sessio_tests::{Server, respond};

fn recorder() -> (
    Arc<Mutex<Vec<Progress>>>,
    impl Fn(Progress) + Send + Sync + 'static,
) {
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let log = seen.clone();
    (seen, move |p| log.lock().unwrap().push(p))
}

fn increasing(seen: &[Progress]) -> bool {
    seen.windows(2).all(|w| w[0].bytes() < w[1].bytes())
}

#[tokio::test]
async fn upload_progress_counts_what_is_sent() {
    let server = Server::echo().await;
    let s = Session::new();

    let (seen, report) = recorder();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..3).map(|_| Ok(vec![b'x'; 100_000])).collect();
    s.post(server.url("/stream"))
        .body(Body::wrap_stream(futures_util::stream::iter(chunks)))
        .on_upload_progress(report)
        .send()
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() >= 3 && increasing(&seen), "{seen:?}");
    assert_eq!(seen.last().unwrap(), &Progress::new(300_000, None));

    let (seen, report) = recorder();
    s.put(server.url("/bytes"))
        .body(vec![1u8; 5000])
        .on_upload_progress(report)
        .send()
        .await
        .unwrap();
    assert_eq!(*seen.lock().unwrap(), [Progress::new(5000, Some(5000))]);
}

#[tokio::test]
async fn a_body_sent_again_by_a_307_is_counted_again_from_zero() {
    let server = Server::start(|req| async move {
        if req.uri().path() == "/moved" {
            return respond(307, &[("location", "/there")], "");
        }
        sessio_tests::echo(req).await
    })
    .await;
    let (seen, report) = recorder();
    let r = Session::new()
        .post(server.url("/moved"))
        .body("twice")
        .on_upload_progress(report)
        .send()
        .await
        .unwrap();
    assert_eq!(r.history().len(), 1);
    assert_eq!(
        *seen.lock().unwrap(),
        [Progress::new(5, Some(5)), Progress::new(5, Some(5))]
    );
}

#[tokio::test]
async fn download_progress_counts_the_body_against_its_length() {
    let big = vec![b'y'; 1 << 20];
    let server = Server::start(move |_| {
        let big = big.clone();
        async move { respond(200, &[], big) }
    })
    .await;
    let s = Session::new();

    let (seen, report) = recorder();
    let r = s
        .get(server.url("/big"))
        .on_download_progress(report)
        .send()
        .await
        .unwrap();
    let during_send = seen.lock().unwrap().clone();
    assert_eq!(r.bytes().await.unwrap().len(), 1 << 20);
    assert!(increasing(&during_send), "{during_send:?}");
    assert_eq!(
        during_send.last().unwrap(),
        &Progress::new(1 << 20, Some(1 << 20)),
        "buffered inside send"
    );

    let (seen, report) = recorder();
    let mut r = s
        .get(server.url("/big"))
        .stream(true)
        .on_download_progress(report)
        .send()
        .await
        .unwrap();
    let first = r.chunk().await.unwrap().unwrap().len() as u64;
    assert_eq!(
        seen.lock().unwrap().first().map(Progress::bytes),
        Some(first),
        "as it is read"
    );
    while r.chunk().await.unwrap().is_some() {}
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.last().unwrap().fraction(), Some(1.0));
}

#[tokio::test]
async fn download_progress_counts_bytes_on_the_wire_before_decoding() {
    let plain = vec![b'z'; 200_000];
    let gzipped = sessio_tests::gzip(&plain);
    let wire = gzipped.len() as u64;
    let server = Server::start(move |_| {
        let body = gzipped.clone();
        async move { respond(200, &[("content-encoding", "gzip")], body) }
    })
    .await;
    let (seen, report) = recorder();
    let r = Session::new()
        .get(server.url("/gz"))
        .on_download_progress(report)
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().len(), 200_000);
    assert_eq!(
        seen.lock().unwrap().last().unwrap(),
        &Progress::new(wire, Some(wire))
    );
}

#[tokio::test]
async fn an_open_file_is_sent_from_its_position_with_its_length() {
    use tokio::io::AsyncSeekExt;

    let server = Server::echo().await;
    let path = std::env::temp_dir().join(format!("sessio-open-file-{}", std::process::id()));
    std::fs::write(&path, b"skip:payload").unwrap();
    let mut file = tokio::fs::File::open(&path).await.unwrap();
    file.seek(std::io::SeekFrom::Start(5)).await.unwrap();
    let body = sessio::multipart::file_body_from(file).await.unwrap();
    let r = Session::new()
        .put(server.url("/f"))
        .body(body)
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["body"], "payload");
    assert_eq!(v["headers"]["content-length"], "7");
    let _ = std::fs::remove_file(path);
}

#[tokio::test]
async fn text_streams_come_decoded_from_a_server() {
    use futures_util::StreamExt;

    let server = Server::start(|_| async {
        let mut r = respond(200, &[], "caf\u{e9} ".repeat(50_000));
        r.headers_mut()
            .insert("content-type", "text/plain; charset=utf-8".parse().unwrap());
        r
    })
    .await;
    let r = Session::new()
        .get(server.url("/"))
        .stream(true)
        .send()
        .await
        .unwrap();
    let parts: Vec<String> = r.text_stream().map(|part| part.unwrap()).collect().await;
    assert_eq!(parts.concat(), "caf\u{e9} ".repeat(50_000));
}
