//! `http+unix://` URLs: the socket path travels percent-encoded as the URL's
//! host (`http+unix://%2Fvar%2Frun%2Fapp.sock/info`), as requests-unixsocket
//! has it. An `http::Uri` cannot carry `%` in its authority, so on the wire
//! the path is hex-encoded there instead, which keeps one connection pool per
//! socket.

use std::borrow::Cow;

use http::Uri;
use url::{Position, Url};

/// The scheme of HTTP over a Unix domain socket.
pub(crate) const SCHEME: &str = "http+unix";

/// Whether `scheme` is `http+unix` (ASCII case-insensitive).
pub fn is_unix_scheme(scheme: &str) -> bool {
    scheme.eq_ignore_ascii_case(SCHEME)
}

/// The wire URI of an `http+unix` URL: the socket path hex-encoded as the
/// authority, then the path and query.
pub(crate) fn wire_uri(url: &Url) -> Result<Uri, http::uri::InvalidUri> {
    let host = url.host_str().unwrap_or("");
    let socket: Cow<'_, [u8]> = percent_encoding::percent_decode_str(host).into();
    let mut text = String::with_capacity(SCHEME.len() + 3 + 2 * socket.len() + 16);
    text.push_str(SCHEME);
    text.push_str("://");
    for byte in socket.iter() {
        text.push_str(&format!("{byte:02x}"));
    }
    text.push_str(&url[Position::BeforePath..Position::AfterQuery]);
    Uri::try_from(text)
}

/// The socket path of an `http+unix` wire URI, if it is one.
pub fn socket_path(uri: &Uri) -> Option<Vec<u8>> {
    if !uri.scheme_str().is_some_and(is_unix_scheme) {
        return None;
    }
    let hex = uri.host()?.as_bytes();
    if hex.is_empty() || hex.len() % 2 != 0 {
        return None;
    }
    hex.chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(text, 16).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_socket_path_survives_the_trip_to_the_wire() {
        let url = Url::parse("http+unix://%2Fvar%2Frun%2Fapp.sock/v1/info?x=1").unwrap();
        let uri = wire_uri(&url).unwrap();
        assert_eq!(uri.path_and_query().unwrap(), "/v1/info?x=1");
        assert_eq!(socket_path(&uri).unwrap(), b"/var/run/app.sock");
        assert_eq!(socket_path(&"http://a.test/".parse().unwrap()), None);
        assert_eq!(socket_path(&"http+unix://zz/".parse().unwrap()), None);
    }
}
