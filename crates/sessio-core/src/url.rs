//! URL preparation with requests' rules (`prepare_url`, `requote_uri`, params encoding).

use url::Url;

use crate::{Error, Result};

/// Characters `requote_uri` leaves alone besides letters, digits and `_.-~`.
const REQUOTE_SAFE: &[u8] = b"!#$%&'()*+,/:;=?@[]~";
const REQUOTE_SAFE_WITHOUT_PERCENT: &[u8] = b"!#$&'()*+,/:;=?@[]~";
/// Bytes `requote_uri` never changes (`%` excluded: it may start an escape to decode).
pub(crate) const LEFT_AS_IS: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c != b'%'
            && (c.is_ascii_alphanumeric()
                || matches!(c, b'_' | b'.' | b'-' | b'~')
                || matches!(
                    c,
                    b'!' | b'#'
                        | b'$'
                        | b'&'
                        | b'\''
                        | b'('
                        | b')'
                        | b'*'
                        | b'+'
                        | b','
                        | b'/'
                        | b':'
                        | b';'
                        | b'='
                        | b'?'
                        | b'@'
                        | b'['
                        | b']'
                ));
        b += 1;
    }
    table
};
const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// Parses and normalises a user URL as requests' `PreparedRequest.prepare_url` does,
/// then appends `params` (already merged) after any existing query.
///
/// * leading whitespace is removed;
/// * a URL without scheme is an error that suggests `https://`;
/// * `http(s)` URLs need a host, and a host may not start with `*` or `.`;
/// * characters that are not allowed are percent-encoded once, never twice
///   (`/get/test case` becomes `/get/test%20case`, `%41` becomes `A`);
/// * URLs of other schemes that contain `:` (`mailto:`, `data:`) are kept as they are.
///
/// ```
/// use sessio_core::__private::prepare_url;
///
/// let url = prepare_url("http://example.com/get/test case?x=1", &[("a b".into(), "é".into())]).unwrap();
/// assert_eq!(url.as_str(), "http://example.com/get/test%20case?x=1&a+b=%C3%A9");
///
/// let err = prepare_url("example.com/path", &[]).unwrap_err();
/// assert!(err.to_string().contains("Perhaps you meant https://example.com/path?"));
/// ```
pub fn prepare_url(raw: &str, params: &[(String, String)]) -> Result<Url> {
    let trimmed = raw.trim_start();
    let is_http = trimmed
        .get(..4)
        .is_some_and(|s| s.eq_ignore_ascii_case("http"));
    if !is_http && trimmed.contains(':') {
        // requests leaves such URLs (`mailto:`, `ftp://`) untouched, params included.
        let url = Url::parse(trimmed).map_err(|err| url_error(trimmed, err))?;
        if matches!(url.scheme(), "http" | "https") {
            // The parser drops tabs and newlines anywhere (`h\tttps://…`): what
            // it read as http(s) is prepared as http(s), checks included.
            return prepare_url(url.as_str(), params);
        }
        return Ok(url);
    }

    if is_http && !has_authority(trimmed) {
        return Err(Error::invalid_url(trimmed, "No host supplied"));
    }
    let requoted = requote_uri_cow(trimmed);
    let mut url = Url::parse(&requoted).map_err(|err| url_error(trimmed, err))?;
    if url.cannot_be_a_base() {
        return Err(Error::invalid_url(trimmed, "No host supplied"));
    }
    match url.host_str() {
        None | Some("") if url.scheme().starts_with("http") => {
            return Err(Error::invalid_url(trimmed, "No host supplied"));
        }
        Some(host) if host.starts_with('*') || host.starts_with('.') => {
            return Err(Error::invalid_url(trimmed, "URL has an invalid label."));
        }
        _ => {}
    }
    if let Some(url::Host::Domain(domain)) = url.host()
        && !domain.bytes().all(is_reg_name_byte)
    {
        // The WHATWG parser lets `{`, `}`, `"` or `` ` `` into a host; an HTTP
        // request line cannot carry them (RFC 3986 reg-name).
        return Err(Error::invalid_url(trimmed, "URL has an invalid host."));
    }

    if !params.is_empty() {
        let encoded = encode_pairs(params);
        let query = match url.query() {
            Some(existing) if !existing.is_empty() => format!("{existing}&{encoded}"),
            _ => encoded,
        };
        url.set_query(Some(&query));
    }
    Ok(url)
}

/// A byte an RFC 3986 host name may hold: unreserved, sub-delims, `%`.
fn is_reg_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=%".contains(&b)
}

/// Whether an `http(s)` URL has `//` and a non-empty authority after its scheme
/// (the WHATWG parser would accept `http:/x` and `http:///x` as host `x`).
fn has_authority(raw: &str) -> bool {
    let Some((_, rest)) = raw.split_once(':') else {
        return true; // no scheme at all: reported as a missing scheme
    };
    match rest.strip_prefix("//") {
        Some(after) => !matches!(after.chars().next(), None | Some('/' | '?' | '#' | '\\')),
        None => false,
    }
}

