//! Where a redirect goes: requests' reading of `Location`.

use http::header::LOCATION;
use http::{HeaderMap, HeaderValue, StatusCode};
use sessio_core::__private::{is_redirect_status, requote_uri, utf8_or_latin1};
use url::Url;

use super::InvalidLocation;

/// The target of a redirect response, or `None` when it is not one
/// (301/302/303/307/308 with a `Location`).
pub(crate) fn location(status: StatusCode, headers: &HeaderMap) -> Option<&HeaderValue> {
    if is_redirect_status(status) {
        headers.get(LOCATION)
    } else {
        None
    }
}

/// Resolves a `Location` against the current URL as requests does: raw bytes read
/// as UTF-8 (else Latin-1), scheme-relative `//host` gets the current scheme,
/// unsafe characters are percent-encoded once, and a fragment is carried over
/// from earlier hops when the new location has none.
pub(crate) fn resolve(
    current: &Url,
    location: &HeaderValue,
    fragment: &mut Option<String>,
) -> Result<Url, InvalidLocation> {
    let decoded = utf8_or_latin1(location.as_bytes());
    let text = decoded.trim();
    let invalid = |why: &str| InvalidLocation {
        location: text.to_owned(),
        reason: why.to_owned(),
    };
    // `https:///path` (no host) means the current host, as httpx reads it.
    let text = match text.split_once(":///") {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
        {
            let host = current.host_str().ok_or_else(|| invalid("no host"))?;
            let port = current.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!("{scheme}://{host}{port}/{rest}")
        }
        _ => text.to_owned(),
    };
    let requoted = requote_uri(&text);
    let mut url = current
        .join(&requoted)
        .map_err(|e| invalid(&e.to_string()))?;
    // Whatever the scheme (`mailto:`, `data:`, `file:///`, `x:`), a request
    // can only be sent to a host.
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host"));
    }
    match url.fragment() {
        Some(own) if !own.is_empty() => *fragment = Some(own.to_owned()),
        _ => url.set_fragment(fragment.as_deref()),
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_str(current: &str, location: &str, fragment: &mut Option<String>) -> String {
        let value = HeaderValue::from_bytes(location.as_bytes()).unwrap();
        resolve(&current.parse().unwrap(), &value, fragment)
            .unwrap()
            .to_string()
    }

    #[test]
    fn relative_scheme_relative_and_absolute_locations() {
        let mut f = None;
        let cases = [
            ("http://a.test/x/y", "z", "http://a.test/x/z"),
            ("http://a.test/x/y", "/z", "http://a.test/z"),
            ("https://a.test/x", "//b.test/p", "https://b.test/p"),
            (
                "http://a.test/x",
                "http://c.test/q?a=1",
                "http://c.test/q?a=1",
            ),
            (
                "http://a.test/x",
                "https:///same-host",
                "https://a.test/same-host",
            ),
        ];
        for (current, location, expected) in cases {
            assert_eq!(resolve_str(current, location, &mut f), expected);
        }
    }

    #[test]
    fn locations_without_a_host_are_invalid_whatever_the_scheme() {
        // Found by the `location` fuzz target: `I:` was followed, and the next
        // hop sent to the URI `i:`.
        let current: Url = "http://a.test/x".parse().unwrap();
        for location in [
            "I:",
            "mailto:someone@a.test",
            "data:text/plain,hi",
            "javascript:alert(1)",
            "file:///etc/passwd",
        ] {
            let value = HeaderValue::from_str(location).unwrap();
            let err = resolve(&current, &value, &mut None).unwrap_err();
            assert_eq!(err.reason, "no host", "{location}");
        }
        // Other schemes with a host are the caller's to route (a mounted adapter).
        let value = HeaderValue::from_static("http+unix://%2Ftmp%2Fs.sock/next");
        let url = resolve(&current, &value, &mut None).unwrap();
        assert_eq!(url.host_str(), Some("%2Ftmp%2Fs.sock"));
    }

    #[test]
    fn fragments_carry_over_until_replaced() {
        let mut f = Some("orig".to_owned());
        assert_eq!(
            resolve_str("http://a.test/", "/one", &mut f),
            "http://a.test/one#orig"
        );
        assert_eq!(
            resolve_str("http://a.test/", "/two#new", &mut f),
            "http://a.test/two#new"
        );
        assert_eq!(
            resolve_str("http://a.test/", "/three", &mut f),
            "http://a.test/three#new"
        );
    }

    #[test]
    fn non_ascii_locations_are_percent_encoded() {
        let mut f = None;
        let value = HeaderValue::from_bytes("/caf\u{e9} x".as_bytes()).unwrap();
        let url = resolve(&"http://a.test/".parse().unwrap(), &value, &mut f).unwrap();
        assert_eq!(url.path(), "/caf%C3%A9%20x");
        let latin1 = HeaderValue::from_bytes(b"/caf\xe9").unwrap();
        let url = resolve(&"http://a.test/".parse().unwrap(), &latin1, &mut f).unwrap();
        assert_eq!(
            url.path(),
            "/caf%C3%A9",
            "bytes that are not UTF-8 are Latin-1"
        );
    }

    #[test]
    fn invalid_locations_are_errors() {
        let mut f = None;
        let value = HeaderValue::from_static("http://");
        let err = resolve(&"http://a.test/".parse().unwrap(), &value, &mut f).unwrap_err();
        assert_eq!(err.location(), "http://");
        assert!(err.to_string().starts_with("invalid redirect Location"));
    }
}
