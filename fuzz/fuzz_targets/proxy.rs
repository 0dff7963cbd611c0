//! Proxy URLs and `no_proxy` lists as users give them to
//! `SessionBuilder::proxy`, seen through `Session::merge_environment_settings`
//! for a fuzzed target host:
//!
//! * a proxy URL is an error for which `is_proxy()` is true (the same for an
//!   `HttpAdapterBuilder`), or the proxy a request goes through is
//!   `scheme://[user:***@]host:port` with a proxy scheme, a non-empty host
//!   and a port, of the scheme the URL named (`http` when it named none);
//! * `no_proxy` matching never panics, and does not depend on the ASCII case
//!   of the list;
//! * a list holding the target's own host, or `*`, sends it directly;
//!   without a list, a target matching the key always goes through the proxy.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sessio::{HttpAdapter, Session, Url};

const SCHEMES: [&str; 5] = ["http", "socks4", "socks4a", "socks5", "socks5h"];

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut fields = text.split('\0');
    let proxy_url = fields.next().unwrap_or_default();
    let no_proxy = fields.next().unwrap_or_default();
    let target_host = fields.next().unwrap_or("example.test");

    let Ok(target) = Url::parse(&format!("http://{target_host}/")) else {
        return;
    };
    let Some(host) = target.host_str() else {
        return;
    };
    // The host as a proxy key names it: no brackets, lower case.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let key = match flags % 4 {
        0 => "all".to_owned(),
        1 => "http".to_owned(),
        2 => format!("all://{bare}"),
        _ => format!("http://{bare}"),
    };

    let session = |list: Option<&str>| {
        let builder = Session::builder().trust_env(false).proxy(&key, proxy_url);
        match list {
            Some(list) => builder.proxy("no_proxy", list),
            None => builder,
        }
        .build()
    };
    let adapter = HttpAdapter::builder().proxy(&key, proxy_url).build();
    let plain = match session(None) {
        Ok(session) => session,
        Err(err) => {
            assert!(err.is_proxy(), "{proxy_url:?}: {err:?}");
            let err = adapter.expect_err("the adapter builder refuses it too");
            assert!(err.is_proxy(), "{proxy_url:?}: {err:?}");
            return;
        }
    };
    assert!(adapter.is_ok(), "the adapter builder takes {proxy_url:?}");

    // The target as a request would be prepared; some hosts `url` takes are
    // no URI (`http` refuses them): nothing is sent there, nothing to check.
    let chosen = |session: &Session| {
        session
            .merge_environment_settings(target.as_str())
            .ok()
            .map(|merged| merged.proxy())
    };
    let Some(through) = chosen(&plain) else {
        return;
    };
    let proxy = through.unwrap_or_else(|| panic!("{target} matches key {key:?} but goes direct"));
    let (scheme, authority) = proxy.split_once("://").expect("scheme://authority");
    let expected_scheme = expected_scheme(proxy_url);
    assert_eq!(
        Some(scheme),
        expected_scheme.as_deref(),
        "{proxy_url:?} -> {proxy}"
    );
    assert!(SCHEMES.contains(&scheme), "{proxy}");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let parsed: sessio::http::uri::Authority =
        host_port.parse().unwrap_or_else(|e| panic!("{proxy}: {e}"));
    assert!(!parsed.host().is_empty(), "{proxy}");
    assert!(parsed.port_u16().is_some(), "{proxy}");

    let with_list = |list: &str| {
        let session = session(Some(list)).expect("a no_proxy list is never an error");
        chosen(&session).expect("the same target")
    };
    let listed = with_list(no_proxy);
    assert!(
        listed.is_none() || listed.as_deref() == Some(proxy.as_str()),
        "no_proxy changed the proxy: {listed:?}"
    );
    assert_eq!(
        with_list(&no_proxy.to_ascii_uppercase()),
        listed,
        "{no_proxy:?} in upper case for {host}"
    );
    assert_eq!(
        with_list(&no_proxy.to_ascii_lowercase()),
        listed,
        "{no_proxy:?} in lower case for {host}"
    );
    assert_eq!(with_list("*"), None, "* for {host}");
    // A host with a comma would be two entries; a list entry is the host.
    if !host.contains(',') {
        assert_eq!(
            with_list(&format!("{no_proxy},{host}")),
            None,
            "{host} listed in {no_proxy:?}"
        );
        assert_eq!(
            with_list(&format!("{},{no_proxy}", host.to_ascii_uppercase())),
            None,
            "{host} listed in upper case before {no_proxy:?}"
        );
    }
});

/// The scheme a proxy URL names, as the `url` crate reads it (`http` for a
/// URL without `://`).
fn expected_scheme(proxy_url: &str) -> Option<String> {
    let url = proxy_url.trim();
    let with_scheme = if url.contains("://") {
        url.to_owned()
    } else {
        format!("http://{url}")
    };
    Url::parse(&with_scheme).ok().map(|u| u.scheme().to_owned())
}