fn url_error(raw: &str, err: url::ParseError) -> Error {
    match err {
        url::ParseError::RelativeUrlWithoutBase => Error::invalid_url(
            raw,
            &format!("No scheme supplied. Perhaps you meant https://{raw}?"),
        ),
        url::ParseError::EmptyHost => Error::invalid_url(raw, "No host supplied"),
        other => Error::invalid_url(raw, &other.to_string()),
    }
}

/// requests' `requote_uri`: decode percent-escapes of unreserved characters, then
/// percent-encode every character that is neither unreserved nor a URL delimiter.
/// An invalid escape (`%zz`) has its `%` encoded as `%25`.
///
/// ```
/// use sessio_core::__private::requote_uri;
///
/// assert_eq!(requote_uri("http://h/a b/%41%2F"), "http://h/a%20b/A%2F");
/// assert_eq!(requote_uri("http://h/%zz"), "http://h/%25zz");
/// ```
pub fn requote_uri(uri: &str) -> String {
    requote_uri_cow(uri).into_owned()
}

/// [`requote_uri`] without a copy when nothing needs quoting (the common case).
fn requote_uri_cow(uri: &str) -> std::borrow::Cow<'_, str> {
    if uri.bytes().all(|b| LEFT_AS_IS[b as usize]) {
        return std::borrow::Cow::Borrowed(uri);
    }
    std::borrow::Cow::Owned(match unquote_unreserved(uri) {
        Some(unquoted) => quote(&unquoted, REQUOTE_SAFE),
        None => quote(uri, REQUOTE_SAFE_WITHOUT_PERCENT),
    })
}

/// Decodes `%XX` only when it names an unreserved character; `None` on an invalid escape.
fn unquote_unreserved(uri: &str) -> Option<String> {
    let bytes = uri.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = &bytes[i + 1..(i + 3).min(bytes.len())];
            if hex.len() == 2 && hex.iter().all(u8::is_ascii_alphanumeric) {
                let value = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())?;
                if UNRESERVED.contains(&value) {
                    out.push(value);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Python's `urllib.parse.quote(text, safe)`.
fn quote(text: &str, safe: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) || safe.contains(&b) {
            out.push(b as char);
        } else {
            push_escape(&mut out, b);
        }
    }
    out
}

fn push_escape(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(HEX[(b >> 4) as usize] as char);
    out.push(HEX[(b & 0xF) as usize] as char);
}

/// Python's `quote_plus`: letters, digits and `_.-~` stay, space becomes `+`.
fn quote_plus_into(out: &mut String, text: &str) {
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            push_escape(out, b);
        }
    }
}

/// Encodes ordered pairs as `application/x-www-form-urlencoded`, byte for byte
/// as Python's `urlencode(pairs, doseq=True)` (repeated keys stay repeated).
///
/// ```
/// use sessio_core::__private::encode_pairs;
///
/// let pairs = [("a".to_owned(), "1 2".to_owned()), ("a".to_owned(), "*~".to_owned())];
/// assert_eq!(encode_pairs(&pairs), "a=1+2&a=%2A~");
/// ```
pub fn encode_pairs(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        quote_plus_into(&mut out, key);
        out.push('=');
        quote_plus_into(&mut out, value);
    }
    out
}

