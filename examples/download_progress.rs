//! Downloads a large body from a loopback server with a progress bar, the
//! body streamed to a file as it arrives (memory stays bounded).
//!
//!     cargo run --example download_progress

use std::io::Write;

use indicatif::{ProgressBar, ProgressStyle};
use sessio::Session;
use sessio_tests::{Server, respond};

#[tokio::main]
async fn main() -> sessio::Result<()> {
    // 64 MiB from a server on 127.0.0.1.
    let server = Server::start(|_| async { respond(200, &[], vec![b'.'; 64 << 20]) }).await;

    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec}")
            .expect("a valid template"),
    );
    let shown = bar.clone();
    let mut response = Session::new()
        .get(server.url("/big.iso"))
        .stream(true)
        .on_download_progress(move |p| {
            if let Some(total) = p.total() {
                shown.set_length(total);
            }
            shown.set_position(p.bytes());
        })
        .send()
        .await?;

    let path = std::env::temp_dir().join("sessio-download-progress.iso");
    let mut file = std::fs::File::create(&path).map_err(sessio::Error::from)?;
    while let Some(chunk) = response.chunk().await? {
        file.write_all(&chunk).map_err(sessio::Error::from)?;
    }
    bar.finish();
    println!("saved {} bytes to {}", bar.position(), path.display());
    let _ = std::fs::remove_file(path);
    Ok(())
}
