//! The echo handler: an httpbin-like set of routes on a real hyper server.

use std::io::Write;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use serde_json::{Map, Value, json};

use crate::{ServerBody, full, respond};

/// Routes (anything else echoes the request as JSON):
///
/// | path | response |
/// |---|---|
/// | `/status/{code}` | that status, empty body |
/// | `/gzip`, `/deflate`, `/zstd` | the echo JSON, compressed with that coding |
/// | `/gzip-twice` | the echo JSON, `Content-Encoding: gzip, gzip` |
/// | `/delay/{ms}` | the echo JSON after `ms` milliseconds |
/// | `/drip?n=N&gap_ms=M` | `N` bytes `x`, one per chunk, `M` ms apart |
/// | `/bytes/{n}` | `n` bytes `a` |
/// | `/reason` | `200 All Good` (a custom reason phrase) |
/// | `/links` | a `Link` header with `next` and `last` |
/// | `/charset/latin1` | `café` in Latin-1, `text/plain` without charset |
/// | `/json-utf16` | `{"k": "v"}` in UTF-16LE without BOM |
/// | `/redirect/{n}` | `302` to `/redirect/{n-1}`; `/redirect/0` echoes |
/// | `/redirect-to?url=U&status=S&h=..` | status `S` (default 302) with `Location: U` and each `h` as a raw `Set-Cookie` header |
/// | `/loop` | `302` to `/loop`, forever |
/// | `/no-location` | `302` without a `Location` |
/// | `/utf8-location` | `302` with the raw UTF-8 bytes `/café` as `Location` |
/// | `/cookies/set?k=v&..` | `302` to `/cookies`, setting each cookie (`Path=/`) |
/// | `/set-cookie?h=..&h=..` | `200` with each `h` as a raw `Set-Cookie` header |
/// | `/redirect-bomb` | `302` to `/get` whose body is 8 MiB of zeros gzipped |
///
/// The echo JSON has `method`, `path`, `query`, `version`, `headers` (name to value,
/// repeated values joined with `, `), `header_names` (in received order), `body`
/// (UTF-8, lossy) and `body_len`.
pub async fn echo(req: http::Request<Incoming>) -> http::Response<ServerBody> {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["status", code] => {
            let code = code.parse().unwrap_or(500);
            respond(code, &[], "")
        }
        ["gzip"] => {
            let body = gzip(&seen_json(req).await);
            respond(
                200,
                &[
                    ("content-encoding", "gzip"),
                    ("content-type", "application/json"),
                ],
                body,
            )
        }
        ["gzip-twice"] => {
            let body = gzip(&gzip(&seen_json(req).await));
            respond(200, &[("content-encoding", "gzip, gzip")], body)
        }
        ["deflate"] => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&seen_json(req).await).expect("in memory");
            let body = e.finish().expect("in memory");
            respond(200, &[("content-encoding", "deflate")], body)
        }
        ["zstd"] => {
            let body = zstd::stream::encode_all(&seen_json(req).await[..], 3).expect("in memory");
            respond(200, &[("content-encoding", "zstd")], body)
        }
        ["delay", ms] => {
            let ms = ms.parse().unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            respond(
                200,
                &[("content-type", "application/json")],
                seen_json(req).await,
            )
        }
        ["drip"] => drip(&query),
        ["bytes", n] => {
            let n = n.parse().unwrap_or(0);
            respond(200, &[], vec![b'a'; n])
        }
        ["reason"] => {
            let mut response = respond(200, &[], "ok");
            response
                .extensions_mut()
                .insert(hyper::ext::ReasonPhrase::from_static(b"All Good"));
            response
        }
        ["links"] => respond(
            200,
            &[(
                "link",
                "<http://example.com/p?page=2>; rel=\"next\", <http://example.com/p?page=9>; rel=\"last\"",
            )],
            "",
        ),
        ["charset", "latin1"] => respond(200, &[("content-type", "text/plain")], &b"caf\xe9"[..]),
        ["redirect", n] => {
            let n: u32 = n.parse().unwrap_or(0);
            if n == 0 {
                respond(
                    200,
                    &[("content-type", "application/json")],
                    seen_json(req).await,
                )
            } else {
                let location = format!("/redirect/{}", n - 1);
                respond(302, &[("location", &location)], "")
            }
        }
        ["redirect-to"] => {
            let params = query_pairs(&query);
            let url = lookup(&params, "url").unwrap_or("/");
            let status = lookup(&params, "status")
                .and_then(|s| s.parse().ok())
                .unwrap_or(302);
            let mut response = respond(status, &[("location", url)], "redirecting");
            for (_, cookie) in params.iter().filter(|(name, _)| name == "h") {
                if let Ok(value) = http::HeaderValue::from_str(cookie) {
                    response.headers_mut().append("set-cookie", value);
                }
            }
            response
        }
        ["loop"] => respond(302, &[("location", "/loop")], ""),
        ["no-location"] => respond(302, &[], "no location"),
        ["utf8-location"] => {
            let mut response = respond(302, &[], "");
            let location = http::HeaderValue::from_bytes("/caf\u{e9}".as_bytes()).expect("bytes");
            response.headers_mut().insert("location", location);
            response
        }
        ["cookies", "set"] => {
            let mut response = respond(302, &[("location", "/cookies")], "");
            for (k, v) in query_pairs(&query) {
                let cookie = format!("{k}={v}; Path=/");
                let value = http::HeaderValue::from_str(&cookie).expect("cookie header");
                response.headers_mut().append("set-cookie", value);
            }
            response
        }
        ["set-cookie"] => {
            let mut response = respond(200, &[], "");
            for (_, v) in query_pairs(&query) {
                if let Ok(value) = http::HeaderValue::from_str(&v) {
                    response.headers_mut().append("set-cookie", value);
                }
            }
            response
        }
        ["redirect-bomb"] => {
            let bomb = gzip(&vec![0u8; 8 << 20]);
            respond(
                302,
                &[("location", "/get"), ("content-encoding", "gzip")],
                bomb,
            )
        }
        ["json-utf16"] => {
            let body: Vec<u8> = "{\"k\": \"v\"}"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect();
            respond(200, &[], body)
        }
        _ => respond(
            200,
            &[("content-type", "application/json")],
            seen_json(req).await,
        ),
    }
}

