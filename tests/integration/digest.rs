//! Digest auth against a loopback server that checks every answer with its
//! own digest code: each algorithm and qop, userhash, pre-emptive answers with
//! counted nonces, one re-send per challenge (two when stale), stream bodies,
//! redirects; and a flow of one's own (a token refreshed on 401).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use http_body_util::BodyExt;
use md5::Md5;
use sessio::{Auth, Body, Session};
use sessio_tests::{Server, respond};
use sha2::{Digest, Sha256, Sha512_256};

const USER: &str = "Mufasa";
const PASSWORD: &str = "Circle of Life";
const REALM: &str = "testrealm@host.test";

#[derive(Clone, Copy, Debug)]
struct Setup {
    algorithm: &'static str,
    qop: Option<&'static str>,
    userhash: bool,
    /// Answer the first correct response with a new nonce and `stale=true`.
    stale_once: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            algorithm: "MD5",
            qop: Some("auth"),
            userhash: false,
            stale_once: false,
        }
    }
}

/// What the server saw.
#[derive(Default, Debug)]
struct Seen {
    challenges: usize,
    accepted: Vec<String>,
    rejected: usize,
    nonce: u32,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hash(algorithm: &str, text: &[u8]) -> String {
    match algorithm.trim_end_matches("-sess") {
        "MD5" => hex(&Md5::digest(text)),
        "SHA-256" => hex(&Sha256::digest(text)),
        "SHA-512-256" => hex(&Sha512_256::digest(text)),
        other => panic!("the test server does not know {other}"),
    }
}

/// The parameters of `Digest a="b", c=d`.
fn params(header: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = header.strip_prefix("Digest ").expect("a digest answer");
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=').expect("name=value");
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"').expect("closing quote");
                (&quoted[..end], &quoted[end + 1..])
            }
            None => after.split_once(',').map_or((after, ""), |(v, n)| (v, n)),
        };
        out.push((name.trim().to_owned(), value.to_owned()));
        rest = next.trim_start_matches([',', ' ']);
    }
    out
}

/// The server's own check of a digest answer.
fn valid(
    setup: &Setup,
    nonce: &str,
    method: &str,
    target: &str,
    body: &[u8],
    header: &str,
) -> bool {
    let p = params(header);
    let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let h = |text: String| hash(setup.algorithm, text.as_bytes());
    let username = if setup.userhash {
        h(format!("{USER}:{REALM}"))
    } else {
        USER.to_owned()
    };
    if get("username") != Some(username.as_str())
        || get("nonce") != Some(nonce)
        || get("uri") != Some(target)
        || get("realm") != Some(REALM)
    {
        return false;
    }
    let cnonce = get("cnonce").unwrap_or("");
    let mut ha1 = h(format!("{USER}:{REALM}:{PASSWORD}"));
    if setup.algorithm.ends_with("-sess") {
        ha1 = h(format!("{ha1}:{nonce}:{cnonce}"));
    }
    let ha2 = match get("qop") {
        Some("auth-int") => h(format!("{method}:{target}:{}", hash(setup.algorithm, body))),
        _ => h(format!("{method}:{target}")),
    };
    let expected = match (setup.qop, get("qop")) {
        (Some(_), Some(qop)) => h(format!(
            "{ha1}:{nonce}:{}:{cnonce}:{qop}:{ha2}",
            get("nc").unwrap_or("")
        )),
        (None, None) => h(format!("{ha1}:{nonce}:{ha2}")),
        _ => return false,
    };
    get("response") == Some(expected.as_str())
}

