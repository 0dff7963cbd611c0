//! Secrets never printed: every `Debug` and `Display` a user may log (sessions,
//! builders, requests, responses, history, errors, proxies, adapters, the
//! cookie jar) hides URL passwords and the values of `Authorization`,
//! `Proxy-Authorization`, `Cookie` and `Set-Cookie`. Each test plants a secret
//! everywhere a user or a server can put one and greps the output for it.

use std::fmt::{Debug, Display};

use sessio::{Auth, HttpAdapter, Session};
use sessio_tests::{Server, respond};

const SECRET: &str = "planted-secret-4711";

fn hidden(what: &str, text: String) {
    assert!(
        !text.contains(SECRET),
        "{what} shows the planted secret: {text}"
    );
}

fn debug_hidden(what: &str, value: &impl Debug) {
    hidden(&format!("{what} (Debug)"), format!("{value:?}"));
    hidden(&format!("{what} (Debug, alternate)"), format!("{value:#?}"));
}

fn both_hidden(what: &str, value: &(impl Debug + Display)) {
    debug_hidden(what, value);
    hidden(&format!("{what} (Display)"), value.to_string());
}

/// A 302 that sets a cookie, then a 500 that sets another: a chain whose every
/// response carries a secret.
async fn server_setting_secret_cookies() -> Server {
    Server::start(|req| async move {
        let cookie = format!("sid={SECRET}; Path=/");
        match req.uri().path() {
            "/start" => respond(302, &[("location", "/end"), ("set-cookie", &cookie)], ""),
            _ => respond(500, &[("set-cookie", &cookie)], "failed"),
        }
    })
    .await
}

#[tokio::test]
async fn sessions_requests_responses_and_errors_hide_secrets() {
    let server = server_setting_secret_cookies().await;
    let builder = Session::builder()
        .header("authorization", format!("Bearer {SECRET}"))
        .header("cookie", format!("pre={SECRET}"))
        .proxy("socks5", &format!("socks5://user:{SECRET}@127.0.0.1:1"));
    debug_hidden("SessionBuilder", &builder);
    let session = builder.build().unwrap();
    debug_hidden("Session", &session);

    let url = server
        .url("/start")
        .replace("http://", &format!("http://u:{SECRET}@"));
    let request = session
        .get(&url)
        .header("proxy-authorization", format!("Basic {SECRET}"))
        .header("x-other", "visible");
    debug_hidden("RequestBuilder", &request);
    let unprepared = session.get(&url).build().unwrap();
    debug_hidden("Request", &unprepared);
    let prepared = session.prepare(unprepared).unwrap();
    both_hidden("PreparedRequest", &prepared);
    assert!(
        format!("{prepared:?}").contains("127.0.0.1"),
        "the rest of the URL stays: {prepared:?}"
    );

    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 500);
    both_hidden("Response", &response);
    both_hidden("Response::request", response.request());
    both_hidden("history entry", &response.history()[0]);
    both_hidden("history entry's request", response.history()[0].request());
    assert!(
        format!("{response:?}").contains("set-cookie"),
        "the name stays"
    );

    let err = response.error_for_status().unwrap_err();
    both_hidden("status Error", &err);
    both_hidden("the Error's response", err.response().unwrap());

    debug_hidden("Jar", session.cookies());
}

#[tokio::test]
async fn errors_about_urls_with_passwords_hide_them() {
    let session = Session::new();
    for url in [
        format!("http://u:{SECRET}@127.0.0.1:1/refused"),
        format!("http://u:{SECRET}@[::1/bad"),
        format!("ftp://u:{SECRET}@127.0.0.1/"),
        format!("http://u:{SECRET}@127.0.0.1:99999/"),
    ] {
        let err = session.get(&url).send().await.unwrap_err();
        both_hidden(&format!("the error for {url}"), &err);
    }
    let err = Session::builder()
        .proxy("http", &format!("http://u:{SECRET}@[::1"))
        .build()
        .unwrap_err();
    both_hidden("a bad proxy URL's error", &err);
}

#[tokio::test]
async fn adapters_auth_and_proxies_hide_secrets() {
    let builder =
        HttpAdapter::builder().proxy("http", &format!("http://user:{SECRET}@127.0.0.1:3128"));
    debug_hidden("HttpAdapterBuilder", &builder);
    let adapter = builder.build().unwrap();
    debug_hidden("HttpAdapter", &adapter);
    debug_hidden("Adapter", &sessio::Adapter::from(adapter));
    debug_hidden("Auth::basic", &Auth::basic("u", SECRET));
    debug_hidden("Auth::bearer", &Auth::bearer(SECRET));
    debug_hidden("Auth::digest", &Auth::digest("u", SECRET));
}
