//! `Set-Cookie` into the jar: any header lines for any of a few origins. The jar
//! stays within its limits, the `Cookie` header it builds is a clean header
//! value, and a JSON save/load round trip keeps every cookie.
#![no_main]

use http::HeaderValue;
use libfuzzer_sys::fuzz_target;
use sessio::Url;
use sessio_layers::cookies::{CookieStore, Jar, MAX_COOKIES};

const ORIGINS: [&str; 5] = [
    "http://example.com/a/b",
    "https://sub.example.co.uk/",
    "http://127.0.0.1:8080/x/y/z",
    "http://localhost/",
    "https://xn--bcher-kva.example/",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, lines)) = data.split_first() else {
        return;
    };
    let url = Url::parse(ORIGINS[usize::from(pick) % ORIGINS.len()]).expect("a valid origin");
    let headers: Vec<HeaderValue> = lines
        .split(|&b| b == b'\n')
        .filter_map(|line| HeaderValue::from_bytes(line).ok())
        .collect();
    let jar = Jar::new();
    jar.set_cookies(&mut headers.iter(), &url);
    assert!(jar.len() <= MAX_COOKIES);
    for origin in ORIGINS {
        let origin = Url::parse(origin).expect("a valid origin");
        if let Some(cookie) = jar.cookies(&origin) {
            assert!(
                !cookie
                    .as_bytes()
                    .iter()
                    .any(|b| matches!(b, b'\r' | b'\n' | 0)),
                "{cookie:?}"
            );
        }
    }
    let mut saved = Vec::new();
    jar.save_json(&mut saved).expect("saving to memory");
    let loaded = Jar::new();
    loaded
        .load_json(saved.as_slice())
        .expect("loading what was saved");
    assert_eq!(
        loaded.len(),
        jar.len(),
        "{}",
        String::from_utf8_lossy(&saved)
    );
});
