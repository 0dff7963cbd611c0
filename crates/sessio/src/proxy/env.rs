//! Proxies from the environment, read as Python's `urllib.request.getproxies`.

use std::ffi::OsString;

use super::ProxyTable;

/// The proxy table of these environment variables: every `*_proxy` variable
/// (any case) names the proxy of its scheme (`http_proxy` → `http`, `all_proxy`
/// → `all`) and `no_proxy` the hosts reached directly. A lower-case variable
/// wins over its upper-case spelling, and an empty lower-case one removes the
/// scheme. When `REQUEST_METHOD` is set (a CGI program, whose `HTTP_PROXY` may
/// come from a client's `Proxy:` header), `HTTP_PROXY` in upper case is
/// ignored. Values that are not proxy URLs are skipped, as requests skips them
/// until they are used.
pub(crate) fn from_environment(vars: impl IntoIterator<Item = (OsString, OsString)>) -> ProxyTable {
    let vars: Vec<(String, String)> = vars
        .into_iter()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .collect();
    let mut found: Vec<(String, String)> = Vec::new();
    let put = |found: &mut Vec<(String, String)>, key: String, value: Option<&str>| {
        found.retain(|(k, _)| *k != key);
        if let Some(value) = value {
            found.push((key, value.to_owned()));
        }
    };
    // First any case, then lower-case `_proxy` names again, so that they win.
    for (name, value) in &vars {
        let lower = name.to_ascii_lowercase();
        if let Some(key) = lower.strip_suffix("_proxy")
            && !value.is_empty()
        {
            put(&mut found, key.to_owned(), Some(value));
        }
    }
    if vars.iter().any(|(name, _)| name == "REQUEST_METHOD") {
        found.retain(|(key, _)| key != "http");
    }
    for (name, value) in &vars {
        if let Some(key) = name.strip_suffix("_proxy") {
            let key = key.to_ascii_lowercase();
            put(
                &mut found,
                key,
                (!value.is_empty()).then_some(value.as_str()),
            );
        }
    }
    let mut table = ProxyTable::default();
    for (key, value) in found {
        // `no_proxy` becomes the bypass list; other schemes are kept as keys.
        let _ = table.set(&key, &value);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::super::Selection;
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> ProxyTable {
        from_environment(
            pairs
                .iter()
                .map(|(k, v)| (OsString::from(k), OsString::from(v))),
        )
    }

    fn proxy_for(table: &ProxyTable, url: &str) -> Option<String> {
        match table.select(&url.parse().unwrap()) {
            Selection::Proxy(proxy) => Some(proxy.address.host().unwrap().to_owned()),
            _ => None,
        }
    }

    #[test]
    fn lower_case_wins_over_upper_case() {
        for order in [
            [
                ("HTTP_PROXY", "http://upper:1"),
                ("http_proxy", "http://lower:1"),
            ],
            [
                ("http_proxy", "http://lower:1"),
                ("HTTP_PROXY", "http://upper:1"),
            ],
        ] {
            let t = env(&order);
            assert_eq!(proxy_for(&t, "http://a.test/").as_deref(), Some("lower"));
        }
        let t = env(&[("HTTPS_PROXY", "http://upper:1")]);
        assert_eq!(proxy_for(&t, "https://a.test/").as_deref(), Some("upper"));
        let t = env(&[("HTTPS_PROXY", "http://upper:1"), ("https_proxy", "")]);
        assert_eq!(
            proxy_for(&t, "https://a.test/"),
            None,
            "an empty lower-case variable unsets it"
        );
    }

    #[test]
    fn sec_22_httpoxy_upper_case_http_proxy_is_ignored_under_cgi() {
        let t = env(&[
            ("REQUEST_METHOD", "GET"),
            ("HTTP_PROXY", "http://attacker:1"),
        ]);
        assert_eq!(proxy_for(&t, "http://a.test/"), None);
        let t = env(&[("REQUEST_METHOD", "GET"), ("http_proxy", "http://mine:1")]);
        assert_eq!(proxy_for(&t, "http://a.test/").as_deref(), Some("mine"));
        let t = env(&[("REQUEST_METHOD", "GET"), ("HTTPS_PROXY", "http://mine:1")]);
        assert_eq!(proxy_for(&t, "https://a.test/").as_deref(), Some("mine"));
    }

    #[test]
    fn all_proxy_and_no_proxy() {
        let t = env(&[
            ("ALL_PROXY", "socks5h://s:1080"),
            ("NO_PROXY", "localhost,.internal"),
        ]);
        assert_eq!(proxy_for(&t, "https://a.test/").as_deref(), Some("s"));
        assert_eq!(proxy_for(&t, "http://localhost:8080/"), None);
        assert_eq!(proxy_for(&t, "http://db.internal/"), None);
        let t = env(&[
            ("http_proxy", "not a url at all ://"),
            ("https_proxy", "http://ok:1"),
        ]);
        assert_eq!(proxy_for(&t, "https://a.test/").as_deref(), Some("ok"));
    }
}