/// The echo JSON of a request, as bytes.
pub async fn seen_json(req: http::Request<Incoming>) -> Vec<u8> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut headers = Map::new();
    let mut names = Vec::new();
    for name in parts.headers.keys() {
        let values: Vec<&str> = parts
            .headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or("<binary>"))
            .collect();
        headers.insert(name.as_str().to_owned(), Value::from(values.join(", ")));
        names.push(Value::from(name.as_str()));
    }
    let seen = json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query().unwrap_or(""),
        "version": format!("{:?}", parts.version),
        "headers": headers,
        "header_names": names,
        "body": String::from_utf8_lossy(&body),
        "body_len": body.len(),
    });
    serde_json::to_vec(&seen).expect("json")
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn lookup<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// gzip-compresses `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("in memory");
    e.finish().expect("in memory")
}

fn drip(query: &str) -> http::Response<ServerBody> {
    let param = |name: &str| -> u64 {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0)
    };
    let (n, gap) = (param("n"), param("gap_ms"));
    let stream = futures_util::stream::unfold(0, move |sent| async move {
        if sent >= n {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(gap)).await;
        Some((
            Ok::<_, std::io::Error>(Frame::data(Bytes::from_static(b"x"))),
            sent + 1,
        ))
    });
    http::Response::builder()
        .status(200)
        .body(StreamBody::new(stream).boxed())
        .unwrap_or_else(|_| http::Response::new(full("")))
}
