//! Jar tests: RFC 6265 rules, limits, the dict API, persistence.

use super::rules::{domain_matches, path_matches};
use super::*;

fn url(s: &str) -> Url {
    s.parse().unwrap()
}

fn store(jar: &Jar, set_cookie: &str, from: &str) {
    jar.set_cookies(
        &mut [HeaderValue::from_str(set_cookie).unwrap()].iter(),
        &url(from),
    );
}

fn header(jar: &Jar, to: &str) -> Option<String> {
    jar.cookies(&url(to))
        .map(|v| v.to_str().unwrap().to_owned())
}

#[test]
fn host_only_and_domain_cookies() {
    let jar = Jar::new();
    store(&jar, "host=1", "http://example.com/");
    store(&jar, "dom=2; Domain=example.com", "http://example.com/");
    assert_eq!(
        header(&jar, "http://example.com/").as_deref(),
        Some("host=1; dom=2")
    );
    assert_eq!(
        header(&jar, "http://www.example.com/").as_deref(),
        Some("dom=2")
    );
    assert_eq!(header(&jar, "http://other.com/"), None);
}

#[test]
fn public_suffix_domains_are_rejected_sec_25() {
    let jar = Jar::new();
    for bad in ["a=1; Domain=com", "b=1; Domain=co.UK", "c=1; Domain=.com."] {
        store(&jar, bad, "http://example.com/");
    }
    store(&jar, "d=1; Domain=co.uk", "http://example.co.uk/");
    assert!(jar.is_empty(), "{:?}", jar.iter());
    assert_eq!(header(&jar, "http://unrelated.com/"), None);
}

#[test]
fn secure_cookies_need_https_even_on_loopback() {
    let jar = Jar::new();
    store(&jar, "s=1; Secure", "https://127.0.0.1/");
    assert_eq!(header(&jar, "https://127.0.0.1/").as_deref(), Some("s=1"));
    assert_eq!(header(&jar, "http://127.0.0.1/"), None);
}

#[test]
fn longer_paths_come_first_and_paths_match() {
    let jar = Jar::new();
    store(&jar, "a=1; Path=/", "http://example.com/");
    store(&jar, "b=2; Path=/x/y", "http://example.com/");
    store(&jar, "c=3; Path=/x", "http://example.com/");
    assert_eq!(
        header(&jar, "http://example.com/x/y/z").as_deref(),
        Some("b=2; c=3; a=1")
    );
    assert_eq!(
        header(&jar, "http://example.com/other").as_deref(),
        Some("a=1")
    );
}

#[test]
fn expiry_and_deletion() {
    let jar = Jar::new();
    store(&jar, "a=1", "http://example.com/");
    store(&jar, "a=1; Max-Age=0", "http://example.com/");
    assert_eq!(header(&jar, "http://example.com/"), None);
    store(
        &jar,
        "b=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT",
        "http://example.com/",
    );
    assert!(jar.is_empty());
}

#[test]
fn limits_are_enforced_sec_26() {
    let jar = Jar::new();
    let big = format!("big={}", "x".repeat(MAX_COOKIE_SIZE));
    store(&jar, &big, "http://example.com/");
    assert!(jar.is_empty());
    for i in 0..(MAX_COOKIES_PER_DOMAIN + 10) {
        store(&jar, &format!("c{i}=v"), "http://example.com/");
    }
    assert_eq!(jar.len(), MAX_COOKIES_PER_DOMAIN);
    store(&jar, "c0=updated", "http://example.com/");
    assert_eq!(
        jar.get("c0").unwrap().as_deref(),
        Some("updated"),
        "updates are not new cookies"
    );
}

#[test]
fn quoted_values_are_kept_as_sent() {
    // requests test_cookie_quote_wrapped
    let jar = Jar::new();
    store(&jar, "foo=\"bar:baz\"", "http://example.com/");
    assert_eq!(
        header(&jar, "http://example.com/").as_deref(),
        Some("foo=\"bar:baz\"")
    );
}

#[test]
fn scoped_cookies_leave_out_domainless_ones() {
    let jar = Jar::new();
    jar.set("super", "1").unwrap();
    store(&jar, "own=1", "http://example.com/");
    assert_eq!(
        header(&jar, "http://example.com/").as_deref(),
        Some("super=1; own=1"),
        "oldest first"
    );
    let scoped = jar.scoped_cookies(&url("http://example.com/")).unwrap();
    assert_eq!(scoped, "own=1");
}

#[test]
fn path_and_domain_matching_follow_rfc_6265() {
    assert!(path_matches("/", "/anything"));
    assert!(path_matches("/a", "/a"));
    assert!(path_matches("/a", "/a/b"));
    assert!(!path_matches("/a", "/ab"));
    assert!(path_matches("/a/", "/a/b"));
    let suffix = cookie_store::CookieDomain::Suffix("example.com".into());
    assert!(domain_matches(&suffix, "example.com", false));
    assert!(domain_matches(&suffix, "www.example.com", false));
    assert!(!domain_matches(&suffix, "badexample.com", false));
    assert!(!domain_matches(&suffix, "example.com.evil", false));
}