/// Serialises `value` (a map, struct or sequence of pairs) into ordered string pairs.
/// Sequences become repeated keys and `None` values are skipped, as requests does.
pub fn serialize_pairs<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<(String, String)>> {
    let encoded = serde_html_form::to_string(value).map_err(Error::builder)?;
    Ok(form_urlencoded::parse(encoded.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

/// requests' `merge_setting` for params: session pairs first, a key set by the
/// request replaces all session values of that key in place, a removed key is
/// dropped, new request keys are appended. Keys are case-sensitive.
///
/// ```
/// use sessio_core::__private::merge_params;
///
/// let session = [("foo".to_owned(), "bar".to_owned())];
/// let request = [("FOO".to_owned(), "bar".to_owned())];
/// let merged = merge_params(&session, &request, &[]);
/// assert_eq!(merged.len(), 2);
/// ```
pub fn merge_params(
    session: &[(String, String)],
    request: &[(String, String)],
    removed: &[String],
) -> Vec<(String, String)> {
    if session.is_empty() {
        return request
            .iter()
            .filter(|(k, _)| !removed.contains(k))
            .cloned()
            .collect();
    }
    let in_request = |key: &str| request.iter().any(|(k, _)| k == key);
    let mut merged = Vec::with_capacity(session.len() + request.len());
    let mut emitted: Vec<&str> = Vec::new();
    for (key, value) in session {
        if removed.contains(key) {
            continue;
        }
        if in_request(key) {
            if !emitted.contains(&key.as_str()) {
                emitted.push(key);
                merged.extend(request.iter().filter(|(k, _)| k == key).cloned());
            }
            continue;
        }
        merged.push((key.clone(), value.clone()));
    }
    merged.extend(
        request
            .iter()
            .filter(|(k, _)| !emitted.contains(&k.as_str()) && !removed.contains(k))
            .cloned(),
    );
    merged
}

/// Whether two URLs have the same origin: scheme, host and port (a default port
/// written out or left out is the same port).
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn params_are_appended_after_the_existing_query() {
        // requests test_params_are_added_before_fragment / test_mixed_case_params
        let url = prepare_url(
            "http://example.com/path?key=value#fragment",
            &pairs(&[("a", "b")]),
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "http://example.com/path?key=value&a=b#fragment"
        );
        let url = prepare_url("http://example.com/path#fragment", &pairs(&[("a", "b")])).unwrap();
        assert_eq!(url.as_str(), "http://example.com/path?a=b#fragment");
    }

    #[test]
    fn repeated_keys_and_unicode_are_encoded_like_urlencode() {
        let url = prepare_url(
            "http://example.com/",
            &pairs(&[("k", "1"), ("k", "2"), ("ü", "a&b=c")]),
        )
        .unwrap();
        assert_eq!(url.query(), Some("k=1&k=2&%C3%BC=a%26b%3Dc"));
    }

    #[test]
    fn requote_never_double_encodes() {
        let url = prepare_url("http://example.com/a%20b c/%7e", &[]).unwrap();
        assert_eq!(url.path(), "/a%20b%20c/~");
        let url = prepare_url("  http://example.com/\r\nx", &[]).unwrap();
        assert_eq!(url.path(), "/%0D%0Ax");
    }

    #[test]
    fn bad_urls_are_typed_errors() {
        for bad in [
            "http://",
            "http:///path",
            "http:/x",
            "https:example.com",
            "http://*example.com",
            "http://.example.com",
            "hello",
            "",
        ] {
            let err = prepare_url(bad, &[]).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidUrl, "{bad}");
        }
        let err = prepare_url("http://exa%2Fmple.com/", &[]).unwrap_err();
        assert!(err.is_builder());
    }

    #[test]
    fn a_scheme_split_by_tabs_or_newlines_is_still_prepared_as_http() {
        // Found by the `url_params` fuzz target: `h\tttps://…` skipped the
        // http checks (it does not start with "http"), then parsed as https.
        let err = prepare_url("h\t\tttps://a@\"/", &[]).unwrap_err();
        assert!(err.to_string().contains("invalid host"), "{err}");
        let pairs = [("k".to_owned(), "v".to_owned())];
        let url = prepare_url("ht\r\ntp://a.test/x", &pairs).unwrap();
        assert_eq!(url.as_str(), "http://a.test/x?k=v");
    }

    #[test]
    fn hosts_an_http_request_cannot_carry_are_invalid() {
        // Found by the `url_params` fuzz target: `http://}/` was prepared, then
        // failed to convert into an `http::Request`.
        for bad in [
            "http://}/",
            "http://a{b.test/",
            "https://a`b.test/",
            "http://a\"b/",
        ] {
            let err = prepare_url(bad, &[]).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidUrl, "{bad}");
            assert!(err.to_string().contains("invalid host"), "{err}");
        }
        for good in [
            "http://a-b_c.test/",
            "http://127.0.0.1:8080/",
            "http://[::1]/",
        ] {
            let url = prepare_url(good, &[]).unwrap();
            assert!(url.as_str().parse::<http::Uri>().is_ok(), "{good}");
        }
    }

    #[test]
    fn non_http_urls_pass_through() {
        let url = prepare_url("mailto:user@example.org", &[]).unwrap();
        assert_eq!(url.as_str(), "mailto:user@example.org");
        let url = prepare_url("ftp://example.com/x", &[]).unwrap();
        assert_eq!(url.scheme(), "ftp");
    }

    #[test]
    fn idna_hosts_are_punycoded() {
        let url = prepare_url("http://bücher.example/", &[]).unwrap();
        assert_eq!(url.host_str(), Some("xn--bcher-kva.example"));
    }

    #[test]
    fn merge_params_follows_merge_setting() {
        let session = pairs(&[("a", "1"), ("b", "2"), ("b", "3")]);
        let request = pairs(&[("b", "9"), ("c", "4")]);
        let merged = merge_params(&session, &request, &["a".to_owned()]);
        assert_eq!(merged, pairs(&[("b", "9"), ("c", "4")]));
        let merged = merge_params(&session, &pairs(&[("B", "x")]), &[]);
        assert_eq!(merged.len(), 4, "params merge is case-sensitive");
    }

    #[test]
    fn serialize_pairs_accepts_maps_structs_and_slices() {
        #[derive(serde::Serialize)]
        struct Q {
            a: u32,
            b: Option<String>,
            c: Vec<&'static str>,
        }
        let q = Q {
            a: 1,
            b: None,
            c: vec!["x", "y"],
        };
        assert_eq!(
            serialize_pairs(&q).unwrap(),
            pairs(&[("a", "1"), ("c", "x"), ("c", "y")])
        );
        assert_eq!(
            serialize_pairs(&[("k", "v w")]).unwrap(),
            pairs(&[("k", "v w")])
        );
    }
}
