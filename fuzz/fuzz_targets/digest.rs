//! Digest challenges: a session with `Auth::digest` sends requests to a mock
//! server that answers every request `401` with the fuzzed
//! `WWW-Authenticate` values. Every `Authorization` the flow sends must be
//! one a server can read and check: `Digest` and auth-params only (quoted
//! strings escaped), the request's own `uri`, nonce counts that only go up,
//! and a `response` that is the RFC 7616 digest of the parameters it names
//! (recomputed here with the `md-5`, `sha1` and `sha2` crates). A request is
//! answered at most twice (once more for `stale=true`).
//!
//! Two input shapes (the first byte's low bit): raw header values, or a
//! well-formed challenge built from fuzzed fields, after which the answer must
//! also carry exactly those fields, and must be given whenever the challenge
//! can be answered.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use md5::Md5;
use sessio::{Auth, HeaderValue, MockAdapter, MockRequest, MockResponse, Session};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512, Sha512_256};

const PATHS: [&str; 4] = [
    "/",
    "/dir/index.html",
    "/a%20b/c?q=%22x%22&y=1",
    "/api/v1/items?page=2",
];

const ALGORITHMS: [&str; 12] = [
    "MD5",
    "MD5-sess",
    "SHA",
    "SHA-sess",
    "SHA-256",
    "SHA-256-sess",
    "SHA-512",
    "SHA-512-sess",
    "SHA-512-256",
    "SHA-512-256-sess",
    "md5",
    "sha-256-SESS",
];

const BODY: &[u8] = b"name=value&x=%22quoted%22";

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    /// The `WWW-Authenticate` values the mock answers with.
    static CHALLENGES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static HARNESS: (Session, MockAdapter) = {
        let mock = MockAdapter::from_fn(|_request| {
            CHALLENGES.with(|challenges| {
                challenges
                    .borrow()
                    .iter()
                    .fold(MockResponse::new(401), |response, value| {
                        response.header("www-authenticate", value)
                    })
            })
        });
        let session = Session::builder()
            .trust_env(false)
            .mount("http://digest.test/", mock.clone())
            .build()
            .expect("a session");
        (session, mock)
    };
}

/// What the fuzzed challenge asks, when the input is a built one.
struct Built {
    realm: String,
    nonce: String,
    opaque: Option<String>,
    algorithm: Option<&'static str>,
    qop: Vec<String>,
    stale: bool,
    userhash: bool,
}

