//! HTTP Digest access authentication (RFC 7616, and requests' `HTTPDigestAuth`).

use std::fmt::Write as _;
use std::sync::Mutex;

use http::{HeaderValue, StatusCode};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha512, Sha512_256};

use super::flow::{AuthFlow, AuthFuture, AuthRequest, origin_of};

/// Digest credentials and what the session learnt from the server: the last
/// challenge (for pre-emptive answers) and the nonce count.
pub(crate) struct DigestAuth {
    user: String,
    password: String,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The last challenge, and the origin it came from.
    challenge: Option<(Challenge, (String, String, u16))>,
    /// Requests answered with the current nonce.
    nonce_count: u32,
}

/// The hash of a digest `algorithm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hash {
    Md5,
    Sha1,
    Sha256,
    Sha512,
    Sha512_256,
}

impl Hash {
    fn hex(self, data: &[u8]) -> String {
        fn hex_of(bytes: &[u8]) -> String {
            bytes
                .iter()
                .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
                    let _ = write!(s, "{b:02x}");
                    s
                })
        }
        match self {
            Hash::Md5 => hex_of(&Md5::digest(data)),
            Hash::Sha1 => hex_of(&Sha1::digest(data)),
            Hash::Sha256 => hex_of(&Sha256::digest(data)),
            Hash::Sha512 => hex_of(&Sha512::digest(data)),
            Hash::Sha512_256 => hex_of(&Sha512_256::digest(data)),
        }
    }
}

/// A `WWW-Authenticate: Digest …` challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Challenge {
    realm: String,
    nonce: String,
    opaque: Option<String>,
    /// As the server wrote it (`MD5`, `SHA-256-sess`, …), `None` when absent.
    algorithm: Option<String>,
    hash: Hash,
    sess: bool,
    qop: Vec<String>,
    stale: bool,
    userhash: bool,
}

impl Challenge {
    /// The digest challenge in these `WWW-Authenticate` values, if any, and
    /// whether its algorithm is one sessio can answer.
    pub(crate) fn find<'a>(values: impl IntoIterator<Item = &'a HeaderValue>) -> Option<Challenge> {
        values
            .into_iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(parse_challenge)
    }
}

/// Parses the first `Digest` challenge of one header value.
/// For each byte of a header value, whether it is inside a quoted string
/// (the quotes themselves included; `\"` inside one does not end it).
fn quoted_bytes(value: &str) -> Vec<bool> {
    let mut inside = false;
    let mut escaped = false;
    value
        .bytes()
        .map(|b| {
            let was_inside = inside;
            match (inside, escaped, b) {
                (true, true, _) => escaped = false,
                (true, false, b'\\') => escaped = true,
                (_, _, b'"') => inside = !inside,
                _ => {}
            }
            was_inside || inside
        })
        .collect()
}

fn parse_challenge(value: &str) -> Option<Challenge> {
    let lower = value.to_ascii_lowercase();
    let quoted = quoted_bytes(&lower);
    let start = lower.match_indices("digest").map(|(i, _)| i).find(|&i| {
        let before = lower[..i].trim_end();
        let after = lower.as_bytes().get(i + 6);
        // a scheme name, never text inside another challenge's quoted value
        !quoted[i]
            && (before.is_empty() || before.ends_with(','))
            && matches!(after, Some(b' ' | b'\t'))
    })?;
    let params = parse_params(&value[start + 6..]);
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let algorithm = get("algorithm");
    let (hash, sess) = match algorithm.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("MD5") => (Hash::Md5, false),
        Some("MD5-SESS") => (Hash::Md5, true),
        Some("SHA") => (Hash::Sha1, false),
        Some("SHA-SESS") => (Hash::Sha1, true),
        Some("SHA-256") => (Hash::Sha256, false),
        Some("SHA-256-SESS") => (Hash::Sha256, true),
        Some("SHA-512") => (Hash::Sha512, false),
        Some("SHA-512-SESS") => (Hash::Sha512, true),
        Some("SHA-512-256") => (Hash::Sha512_256, false),
        Some("SHA-512-256-SESS") => (Hash::Sha512_256, true),
        Some(_) => return None,
    };
    Some(Challenge {
        realm: get("realm")?,
        nonce: get("nonce")?,
        opaque: get("opaque"),
        algorithm,
        hash,
        sess,
        qop: get("qop")
            .map(|q| {
                q.split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        stale: get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
        userhash: get("userhash").is_some_and(|s| s.eq_ignore_ascii_case("true")),
    })
}

/// `name=value` and `name="quoted \" value"` pairs separated by commas, up
/// to the next scheme (a token not followed by `=`).
fn parse_params(text: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        rest = rest.trim_start_matches([',', ' ', '\t']);
        let Some(eq) = rest.find('=') else { break };
        let name = rest[..eq].trim();
        if name.is_empty() || name.contains([' ', '\t', ',']) {
            break; // the next challenge's scheme
        }
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            out.push(escaped);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => out.push(c),
                }
            }
            value = out;
            rest = &quoted[end.min(quoted.len())..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_owned();
            rest = &rest[end..];
        }
        params.push((name.to_owned(), value));
    }
    params
}

