//! The cookie jar through a whole session: login flows by 302, per-hop storage,
//! per-request cookies, `prepare` showing the `Cookie` header, the dict API.

use std::sync::Arc;

use sessio::Session;
use sessio::layers::cookies::Jar;
use sessio_tests::{Server, respond};

use crate::seen;

#[tokio::test]
async fn a_login_by_302_sets_cookies_that_the_next_hop_and_later_requests_send() {
    let server = Server::echo().await;
    let s = Session::new();
    let r = s
        .get(server.url("/cookies/set?sid=abc&theme=dark"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().path(), "/cookies");
    assert_eq!(
        r.history()[0].cookies().count(),
        2,
        "Response::cookies lists Set-Cookie"
    );
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["headers"]["cookie"], "sid=abc; theme=dark");
    assert_eq!(s.cookies().get("sid").unwrap().as_deref(), Some("abc"));
    let v = seen(s.get(server.url("/later"))).await;
    assert_eq!(v["headers"]["cookie"], "sid=abc; theme=dark");
}

#[tokio::test]
async fn prepare_shows_the_cookie_header_that_will_be_sent() {
    let server = Server::echo().await;
    let s = Session::new();
    s.get(server.url("/set-cookie?h=a%3D1"))
        .send()
        .await
        .unwrap();
    let request = s.get(server.url("/x")).cookie("b", "2").build().unwrap();
    let prepared = s.prepare(request).unwrap();
    assert_eq!(prepared.headers()["cookie"], "a=1; b=2");
}

#[tokio::test]
async fn request_cookies_win_follow_the_chain_and_are_never_stored() {
    let server = Server::echo().await;
    let s = Session::new();
    s.cookies().set("k", "jar").unwrap();
    let r = s
        .get(server.url("/redirect/2"))
        .cookie("k", "request")
        .cookie("extra", "1")
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        v["headers"]["cookie"], "k=request; extra=1",
        "carried to the last hop"
    );
    assert_eq!(s.cookies().get("k").unwrap().as_deref(), Some("jar"));
    assert_eq!(s.cookies().get("extra").unwrap(), None);
    let v = seen(s.get(server.url("/"))).await;
    assert_eq!(v["headers"]["cookie"], "k=jar");
}

/// `Request::prepare()` runs the same prepare as the session: its per-request
/// cookies also follow a same-origin redirect when the session sends it.
#[tokio::test]
async fn request_cookies_of_request_prepare_follow_a_redirect() {
    let server = Server::echo().await;
    let s = Session::new();
    let request = s
        .get(server.url("/redirect/1"))
        .cookie("k", "request")
        .build()
        .unwrap();
    let prepared = request.prepare().unwrap();
    assert_eq!(prepared.headers()["cookie"], "k=request");
    let r = s.send(prepared).await.unwrap();
    assert_eq!(r.history().len(), 1);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        v["headers"]["cookie"], "k=request",
        "the cookie went with the same-origin hop"
    );
    assert_eq!(
        s.cookies().get("k").unwrap(),
        None,
        "and never into the jar"
    );
}

#[tokio::test]
async fn an_explicit_cookie_header_wins_and_is_dropped_on_redirect() {
    let server = Server::echo().await;
    let s = Session::new();
    s.cookies().set("from_jar", "1").unwrap();
    let v = seen(s.get(server.url("/")).header("cookie", "mine=1")).await;
    assert_eq!(
        v["headers"]["cookie"], "mine=1",
        "the header wins over the jar"
    );
    let r = s
        .get(server.url("/redirect/1"))
        .header("cookie", "mine=1")
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        v["headers"]["cookie"], "from_jar=1",
        "requests drops a user Cookie header on the first redirect; the jar's are sent"
    );
}

#[tokio::test]
async fn cookies_stay_with_their_host() {
    // SEC-14: a cookie without Domain belongs to the host that set it.
    let server = Server::echo().await;
    let s = Session::new();
    s.get(server.url("/set-cookie?h=host_only%3D1"))
        .send()
        .await
        .unwrap();
    let v = seen(s.get(server.url("/"))).await;
    assert_eq!(v["headers"]["cookie"], "host_only=1");
    let v = seen(s.get(server.localhost_url("/"))).await;
    assert!(
        v["headers"].get("cookie").is_none(),
        "127.0.0.1's cookie is not localhost's"
    );
}