#[test]
fn dict_api() {
    let jar = Jar::new();
    jar.set("everywhere", "1").unwrap();
    jar.set_for("scoped", "2", "example.com", "/").unwrap();
    assert_eq!(jar.get("everywhere").unwrap().as_deref(), Some("1"));
    assert_eq!(
        jar.get_for("scoped", "example.com", "/").as_deref(),
        Some("2")
    );
    assert_eq!(
        header(&jar, "http://any.host/").as_deref(),
        Some("everywhere=1")
    );
    assert_eq!(
        header(&jar, "http://sub.example.com/").as_deref(),
        Some("everywhere=1; scoped=2"),
        "oldest first"
    );
    assert!(jar.remove("scoped"));
    assert!(!jar.remove("scoped"));
    assert_eq!(jar.len(), 1);
    jar.clear();
    assert!(jar.is_empty());
    assert!(jar.set_for("bad", "v", "exa mple.com", "/").is_err());
}

#[test]
fn json_and_netscape_round_trips() {
    let jar = Jar::new();
    store(
        &jar,
        "sid=abc; Secure; HttpOnly; Max-Age=3600",
        "https://example.com/app",
    );
    store(
        &jar,
        "pref=x; Domain=example.com; Path=/",
        "https://example.com/",
    );
    jar.set("anywhere", "1").unwrap();

    let mut json = Vec::new();
    jar.save_json(&mut json).unwrap();
    let copy = Jar::new();
    copy.load_json(&json[..]).unwrap();
    let mut a: Vec<CookieInfo> = jar.iter().collect();
    let mut b: Vec<CookieInfo> = copy.iter().collect();
    a.sort_by(|x, y| x.name.cmp(&y.name));
    b.sort_by(|x, y| x.name.cmp(&y.name));
    assert_eq!(a, b);

    let mut txt = Vec::new();
    jar.save_netscape(&mut txt).unwrap();
    let text = String::from_utf8(txt.clone()).unwrap();
    assert!(
        text.contains("#HttpOnly_example.com\tFALSE\t/\tTRUE\t"),
        "{text}"
    );
    assert!(
        text.contains(".example.com\tTRUE\t/\tFALSE\t0\tpref\tx"),
        "{text}"
    );
    let copy = Jar::new();
    copy.load_netscape(&txt[..]).unwrap();
    assert_eq!(copy.get("sid").unwrap().as_deref(), Some("abc"));
    assert_eq!(
        copy.cookies(&url("https://www.example.com/")).unwrap(),
        "pref=x"
    );
    assert!(copy.load_netscape(&b"bad line\n"[..]).is_err());
}

#[test]
fn a_domain_with_whitespace_after_its_dot_is_rejected() {
    // RFC 6265 §5.2.3: `Domain=. example.com` leaves " example.com", no domain.
    let jar = Jar::new();
    store(
        &jar,
        "bad=1; Domain=. example.com",
        "http://www.example.com/",
    );
    assert_eq!(jar.get("bad").unwrap(), None);
    store(
        &jar,
        "good=1; Domain=.example.com",
        "http://www.example.com/",
    );
    assert_eq!(
        header(&jar, "http://api.example.com/").as_deref(),
        Some("good=1")
    );
}

#[test]
fn cookies_of_equal_path_length_go_oldest_first() {
    // RFC 6265 §5.4: longer paths first; among equal lengths, earlier creation
    // first, and a replaced cookie keeps its creation time.
    let jar = Jar::new();
    jar.set("early", "1").unwrap();
    store(&jar, "late=2; Path=/", "http://a.test/");
    store(&jar, "later=3; Domain=a.test; Path=/", "http://a.test/");
    store(&jar, "deep=4; Path=/x", "http://a.test/x");
    assert_eq!(
        header(&jar, "http://a.test/x").as_deref(),
        Some("deep=4; early=1; late=2; later=3")
    );
    store(&jar, "late=5; Path=/", "http://a.test/");
    jar.set("early", "6").unwrap();
    assert_eq!(
        header(&jar, "http://a.test/").as_deref(),
        Some("early=6; late=5; later=3"),
        "replacements keep their place"
    );
    store(&jar, "late=; Max-Age=0; Path=/", "http://a.test/");
    store(&jar, "late=7; Path=/", "http://a.test/");
    assert_eq!(
        header(&jar, "http://a.test/").as_deref(),
        Some("early=6; later=3; late=7"),
        "a cookie deleted and set again is new"
    );
}

/// Matching on the wire URI (what the cookies layer does per request) gives
/// exactly what matching on the parsed `Url` gives, simple URI or not.
#[test]
fn cookies_for_a_uri_are_the_cookies_for_its_url() {
    let jar = Jar::new();
    store(&jar, "host=1", "http://example.com/");
    store(&jar, "dom=2; Domain=example.com", "http://example.com/");
    store(&jar, "deep=3; Path=/a/b", "http://example.com/");
    store(&jar, "safe=4; Secure", "https://example.com/");
    store(&jar, "ip=5", "http://127.0.0.1:8080/");
    store(&jar, "upper=6", "http://mixed.example/");
    jar.set("anywhere", "7").unwrap();
    for to in [
        "http://example.com/",
        "https://example.com/a/b/c?q=1",
        "http://www.example.com/a/bc",
        "http://example.com/a/b",
        "http://127.0.0.1:8080/x",
        "http://127.0.0.2/",
        "http://MIXED.example/",
        "http://example.com:80/a/b/",
        "http://other.test/",
        "http://[::1]:8080/",
    ] {
        let uri: http::Uri = to.parse().unwrap();
        assert_eq!(
            jar.cookies_for_uri(&uri),
            jar.cookies(&url(to)),
            "cookies for {to}"
        );
    }
}