// The first byte: bit 0 built (else raw), bit 1 POST with a body (else GET),
// bits 2-3 the path, and for a built challenge bit 4 `stale=true`, bit 5
// `userhash=true`, bits 6-7 the scheme before it (none, Basic, Bearer,
// Negotiate). Then NUL-separated: user, password, and either the raw values
// (one per line) or realm, nonce, opaque, qop, algorithm (its first byte
// picks one of ALGORITHMS) and the other scheme's realm.
fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut fields = text.split('\0');
    let user = fields.next().unwrap_or_default().to_owned();
    let password = fields.next().unwrap_or_default().to_owned();
    let post = flags & 2 != 0;
    let path = PATHS[usize::from(flags >> 2) % PATHS.len()];

    let (values, built) = if flags & 1 == 0 {
        // Raw: the rest, one header value per line.
        let raw: Vec<&str> = fields.collect();
        let values = raw
            .join("\0")
            .split('\n')
            .filter(|value| HeaderValue::from_str(value).is_ok())
            .map(str::to_owned)
            .collect();
        (values, None)
    } else {
        let mut field = || header_text(fields.next().unwrap_or_default());
        let (realm, nonce, opaque, qop, algorithm, other) =
            (field(), field(), field(), field(), field(), field());
        let built = Built {
            realm,
            nonce,
            opaque: (!opaque.is_empty()).then_some(opaque),
            algorithm: algorithm
                .bytes()
                .next()
                .map(|b| ALGORITHMS[usize::from(b) % ALGORITHMS.len()]),
            qop: qop
                .split(',')
                .map(|q| q.trim().to_ascii_lowercase())
                .filter(|q| !q.is_empty())
                .collect(),
            stale: flags & 16 != 0,
            userhash: flags & 32 != 0,
        };
        // Another scheme's challenge first (its parameter may say anything).
        let mut value = match flags >> 6 {
            0 => String::new(),
            1 => format!("Basic realm=\"{}\", ", quote(&other)),
            2 => format!(
                "Bearer realm=\"{}\", error=\"invalid_token\", ",
                quote(&other)
            ),
            _ => "Negotiate, ".to_owned(),
        };
        value.push_str(&format!(
            "Digest realm=\"{}\", nonce=\"{}\"",
            quote(&built.realm),
            quote(&built.nonce)
        ));
        if let Some(opaque) = &built.opaque {
            value.push_str(&format!(", opaque=\"{}\"", quote(opaque)));
        }
        if !qop.is_empty() {
            value.push_str(&format!(", qop=\"{}\"", quote(&qop)));
        }
        if let Some(algorithm) = built.algorithm {
            value.push_str(&format!(", algorithm={algorithm}"));
        }
        if built.stale {
            value.push_str(", stale=true");
        }
        if built.userhash {
            value.push_str(", userhash=true");
        }
        (vec![value], Some(built))
    };

    // The hops of each of two requests: the first starts unauthenticated,
    // the second with a pre-emptive answer when the first was answered.
    let hops_per_request: Vec<Vec<MockRequest>> = HARNESS.with(|(session, mock)| {
        CHALLENGES.with(|challenges| *challenges.borrow_mut() = values.clone());
        let auth = Auth::digest(user.as_str(), password.as_str());
        let url = format!("http://digest.test{path}");
        RUNTIME.with(|runtime| {
            runtime.block_on(async {
                let mut hops = Vec::new();
                for _ in 0..2 {
                    mock.clear_requests();
                    let request = if post {
                        session.post(&url).body(BODY)
                    } else {
                        session.get(&url)
                    };
                    let response = request.auth(auth.clone()).send().await;
                    let response = response.expect("the mock answers every request");
                    assert_eq!(response.status(), 401);
                    hops.push(mock.requests());
                }
                mock.clear_requests();
                hops
            })
        })
    });

    assert!(
        hops_per_request[0][0]
            .headers()
            .get("authorization")
            .is_none(),
        "an answer before any challenge"
    );
    let mut last_nc = 0u32;
    let mut answers = Vec::new();
    for hops in &hops_per_request {
        assert!(hops.len() <= 3, "{} hops for one request", hops.len());
        for hop in hops {
            let Some(value) = hop.headers().get("authorization") else {
                continue;
            };
            let text = std::str::from_utf8(value.as_bytes()).expect("a UTF-8 Authorization");
            let params = parse_authorization(text)
                .unwrap_or_else(|| panic!("an Authorization no server can read: {text:?}"));
            check_answer(&params, &user, &password, hop, text);
            if let Some(nc) = get(&params, "nc") {
                let nc = u32::from_str_radix(nc, 16).expect("nc in hex");
                assert!(nc > last_nc, "nonce count {nc} after {last_nc}: {text}");
                last_nc = nc;
            }
            answers.push(params);
        }
    }

    if let Some(built) = built {
        let context = format!("challenge {values:?}");
        check_built(&built, &user, post, &hops_per_request, &answers, &context);
    }
});

/// An answer to a built challenge carries exactly its fields, and one is
/// given whenever the challenge can be answered.
fn check_built(
    built: &Built,
    user: &str,
    post: bool,
    hops_per_request: &[Vec<MockRequest>],
    answers: &[Vec<(String, String)>],
    context: &str,
) {
    let qop_answerable = built.qop.is_empty()
        || built.qop.iter().any(|q| q == "auth")
        || (post && built.qop.iter().any(|q| q == "auth-int"));
    // A user name a header cannot carry gets no answer (unless it is hashed).
    let user_ok = built.userhash
        || !user
            .chars()
            .any(|c| (c < ' ' && c != '\t') || c == '\u{7f}');
    if qop_answerable && user_ok {
        let first = &hops_per_request[0];
        let expected = if built.stale { 3 } else { 2 };
        assert_eq!(
            first.len(),
            expected,
            "the first request answered {} times (stale: {}): {context}",
            first.len() - 1,
            built.stale
        );
    }
    let only_others =
        !built.qop.is_empty() && !built.qop.iter().any(|q| q == "auth" || q == "auth-int");
    if only_others {
        assert!(
            answers.is_empty(),
            "an answer to qop {:?}: {context}",
            built.qop
        );
    }
    for params in answers {
        assert_eq!(
            get(params, "realm"),
            Some(built.realm.as_str()),
            "{context}"
        );
        assert_eq!(
            get(params, "nonce"),
            Some(built.nonce.as_str()),
            "{context}"
        );
        assert_eq!(get(params, "opaque"), built.opaque.as_deref(), "{context}");
        assert_eq!(get(params, "algorithm"), built.algorithm, "{context}");
        assert_eq!(
            get(params, "userhash"),
            built.userhash.then_some("true"),
            "userhash: {context}"
        );
        let qop = get(params, "qop");
        match qop {
            Some("auth") => assert!(built.qop.iter().any(|q| q == "auth"), "{context}"),
            Some("auth-int") => assert!(
                built.qop.iter().any(|q| q == "auth-int") && !built.qop.iter().any(|q| q == "auth"),
                "{context}"
            ),
            None => assert!(built.qop.is_empty(), "no qop: {context}"),
            Some(other) => panic!("qop={other}: {context}"),
        }
    }
}

