//! The one place that turns the redirect layer's record of a chain (plain http
//! data) into sessio's `Response::history()`, `request()` and `next()`.

use http::header::{AUTHORIZATION, COOKIE};
use http::{Extensions, HeaderValue};
use sessio_core::__private::ResponseExt;
use sessio_core::__private::utf8_or_latin1;
use sessio_core::{Body, PreparedRequest, Response};
use sessio_layers::auth_flow::AuthFlowRecord;
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
    /// The request of a hop as the redirect layer sent it: with the first
    /// request's body when the hop re-sent it.
    pub(crate) fn hop_request(&self, head: RequestHead) -> PreparedRequest {
        let RequestHead {
            method,
            url,
            headers,
            resends_body,
            ..
        } = head;
        let mut request = PreparedRequest::new(method, url);
        *request.headers_mut() = headers;
        if resends_body && let Some(body) = self.first_body.try_clone() {
            *request.body_mut() = body;
        }
        request
    }

    /// One followed redirect as responses (their bodies in memory), without
    /// history: the challenges an auth flow answered on its hop, then the redirect.
    fn responses(&self, followed: FollowedRedirect, into: &mut Vec<Response>) {
        let FollowedRedirect {
            request,
            mut response,
            elapsed,
            ..
        } = followed;
        let (request, answered) = hop(
            self.hop_request(request),
            response.extensions_mut(),
            self.max_decompressed_size,
        );
        into.extend(answered);
        let mut response = Response::buffered(response, request);
        response.set_elapsed(elapsed);
        finish(&mut response, self.max_decompressed_size);
        into.push(response);
    }

    /// requests' history: every response before the last, oldest first (each
    /// entry's own history, the entries before it, is set by `set_history`).
    pub(crate) fn history(&self, followed: Vec<FollowedRedirect>) -> Vec<Response> {
        let mut history = Vec::with_capacity(followed.len());
        for hop in followed {
            self.responses(hop, &mut history);
        }
        history
    }
}

/// One hop, given the request the layers above the auth flows sent and the
/// extensions of the response the hop ended with: that request as the
/// response's request was sent, and before it the responses an auth flow
/// answered on the way (oldest first), each with its request as sent.
pub(crate) fn hop(
    mut request: PreparedRequest,
    extensions: &mut Extensions,
    max_decompressed_size: Option<u64>,
) -> (PreparedRequest, Vec<Response>) {
    if extensions.is_empty() {
        // most responses: nothing was added on the way down
        return (request, Vec::new());
    }
    let record = extensions.remove::<AuthFlowRecord>();
    let mut answered = Vec::new();
    if let Some(record) = &record {
        for challenge in &record.answered {
            let mut sent = request.try_clone().unwrap_or_else(|| request.snapshot());
            as_sent(
                &mut sent,
                challenge.response.extensions(),
                challenge.authorization.as_ref(),
            );
            let mut response = Response::buffered(challenge.response.clone(), sent);
            response.set_elapsed(challenge.elapsed);
            finish(&mut response, max_decompressed_size);
            answered.push(response);
        }
    }
    let authorization = record.as_ref().and_then(|r| r.authorization.as_ref());
    as_sent(&mut request, extensions, authorization);
    (request, answered)
}

/// `request` with the headers the layers below the redirect layer added when it
/// was sent: the `Cookie` the cookies layer reports in the response's extensions,
/// and the `Authorization` an auth flow set.
fn as_sent(request: &mut PreparedRequest, sent: &Extensions, authorization: Option<&HeaderValue>) {
    if let Some(CookieSent(cookie)) = sent.get::<CookieSent>() {
        request.headers_mut().insert(COOKIE, cookie.clone());
    }
    if let Some(authorization) = authorization {
        request
            .headers_mut()
            .insert(AUTHORIZATION, authorization.clone());
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
