//! Content decoding with limits: any body under any of several codings and
//! chains. Reading never panics, every chunk is at most 64 KiB, and a failure
//! is a decode or body error.
#![no_main]

use futures_util::StreamExt;
use libfuzzer_sys::fuzz_target;
use sessio::{Method, PreparedRequest, Response, ResponseBody, Url};

const CODINGS: [&str; 12] = [
    "gzip",
    "x-gzip",
    "deflate",
    "br",
    "zstd",
    "identity",
    "gzip, gzip",
    "deflate, br",
    "zstd, gzip, deflate",
    "br, br, br, br, br",
    "gzip, gzip, gzip, gzip, gzip, gzip",
    "compress",
];

/// Stop reading a (legitimately) huge output after this much.
const ENOUGH: usize = 256 << 20;

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let coding = CODINGS[usize::from(pick) % CODINGS.len()];
    let http = http::Response::builder()
        .header(http::header::CONTENT_ENCODING, coding)
        .body(ResponseBody::from(body.to_vec()))
        .expect("a valid response");
    let url = Url::parse("http://example.test/").expect("a valid URL");
    let response = Response::new(http, PreparedRequest::new(Method::GET, url));
    RUNTIME.with(|runtime| {
        runtime.block_on(async move {
            let mut stream = response.bytes_stream();
            let mut total = 0;
            while let Some(chunk) = stream.next().await {
                match chunk {
                    Ok(chunk) => {
                        assert!(chunk.len() <= 64 * 1024, "a chunk of {} bytes", chunk.len());
                        total += chunk.len();
                        if total > ENOUGH {
                            break;
                        }
                    }
                    Err(err) => {
                        assert!(err.is_decode() || err.is_body(), "{err}");
                        break;
                    }
                }
            }
        })
    });
});