impl DigestAuth {
    pub(crate) fn new(user: String, password: String) -> DigestAuth {
        DigestAuth {
            user,
            password,
            state: Mutex::new(State::default()),
        }
    }

    pub(crate) fn user(&self) -> &str {
        &self.user
    }

    /// The `Authorization` answering `challenge` for `request`, with nonce
    /// count `nc` and client nonce `cnonce`; `None` when the challenge asks
    /// for a quality of protection this request cannot give (`auth-int`
    /// without a body in memory, or an unknown one).
    fn answer(
        &self,
        challenge: &Challenge,
        request: &AuthRequest<'_>,
        nc: u32,
        cnonce: &str,
    ) -> Option<HeaderValue> {
        let h = |text: &str| challenge.hash.hex(text.as_bytes());
        let uri = request
            .uri
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_owned();
        let qop = if challenge.qop.is_empty() {
            None
        } else if challenge.qop.iter().any(|q| q == "auth") {
            Some("auth")
        } else if challenge.qop.iter().any(|q| q == "auth-int") && request.body.is_some() {
            Some("auth-int")
        } else {
            return None;
        };
        let mut ha1 = h(&format!(
            "{}:{}:{}",
            self.user, challenge.realm, self.password
        ));
        if challenge.sess {
            ha1 = h(&format!("{ha1}:{}:{cnonce}", challenge.nonce));
        }
        let ha2 = match qop {
            Some("auth-int") => {
                let body = challenge.hash.hex(request.body.unwrap_or_default());
                h(&format!("{}:{uri}:{body}", request.method))
            }
            _ => h(&format!("{}:{uri}", request.method)),
        };
        let nc = format!("{nc:08x}");
        let response = match qop {
            Some(qop) => h(&format!(
                "{ha1}:{}:{nc}:{cnonce}:{qop}:{ha2}",
                challenge.nonce
            )),
            None => h(&format!("{ha1}:{}:{ha2}", challenge.nonce)),
        };
        let username = if challenge.userhash {
            h(&format!("{}:{}", self.user, challenge.realm))
        } else {
            self.user.clone()
        };
        let mut header = format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", response=\"{response}\"",
            quote(&username),
            quote(&challenge.realm),
            quote(&challenge.nonce),
            quote(&uri),
        );
        if let Some(algorithm) = &challenge.algorithm {
            let _ = write!(header, ", algorithm={algorithm}");
        }
        if let Some(opaque) = &challenge.opaque {
            let _ = write!(header, ", opaque=\"{}\"", quote(opaque));
        }
        if let Some(qop) = qop {
            let _ = write!(header, ", qop={qop}, nc={nc}, cnonce=\"{cnonce}\"");
        }
        if challenge.userhash {
            header.push_str(", userhash=true");
        }
        let mut value = HeaderValue::try_from(header).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    /// The next nonce count for `challenge`, remembering it as the last one.
    fn next_count(&self, challenge: &Challenge, origin: (String, String, u16)) -> u32 {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let same_nonce = state
            .challenge
            .as_ref()
            .is_some_and(|(known, _)| known.nonce == challenge.nonce);
        state.nonce_count = if same_nonce { state.nonce_count + 1 } else { 1 };
        state.challenge = Some((challenge.clone(), origin));
        state.nonce_count
    }
}