async fn digest_server(setup: Setup) -> (Server, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let state = seen.clone();
    let server = Server::start(move |req: http::Request<hyper::body::Incoming>| {
        let state = state.clone();
        async move {
            let method = req.method().to_string();
            let target = req.uri().path_and_query().unwrap().to_string();
            let header = req
                .headers()
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned());
            let body = req.into_body().collect().await.unwrap().to_bytes();
            if target == "/go" {
                return respond(302, &[("location", "/protected")], "");
            }
            let mut seen = state.lock().unwrap();
            let nonce = format!("nonce-{}", seen.nonce);
            let challenge = |seen: &mut Seen, nonce: &str, stale: bool| {
                seen.challenges += 1;
                let mut value = format!(
                    "Digest realm=\"{REALM}\", nonce=\"{nonce}\", opaque=\"op\", algorithm={}",
                    setup.algorithm
                );
                if let Some(qop) = setup.qop {
                    value.push_str(&format!(", qop=\"{qop}\""));
                }
                if setup.userhash {
                    value.push_str(", userhash=true");
                }
                if stale {
                    value.push_str(", stale=true");
                }
                respond(401, &[("www-authenticate", &value)], "who are you?")
            };
            match header {
                Some(h) if valid(&setup, &nonce, &method, &target, &body, &h) => {
                    if !h.contains("opaque=\"op\"") {
                        seen.rejected += 1;
                        return respond(400, &[], "opaque not echoed");
                    }
                    if setup.stale_once && seen.nonce == 0 {
                        seen.nonce = 1;
                        return challenge(&mut seen, "nonce-1", true);
                    }
                    let nc = params(&h)
                        .into_iter()
                        .find(|(k, _)| k == "nc")
                        .map(|(_, v)| v)
                        .unwrap_or_default();
                    seen.accepted.push(nc);
                    respond(200, &[], "welcome")
                }
                Some(_) => {
                    seen.rejected += 1;
                    challenge(&mut seen, &nonce, false)
                }
                None => challenge(&mut seen, &nonce, false),
            }
        }
    })
    .await;
    (server, seen)
}

#[tokio::test]
async fn every_algorithm_and_qop_is_answered_as_the_server_checks_it() {
    for algorithm in [
        "MD5",
        "MD5-sess",
        "SHA-256",
        "SHA-256-sess",
        "SHA-512-256",
        "SHA-512-256-sess",
    ] {
        for qop in [Some("auth"), Some("auth-int"), None] {
            for userhash in [false, true] {
                if qop.is_none() && algorithm.ends_with("-sess") {
                    // `-sess` hashes the client nonce, which is only sent
                    // with a qop: the pair is not defined (RFC 2617 §3.2.2).
                    continue;
                }
                let setup = Setup {
                    algorithm,
                    qop,
                    userhash,
                    ..Setup::default()
                };
                let (server, seen) = digest_server(setup).await;
                let session = Session::builder()
                    .auth(Auth::digest(USER, PASSWORD))
                    .build()
                    .unwrap();
                let r = session
                    .post(server.url("/dir/index.html?x=1"))
                    .body("a body the auth-int hash covers")
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200, "{setup:?}");
                let seen = seen.lock().unwrap();
                assert_eq!((seen.challenges, seen.rejected), (1, 0), "{setup:?}");
            }
        }
    }
}

#[tokio::test]
async fn a_known_nonce_is_answered_before_the_server_asks_with_a_counted_nonce() {
    let (server, seen) = digest_server(Setup::default()).await;
    let session = Session::builder()
        .auth(Auth::digest(USER, PASSWORD))
        .build()
        .unwrap();
    for _ in 0..3 {
        let r = session.get(server.url("/")).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.challenges, 1, "only the first request was challenged");
    assert_eq!(seen.accepted, ["00000001", "00000002", "00000003"]);
    assert_eq!(server.requests(), 4);
    assert_eq!(
        server.connections(),
        1,
        "the 401 was drained and its connection reused"
    );
}

