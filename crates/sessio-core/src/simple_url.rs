//! A fast path for the common URL: `http(s)://host[:port]/path?query` that the
//! WHATWG parser would leave exactly as written. Such a URL goes straight to an
//! `http::Uri` (what the transport needs); the `url::Url` is only built if someone
//! asks for it. Anything else takes the full path through the `url` crate.

use bytes::Bytes;
use http::Uri;

use crate::url::{LEFT_AS_IS, encode_pairs};

/// The wire URI of `raw` with `params` appended, when `raw` is simple enough that
/// the `url` crate would serialise it unchanged (after adding a `/` path); `raw`
/// is given back when it is not, for the full path. A URL that needs no change
/// becomes the URI without a copy.
pub(crate) fn simple_uri(raw: String, params: &[(String, String)]) -> Result<Uri, String> {
    let Some(tail_at) = simple_tail_start(&raw) else {
        return Err(raw);
    };
    let tail = &raw[tail_at..];
    if params.is_empty() && tail.starts_with('/') {
        let bytes = Bytes::from(raw);
        return Uri::from_maybe_shared(bytes.clone())
            .map_err(|_| String::from_utf8_lossy(&bytes).into_owned());
    }
    let query = (!params.is_empty()).then(|| encode_pairs(params));
    let slash = usize::from(!tail.starts_with('/'));
    let extra = query.as_ref().map_or(0, |q| q.len() + 1);
    let mut text = String::with_capacity(raw.len() + slash + extra);
    text.push_str(&raw[..tail_at]);
    if slash == 1 {
        text.push('/');
    }
    text.push_str(tail);
    if let Some(query) = query {
        text.push(if tail.contains('?') { '&' } else { '?' });
        text.push_str(&query);
    }
    Uri::try_from(text).map_err(|_| raw)
}

/// What cookie matching needs of a request's URL, read straight from its wire URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimpleTarget<'a> {
    /// `https` (true) or `http`.
    pub secure: bool,
    /// The host, lower case, as `Url::host_str` gives it.
    pub host: &'a str,
    /// Whether the host is an IPv4 address.
    pub is_ip: bool,
    /// The path, as `Url::path` gives it.
    pub path: &'a str,
}

/// The scheme, host and path of an absolute `uri` when it is a simple URL (the
/// `url` crate would give exactly these parts); `None` when it is not, and a
/// `Url` must be parsed.
pub fn simple_target(uri: &Uri) -> Option<SimpleTarget<'_>> {
    let (secure, default_port) = match uri.scheme_str()? {
        "http" => (false, 80),
        "https" => (true, 443),
        _ => return None,
    };
    let authority = uri.authority()?.as_str();
    let tail = uri.path_and_query()?.as_str();
    if !tail.starts_with('/') || !simple_authority(authority, default_port) || !simple_tail(tail) {
        return None;
    }
    let host = uri.host()?;
    Some(SimpleTarget {
        secure,
        host,
        // A simple host whose last label starts with a digit is a dotted quad.
        is_ip: host
            .rsplit('.')
            .next()
            .and_then(|label| label.bytes().next())
            .is_some_and(|b| b.is_ascii_digit()),
        path: uri.path(),
    })
}

/// Where the path of a simple `raw` starts, or `None` when it is not simple.
fn simple_tail_start(raw: &str) -> Option<usize> {
    let rest = raw
        .strip_prefix("http://")
        .map(|rest| (rest, 80))
        .or_else(|| raw.strip_prefix("https://").map(|rest| (rest, 443)));
    let (rest, default_port) = rest?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if !simple_authority(authority, default_port) || !simple_tail(tail) {
        return None;
    }
    Some(raw.len() - tail.len())
}

/// `host[:port]` with a lower-case ASCII host name or a canonical IPv4 address,
/// and no default, empty or zero-padded port.
fn simple_authority(authority: &str, default_port: u16) -> bool {
    let bytes = authority.as_bytes();
    let (host, port) = match bytes.iter().rposition(|&b| b == b':') {
        Some(colon) => (&bytes[..colon], Some(&bytes[colon + 1..])),
        None => (bytes, None),
    };
    if let Some(port) = port {
        // One to five digits, no leading zero, at most 65535, not the default.
        if port.is_empty() || port.len() > 5 || port[0] == b'0' {
            return false;
        }
        let mut number = 0u32;
        for &digit in port {
            if !digit.is_ascii_digit() {
                return false;
            }
            number = number * 10 + u32::from(digit - b'0');
        }
        if number > 65535 || number == u32::from(default_port) {
            return false;
        }
    }
    simple_host(host)
}