impl AuthFlow for DigestAuth {
    /// Answers the last challenge of the same origin before being asked
    /// (requests' pre-emptive digest), so later requests need no 401.
    fn authorize(&self, request: &AuthRequest<'_>) -> Option<HeaderValue> {
        let origin = origin_of(request.uri)?;
        let known = {
            let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            match &state.challenge {
                Some((challenge, from)) if *from == origin => challenge.clone(),
                _ => return None,
            }
        };
        let nc = self.next_count(&known, origin);
        self.answer(&known, request, nc, &cnonce())
    }

    /// Answers a `401` with a digest challenge: once, and once more when the
    /// server says the nonce was stale.
    fn respond(
        &self,
        request: &AuthRequest<'_>,
        response: &http::response::Parts,
        resends: u32,
    ) -> AuthFuture {
        let answer = (|| {
            if response.status != StatusCode::UNAUTHORIZED {
                return None;
            }
            let challenge =
                Challenge::find(response.headers.get_all(http::header::WWW_AUTHENTICATE))?;
            if resends >= 1 && !challenge.stale {
                return None;
            }
            let origin = origin_of(request.uri)?;
            let nc = self.next_count(&challenge, origin);
            self.answer(&challenge, request, nc, &cnonce())
        })();
        Box::pin(std::future::ready(Ok(answer)))
    }
}

/// A fresh client nonce: 16 random bytes in hex.
fn cnonce() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_err() {
        // No system randomness: fall back to the clock (still unique).
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        bytes.copy_from_slice(&now.to_le_bytes());
    }
    Hash::Md5.hex(&bytes)
}

