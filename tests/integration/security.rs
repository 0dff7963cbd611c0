//! Regression tests named after the SEC rows of FEATURES.md §3.1, §3.2 and §3.5
//! that redirects, cookies and hooks cover. Exact host/scheme/port vectors use an
//! in-process scripted adapter mounted for `http://` and `https://`; the others use
//! real loopback servers (127.0.0.1 and localhost are two hosts).

use sessio::{Auth, Method, Session};
use sessio_tests::{Scripted, Server};

use crate::seen;

fn scripted_session(script: &Scripted) -> sessio::SessionBuilder {
    Session::builder()
        .mount("http://", script.clone())
        .mount("https://", script.clone())
}

fn auth_of(script: &Scripted) -> Vec<Option<String>> {
    script
        .seen()
        .iter()
        .map(|s| {
            s.headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn sec_01_session_auth_is_not_sent_to_another_host() {
    let script = Scripted::new(&[("http://a.test/", 302, "http://b.test/")]);
    let s = scripted_session(&script)
        .auth(Auth::basic("u", "p"))
        .build()
        .unwrap();
    s.get("http://a.test/").send().await.unwrap();
    assert_eq!(auth_of(&script), [Some("Basic dTpw".to_owned()), None]);
}

#[tokio::test]
async fn sec_02_proxy_authorization_is_removed_on_every_hop() {
    let script = Scripted::new(&[("http://a.test/", 302, "http://a.test/next")]);
    let s = scripted_session(&script).build().unwrap();
    s.get("http://a.test/")
        .header("proxy-authorization", "Basic cHJveHk6cA==")
        .send()
        .await
        .unwrap();
    let seen = script.seen();
    assert!(seen[0].headers.contains_key("proxy-authorization"));
    assert!(
        !seen[1].headers.contains_key("proxy-authorization"),
        "even same-origin"
    );
}

#[tokio::test]
async fn sec_03_https_to_http_on_the_same_host_strips_auth() {
    let script = Scripted::new(&[("https://a.test/", 302, "http://a.test/")]);
    let s = scripted_session(&script)
        .auth(Auth::bearer("t"))
        .build()
        .unwrap();
    s.get("https://a.test/").send().await.unwrap();
    assert_eq!(auth_of(&script), [Some("Bearer t".to_owned()), None]);
}

#[tokio::test]
async fn sec_04_scheme_change_with_the_same_port_strips_auth() {
    let script = Scripted::new(&[("https://a.test:8443/a", 302, "http://a.test:8443/b")]);
    let s = scripted_session(&script)
        .auth(Auth::bearer("t"))
        .build()
        .unwrap();
    s.get("https://a.test:8443/a").send().await.unwrap();
    assert_eq!(auth_of(&script)[1], None);
}

#[tokio::test]
async fn sec_05_a_user_authorization_header_is_stripped_cross_host() {
    let a = Server::echo().await;
    let s = Session::new();
    let target = a.localhost_url("/echo");
    let r = s
        .get(a.url(&format!("/redirect-to?url={target}")))
        .header("authorization", "Bearer secret")
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["headers"].get("authorization").is_none());
}

#[tokio::test]
async fn sec_06_a_user_cookie_header_is_dropped_cross_origin() {
    let a = Server::echo().await;
    let s = Session::new();
    let target = a.localhost_url("/echo");
    let r = s
        .get(a.url(&format!("/redirect-to?url={target}")))
        .header("cookie", "secret=1")
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["headers"].get("cookie").is_none());
}

#[tokio::test]
async fn sec_07_proxy_authorization_is_stripped_through_a_mounted_adapter() {
    let script = Scripted::new(&[("http://a.test/", 302, "http://b.test/")]);
    let s = scripted_session(&script).build().unwrap();
    s.get("http://a.test/")
        .header("proxy-authorization", "Basic cHJveHk6cA==")
        .send()
        .await
        .unwrap();
    assert!(!script.seen()[1].headers.contains_key("proxy-authorization"));
}

#[tokio::test]
async fn sec_09_port_and_scheme_changes_strip_credentials_and_cookies() {
    let script = Scripted::new(&[
        ("http://a.test/", 302, "http://a.test:8080/"),
        ("http://a.test:8080/", 302, "http://a.test/up"),
    ]);
    let s = scripted_session(&script)
        .auth(Auth::bearer("t"))
        .build()
        .unwrap();
    s.get("http://a.test/")
        .header("cookie", "user=1")
        .send()
        .await
        .unwrap();
    let seen = script.seen();
    assert!(seen[0].headers.contains_key("authorization"));
    for hop in &seen[1..] {
        assert!(!hop.headers.contains_key("authorization"), "{}", hop.url);
        assert!(!hop.headers.contains_key("cookie"), "{}", hop.url);
    }

    // requests' one exception: http:80 -> https:443 on the same host keeps auth.
    let script = Scripted::new(&[("http://a.test/", 301, "https://a.test/")]);
    let s = scripted_session(&script)
        .auth(Auth::bearer("t"))
        .build()
        .unwrap();
    s.get("http://a.test/").send().await.unwrap();
    assert_eq!(auth_of(&script)[1].as_deref(), Some("Bearer t"));
}

#[tokio::test]
async fn sec_10_stripped_credentials_never_reappear_a_b_a() {
    let script = Scripted::new(&[
        ("http://a.test/1", 302, "http://b.test/"),
        ("http://b.test/", 302, "http://a.test/2"),
    ]);
    let s = scripted_session(&script)
        .auth(Auth::bearer("t"))
        .build()
        .unwrap();
    s.get("http://a.test/1")
        .header("proxy-authorization", "Basic eDp5")
        .send()
        .await
        .unwrap();
    assert_eq!(auth_of(&script), [Some("Bearer t".to_owned()), None, None]);
    assert!(!script.seen()[2].headers.contains_key("proxy-authorization"));
}

#[tokio::test]
async fn sec_11_stripped_credentials_never_reappear_a_b1_b2() {
    // the hop B1 -> B2 is same-origin, but the headers come from the previous hop,
    // not from a snapshot of the first request
    let a = Server::echo().await;
    let s = Session::builder().auth(Auth::bearer("t")).build().unwrap();
    let b2 = a.localhost_url("/echo");
    let b1 = a.localhost_url(&format!("/redirect-to?url={b2}"));
    let r = s
        .get(a.url(&format!("/redirect-to?url={}", urlencode(&b1))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.history().len(), 2);
    assert!(
        r.history()[1]
            .request()
            .headers()
            .get("authorization")
            .is_none()
    );
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["headers"].get("authorization").is_none());
}

#[tokio::test]
async fn sec_12_hosts_are_compared_canonically() {
    let script = Scripted::new(&[
        ("http://example.test/", 302, "http://EXAMPLE.test/same"),
        (
            "http://example.test/same",
            302,
            "http://example.test./other",
        ),
    ]);
    let s = scripted_session(&script)
        .auth(Auth::bearer("t"))
        .build()
        .unwrap();
    s.get("http://example.test/").send().await.unwrap();
    let auth = auth_of(&script);
    assert_eq!(
        auth[1].as_deref(),
        Some("Bearer t"),
        "case does not make another host"
    );
    assert_eq!(auth[2], None, "a trailing dot is another host: strip");
}

#[tokio::test]
async fn sec_14_a_cookie_set_on_a_302_is_host_only_for_the_responding_host() {
    let a = Server::echo().await;
    let s = Session::new();
    let target = a.localhost_url("/echo");
    let url = a.url(&format!("/redirect-to?url={}", urlencode(&target)));
    // the 302 itself sets no cookie here; set one first on 127.0.0.1
    s.get(a.url("/set-cookie?h=a_only%3D1"))
        .send()
        .await
        .unwrap();
    let r = s.get(url).send().await.unwrap();
    assert_eq!(
        r.history()[0].request().headers()["cookie"],
        "a_only=1",
        "sent to 127.0.0.1"
    );
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(
        v["headers"].get("cookie").is_none(),
        "not sent to localhost"
    );
}

#[tokio::test]
async fn sec_15_a_secret_post_body_does_not_follow_a_303() {
    let script = Scripted::new(&[("http://a.test/login", 303, "http://b.test/")]);
    let s = scripted_session(&script).build().unwrap();
    s.post("http://a.test/login")
        .header("content-encoding", "identity")
        .json(&serde_json::json!({"password": "hunter2"}))
        .send()
        .await
        .unwrap();
    let hop = &script.seen()[1];
    assert_eq!(hop.method, Method::GET);
    assert!(hop.body.is_empty());
    for name in [
        "content-length",
        "content-type",
        "transfer-encoding",
        "content-encoding",
    ] {
        assert!(!hop.headers.contains_key(name), "{name}");
    }
}

#[tokio::test]
async fn sec_16_each_request_sends_its_own_body() {
    let server = Server::echo().await;
    let s = Session::new();
    let v: serde_json::Value = s
        .put(server.url("/"))
        .body("first body")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["body"], "first body");
    let v: serde_json::Value = s
        .post(server.url("/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["body"], "");
    assert_eq!(v["headers"]["content-length"], "0");
}

#[tokio::test]
async fn sec_17_disabled_redirects_are_not_followed_by_any_layer() {
    let script = Scripted::new(&[("http://a.test/", 302, "http://internal.test/")]);
    let s = scripted_session(&script).build().unwrap();
    let r = s
        .get("http://a.test/")
        .allow_redirects(false)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let zero = scripted_session(&script).max_redirects(0).build().unwrap();
    assert!(
        zero.get("http://a.test/")
            .send()
            .await
            .unwrap_err()
            .is_redirect()
    );
    assert!(
        script
            .seen()
            .iter()
            .all(|s| !s.url.contains("internal.test")),
        "the internal target was never requested"
    );
}

#[tokio::test]
async fn sec_25_public_suffix_cookies_are_rejected() {
    let server = Server::echo().await;
    let s = Session::new();
    for cookie in ["a=1; Domain=com", "b=1; Domain=co.UK", "c=1; Domain=.test."] {
        let url = server.localhost_url(&format!("/set-cookie?h={}", urlencode(cookie)));
        s.get(url).send().await.unwrap();
    }
    assert!(s.cookies().is_empty(), "{:?}", s.cookies().iter());
}

#[tokio::test]
async fn sec_26_cookie_limits_are_enforced() {
    let server = Server::echo().await;
    let s = Session::new();
    let many: String = (0..90)
        .map(|i| format!("h={}", urlencode(&format!("c{i}=v"))))
        .collect::<Vec<_>>()
        .join("&");
    s.get(server.url(&format!("/set-cookie?{many}")))
        .send()
        .await
        .unwrap();
    assert_eq!(s.cookies().len(), 50, "at most 50 cookies per domain");
    let huge = format!("big={}", "x".repeat(5000));
    s.get(server.url(&format!("/set-cookie?h={huge}")))
        .send()
        .await
        .unwrap();
    assert_eq!(s.cookies().get("big").unwrap(), None);
}

#[tokio::test]
async fn sec_27_cookies_follow_the_url_host_and_a_user_host_header_is_dropped_cross_origin() {
    let script = Scripted::new(&[("http://a.test/", 302, "http://b.test/")]);
    let s = scripted_session(&script).build().unwrap();
    s.cookies().set_for("for_a", "1", "a.test", "/").unwrap();
    s.cookies().set_for("for_b", "1", "b.test", "/").unwrap();
    s.get("http://a.test/")
        .header("host", "b.test")
        .send()
        .await
        .unwrap();
    let seen = script.seen();
    assert_eq!(
        seen[0].headers["cookie"], "for_a=1",
        "chosen by the URL, not by Host"
    );
    assert_eq!(seen[0].headers["host"], "b.test");
    assert!(
        !seen[1].headers.contains_key("host"),
        "the user Host is dropped cross-origin"
    );
    assert_eq!(seen[1].headers["cookie"], "for_b=1");
}

#[tokio::test]
async fn sec_28_domainless_cookies_are_supercookies_like_requests() {
    let script = Scripted::new(&[("http://a.test/", 302, "http://b.test/")]);
    let s = scripted_session(&script).build().unwrap();
    s.cookies().set("sid", "x").unwrap();
    s.get("http://a.test/").send().await.unwrap();
    let seen = script.seen();
    assert_eq!(seen[0].headers["cookie"], "sid=x");
    assert_eq!(
        seen[1].headers["cookie"], "sid=x",
        "requests sends them to every host"
    );
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn sec_28_strict_mode_scopes_domainless_cookies_to_the_first_origin() {
    let script = Scripted::new(&[
        ("http://a.test/", 302, "http://b.test/"),
        ("http://b.test/", 302, "http://a.test/back"),
    ]);
    let s = scripted_session(&script)
        .strict_cookies(true)
        .build()
        .unwrap();
    s.cookies().set("sid", "x").unwrap();
    s.get("http://a.test/").send().await.unwrap();
    let seen = script.seen();
    assert_eq!(seen[0].headers["cookie"], "sid=x");
    assert!(
        !seen[1].headers.contains_key("cookie"),
        "not sent to b.test"
    );
    assert_eq!(
        seen[2].headers["cookie"], "sid=x",
        "back on the first origin"
    );
}

/// A cookie given by the user cannot smuggle another one (`a=1; admin=1`) or
/// break the header: a `;`, `,`, space, quote, backslash or control character
/// is a builder error, for a request's cookie and for the jar alike, and
/// nothing is sent.
#[tokio::test]
async fn sec_cookie_values_given_by_the_user_cannot_smuggle_cookies() {
    let server = Server::echo().await;
    let s = Session::new();
    let bad = [
        ("a", "1; admin=1"),
        ("a", "1,admin=1"),
        ("a", "with space"),
        ("a", "x\u{1}y"),
        ("a", "tab\tx"),
        ("a", "new\nline"),
        ("a", "back\\slash"),
        ("a", "in\"side"),
        ("a b", "1"),
        ("a=b", "1"),
        ("a;b", "1"),
        ("", "1"),
    ];
    for (name, value) in bad {
        let err = s
            .get(server.url("/"))
            .cookie(name, value)
            .send()
            .await
            .unwrap_err();
        assert!(err.is_builder(), "{name:?}={value:?}: {err}");
        assert!(err.report().to_string().contains("cookie"), "{err}");
        let err = s.cookies().set(name, value).unwrap_err();
        assert!(err.is_builder(), "{name:?}={value:?}: {err}");
    }
    assert_eq!(server.requests(), 0, "nothing was sent");
    assert!(s.cookies().is_empty());

    let v = seen(
        s.get(server.url("/"))
            .cookie("a", "\"quoted\"")
            .cookie("b!", "x/y:z=1"),
    )
    .await;
    assert_eq!(v["headers"]["cookie"], "a=\"quoted\"; b!=x/y:z=1");
}

/// A jar filled by a server (50 cookies of 4 KiB for one domain) sends at most
/// `MAX_COOKIE_HEADER` bytes of them, the first in sending order; a request's
/// own cookies larger than that are an error.
#[tokio::test]
async fn sec_the_cookie_header_is_bounded() {
    let server = Server::echo().await;
    let s = Session::new();
    for batch in 0..5 {
        let ten: String = (batch * 10..batch * 10 + 10)
            .map(|i| format!("h={}", urlencode(&format!("c{i:02}={}", "v".repeat(4000)))))
            .collect::<Vec<_>>()
            .join("&");
        s.get(server.url(&format!("/set-cookie?{ten}")))
            .send()
            .await
            .unwrap();
    }
    assert_eq!(s.cookies().len(), 50);
    let v = seen(s.get(server.url("/"))).await;
    let header = v["headers"]["cookie"].as_str().unwrap();
    let bound = sessio::layers::cookies::MAX_COOKIE_HEADER;
    assert!(header.len() <= bound, "{} bytes", header.len());
    assert!(
        header.len() > bound - 4010,
        "as many as fit: {} bytes",
        header.len()
    );
    assert!(header.starts_with("c00="), "the oldest first");

    // with a request's own cookie, the jar's give way to it
    let v = seen(s.get(server.url("/")).cookie("own", "1")).await;
    let header = v["headers"]["cookie"].as_str().unwrap();
    assert!(
        header.len() <= bound && header.ends_with("; own=1"),
        "{}",
        header.len()
    );

    let huge = "x".repeat(bound);
    let err = s
        .get(server.url("/"))
        .cookie("huge", &huge)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_builder(), "{err}");
}

/// A `Set-Cookie` on the 302 itself is stored, and goes to the redirect's
/// target only where the cookie rules allow: the same host (a host-only
/// cookie), a matching path, never another host.
#[tokio::test]
async fn sec_a_cookie_set_on_the_redirect_goes_only_where_its_rules_allow() {
    let server = Server::echo().await;
    let hop = |target: &str, cookie: &str| {
        server.url(&format!(
            "/redirect-to?url={}&h={}",
            urlencode(target),
            urlencode(cookie)
        ))
    };
    let cookie_at = |v: &serde_json::Value| v["headers"]["cookie"].as_str().map(str::to_owned);

    let s = Session::new();
    let v = seen(s.get(hop(&server.url("/same-host"), "sid=1; Path=/"))).await;
    assert_eq!(cookie_at(&v).as_deref(), Some("sid=1"), "same host: sent");
    assert_eq!(
        s.cookies().get("sid").unwrap().as_deref(),
        Some("1"),
        "stored"
    );

    let s = Session::new();
    let v = seen(s.get(hop(&server.localhost_url("/other-host"), "sid=1; Path=/"))).await;
    assert_eq!(cookie_at(&v), None, "another host: not sent");
    assert_eq!(
        s.cookies().get("sid").unwrap().as_deref(),
        Some("1"),
        "but stored for its own"
    );

    let s = Session::new();
    let v = seen(s.get(hop(&server.url("/public"), "sid=1; Path=/private"))).await;
    assert_eq!(cookie_at(&v), None, "another path: not sent");
    let v = seen(s.get(server.url("/private/page"))).await;
    assert_eq!(cookie_at(&v).as_deref(), Some("sid=1"), "its path: sent");

    let s = Session::new();
    let v = seen(s.get(hop(&server.url("/x"), "sid=1; Path=/; Domain=evil.test"))).await;
    assert_eq!(cookie_at(&v), None, "a domain the server is not: refused");
    assert!(s.cookies().is_empty());
}

/// No hop of a redirect chain carries a `Referer` (requests never sends one;
/// a URL with a token in its query must not leak to the next host).
#[tokio::test]
async fn sec_no_referer_is_ever_sent() {
    let server = Server::echo().await;
    let s = Session::new();
    let to_other = format!(
        "/redirect-to?url={}",
        urlencode(&server.localhost_url("/landing?x=1"))
    );
    let first = format!("/redirect-to?url={}", urlencode(&to_other));
    let response = s
        .get(server.url(&format!("{first}&token=secret")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.history().len(), 2);
    for hop in response.history() {
        assert!(hop.request().headers().get("referer").is_none());
    }
    let v: serde_json::Value = response.json().await.unwrap();
    assert!(v["headers"].get("referer").is_none(), "{v}");
    assert_eq!(v["path"], "/landing");
}

/// An IPv6 zone id (`[fe80::1%25eth0]`) is refused as an invalid URL, before
/// anything is sent: the WHATWG URL standard has no zone ids.
#[tokio::test]
async fn sec_an_ipv6_zone_id_is_an_invalid_url() {
    let s = Session::new();
    for url in [
        "http://[fe80::1%25eth0]/",
        "http://[fe80::1%eth0]:8080/",
        "http://[::1%25lo]/x",
    ] {
        let err = s.get(url).send().await.unwrap_err();
        assert!(err.is_builder(), "{url}: {err}");
        assert_eq!(err.kind(), sessio::ErrorKind::InvalidUrl, "{url}: {err}");
    }
}

/// requests keeps `Authorization` on an `http` → `https` redirect to the same
/// host; `strict_origin_auth(true)` strips it on every change of origin.
#[tokio::test]
async fn strict_origin_auth_strips_even_on_the_https_upgrade() {
    let script = Scripted::new(&[("http://a.test/", 302, "https://a.test/")]);
    let s = scripted_session(&script)
        .auth(Auth::bearer("t"))
        .build()
        .unwrap();
    s.get("http://a.test/").send().await.unwrap();
    assert_eq!(
        auth_of(&script),
        [Some("Bearer t".to_owned()), Some("Bearer t".to_owned())],
        "requests' rule: the upgrade keeps it"
    );

    let script = Scripted::new(&[("http://a.test/", 302, "https://a.test/")]);
    let s = scripted_session(&script)
        .auth(Auth::bearer("t"))
        .strict_origin_auth(true)
        .build()
        .unwrap();
    s.get("http://a.test/").send().await.unwrap();
    assert_eq!(auth_of(&script), [Some("Bearer t".to_owned()), None]);
}
