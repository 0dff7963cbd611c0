//! One hop of a redirect chain: where it goes (`Location`), and the request that
//! goes there (requests' `rebuild_method`, body purge, `rebuild_auth`, cookie and
//! proxy-auth removal).

use std::any::Any;

use bytes::{Bytes, BytesMut};
use http::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HOST, LOCATION,
    PROXY_AUTHORIZATION, TRANSFER_ENCODING,
};
use http::{Extensions, HeaderMap, HeaderValue, Method, StatusCode, Version};
use http_body::Body as _;
use http_body_util::BodyExt;
use sessio_core::{Body, BoxError, Error, ErrorKind, PreparedRequest};
use url::Url;

use super::ReplayBody;
use super::policy::{RedirectPolicy, same_origin};

/// The most bytes of a redirect response's body that are read (raw, never
/// decoded) so that its connection can be reused; past it the body is dropped
/// and the connection closed (SEC-32).
pub const DRAIN_LIMIT: usize = 64 * 1024;

/// A request of the chain, kept so that the next hop can be built from it.
pub(crate) struct Hop<B> {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) version: Version,
    pub(crate) headers: HeaderMap,
    pub(crate) extensions: Extensions,
    /// The body to send, or `None` for a stream that cannot be sent again.
    pub(crate) body: Option<B>,
}

impl<B: ReplayBody + 'static> Hop<B> {
    /// The request to send for this hop (the body is cloned, so the hop can be
    /// replayed again if a 307/308 follows).
    pub(crate) fn to_request(&self) -> Result<http::Request<B>, Error> {
        let uri = sessio_core::request::wire_uri(&self.url)?;
        let body = self
            .body
            .as_ref()
            .and_then(ReplayBody::try_replay)
            .unwrap_or_else(B::empty);
        let mut request = http::Request::new(body);
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = uri;
        *request.version_mut() = self.version;
        *request.headers_mut() = self.headers.clone();
        *request.extensions_mut() = self.extensions.clone();
        Ok(request)
    }

    /// This hop as a `PreparedRequest`, for `Response::request` and `next`.
    pub(crate) fn snapshot(&self) -> PreparedRequest {
        let mut prepared = PreparedRequest::new(self.method.clone(), self.url.clone());
        *prepared.headers_mut() = self.headers.clone();
        if let Some(body) = self
            .body
            .as_ref()
            .and_then(|b| (b as &dyn Any).downcast_ref::<Body>())
            .and_then(Body::try_clone)
        {
            *prepared.body_mut() = body;
        }
        prepared
    }

    /// The next hop after a redirect with `status` to `url`.
    pub(crate) fn next(&self, status: StatusCode, url: Url, policy: &dyn RedirectPolicy) -> Hop<B> {
        let mut method = self.method.clone();
        match status.as_u16() {
            302 | 303 if method != Method::HEAD => method = Method::GET,
            301 if method == Method::POST => method = Method::GET,
            _ => {}
        }
        let mut headers = self.headers.clone();
        let keeps_body = matches!(status.as_u16(), 307 | 308);
        let body = if keeps_body {
            self.body.as_ref().and_then(ReplayBody::try_replay)
        } else {
            for name in [
                CONTENT_LENGTH,
                CONTENT_TYPE,
                TRANSFER_ENCODING,
                CONTENT_ENCODING,
            ] {
                headers.remove(name);
            }
            Some(B::empty())
        };
        // The cookies layer rebuilds `Cookie` from the jar for the new URL.
        headers.remove(COOKIE);
        headers.remove(PROXY_AUTHORIZATION);
        if policy.should_strip_auth(&self.url, &url) {
            headers.remove(AUTHORIZATION);
        }
        if !same_origin(&self.url, &url) {
            headers.remove(HOST);
        }
        Hop {
            method,
            url,
            version: self.version,
            headers,
            extensions: self.extensions.clone(),
            body,
        }
    }
}

/// The target of a redirect response, or `None` when it is not one
/// (301/302/303/307/308 with a `Location`).
pub(crate) fn location(status: StatusCode, headers: &HeaderMap) -> Option<&HeaderValue> {
    if matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
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
) -> Result<Url, Error> {
    let bytes = location.as_bytes();
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    };
    let text = text.trim();
    let invalid = |why: &str| {
        Error::msg(
            ErrorKind::Redirect,
            format!("invalid redirect Location {text:?}: {why}"),
        )
    };
    // `https:///path` (no host) means the current host, as httpx reads it.
    let text = match text.split_once(":///") {
        Some((scheme, rest)) if scheme.chars().all(|c| c.is_ascii_alphabetic()) => {
            let host = current.host_str().ok_or_else(|| invalid("no host"))?;
            let port = current.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!("{scheme}://{host}{port}/{rest}")
        }
        _ => text.to_owned(),
    };
    let requoted = sessio_core::url::requote_uri(&text);
    let mut url = current
        .join(&requoted)
        .map_err(|e| invalid(&e.to_string()))?;
    if url.scheme().starts_with("http") && url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host"));
    }
    match url.fragment() {
        Some(own) if !own.is_empty() => *fragment = Some(own.to_owned()),
        _ => url.set_fragment(fragment.as_deref()),
    }
    Ok(url)
}

/// Reads at most [`DRAIN_LIMIT`] raw bytes of a redirect response so that its
/// connection can go back to the pool. Returns the bytes, or `None` when the body
/// was larger (it is then dropped and the connection closed) or failed.
pub(crate) async fn drain<RB>(body: RB) -> Option<Bytes>
where
    RB: http_body::Body<Data = Bytes>,
    RB::Error: Into<BoxError>,
{
    let mut body = std::pin::pin!(body);
    if body.size_hint().lower() > DRAIN_LIMIT as u64 {
        return None;
    }
    let mut drained = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let data = frame.ok()?.into_data().unwrap_or_default();
        if drained.len() + data.len() > DRAIN_LIMIT {
            return None;
        }
        drained.extend_from_slice(&data);
    }
    Some(drained.freeze())
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
        assert_eq!(
            resolve_str("http://a.test/x/y", "z", &mut f),
            "http://a.test/x/z"
        );
        assert_eq!(
            resolve_str("http://a.test/x/y", "/z", &mut f),
            "http://a.test/z"
        );
        assert_eq!(
            resolve_str("https://a.test/x", "//b.test/p", &mut f),
            "https://b.test/p"
        );
        assert_eq!(
            resolve_str("http://a.test/x", "http://c.test/q?a=1", &mut f),
            "http://c.test/q?a=1"
        );
        assert_eq!(
            resolve_str("http://a.test/x", "https:///same-host", &mut f),
            "https://a.test/same-host"
        );
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
    }

    #[test]
    fn invalid_locations_are_redirect_errors() {
        let mut f = None;
        let value = HeaderValue::from_static("http://");
        let err = resolve(&"http://a.test/".parse().unwrap(), &value, &mut f).unwrap_err();
        assert!(err.is_redirect(), "{err}");
    }
}