/// A lower-case ASCII host name of non-empty labels (no IDNA `xn--`), or a
/// canonical dotted-quad IPv4 address; one pass over the bytes.
fn simple_host(host: &[u8]) -> bool {
    if host.is_empty() || host.len() > 253 {
        return false;
    }
    let last_label = host
        .iter()
        .rposition(|&b| b == b'.')
        .map_or(0, |dot| dot + 1);
    if host.get(last_label).is_some_and(u8::is_ascii_digit) {
        // The WHATWG parser reads such hosts as IPv4 in many spellings; only the
        // canonical dotted quad is left unchanged.
        return canonical_ipv4(host);
    }
    let mut label_start = 0;
    for (i, &b) in host.iter().enumerate() {
        if b == b'.' {
            if !simple_label(&host[label_start..i]) {
                return false;
            }
            label_start = i + 1;
        } else if !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return false;
        }
    }
    simple_label(&host[label_start..])
}

fn simple_label(label: &[u8]) -> bool {
    !label.is_empty() && label.len() <= 63 && !label.starts_with(b"xn--")
}

/// Four decimal numbers up to 255, without leading zeros, joined by dots.
fn canonical_ipv4(host: &[u8]) -> bool {
    let mut labels = 0;
    for label in host.split(|&b| b == b'.') {
        let canonical = matches!(label.len(), 1..=3)
            && label.iter().all(u8::is_ascii_digit)
            && (label.len() == 1 || label[0] != b'0')
            && label
                .iter()
                .fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'))
                <= 255;
        if !canonical {
            return false;
        }
        labels += 1;
    }
    labels == 4
}

/// A path and query the WHATWG parser would not change: no byte it would
/// percent-encode or requests would requote, no `%` escapes, no dot segments, no
/// fragment, no empty query.
fn simple_tail(tail: &str) -> bool {
    let tail = tail.as_bytes();
    if tail.last() == Some(&b'?') {
        return false;
    }
    let simple_byte = |b: u8| LEFT_AS_IS[b as usize] && !matches!(b, b'#' | b'[' | b']' | b'\'');
    // One pass: every byte simple, and no `.` or `..` segment in the path
    // (the part before the first `?`).
    let mut in_path = true;
    let mut segment_start = 0;
    for (i, &b) in tail.iter().enumerate() {
        if !simple_byte(b) {
            return false;
        }
        if in_path && (b == b'/' || b == b'?') {
            if is_dot_segment(&tail[segment_start..i]) {
                return false;
            }
            segment_start = i + 1;
            in_path = b != b'?';
        }
    }
    !(in_path && is_dot_segment(&tail[segment_start..]))
}

