//! Proxies from the environment, read as Python's `urllib.request.getproxies`.

use std::ffi::OsString;

use super::ProxyTable;

/// The proxy table of the environment, as Python's `getproxies()` reads it
/// for the schemes an HTTP client uses: `http_proxy`, `https_proxy`,
/// `all_proxy` and `no_proxy`, each in lower or upper case. A lower-case
/// variable wins over its upper-case spelling, and an empty lower-case one
/// unsets the scheme. When `REQUEST_METHOD` is set (a CGI program, whose
/// `HTTP_PROXY` may come from a client's `Proxy:` header), `HTTP_PROXY` in
/// upper case is ignored. Values that are not proxy URLs are skipped, as
/// requests skips them until they are used. `var` looks a variable up (only
/// these nine are read, so building a session allocates nothing for the rest
/// of the environment).
pub(crate) fn from_environment(var: impl Fn(&str) -> Option<OsString>) -> ProxyTable {
    let text = |name: &str| var(name).map(|value| value.to_string_lossy().into_owned());
    let cgi = var("REQUEST_METHOD").is_some();
    let mut table = ProxyTable::default();
    for key in ["http", "https", "all", "no"] {
        let lower = text(&format!("{key}_proxy"));
        let value = match lower {
            Some(value) => Some(value).filter(|v| !v.is_empty()),
            None if key == "http" && cgi => None,
            None => text(&format!("{}_PROXY", key.to_ascii_uppercase())).filter(|v| !v.is_empty()),
        };
        if let Some(value) = value {
            // `no_proxy` becomes the bypass list; a bad URL is skipped.
            let _ = table.set(key, &value);
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::super::Selection;
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> ProxyTable {
        from_environment(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        })
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