#[tokio::test]
async fn one_resend_per_challenge_and_one_more_only_when_the_nonce_is_stale() {
    let (server, seen) = digest_server(Setup::default()).await;
    let wrong = Session::builder()
        .auth(Auth::digest(USER, "not the password"))
        .build()
        .unwrap();
    let r = wrong.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 401, "the last 401 is returned");
    assert_eq!(server.requests(), 2, "sent once more, not more");
    assert_eq!(seen.lock().unwrap().rejected, 1);

    let (server, seen) = digest_server(Setup {
        stale_once: true,
        ..Setup::default()
    })
    .await;
    let session = Session::builder()
        .auth(Auth::digest(USER, PASSWORD))
        .build()
        .unwrap();
    let r = session.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(server.requests(), 3, "401, stale 401, 200");
    assert_eq!(
        seen.lock().unwrap().accepted,
        ["00000001"],
        "a new nonce counts from one"
    );
}

/// requests' `r.history` after digest auth holds the 401 that was answered,
/// and `r.request.headers` the `Authorization` that was sent; each entry's
/// request shows the headers it was sent with, the jar's `Cookie` included.
#[tokio::test]
async fn an_answered_challenge_stays_in_the_history_and_each_request_is_shown_as_sent() {
    let (server, _seen) = digest_server(Setup::default()).await;
    let session = Session::builder()
        .auth(Auth::digest(USER, PASSWORD))
        .build()
        .unwrap();
    session.cookies().set("sid", "s1").unwrap();
    let r = session.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let authorization = r.request().headers()["authorization"].to_str().unwrap();
    assert!(
        authorization.starts_with("Digest ") && authorization.contains("nonce=\"nonce-0\""),
        "{authorization}"
    );
    assert_eq!(r.request().headers()["cookie"], "sid=s1");
    let [challenge] = r.history() else {
        panic!("one 401 in the history: {:?}", r.history());
    };
    assert_eq!(challenge.status(), 401);
    assert!(
        challenge.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Digest ")
    );
    assert_eq!(challenge.request().url().path(), "/");
    assert!(
        challenge.request().headers().get("authorization").is_none(),
        "sent without"
    );
    assert_eq!(challenge.request().headers()["cookie"], "sid=s1");
    assert!(challenge.history().is_empty());
    assert_eq!(challenge.text().await.unwrap(), "who are you?");

    // A stale nonce: two challenges answered, each request as it was sent.
    let (server, _seen) = digest_server(Setup {
        stale_once: true,
        ..Setup::default()
    })
    .await;
    let session = Session::builder()
        .auth(Auth::digest(USER, PASSWORD))
        .build()
        .unwrap();
    let r = session
        .post(server.url("/form"))
        .body("a=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let nonces: Vec<Option<String>> = r
        .history()
        .iter()
        .chain([&r])
        .map(|response| {
            let sent = response.request().headers().get("authorization")?;
            let sent = params(sent.to_str().unwrap());
            sent.into_iter().find(|(k, _)| k == "nonce").map(|(_, v)| v)
        })
        .collect();
    assert_eq!(
        nonces,
        [None, Some("nonce-0".into()), Some("nonce-1".into())],
        "401, the stale 401, the 200"
    );
    assert_eq!(
        r.history()[1].history().len(),
        1,
        "each entry's history is the entries before it"
    );
    for response in r.history().iter().chain([&r]) {
        assert_eq!(
            response.request().body().as_bytes(),
            Some(&b"a=1"[..]),
            "the body of each send"
        );
    }
}

#[tokio::test]
async fn a_stream_body_is_never_sent_again_for_a_challenge() {
    let (server, _seen) = digest_server(Setup::default()).await;
    let session = Session::builder()
        .auth(Auth::digest(USER, PASSWORD))
        .build()
        .unwrap();
    let chunks =
        futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"once"))]);
    let r = session
        .post(server.url("/upload"))
        .body(Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn digest_answers_each_hop_of_its_origin_and_never_another_host() {
    let (server, seen) = digest_server(Setup::default()).await;
    let front = Server::echo().await;
    let session = Session::builder()
        .auth(Auth::digest(USER, PASSWORD))
        .build()
        .unwrap();
    // A redirect on the same origin: the hop that is challenged is answered.
    let r = session.get(server.url("/go")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let statuses: Vec<u16> = r.history().iter().map(|h| h.status().as_u16()).collect();
    assert_eq!(
        statuses,
        [302, 401],
        "the redirect, then the challenge answered"
    );
    assert_eq!(seen.lock().unwrap().challenges, 1);

    // Another origin redirects to the digest server: no answer there.
    let (server, seen) = digest_server(Setup::default()).await;
    let target = server.url("/protected");
    let r = session
        .get(front.url(&format!("/redirect-to?url={target}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "the auth was given for the first origin only"
    );
    assert_eq!(seen.lock().unwrap().challenges, 1);
    assert_eq!(server.requests(), 1, "no digest answer to another host");

    // Given for the digest server itself, it answers there.
    let r = session.get(&target).send().await.unwrap();
    assert_eq!(r.status(), 200);
    drop(seen);
}

/// A flow of one's own: a bearer token refreshed when the server says 401.
struct Refreshing {
    token: Arc<Mutex<String>>,
    refreshes: Arc<AtomicUsize>,
}

impl sessio::auth::AuthFlow for Refreshing {
    fn authorize(&self, _request: &sessio::auth::AuthRequest<'_>) -> Option<http::HeaderValue> {
        http::HeaderValue::try_from(format!("Bearer {}", self.token.lock().unwrap())).ok()
    }

    fn respond(
        &self,
        _request: &sessio::auth::AuthRequest<'_>,
        response: &http::response::Parts,
        _resends: u32,
    ) -> sessio::auth::AuthFuture {
        let expired = response.status == 401;
        let (token, refreshes) = (self.token.clone(), self.refreshes.clone());
        Box::pin(async move {
            if !expired {
                return Ok(None);
            }
            refreshes.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await; // a token endpoint would be asked here
            *token.lock().unwrap() = "fresh".to_owned();
            Ok(Some(http::HeaderValue::from_static("Bearer fresh")))
        })
    }
}

#[tokio::test]
async fn a_flow_of_ones_own_refreshes_a_token_on_401() {
    let server = Server::start(|req: http::Request<hyper::body::Incoming>| async move {
        match req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
        {
            Some("Bearer fresh") => respond(200, &[], "fresh enough"),
            _ => respond(401, &[], "expired"),
        }
    })
    .await;
    let refreshes = Arc::new(AtomicUsize::new(0));
    let session = Session::builder()
        .auth(Auth::flow(Refreshing {
            token: Arc::new(Mutex::new("stale".to_owned())),
            refreshes: refreshes.clone(),
        }))
        .build()
        .unwrap();
    for _ in 0..2 {
        let r = session.get(server.url("/")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fresh enough");
    }
    assert_eq!(
        refreshes.load(Ordering::SeqCst),
        1,
        "refreshed once, then reused"
    );
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn a_custom_auth_edits_the_prepared_request_and_its_error_stops_the_request() {
    let server = Server::echo().await;
    let signing = Auth::custom(|request| {
        let body = request.body().as_bytes().unwrap_or_default().to_vec();
        let signature = hex(&Sha256::digest(&body));
        let value = signature.parse().map_err(sessio::BoxError::from)?;
        request.headers_mut().insert("x-signature", value);
        Ok(())
    });
    let session = Session::builder().auth(signing).build().unwrap();
    let r = session
        .post(server.url("/signed"))
        .body("payload")
        .send()
        .await
        .unwrap();
    let echo: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        echo["headers"]["x-signature"],
        hex(&Sha256::digest(b"payload"))
    );

    let refusing = Auth::custom(|_request| Err("no credentials for this host".into()));
    let err = session
        .get(server.url("/refused"))
        .auth(refusing)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.report()
            .to_string()
            .contains("no credentials for this host"),
        "{err}"
    );
    assert_eq!(server.requests(), 1, "the refused request was never sent");
}
