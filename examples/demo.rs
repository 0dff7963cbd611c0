//! The sessio demo: a Session that keeps headers, auth, params and cookies across
//! requests and follows redirects, over one pooled connection, against a loopback
//! server this program starts.
//!
//! Run it with `cargo run --example demo`.

use std::time::Duration;

use sessio::{Auth, Session};
use sessio_tests::Server;

#[tokio::main]
async fn main() -> sessio::Result<()> {
    let server = Server::echo().await;
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
        "\n{} requests went over {} TCP connection(s): the session pools connections.",
        server.requests(),
        server.connections()
    );
    session.close().await;
    Ok(())
}