/// Escapes `"` and `\` for a quoted-string.
fn quote(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(
        method: &'a http::Method,
        uri: &'a http::Uri,
        headers: &'a http::HeaderMap,
    ) -> AuthRequest<'a> {
        AuthRequest {
            method,
            uri,
            headers,
            body: None,
        }
    }

    fn param<'a>(header: &'a str, name: &str) -> &'a str {
        let at = header.find(&format!("{name}=")).unwrap() + name.len() + 1;
        let rest = &header[at..];
        match rest.strip_prefix('"') {
            Some(quoted) => &quoted[..quoted.find('"').unwrap()],
            None => rest.split(',').next().unwrap(),
        }
    }

    /// RFC 7616 §3.9.1: the same challenge answered with MD5 and SHA-256.
    #[test]
    fn rfc_7616_examples() {
        let auth = DigestAuth::new("Mufasa".into(), "Circle of Life".into());
        let (method, headers) = (http::Method::GET, http::HeaderMap::new());
        let uri: http::Uri = "http://www.example.org/dir/index.html".parse().unwrap();
        for (algorithm, expected) in [
            ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
            (
                "SHA-256",
                "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
            ),
        ] {
            let challenge = parse_challenge(&format!(
                "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm={algorithm}, \
                 nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
                 opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
            ))
            .unwrap();
            let header = auth
                .answer(
                    &challenge,
                    &request(&method, &uri, &headers),
                    1,
                    "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
                )
                .unwrap();
            let header = header.to_str().unwrap();
            assert_eq!(param(header, "response"), expected, "{algorithm}: {header}");
            assert_eq!(param(header, "uri"), "/dir/index.html");
            assert_eq!(param(header, "qop"), "auth");
            assert_eq!(param(header, "nc"), "00000001");
            assert_eq!(
                param(header, "opaque"),
                "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
            );
        }
    }

    /// RFC 7616 §3.9.2: userhash with SHA-512-256, the user name hashed with
    /// the realm. The RFC prints `488869…54ec`, which is not the SHA-512/256
    /// of `Jäsøn Doe:api@example.org` (a known mistake of the example);
    /// OpenSSL's SHA-512/256 of that text is the value asserted here.
    #[test]
    fn rfc_7616_userhash() {
        let auth = DigestAuth::new("J\u{e4}s\u{f8}n Doe".into(), "Secret, or not?".into());
        let challenge = parse_challenge(
            "Digest realm=\"api@example.org\", qop=\"auth\", algorithm=SHA-512-256, \
             nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\", \
             opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\", charset=UTF-8, userhash=true",
        )
        .unwrap();
        let (method, headers) = (http::Method::GET, http::HeaderMap::new());
        let uri: http::Uri = "http://api.example.org/doe.json".parse().unwrap();
        let header = auth
            .answer(
                &challenge,
                &request(&method, &uri, &headers),
                1,
                "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
            )
            .unwrap();
        let header = header.to_str().unwrap();
        assert_eq!(
            param(header, "username"),
            "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"
        );
        assert!(header.contains("userhash=true"));
        assert_eq!(param(header, "algorithm"), "SHA-512-256");
    }

    #[test]
    fn challenges_are_found_among_others_and_unknown_algorithms_are_skipped() {
        let values = [
            HeaderValue::from_static("Basic realm=\"x\""),
            HeaderValue::from_static(
                "Negotiate, Digest realm=\"r\", nonce=\"n, with comma\", stale=TRUE",
            ),
        ];
        let challenge = Challenge::find(&values).unwrap();
        assert_eq!(challenge.realm, "r");
        assert_eq!(challenge.nonce, "n, with comma");
        assert!(challenge.stale);
        assert!(challenge.qop.is_empty());
        assert!(parse_challenge("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-3").is_none());
        assert!(parse_challenge("Basic realm=\"digest \"").is_none());
        assert!(
            parse_challenge("Digest nonce=\"n\"").is_none(),
            "a realm is required"
        );
        let quoted = parse_challenge(r#"Digest realm="a \"quoted\" realm", nonce="n""#).unwrap();
        assert_eq!(quoted.realm, "a \"quoted\" realm");
    }

    #[test]
    fn auth_int_needs_a_body_and_rfc_2069_has_no_qop() {
        let auth = DigestAuth::new("u".into(), "p".into());
        let (method, headers) = (http::Method::POST, http::HeaderMap::new());
        let uri: http::Uri = "http://h.test/x?y=1".parse().unwrap();
        let int_only =
            parse_challenge("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"").unwrap();
        assert!(
            auth.answer(&int_only, &request(&method, &uri, &headers), 1, "c")
                .is_none()
        );
        let with_body = AuthRequest {
            body: Some(b"payload"),
            ..request(&method, &uri, &headers)
        };
        let header = auth.answer(&int_only, &with_body, 1, "c").unwrap();
        let header = header.to_str().unwrap();
        assert_eq!(param(header, "qop"), "auth-int");
        let ha1 = Hash::Md5.hex(b"u:r:p");
        let ha2 = Hash::Md5.hex(format!("POST:/x?y=1:{}", Hash::Md5.hex(b"payload")).as_bytes());
        let expected = Hash::Md5.hex(format!("{ha1}:n:00000001:c:auth-int:{ha2}").as_bytes());
        assert_eq!(param(header, "response"), expected);

        let old = parse_challenge("Digest realm=\"r\", nonce=\"n\"").unwrap();
        let header = auth
            .answer(&old, &request(&method, &uri, &headers), 1, "c")
            .unwrap();
        let header = header.to_str().unwrap();
        let ha2 = Hash::Md5.hex(b"POST:/x?y=1");
        assert_eq!(
            param(header, "response"),
            Hash::Md5.hex(format!("{ha1}:n:{ha2}").as_bytes())
        );
        assert!(!header.contains("qop="), "{header}");
    }

    /// Found by the `digest` fuzz target: "Digest" inside another scheme's
    /// quoted realm is text, not a challenge; the real one (whose only qop
    /// cannot be answered) gets no answer.
    #[test]
    fn a_digest_inside_another_schemes_quoted_value_is_not_a_challenge() {
        let value =
            "Basic realm=\", Digest realm=r, nonce=n\", Digest realm=\"r\", nonce=\"n\", qop=\"x\"";
        let challenge = parse_challenge(value).unwrap();
        assert_eq!(challenge.realm, "r");
        assert_eq!(challenge.nonce, "n");
        assert_eq!(challenge.qop, ["x"]);
        let auth = DigestAuth::new("u".into(), "p".into());
        let (method, headers) = (http::Method::GET, http::HeaderMap::new());
        let uri: http::Uri = "http://h.test/".parse().unwrap();
        assert!(
            auth.answer(&challenge, &request(&method, &uri, &headers), 1, "c")
                .is_none()
        );
        let escaped = "Basic realm=\"a \\\" Digest realm=r, nonce=n\"";
        assert!(
            parse_challenge(escaped).is_none(),
            "an escaped quote does not end it"
        );
    }
}
