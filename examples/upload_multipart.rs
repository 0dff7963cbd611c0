//! Uploads a form with text fields, a file streamed from disk and bytes in
//! memory, with upload progress, to a loopback server that parses it.
//!
//!     cargo run --example upload_multipart

use axum::extract::Multipart;
use http_body_util::BodyExt;
use sessio::Session;
use sessio::multipart::{Form, Part};
use sessio_tests::{Server, respond};
use tower::ServiceExt;

#[tokio::main]
async fn main() -> sessio::Result<()> {
    // A server that lists the parts it received.
    let app = axum::Router::new().route(
        "/upload",
        axum::routing::post(|mut form: Multipart| async move {
            let mut summary = String::new();
            while let Ok(Some(field)) = form.next_field().await {
                let name = field.name().unwrap_or("?").to_owned();
                let file = field.file_name().map(str::to_owned);
                let kind = field.content_type().map(str::to_owned);
                let size = field.bytes().await.map_or(0, |b| b.len());
                summary.push_str(&format!(
                    "{name}: {size} bytes, file {file:?}, type {kind:?}\n"
                ));
            }
            summary
        }),
    );
    let server = Server::start(move |req| {
        let app = app.clone();
        async move {
            let response = app.oneshot(req).await.expect("infallible");
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            respond(status, &[], body)
        }
    })
    .await;

    let report = std::env::temp_dir().join("sessio-example-report.csv");
    std::fs::write(
        &report,
        "month,total\n".to_owned() + &"2026-11,42\n".repeat(50_000),
    )
    .map_err(sessio::Error::from)?;
    let form = Form::new()
        .text("title", "November")
        .file("report", &report)
        .await?
        .part(
            "thumbnail",
            Part::bytes(vec![0x89, b'P', b'N', b'G'])
                .file_name("thumb.png")
                .guess_mime(),
        );
    println!("form of {:?} bytes", form.content_length());

    let response = Session::new()
        .post(server.url("/upload"))
        .multipart(form)
        .on_upload_progress(|p| {
            if p.fraction() == Some(1.0) {
                println!("sent all {} bytes", p.bytes());
            }
        })
        .send()
        .await?;
    print!("server saw:\n{}", response.text().await?);
    let _ = std::fs::remove_file(report);
    Ok(())
}
