//! The one place that turns the redirect layer's record of a chain (plain http
//! data) into sessio's `Response::history()`, `request()` and `next()`.

use http::Extensions;
use http::header::COOKIE;
use sessio_core::__private::ResponseExt;
use sessio_core::__private::utf8_or_latin1;
use sessio_core::{Body, PreparedRequest, Response};
use sessio_layers::cookies::CookieSent;
use sessio_layers::redirect::{FollowedRedirect, RequestHead};

/// What the session adds to every response of an exchange, history included.
pub(crate) struct ResponseContext<'a> {
    /// The body of the first request: hops that re-sent it show it.
    pub(crate) first_body: &'a Body,
    /// The cap on buffered reads.
    pub(crate) max_decompressed_size: Option<u64>,
}

impl ResponseContext<'_> {
    /// The request of a hop as sent: with the first request's body when the hop
    /// re-sent it, and the `Cookie` header the cookies layer added (it reports it
    /// in the hop's response extensions).
    pub(crate) fn request(&self, head: RequestHead, sent: &Extensions) -> PreparedRequest {
        let RequestHead {
            method,
            url,
            headers,
            resends_body,
            ..
        } = head;
        let mut request = PreparedRequest::new(method, url);
        *request.headers_mut() = headers;
        if let Some(CookieSent(cookie)) = sent.get::<CookieSent>() {
            request.headers_mut().insert(COOKIE, cookie.clone());
        }
        if resends_body && let Some(body) = self.first_body.try_clone() {
            *request.body_mut() = body;
        }
        request
    }

    /// One followed redirect as a response (its body in memory), without history.
    fn response(&self, followed: FollowedRedirect) -> Response {
        let FollowedRedirect {
            request,
            response,
            elapsed,
            ..
        } = followed;
        let request = self.request(request, response.extensions());
        let mut response = Response::buffered(response, request);
        response.set_elapsed(elapsed);
        finish(&mut response, self.max_decompressed_size);
        response
    }

    /// requests' history: oldest first (each entry's own history, the entries
    /// before it, is set by `set_history`).
    pub(crate) fn history(&self, followed: Vec<FollowedRedirect>) -> Vec<Response> {
        followed.into_iter().map(|f| self.response(f)).collect()
    }
}

/// What every response of a session gets: the server's reason phrase and the
/// cap on buffered reads.
pub(crate) fn finish(response: &mut Response, max_decompressed_size: Option<u64>) {
    response.set_max_decompressed_size(max_decompressed_size);
    if let Some(reason) = reason_phrase(response.extensions()) {
        response.set_reason(reason);
    }
}

/// The server's reason phrase (HTTP/1), decoded as requests does.
fn reason_phrase(extensions: &Extensions) -> Option<String> {
    extensions
        .get::<hyper::ext::ReasonPhrase>()
        .map(|reason| utf8_or_latin1(reason.as_bytes()).into_owned())
}