#[tokio::test]
async fn the_jar_can_be_shared_saved_and_loaded() {
    let server = Server::echo().await;
    let jar = Arc::new(Jar::new());
    let a = Session::builder().cookie_jar(jar.clone()).build().unwrap();
    let b = Session::builder().cookie_jar(jar.clone()).build().unwrap();
    a.get(server.url("/set-cookie?h=shared%3D1%3B%20Max-Age%3D600"))
        .send()
        .await
        .unwrap();
    let v = seen(b.get(server.url("/"))).await;
    assert_eq!(v["headers"]["cookie"], "shared=1");

    let mut saved = Vec::new();
    jar.save_json(&mut saved).unwrap();
    let restored = Arc::new(Jar::new());
    restored.load_json(&saved[..]).unwrap();
    let c = Session::builder().cookie_jar(restored).build().unwrap();
    let v = seen(c.get(server.url("/"))).await;
    assert_eq!(v["headers"]["cookie"], "shared=1");

    let mut txt = Vec::new();
    jar.save_netscape(&mut txt).unwrap();
    let from_txt = Arc::new(Jar::new());
    from_txt.load_netscape(&txt[..]).unwrap();
    assert_eq!(from_txt.get("shared").unwrap().as_deref(), Some("1"));
}

#[tokio::test]
async fn the_dict_api_is_live() {
    let server = Server::echo().await;
    let s = Session::new();
    s.cookies().set("everywhere", "1").unwrap();
    s.cookies()
        .set_for("scoped", "2", "127.0.0.1", "/only")
        .unwrap();
    let v = seen(s.get(server.url("/"))).await;
    assert_eq!(v["headers"]["cookie"], "everywhere=1");
    let v = seen(s.get(server.url("/only/here"))).await;
    assert_eq!(v["headers"]["cookie"], "scoped=2; everywhere=1");
    let v = seen(s.get(server.localhost_url("/"))).await;
    assert_eq!(
        v["headers"]["cookie"], "everywhere=1",
        "domainless cookies go to every host"
    );
    assert!(s.cookies().remove("everywhere"));
    s.cookies().clear();
    let v = seen(s.get(server.url("/only/x"))).await;
    assert!(v["headers"].get("cookie").is_none());
}

#[tokio::test]
async fn a_custom_cookie_store_is_used_for_every_hop() {
    use std::sync::Mutex;

    use sessio::{CookieStore, HeaderValue, Url};

    /// Remembers raw Set-Cookie values and sends them back to every URL.
    #[derive(Default)]
    struct Remember(Mutex<Vec<String>>);

    impl CookieStore for Remember {
        fn set_cookies(&self, headers: &mut dyn Iterator<Item = &HeaderValue>, _url: &Url) {
            let mut all = self.0.lock().unwrap();
            for header in headers {
                let pair = header
                    .to_str()
                    .unwrap()
                    .split(';')
                    .next()
                    .unwrap()
                    .to_owned();
                all.push(pair);
            }
        }
        fn cookies(&self, _url: &Url) -> Option<HeaderValue> {
            let all = self.0.lock().unwrap();
            (!all.is_empty()).then(|| HeaderValue::from_str(&all.join("; ")).unwrap())
        }
    }

    let server = Server::echo().await;
    let store = Arc::new(Remember::default());
    let s = Session::builder()
        .cookie_store(store.clone())
        .build()
        .unwrap();
    let r = s
        .get(server.url("/cookies/set?custom=1"))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["headers"]["cookie"], "custom=1");
    assert_eq!(store.0.lock().unwrap().len(), 1);
    assert!(s.cookies().is_empty(), "the default jar is not used");
}

