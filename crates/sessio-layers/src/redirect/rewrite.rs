//! The requests of a redirect chain: the copy of the first request the layer
//! keeps, and the request each redirect leads to (requests' `rebuild_method`,
//! body purge, `rebuild_auth`, cookie and proxy-auth removal).

use http::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HOST,
    PROXY_AUTHORIZATION, TRANSFER_ENCODING,
};
use http::{Extensions, HeaderMap, HeaderValue, Method, Request, StatusCode, Uri, Version};
use sessio_core::__private::{same_origin, wire_uri};
use sessio_core::Fragment;
use url::Url;

use super::policy::RedirectPolicy;
use super::{InvalidLocation, RequestHead};
use crate::ReplayBody;

/// What the layer keeps of the first request: its head and a copy of its body.
/// The `Url` is only built when a redirect actually comes.
pub(crate) struct FirstRequest<B> {
    method: Method,
    uri: Uri,
    version: Version,
    headers: HeaderMap,
    extensions: Extensions,
    /// `None` when the body cannot be replayed (a stream).
    body: Option<B>,
}

impl<B> FirstRequest<B> {
    /// The headers of the copy.
    pub(crate) fn into_headers(self) -> HeaderMap {
        self.headers
    }
}

impl<B: ReplayBody> FirstRequest<B> {
    pub(crate) fn copy_of(request: &Request<B>) -> Self {
        FirstRequest {
            method: request.method().clone(),
            uri: request.uri().clone(),
            version: request.version(),
            headers: request.headers().clone(),
            extensions: request.extensions().clone(),
            body: request.body().try_replay(),
        }
    }

    /// The first request as a request of the chain, and the fragment to carry over.
    pub(crate) fn into_chain(self) -> Result<(ChainRequest<B>, Option<String>), InvalidLocation> {
        let text = self.uri.to_string();
        let mut url = Url::parse(&text).map_err(|e| InvalidLocation {
            location: text.clone(),
            reason: e.to_string(),
        })?;
        let fragment = self.extensions.get::<Fragment>().map(|f| f.0.clone());
        url.set_fragment(fragment.as_deref());
        let request = ChainRequest {
            method: self.method,
            url,
            version: self.version,
            headers: self.headers,
            extensions: self.extensions,
            body: self.body,
            resends_body: true,
        };
        Ok((request, fragment))
    }
}

/// A request of the chain, kept so that the next one can be built from it.
pub(crate) struct ChainRequest<B> {
    pub(crate) method: Method,
    pub(crate) url: Url,
    version: Version,
    headers: HeaderMap,
    extensions: Extensions,
    /// The body to send, or `None` for a stream that cannot be sent again.
    pub(crate) body: Option<B>,
    resends_body: bool,
}

impl<B: ReplayBody> ChainRequest<B> {
    /// The request to send (the body is copied, so that a 307/308 after it can
    /// send it once more).
    pub(crate) fn to_http(&self) -> Result<Request<B>, InvalidLocation> {
        let uri = wire_uri(&self.url).map_err(|e| InvalidLocation {
            location: self.url.to_string(),
            reason: e.to_string(),
        })?;
        let body = self
            .body
            .as_ref()
            .and_then(ReplayBody::try_replay)
            .unwrap_or_else(B::empty);
        let mut request = Request::new(body);
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = uri;
        *request.version_mut() = self.version;
        *request.headers_mut() = self.headers.clone();
        *request.extensions_mut() = self.extensions.clone();
        Ok(request)
    }

    /// The deadline the chain must end by, if the first request had one.
    pub(crate) fn deadline(&self) -> Option<sessio_core::Deadline> {
        self.extensions.get::<sessio_core::Deadline>().copied()
    }

    /// Its head, for the history.
    pub(crate) fn head(&self) -> RequestHead {
        RequestHead {
            method: self.method.clone(),
            url: self.url.clone(),
            version: self.version,
            headers: self.headers.clone(),
            resends_body: self.resends_body,
        }
    }

    /// The request a redirect with `status` to `url` leads to.
    pub(crate) fn next(&self, status: StatusCode, url: Url, policy: &dyn RedirectPolicy) -> Self {
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
            // What requests sends through http.client: a body-less request of a
            // method that expects a body says so with `Content-Length: 0`.
            if matches!(method, Method::PUT | Method::POST | Method::PATCH) {
                headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
            }
            Some(B::empty())
        };
        // The cookies layer rebuilds `Cookie` from its store for the new URL.
        headers.remove(COOKIE);
        headers.remove(PROXY_AUTHORIZATION);
        if policy.should_strip_auth(&self.url, &url) {
            headers.remove(AUTHORIZATION);
        }
        if !same_origin(&self.url, &url) {
            headers.remove(HOST);
        }
        ChainRequest {
            method,
            url,
            version: self.version,
            headers,
            extensions: self.extensions.clone(),
            body,
            resends_body: keeps_body && self.resends_body,
        }
    }
}
