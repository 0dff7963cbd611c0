//! requests' prepare steps, in one function: a session's `prepare` and
//! `Request::prepare` (no session state) both run [`prepare`].

use http::header::COOKIE;
use http::{HeaderMap, Method};
use url::Url;

use super::framing::frame_body;
use super::merge::merge_headers_with_room;
use super::prepared::Target;
use super::{AuthSetting, PreparedRequest, Request, RequestParts};
use crate::UploadProgress;
use crate::cookie::{RequestCookies, StrictOrigin, cookie_header};
use crate::{Auth, Body, CookieStore, Error, HookRegistry, Result};

/// What a session merges into each request it prepares (requests' `Session`
/// attributes). [`SessionDefaults::NONE`] is a request on its own.
#[derive(Clone, Copy)]
pub struct SessionDefaults<'a> {
    /// Default headers (requests' `session.headers`).
    pub headers: Option<&'a HeaderMap>,
    /// Default query params (`session.params`).
    pub params: &'a [(String, String)],
    /// Default auth (`session.auth`).
    pub auth: Option<&'a Auth>,
    /// Default hooks (`session.hooks`).
    pub hooks: Option<&'a HookRegistry>,
    /// The cookie store (`session.cookies`).
    pub cookies: Option<&'a dyn CookieStore>,
    /// Scope cookies without a domain to the origin of the first request.
    pub strict_cookies: bool,
    /// `.netrc` credentials for requests without auth (`trust_env`).
    pub netrc: Option<&'a std::sync::Arc<crate::auth::Netrc>>,
}

impl SessionDefaults<'_> {
    /// No session state at all.
    pub const NONE: SessionDefaults<'static> = SessionDefaults {
        headers: None,
        params: &[],
        auth: None,
        hooks: None,
        cookies: None,
        strict_cookies: false,
        netrc: None,
    };
}

impl std::fmt::Debug for SessionDefaults<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionDefaults")
            .field("headers", &self.headers)
            .field("params", &self.params)
            .field("auth", &self.auth)
            .field("strict_cookies", &self.strict_cookies)
            .finish_non_exhaustive()
    }
}

/// requests' `Session.prepare_request` followed by `PreparedRequest.prepare`:
///
/// * P1 the method, upper-cased;
/// * P2 the URL, with the session's params merged with the request's appended;
/// * P3 the session's headers merged with the request's (a request value wins, a
///   removed one is dropped);
/// * P4 the `Cookie` header from the store and the request's own cookies, unless
///   the request set one (its own cookies then also follow same-origin redirects);
/// * P5 the body, with `Content-Type`, `Content-Length` or chunked encoding;
/// * P6 auth: the request's, else the session's, else credentials in the URL,
///   unless the request opted out;
/// * P7 the session's hooks merged with the request's.
pub fn prepare(request: Request, defaults: &SessionDefaults<'_>) -> Result<PreparedRequest> {
    let RequestParts {
        method,
        url,
        headers,
        removed_headers,
        params,
        removed_params,
        auth,
        body,
        cookies,
        hooks,
        extend_hooks,
        extensions,
    } = request.into_parts();
    let method = upper_method(method)?;
    let merged;
    let params: &[(String, String)] = match (
        defaults.params.is_empty(),
        params.is_empty() && removed_params.is_empty(),
    ) {
        (true, _) if removed_params.is_empty() => &params,
        // Only the session's params: used as they are, not copied.
        (false, true) => defaults.params,
        _ => {
            merged = crate::url::merge_params(defaults.params, &params, &removed_params);
            &merged
        }
    };
    let target = target(url, params)?;
    // Room for the `Authorization` header when one may be added below.
    let auth_room = match &auth {
        AuthSetting::Set(_) => 1,
        AuthSetting::Disabled => 0,
        AuthSetting::Inherit => usize::from(defaults.auth.is_some() || defaults.netrc.is_some()),
    };
    let mut headers = match defaults.headers {
        Some(defaults) => merge_headers_with_room(defaults, headers, &removed_headers, auth_room),
        None => headers,
    };
    frame_body(&method, body.as_ref(), &mut headers, false);
    let (auth, use_url_credentials) = match auth {
        AuthSetting::Set(auth) => (Some(auth), true),
        AuthSetting::Disabled => (None, false),
        AuthSetting::Inherit => (defaults.auth.cloned(), true),
    };
    let netrc = match (&auth, defaults.netrc) {
        (None, Some(netrc)) if use_url_credentials => netrc_auth(netrc, &target),
        _ => None,
    };
    let netrc_first = netrc.as_ref().and_then(|(auth, _)| auth.as_ref());
    match (&auth, netrc_first, &target) {
        (Some(auth), _, _) | (None, Some(auth), _) => auth.apply(&mut headers)?,
        (None, None, Target::Parsed(url)) if use_url_credentials => {
            if let Some(auth) = url_credentials(url) {
                auth.apply(&mut headers)?;
            }
        }
        _ => {}
    }
    let mut body = body.map_or_else(Body::empty, |b| b.body);
    if let Some(UploadProgress(report)) = extensions.get::<UploadProgress>() {
        body = body.with_progress_fn(report.clone());
    }
    let mut prepared = PreparedRequest::assemble(method, target, headers, body, extensions);
    if let Some(flow) = auth.as_ref().and_then(Auth::as_flow) {
        attach_flow(&mut prepared, flow.clone(), false);
    } else if let Some((_, flow)) = netrc {
        attach_flow(&mut prepared, flow, true);
    }
    add_cookies(&mut prepared, cookies, defaults)?;
    if let Some(auth) = &auth {
        auth.edit(&mut prepared)?;
    }
    let hooks = match (defaults.hooks, hooks.is_empty()) {
        (None, _) => hooks,
        (Some(session), true) => session.clone(),
        (Some(session), false) => HookRegistry::merge(session, &hooks, extend_hooks),
    };
    if !hooks.is_empty() {
        prepared.extensions_mut().insert(hooks);
    }
    Ok(prepared)
}