/// The answer's `response` is the digest of the parameters it names, for the
/// user and password given, the hop's method, URI and body.
fn check_answer(
    params: &[(String, String)],
    user: &str,
    password: &str,
    hop: &MockRequest,
    text: &str,
) {
    let url = hop.url();
    let uri = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    let need = |name: &str| get(params, name).unwrap_or_else(|| panic!("no {name} in {text:?}"));
    let (realm, nonce, response) = (need("realm"), need("nonce"), need("response"));
    assert_eq!(need("uri"), uri, "{text}");
    let algorithm = get(params, "algorithm")
        .unwrap_or("MD5")
        .to_ascii_uppercase();
    let (name, sess) = match algorithm.strip_suffix("-SESS") {
        Some(name) => (name, true),
        None => (algorithm.as_str(), false),
    };
    let h = |data: &[u8]| -> String {
        match name {
            "MD5" => hex(&Md5::digest(data)),
            "SHA" => hex(&Sha1::digest(data)),
            "SHA-256" => hex(&Sha256::digest(data)),
            "SHA-512" => hex(&Sha512::digest(data)),
            "SHA-512-256" => hex(&Sha512_256::digest(data)),
            other => panic!("algorithm {other} in {text:?}"),
        }
    };
    let hs = |text: String| h(text.as_bytes());
    let userhash = match get(params, "userhash") {
        None => false,
        Some("true") => true,
        Some(other) => panic!("userhash={other}"),
    };
    let username = if userhash {
        hs(format!("{user}:{realm}"))
    } else {
        user.to_owned()
    };
    assert_eq!(need("username"), username, "{text}");
    let qop = get(params, "qop");
    let cnonce = get(params, "cnonce");
    if qop.is_some() {
        assert!(
            get(params, "nc")
                .is_some_and(|nc| nc.len() == 8 && nc.bytes().all(|b| b.is_ascii_hexdigit())),
            "nc in {text:?}"
        );
        assert!(cnonce.is_some_and(|c| !c.is_empty()), "cnonce in {text:?}");
    }
    let Some(cnonce) = cnonce.or((!sess).then_some("")) else {
        // `-sess` without `qop` (RFC 2069 style): the client nonce in HA1 is
        // never sent, as in requests; no server can check this answer.
        return;
    };
    let mut ha1 = hs(format!("{user}:{realm}:{password}"));
    if sess {
        ha1 = hs(format!("{ha1}:{nonce}:{cnonce}"));
    }
    let method = hop.method().as_str();
    let ha2 = match qop {
        Some("auth-int") => hs(format!("{method}:{uri}:{}", h(hop.body()))),
        _ => hs(format!("{method}:{uri}")),
    };
    let expected = match qop {
        Some(qop) => hs(format!("{ha1}:{nonce}:{}:{cnonce}:{qop}:{ha2}", need("nc"))),
        None => hs(format!("{ha1}:{nonce}:{ha2}")),
    };
    assert_eq!(response, expected, "response of {text:?}");
}

fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `Digest` and a list of auth-params, strictly (RFC 7235): `token=token` or
/// `token="quoted \" string"`, separated by commas; each name once.
fn parse_authorization(text: &str) -> Option<Vec<(String, String)>> {
    let mut rest = text.strip_prefix("Digest ")?;
    let mut params: Vec<(String, String)> = Vec::new();
    loop {
        let name_len = rest.bytes().take_while(|&b| is_tchar(b)).count();
        if name_len == 0 {
            return None;
        }
        let name = &rest[..name_len];
        rest = rest[name_len..].strip_prefix('=')?;
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => out.push(chars.next()?.1),
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => out.push(c),
                }
            }
            value = out;
            rest = &quoted[end?..];
        } else {
            let len = rest.bytes().take_while(|&b| is_tchar(b)).count();
            if len == 0 {
                return None;
            }
            value = rest[..len].to_owned();
            rest = &rest[len..];
        }
        if params.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
            return None;
        }
        params.push((name.to_owned(), value));
        if rest.is_empty() {
            return Some(params);
        }
        rest = rest.strip_prefix(", ")?;
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Text a header value can hold: visible ASCII, space and tab.
fn header_text(text: &str) -> String {
    text.chars()
        .filter(|&c| c == '\t' || (' '..='~').contains(&c))
        .collect()
}

fn quote(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