fn is_dot_segment(segment: &[u8]) -> bool {
    segment == b"." || segment == b".."
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path must give exactly what the full path gives.
    #[test]
    fn simple_urls_serialise_as_the_url_crate_does() {
        let params = [("k".to_owned(), "a b".to_owned())];
        let cases = [
            "http://example.com",
            "http://example.com/",
            "http://example.com/a/b?c=d&e=f",
            "https://api.example.com:8443/v1/items?page=2",
            "http://127.0.0.1:8080/get",
            "http://localhost/x;y,z!$&()*+=:@",
            "http://a-b.c-d.example/~user/",
            "http://example.com?q=1",
            "https://10.0.0.255/",
        ];
        for raw in cases {
            for params in [&[][..], &params[..]] {
                let fast = simple_uri(raw.to_owned(), params)
                    .unwrap_or_else(|_| panic!("{raw} is simple"));
                let full = crate::url::prepare_url(raw, params).unwrap();
                assert_eq!(fast.to_string(), full.as_str(), "{raw} {params:?}");
            }
        }
    }

    #[test]
    fn simple_targets_have_the_parts_the_url_crate_gives() {
        for raw in [
            "http://example.com/",
            "https://api.example.com:8443/v1/items?page=2",
            "http://127.0.0.1:8080/get",
            "http://a-b.c-d.example/~user/x;y",
            "http://server2/",
        ] {
            let uri: Uri = raw.parse().unwrap();
            let url = url::Url::parse(raw).unwrap();
            let target = simple_target(&uri).unwrap_or_else(|| panic!("{raw} is simple"));
            assert_eq!(target.secure, url.scheme() == "https", "{raw}");
            assert_eq!(Some(target.host), url.host_str(), "{raw}");
            assert_eq!(
                target.is_ip,
                matches!(url.host(), Some(url::Host::Ipv4(_))),
                "{raw}"
            );
            assert_eq!(target.path, url.path(), "{raw}");
        }
        for raw in [
            "http://Example.com/",
            "http://example.com:80/",
            "http://127.1/",
            "http://[::1]/",
            "http://xn--nxasmq6b.example/",
            "http://example.com/a/../b",
            "http://example.com/%7e",
            "ftp://example.com/",
            "http://u@example.com/",
        ] {
            let uri: Uri = raw.parse().unwrap();
            assert_eq!(simple_target(&uri), None, "{raw}");
        }
    }

    #[test]
    fn anything_the_url_crate_would_change_takes_the_full_path() {
        let cases = [
            "HTTP://example.com/",
            "http://Example.com/",
            "http://example.com:80/",
            "https://example.com:443/",
            "http://example.com:080/",
            "http://example.com:/",
            "http://example.com:99999/",
            "http://127.1/",
            "http://0x7f.0.0.1/",
            "http://127.000.0.1/",
            "http://1.2.3.4.5/",
            "http://xn--bcher-kva.example/",
            "http://bücher.example/",
            "http://user:pw@example.com/",
            "http://example.com/a/../b",
            "http://example.com/./b",
            "http://example.com/a b",
            "http://example.com/%41",
            "http://example.com/#frag",
            "http://example.com/?",
            "http://example.com/?q='x'",
            "http://example.com/[x]",
            "http://exa_mple.com/",
            "http://.example.com/",
            "http://example..com/",
            "ftp://example.com/",
            "http:/example.com/",
            "http:///example.com/",
            "http://",
            "http://example.com\\a",
        ];
        for raw in cases {
            assert_eq!(
                simple_uri(raw.to_owned(), &[]),
                Err(raw.to_owned()),
                "{raw} must not be simple"
            );
        }
    }

    /// Every combination of tricky hosts, ports and paths: whatever the fast
    /// path accepts, the `url` crate serialises the same way.
    #[test]
    fn the_fast_path_agrees_with_the_url_crate_on_every_combination() {
        let hosts = [
            "a",
            "a.b",
            "a-1.b2",
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "01.2.3.4",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "a..b",
            ".a",
            "a.",
            "xn--x.y",
            "A.b",
            "a_b",
            "1a.b",
            "a.1",
            "localhost",
            "[::1]",
        ];
        let ports = ["", ":8080", ":80", ":443", ":0", ":065535", ":65536", ":"];
        let tails = [
            "",
            "/",
            "/a/./b",
            "/a/..",
            "/.",
            "/..",
            "/a/b?x=../y",
            "/a?",
            "/.a",
            "/..a/b",
            "?q=1",
            "/a/b/",
            "/%2e",
            "/a?b?c",
            "/./",
            "/x/../",
        ];
        let mut accepted = 0;
        for scheme in ["http://", "https://"] {
            for host in hosts {
                for port in ports {
                    for tail in tails {
                        let raw = format!("{scheme}{host}{port}{tail}");
                        if let Ok(fast) = simple_uri(raw.clone(), &[]) {
                            accepted += 1;
                            let full = crate::url::prepare_url(&raw, &[]).unwrap();
                            assert_eq!(fast.to_string(), full.as_str(), "{raw}");
                        }
                    }
                }
            }
        }
        assert!(accepted > 100, "the fast path took {accepted} of them");
    }
}