/// P1: methods are case-sensitive tokens; requests upper-cases them.
fn upper_method(method: Method) -> Result<Method> {
    let name = method.as_str();
    if name.bytes().all(|b| !b.is_ascii_lowercase()) {
        return Ok(method);
    }
    Method::from_bytes(name.to_ascii_uppercase().as_bytes()).map_err(Error::builder)
}

/// P2: simple URLs go straight to the wire form; the rest through `url`.
fn target(url: String, params: &[(String, String)]) -> Result<Target> {
    let trimmed = match url.trim_start().len() {
        len if len == url.len() => url,
        len => url[url.len() - len..].to_owned(),
    };
    match crate::simple_url::simple_uri(trimmed, params) {
        Ok(uri) => Ok(Target::simple(uri)),
        Err(url) => Ok(Target::Parsed(crate::url::prepare_url(&url, params)?)),
    }
}

/// P4: the `Cookie` header, and the extensions that keep the request's cookies
/// (and strict scoping) for later redirect hops.
fn add_cookies(
    prepared: &mut PreparedRequest,
    own: Vec<(String, String)>,
    defaults: &SessionDefaults<'_>,
) -> Result<()> {
    let store = defaults.cookies.filter(|store| !store.is_empty());
    if store.is_none() && own.is_empty() && !defaults.strict_cookies {
        return Ok(());
    }
    let header = match (prepared.headers().contains_key(COOKIE), prepared.wire_uri()) {
        (true, _) => None,
        // The store's cookies only, for a simple URL: matched on the URI, so
        // that no `Url` is built for them.
        (false, Some(uri)) if own.is_empty() => store.and_then(|store| store.cookies_for_uri(uri)),
        (false, _) => cookie_header(store, prepared.url(), &own, None)?,
    };
    let own = (!own.is_empty()).then(|| RequestCookies::new(prepared.url(), own));
    let strict = defaults
        .strict_cookies
        .then(|| StrictOrigin::new(prepared.url()));
    if let Some(header) = header {
        let version = store.and_then(|store| store.version());
        prepared
            .extensions_mut()
            .insert(crate::cookie::PreparedCookie {
                header: header.clone(),
                version,
            });
        prepared.headers_mut().insert(COOKIE, header);
    }
    if let Some(own) = own {
        prepared.extensions_mut().insert(own);
    }
    if let Some(strict) = strict {
        prepared.extensions_mut().insert(strict);
    }
    Ok(())
}

/// Basic auth from `user:pass@` in the URL, percent-decoded (requests' `get_auth_from_url`).
pub(crate) fn url_credentials(url: &Url) -> Option<Auth> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    Some(Auth::basic(
        decode(url.username()),
        decode(url.password().unwrap_or("")),
    ))
}

/// P6 for a multi-step scheme: the flow goes with the request, for the
/// origin of this URL.
fn attach_flow(
    prepared: &mut PreparedRequest,
    flow: std::sync::Arc<dyn crate::auth::AuthFlow>,
    every_origin: bool,
) {
    let url = prepared.url();
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return;
    };
    let origin = (url.scheme().to_owned(), host.to_ascii_lowercase(), port);
    prepared
        .extensions_mut()
        .insert(crate::auth::flow::AttachedFlow {
            flow,
            origin,
            every_origin,
        });
}

/// P6 with `trust_env`: the netrc entry of the URL's host (or its `default`),
/// if any, and the flow that looks up each later hop's host (requests
/// re-applies netrc per redirect, also after a first host without an entry;
/// the `default` entry only on the first host).
fn netrc_auth(
    netrc: &std::sync::Arc<crate::auth::Netrc>,
    target: &Target,
) -> Option<(Option<Auth>, std::sync::Arc<dyn crate::auth::AuthFlow>)> {
    let host = target.host()?;
    let auth = netrc.auth_for(&host, true);
    let flow = crate::auth::NetrcFlow {
        netrc: netrc.clone(),
        first_host: host.to_ascii_lowercase(),
    };
    Some((auth, std::sync::Arc::new(flow)))
}