#[tokio::test]
async fn each_hop_records_the_cookie_it_sent() {
    let server = Server::echo().await;
    let s = Session::new();
    let r = s
        .get(server.url("/cookies/set?hop=1"))
        .send()
        .await
        .unwrap();
    assert!(r.history()[0].request().headers().get("cookie").is_none());
    assert_eq!(
        r.request().headers()["cookie"],
        "hop=1",
        "the final hop's Cookie, as sent"
    );
}

/// requests' jar dict API over cookies two hosts set: `get_dict`,
/// `list_domains`, `list_paths`, `multiple_domains`, and `get` refusing to
/// pick between two cookies of one name (requests' `CookieConflictError`).
#[tokio::test]
async fn the_jar_answers_as_requests_cookie_jar_does() {
    let server = Server::echo().await;
    let s = Session::new();
    let set = |url: String| {
        let s = s.clone();
        async move { s.get(url).send().await.unwrap() }
    };
    set(server.url("/set-cookie?h=sid%3D1%3B%20Path%3D%2F&h=theme%3Ddark%3B%20Path%3D%2Fapp"))
        .await;
    set(server.localhost_url("/set-cookie?h=sid%3D2%3B%20Path%3D%2F")).await;

    let jar = s.cookies();
    assert_eq!(jar.iter().len(), 3);
    assert!(jar.multiple_domains());
    let mut domains = jar.list_domains();
    domains.sort();
    assert_eq!(domains, ["127.0.0.1", "localhost"]);
    let mut paths = jar.list_paths();
    paths.sort();
    assert_eq!(paths, ["/", "/app"]);

    let here = jar.get_dict(Some("127.0.0.1"), None);
    assert_eq!(here.len(), 2);
    assert_eq!(here["sid"], "1");
    assert_eq!(here["theme"], "dark");
    assert_eq!(jar.get_dict(Some("localhost"), Some("/"))["sid"], "2");

    let err = jar.get("sid").unwrap_err();
    assert!(
        err.report()
            .to_string()
            .contains("2 cookies called \"sid\""),
        "{err}"
    );
    assert_eq!(
        jar.find("sid", Some("localhost"), None).unwrap().as_deref(),
        Some("2")
    );
    assert_eq!(jar.get("theme").unwrap().as_deref(), Some("dark"));
    assert_eq!(jar.get("nothing").unwrap(), None);
}

/// Cookies from the jar are added on every send: an auth flow's re-send
/// carries the cookie its challenge set (requests re-sends the old `Cookie`
/// header, and this server then refuses it), and so does a redirect hop to
/// the same origin.
#[tokio::test]
async fn every_send_carries_the_cookies_the_jar_holds_then() {
    let server = Server::start(|req| async move {
        let cookie = req
            .headers()
            .get("cookie")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        match req.uri().path() {
            "/guarded" if !req.headers().contains_key("authorization") => respond(
                401,
                &[
                    (
                        "www-authenticate",
                        "Digest realm=\"r\", nonce=\"n1\", qop=\"auth\"",
                    ),
                    ("set-cookie", "token=new; Path=/"),
                ],
                "",
            ),
            "/guarded" if cookie.contains("token=new") => respond(200, &[], "in"),
            "/guarded" => respond(403, &[], format!("stale cookie: {cookie}")),
            "/hop" => respond(
                302,
                &[("location", "/check"), ("set-cookie", "token=hop; Path=/")],
                "",
            ),
            _ => respond(200, &[], cookie),
        }
    })
    .await;
    let s = Session::builder()
        .auth(sessio::Auth::digest("u", "p"))
        .build()
        .unwrap();
    s.cookies()
        .set_for("token", "old", "127.0.0.1", "/")
        .unwrap();

    let r = s.get(server.url("/guarded")).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(s.cookies().get("token").unwrap().as_deref(), Some("new"));

    let r = s.get(server.url("/hop")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "token=hop", "the hop's own cookie");

    // the request as sent shows the cookie it went with
    let r = s.get(server.url("/plain")).send().await.unwrap();
    assert_eq!(r.request().headers()["cookie"], "token=hop");
    // and `prepare` shows the header the session would send
    let prepared = s.prepare(s.get(server.url("/plain"))).unwrap();
    assert_eq!(prepared.headers()["cookie"], "token=hop");
}
