//! Multipart uploads through a Session, parsed on a loopback server by a real
//! multipart parser (axum's `Multipart`, multer).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::Multipart;
use axum::http::HeaderMap;
use http_body_util::BodyExt;
use sessio::Session;
use sessio::multipart::{Form, Part, file_body};
use sessio_tests::{Server, respond};
use tower::ServiceExt;

/// A server that parses every multipart body it gets and answers, as JSON,
/// each part (name, file name, content type, text) and the request's framing.
async fn parsing_server() -> (Server, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    let counted = seen.clone();
    let app = axum::Router::new()
        .route(
            "/upload",
            axum::routing::post(|headers: HeaderMap, mut form: Multipart| async move {
                let mut parts = Vec::new();
                while let Some(field) = form.next_field().await.unwrap() {
                    let name = field.name().map(str::to_owned);
                    let file_name = field.file_name().map(str::to_owned);
                    let content_type = field.content_type().map(str::to_owned);
                    let bytes = field.bytes().await.unwrap();
                    parts.push(serde_json::json!({
                        "name": name,
                        "file_name": file_name,
                        "content_type": content_type,
                        "text": String::from_utf8_lossy(&bytes),
                        "len": bytes.len(),
                    }));
                }
                let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
                serde_json::json!({
                    "parts": parts,
                    "content_length": header("content-length"),
                    "transfer_encoding": header("transfer-encoding"),
                })
                .to_string()
            }),
        )
        .route(
            "/moved",
            axum::routing::post(|| async { axum::response::Redirect::temporary("/upload") }),
        );
    let server = Server::start(move |req| {
        let app = app.clone();
        counted.fetch_add(1, Ordering::SeqCst);
        async move {
            let response = app.oneshot(req).await.unwrap();
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned());
            let body = response.into_body().collect().await.unwrap().to_bytes();
            match location {
                Some(location) => respond(status, &[("location", location.as_str())], body),
                None => respond(status, &[], body),
            }
        }
    })
    .await;
    (server, seen)
}

fn temp_file(name: &str, contents: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sessio-multipart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[tokio::test]
async fn data_and_files_together_are_parsed_part_by_part_with_a_length() {
    let (server, _) = parsing_server().await;
    let report = temp_file("report.csv", &b"a,b\n1,2\n".repeat(10_000));
    let chunks = vec![Ok::<_, std::io::Error>("str"), Ok("eam")];
    let form = Form::new()
        .text("title", "Q3 \"final\"")
        .part(
            "raw",
            Part::bytes(vec![0u8, 159, 146, 150])
                .file_name("raw.bin")
                .guess_mime(),
        )
        .part(
            "meta",
            Part::text(r#"{"v":1}"#)
                .file_name("meta.json")
                .mime_str("application/vnd.test+json")
                .unwrap(),
        )
        .file("report", &report)
        .await
        .unwrap()
        .part(
            "piped",
            Part::stream_with_length(
                sessio::Body::wrap_stream(futures_util::stream::iter(chunks)),
                6,
            ),
        );
    let expected_length = form.content_length().unwrap();
    let r = Session::new()
        .post(server.url("/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["content_length"], expected_length.to_string());
    assert!(v["transfer_encoding"].is_null(), "{v}");
    let parts = v["parts"].as_array().unwrap();
    let summary: Vec<(String, String, String)> = parts
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or("-").to_owned();
            (s("name"), s("file_name"), s("content_type"))
        })
        .collect();
    let own = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        summary,
        [
            own("title", "-", "-"),
            own("raw", "raw.bin", "application/octet-stream"),
            own("meta", "meta.json", "application/vnd.test+json"),
            // a file without a content type, as requests sends an open file
            own("report", "report.csv", "-"),
            own("piped", "-", "-"),
        ]
    );
    assert_eq!(parts[0]["text"], "Q3 \"final\"");
    assert_eq!(parts[1]["len"], 4);
    assert_eq!(parts[3]["len"], 80_000);
    assert_eq!(parts[4]["text"], "stream");
}

#[tokio::test]
async fn a_stream_of_unknown_length_is_sent_chunked() {
    let (server, _) = parsing_server().await;
    let chunks = vec![Ok::<_, std::io::Error>("a"), Ok("b")];
    let form = Form::new().text("k", "v").part(
        "s",
        Part::stream(sessio::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .file_name("s.txt"),
    );
    let r = Session::new()
        .post(server.url("/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["transfer_encoding"], "chunked");
    assert_eq!(v["parts"][1]["text"], "ab");
    // a file name alone brings no content type (requests' 2-tuple)
    assert!(v["parts"][1]["content_type"].is_null(), "{v}");
}

#[tokio::test]
async fn a_form_in_memory_follows_a_307_and_one_with_a_file_is_not_sent_twice() {
    let (server, seen) = parsing_server().await;
    let s = Session::new();
    let r = s
        .post(server.url("/moved"))
        .multipart(Form::new().text("again", "yes"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.history().len(), 1);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["parts"][0]["text"], "yes", "the same form, sent again");

    let file = temp_file("once.txt", b"once");
    let form = Form::new().file("f", &file).await.unwrap();
    let before = seen.load(Ordering::SeqCst);
    let r = s
        .post(server.url("/moved"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 307, "a streamed body is not sent again");
    assert!(r.redirect_not_followed().is_some());
    assert_eq!(seen.load(Ordering::SeqCst), before + 1);
}

#[tokio::test]
async fn a_missing_file_is_an_error_before_anything_is_sent() {
    let missing = std::env::temp_dir().join("sessio-no-such-file.bin");
    let err = Form::new().file("f", &missing).await.unwrap_err();
    assert!(err.is_body(), "{err:?}");
    assert!(
        err.report().to_string().contains("sessio-no-such-file.bin"),
        "{err}"
    );
    let err = file_body(&missing).await.unwrap_err();
    assert!(err.is_body(), "{err:?}");
}

#[tokio::test]
async fn a_file_body_is_streamed_with_its_length() {
    let server = Server::echo().await;
    let path = temp_file("plain.bin", &[7u8; 200_000]);
    let body = file_body(&path).await.unwrap();
    let r = Session::new()
        .put(server.url("/put"))
        .body(body)
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["headers"]["content-length"], "200000");
    assert!(
        v["headers"].get("transfer-encoding").is_none(),
        "{}",
        v["headers"]
    );
}
