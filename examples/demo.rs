//! The sessio demo: a Session that keeps headers, auth, params and cookies across
//! requests and follows redirects, over one pooled connection, against a loopback
//! server this program starts (the `loopback` module at the end of this file).
//!
//! Run it with `cargo run --example demo`. To run it in a project of your own,
//! copy this file to `src/main.rs` and add:
//!
//! ```toml
//! [dependencies]
//! sessio = { path = "../sessio/crates/sessio" }   # a checkout: not on crates.io yet
//! tokio = { version = "1", features = ["full"] }
//! serde_json = "1"
//! # for the loopback server only:
//! hyper = { version = "1", features = ["server", "http1"] }
//! hyper-util = { version = "0.1", features = ["tokio"] }
//! http-body-util = "0.1"
//! bytes = "1"
//! flate2 = "1"
//! ```

use std::time::Duration;

use sessio::{Auth, Session};

#[tokio::main]
async fn main() -> sessio::Result<()> {
    let server = loopback::Server::start().await;
    println!("loopback echo server on {}\n", server.url(""));

    let session = Session::builder()
        .header("x-client", "sessio-demo")
        .auth(Auth::basic("demo", "s3cret"))
        .param("api-version", "2")
        .timeout(Duration::from_secs(10))
        .build()?;

    for (i, path) in ["/users", "/orders", "/gzip"].iter().enumerate() {
        let response = session
            .get(server.url(path))
            .query(&[("page", (i + 1).to_string())])
            .header("x-request-id", (i + 1).to_string())
            .send()
            .await?
            .error_for_status()?;
        let status = response.status();
        let encoding = response
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap_or("?").to_owned())
            .unwrap_or_else(|| "identity".to_owned());
        let seen: serde_json::Value = response.json().await?;
        println!("GET {path} -> {status} (body {encoding}, decoded on read)");
        println!("  query sent:    {}", seen["query"]);
        println!("  x-client:      {}", seen["headers"]["x-client"]);
        println!("  x-request-id:  {}", seen["headers"]["x-request-id"]);
        println!("  authorization: {}", seen["headers"]["authorization"]);
    }

    // Live defaults: every clone of the session sees the change.
    let clone = session.clone();
    session.set_header("x-client", "changed-live")?;
    let seen: serde_json::Value = clone.get(server.url("/live")).send().await?.json().await?;
    println!(
        "\nafter set_header on the original, a clone sends x-client: {}",
        seen["headers"]["x-client"]
    );

    // A request can drop a session default and opt out of auth.
    let seen: serde_json::Value = session
        .get(server.url("/anonymous"))
        .remove_header("x-client")
        .no_auth()
        .send()
        .await?
        .json()
        .await?;
    println!(
        "GET /anonymous without x-client or auth: x-client={} authorization={}",
        seen["headers"]["x-client"], seen["headers"]["authorization"]
    );

    // A login that answers with a 302 and a cookie: the redirect is followed, the
    // cookie stored, sent on the next hop and on every later request.
    let response = session
        .get(server.url("/cookies/set?session_id=s3cr3t"))
        .remove_param("api-version")
        .send()
        .await?;
    println!(
        "\nGET /cookies/set -> {} at {} after {} redirect(s)",
        response.status(),
        response.url().path(),
        response.history().len()
    );
    let seen: serde_json::Value = session
        .get(server.url("/profile"))
        .send()
        .await?
        .json()
        .await?;
    println!(
        "GET /profile sends the stored cookie: {}",
        seen["headers"]["cookie"]
    );

    println!(
        "\n{} requests went over {} TCP connection(s): each response body, once read, \
         gave its connection back to the session's pool for the next request.",
        server.requests(),
        server.connections()
    );
    session.close().await;
    Ok(())
}

/// A small echo server on 127.0.0.1 for the demo: every request is answered with
/// JSON of what it carried (method, path, query, headers); `/gzip` answers the
/// same gzip-compressed, and `/cookies/set?name=value` sets those cookies and
/// redirects to `/cookies`.
mod loopback {
    use std::convert::Infallible;
    use std::io::Write;
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use bytes::Bytes;
    use http_body_util::Full;
    use hyper::body::Incoming;
    use hyper::{Request, Response};
    use hyper_util::rt::TokioIo;
    use tokio::net::TcpListener;

    /// The running server; it stops with the program.
    pub(crate) struct Server {
        addr: SocketAddr,
        connections: Arc<AtomicUsize>,
        requests: Arc<AtomicUsize>,
    }

    impl Server {
        /// Binds a free port on 127.0.0.1 and serves in the background.
        pub(crate) async fn start() -> Server {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("address");
            let connections = Arc::new(AtomicUsize::new(0));
            let requests = Arc::new(AtomicUsize::new(0));
            let (conns, reqs) = (connections.clone(), requests.clone());
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    conns.fetch_add(1, Ordering::SeqCst);
                    let reqs = reqs.clone();
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |req| {
                            reqs.fetch_add(1, Ordering::SeqCst);
                            async move { Ok::<_, Infallible>(answer(req)) }
                        });
                        let io = TokioIo::new(stream);
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, service)
                            .await;
                    });
                }
            });
            Server {
                addr,
                connections,
                requests,
            }
        }

        /// `http://127.0.0.1:port` + `path`.
        pub(crate) fn url(&self, path: &str) -> String {
            format!("http://{}{path}", self.addr)
        }

        /// TCP connections accepted so far.
        pub(crate) fn connections(&self) -> usize {
            self.connections.load(Ordering::SeqCst)
        }

        /// Requests answered so far.
        pub(crate) fn requests(&self) -> usize {
            self.requests.load(Ordering::SeqCst)
        }
    }

    fn answer(req: Request<Incoming>) -> Response<Full<Bytes>> {
        let path = req.uri().path().to_owned();
        let query = req.uri().query().unwrap_or("").to_owned();
        if path == "/cookies/set" {
            let mut response = Response::builder()
                .status(302)
                .header("location", "/cookies");
            for pair in query.split('&').filter(|p| p.contains('=')) {
                response = response.header("set-cookie", format!("{pair}; Path=/"));
            }
            return response.body(Full::default()).expect("a valid response");
        }
        let headers: serde_json::Map<String, serde_json::Value> = req
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value.into())
            })
            .collect();
        let seen = serde_json::json!({
            "method": req.method().as_str(),
            "path": path,
            "query": query,
            "headers": headers,
        });
        let json = serde_json::to_vec(&seen).expect("JSON");
        let response = Response::builder().header("content-type", "application/json");
        if path == "/gzip" {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&json).expect("gzip");
            let body = gz.finish().expect("gzip");
            return response
                .header("content-encoding", "gzip")
                .body(Full::new(body.into()))
                .expect("a valid response");
        }
        response
            .body(Full::new(json.into()))
            .expect("a valid response")
    }
}
