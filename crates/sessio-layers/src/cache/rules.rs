//! RFC 9111 decisions: what may be stored, for how long, when a stored
//! response may answer, and how a `304` updates it. `http-cache-semantics`
//! decides storability, the freshness lifetime (explicit or heuristic) and the
//! `304` merge; the rest is here, where the crate does not follow RFC 9111:
//!
//! - the crate's age is the `Age` field plus the time since receipt; RFC 9111
//!   §4.2.3 also counts the apparent age (`Date` in the past) and the response
//!   delay, so a response whose `Date` is an hour old with `max-age=60` is stale
//!   here, fresh for the crate (`rules::tests::apparent_age_counts`);
//! - a private cache may store a response to a request with `Authorization`,
//!   but a session may be shared by several users, so §3.5's rule for shared
//!   caches is kept, and a stored response only answers the same credentials.

use std::time::{Duration, SystemTime};

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode, Uri, Version};
use http_cache_semantics::{AfterResponse, CacheOptions, CachePolicy};
use sha2::{Digest, Sha256};

use super::entry::Variant;
use super::layer::{Expiry, Options};

/// The `Cache-Control` directives of a request that a cache acts on.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RequestDirectives {
    pub(crate) no_cache: bool,
    pub(crate) max_age: Option<u64>,
    /// `Some(None)`: any staleness.
    pub(crate) max_stale: Option<Option<u64>>,
    pub(crate) min_fresh: Option<u64>,
    pub(crate) only_if_cached: bool,
}

impl RequestDirectives {
    pub(crate) fn parse(headers: &HeaderMap) -> RequestDirectives {
        let mut out = RequestDirectives::default();
        let mut any = false;
        for (name, value) in directives(headers.get_all(header::CACHE_CONTROL)) {
            any = true;
            match name.as_str() {
                "no-cache" => out.no_cache = true,
                "max-age" => out.max_age = value.and_then(seconds).or(Some(0)),
                "max-stale" => out.max_stale = Some(value.and_then(seconds)),
                "min-fresh" => out.min_fresh = value.and_then(seconds),
                "only-if-cached" => out.only_if_cached = true,
                _ => {}
            }
        }
        // RFC 9111 §5.4: `Pragma: no-cache` counts only without `Cache-Control`.
        if !any
            && headers
                .get_all(header::PRAGMA)
                .iter()
                .any(|v| v.to_str().is_ok_and(|v| v.contains("no-cache")))
        {
            out.no_cache = true;
        }
        out
    }

    /// Whether `variant` may answer without the server (fresh, or stale within
    /// what the request accepts).
    pub(crate) fn satisfied_by(&self, variant: &Variant, now: SystemTime) -> bool {
        if self.no_cache {
            return false;
        }
        if self
            .max_age
            .is_some_and(|max| variant.age(now) > Duration::from_secs(max))
        {
            return false;
        }
        if let Some(min) = self.min_fresh {
            let left = variant.fresh_until.duration_since(now).unwrap_or_default();
            if left < Duration::from_secs(min) {
                return false;
            }
        }
        match variant.staleness(now) {
            None => true,
            Some(past) => {
                !variant.must_revalidate
                    && match self.max_stale {
                        Some(None) => true,
                        Some(Some(max)) => past <= Duration::from_secs(max),
                        None => false,
                    }
            }
        }
    }
}

/// `name[=value]` pairs of comma-separated directive lists, names lowercased.
fn directives<'a>(
    values: impl IntoIterator<Item = &'a HeaderValue>,
) -> impl Iterator<Item = (String, Option<&'a str>)> {
    values
        .into_iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| {
            let mut kv = part.splitn(2, '=');
            let name = kv.next()?.trim();
            if name.is_empty() {
                return None;
            }
            let value = kv.next().map(|v| v.trim().trim_matches('"'));
            Some((name.to_ascii_lowercase(), value))
        })
}

fn seconds(value: &str) -> Option<u64> {
    // RFC 9111 §1.2.2: a delta-seconds too large to hold is 2^31.
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        Some(value.parse().unwrap_or(1 << 31))
    } else {
        None
    }
}

/// What a request's fields mean to the cache, found in one pass over them.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RequestFields {
    /// A conditional or range request (the user's own validators): the cache
    /// leaves the exchange alone.
    pub(crate) conditional: bool,
    /// `Cache-Control` or `Pragma` to read.
    pub(crate) directives: bool,
    pub(crate) authorization: bool,
}

impl RequestFields {
    pub(crate) fn of(headers: &HeaderMap) -> RequestFields {
        let mut out = RequestFields::default();
        for name in headers.keys() {
            match name.as_str() {
                "if-none-match"
                | "if-modified-since"
                | "if-match"
                | "if-unmodified-since"
                | "if-range"
                | "range" => out.conditional = true,
                "cache-control" | "pragma" => out.directives = true,
                "authorization" => out.authorization = true,
                _ => {}
            }
        }
        out
    }
}

/// The key a URL is stored under: the URI as it is written (without the
/// formatting machinery: this runs on every hit).
pub(crate) fn key(uri: &Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or("");
    let authority = uri.authority().map_or("", |a| a.as_str());
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut key = String::with_capacity(scheme.len() + 3 + authority.len() + path.len());
    if !scheme.is_empty() {
        key.push_str(scheme);
        key.push_str("://");
    }
    key.push_str(authority);
    key.push_str(path);
    key
}

/// Methods RFC 9110 §9.2.1 calls safe: they never invalidate.
pub(crate) fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// A digest of the request's `Authorization` (never stored as it is).
pub(crate) fn auth_digest(headers: &HeaderMap) -> Option<[u8; 16]> {
    let value = headers.get(header::AUTHORIZATION)?;
    let hash = Sha256::digest(value.as_bytes());
    let mut out = [0; 16];
    out.copy_from_slice(&hash[..16]);
    Some(out)
}

/// Adds the validators of `stored` to a request (RFC 9111 §4.3.1): its
/// `ETag` as `If-None-Match`, its `Last-Modified` as `If-Modified-Since`.
pub(crate) fn add_validators(headers: &mut HeaderMap, stored: &Variant) {
    if let Some(etag) = stored.headers.get(header::ETAG) {
        headers.insert(header::IF_NONE_MATCH, etag.clone());
    }
    if let Some(modified) = stored.headers.get(header::LAST_MODIFIED) {
        headers.insert(header::IF_MODIFIED_SINCE, modified.clone());
    }
}

/// What the request told about itself, kept until its response arrives.
#[derive(Debug)]
pub(crate) struct Asked {
    pub(crate) uri: Uri,
    pub(crate) headers: HeaderMap,
    pub(crate) sent_at: SystemTime,
}

/// Hop-by-hop fields (RFC 9110 §7.6.1) and the ones the cache makes up itself.
const NOT_STORED: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::AGE,
];

fn private_options() -> CacheOptions {
    CacheOptions {
        shared: false,
        ..CacheOptions::default()
    }
}

/// The request as `http-cache-semantics` sees it.
fn policy_request(asked: &Asked) -> http::request::Parts {
    let (mut parts, ()) = http::Request::new(()).into_parts();
    parts.method = Method::GET;
    parts.uri = asked.uri.clone();
    parts.headers = asked.headers.clone();
    parts
}

fn policy_response(status: StatusCode, headers: HeaderMap) -> http::response::Parts {
    let (mut parts, ()) = http::Response::new(()).into_parts();
    parts.status = status;
    parts.headers = headers;
    parts
}

/// The stored form of a response to `asked`, without its body; `None` when it
/// must not be stored.
pub(crate) fn storable(
    asked: &Asked,
    status: StatusCode,
    version: Version,
    headers: &HeaderMap,
    received: SystemTime,
    options: &Options,
) -> Option<Variant> {
    let expiry = options.expiry_for(&asked.uri, status);
    if matches!(expiry, Some(Expiry::DoNotCache)) {
        return None;
    }
    let mut stored = HeaderMap::with_capacity(headers.len() + 1);
    for (name, value) in headers {
        if !NOT_STORED.contains(name) {
            stored.append(name.clone(), value.clone());
        }
    }
    for listed in headers.get_all(header::CONNECTION) {
        for name in listed.to_str().unwrap_or_default().split(',') {
            if let Ok(name) = HeaderName::from_bytes(name.trim().as_bytes()) {
                stored.remove(name);
            }
        }
    }
    // A recipient with a clock adds the `Date` a response lacks (RFC 9110 §6.6.1).
    if !stored.contains_key(header::DATE) {
        let date = httpdate::fmt_http_date(received);
        stored.insert(header::DATE, HeaderValue::from_str(&date).ok()?);
    }

    let mut cache_control = ResponseDirectives::default();
    for (name, value) in directives(headers.get_all(header::CACHE_CONTROL)) {
        cache_control.set(&name, value);
    }
    if asked.headers.contains_key(header::AUTHORIZATION)
        && !(cache_control.public || cache_control.must_revalidate || cache_control.s_maxage)
    {
        return None;
    }
    let mut vary = Vec::new();
    for name in headers
        .get_all(header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        if name == "*" {
            return None; // never matches a later request (RFC 9111 §4.1)
        }
        let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
        let value = asked.headers.get(&name).cloned();
        vary.push((name, value));
    }

    let age_value = headers
        .get(header::AGE)
        .and_then(|v| v.to_str().ok())
        .and_then(seconds)
        .map_or(Duration::ZERO, Duration::from_secs);
    let policy = CachePolicy::new_options(
        &policy_request(asked),
        &policy_response(status, with_age(stored.clone(), headers.get(header::AGE))),
        received,
        private_options(),
    );
    if !policy.is_storable() {
        return None;
    }
    // RFC 9111 §4.2.3: the initial age counts the apparent age and the delay.
    let date = stored
        .get(header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    let apparent = date.map_or(Duration::ZERO, |date| {
        received.duration_since(date).unwrap_or_default()
    });
    let delay = received.duration_since(asked.sent_at).unwrap_or_default();
    let initial_age = apparent.max(age_value + delay);
    let born = received.checked_sub(initial_age).unwrap_or(received);
    let lifetime = match expiry {
        Some(Expiry::After(after)) => after + initial_age,
        _ => {
            // The crate's time to live at receipt is its lifetime less `Age`.
            let ttl = policy.time_to_live(received);
            if ttl.is_zero() {
                Duration::ZERO
            } else {
                ttl + age_value
            }
        }
    };
    // A place for the `Age` every answer from the store gets: filled in then
    // without growing the map.
    stored.insert(header::AGE, HeaderValue::from_static("0"));
    Some(Variant {
        status,
        version,
        headers: stored,
        body: bytes::Bytes::new(),
        vary,
        auth: auth_digest(&asked.headers),
        born,
        fresh_until: born + lifetime,
        must_revalidate: cache_control.must_revalidate || cache_control.no_cache,
        stale_if_error: cache_control.stale_if_error.map(Duration::from_secs),
        stale_while_revalidate: cache_control
            .stale_while_revalidate
            .map(Duration::from_secs),
    })
}

fn with_age(mut headers: HeaderMap, age: Option<&HeaderValue>) -> HeaderMap {
    if let Some(age) = age {
        headers.insert(header::AGE, age.clone());
    }
    headers
}

/// The stored response updated by a `304 Not Modified` (RFC 9111 §4.3.4), or
/// `None` when the `304` does not select it (different validators).
pub(crate) fn freshened(
    stored: &Variant,
    asked: &Asked,
    not_modified: &HeaderMap,
    received: SystemTime,
    options: &Options,
) -> Option<Variant> {
    let old = CachePolicy::new_options(
        &policy_request(asked),
        &policy_response(stored.status, stored.headers.clone()),
        stored.born,
        private_options(),
    );
    let answer = policy_response(StatusCode::NOT_MODIFIED, not_modified.clone());
    let AfterResponse::NotModified(_, parts) =
        old.after_response(&policy_request(asked), &answer, received)
    else {
        return None;
    };
    let mut headers = parts.headers;
    // The crate stamps `Date` and `Age` for a proxy; keep the server's.
    headers.remove(header::AGE);
    match not_modified
        .get(header::DATE)
        .or(stored.headers.get(header::DATE))
    {
        Some(date) => headers.insert(header::DATE, date.clone()),
        None => headers.remove(header::DATE),
    };
    if let Some(age) = not_modified.get(header::AGE) {
        headers.insert(header::AGE, age.clone());
    }
    let mut updated = storable(
        asked,
        stored.status,
        stored.version,
        &headers,
        received,
        options,
    )?;
    updated.body = stored.body.clone();
    Some(updated)
}

/// The response directives the cache acts on beyond the crate's.
#[derive(Debug, Default)]
struct ResponseDirectives {
    public: bool,
    must_revalidate: bool,
    no_cache: bool,
    s_maxage: bool,
    stale_if_error: Option<u64>,
    stale_while_revalidate: Option<u64>,
}

impl ResponseDirectives {
    fn set(&mut self, name: &str, value: Option<&str>) {
        match name {
            "public" => self.public = true,
            "must-revalidate" => self.must_revalidate = true,
            "no-cache" => self.no_cache = true,
            "s-maxage" => self.s_maxage = true,
            "stale-if-error" => self.stale_if_error = value.and_then(seconds),
            "stale-while-revalidate" => self.stale_while_revalidate = value.and_then(seconds),
            _ => {}
        }
    }
}

/// Statuses on which `stale-if-error` may answer instead (RFC 5861 §4).
pub(crate) fn is_error_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 500 | 502 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(headers: HeaderMap, sent_at: SystemTime) -> Asked {
        Asked {
            uri: "http://a.test/x".parse().unwrap(),
            headers,
            sent_at,
        }
    }

    fn response(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn apparent_age_counts() {
        let now = SystemTime::now();
        let hour_ago = httpdate::fmt_http_date(now - Duration::from_secs(3600));
        let headers = response(&[
            ("date", hour_ago),
            ("cache-control", "max-age=60".to_owned()),
        ]);
        let a = asked(HeaderMap::new(), now);
        let stored = storable(
            &a,
            StatusCode::OK,
            Version::HTTP_11,
            &headers,
            now,
            &Options::default(),
        )
        .unwrap();
        assert!(
            stored.staleness(now).is_some(),
            "an hour old with max-age=60 is stale"
        );

        // The crate alone calls it fresh: it ignores the apparent age.
        let policy = CachePolicy::new_options(
            &policy_request(&a),
            &policy_response(StatusCode::OK, headers),
            now,
            private_options(),
        );
        assert!(!policy.is_stale(now));
    }

    #[test]
    fn age_and_max_age() {
        let now = SystemTime::now();
        let date = httpdate::fmt_http_date(now);
        let fresh = response(&[
            ("date", date),
            ("age", "50".to_owned()),
            ("cache-control", "max-age=60".to_owned()),
        ]);
        let a = asked(HeaderMap::new(), now);
        let v = storable(
            &a,
            StatusCode::OK,
            Version::HTTP_11,
            &fresh,
            now,
            &Options::default(),
        )
        .unwrap();
        assert!(v.staleness(now).is_none());
        assert!(v.staleness(now + Duration::from_secs(11)).is_some());
        assert_eq!(v.age(now).as_secs(), 50);
    }

    #[test]
    fn heuristic_freshness_from_last_modified() {
        let now = SystemTime::now();
        let headers = response(&[
            ("date", httpdate::fmt_http_date(now)),
            (
                "last-modified",
                httpdate::fmt_http_date(now - Duration::from_secs(1000)),
            ),
        ]);
        let a = asked(HeaderMap::new(), now);
        let v = storable(
            &a,
            StatusCode::OK,
            Version::HTTP_11,
            &headers,
            now,
            &Options::default(),
        )
        .unwrap();
        // 10% of the time since the last modification (RFC 9111 §4.2.2).
        assert!(v.staleness(now + Duration::from_secs(99)).is_none());
        assert!(v.staleness(now + Duration::from_secs(101)).is_some());
    }

    #[test]
    fn expires_and_invalid_expires() {
        let now = SystemTime::now();
        let a = asked(HeaderMap::new(), now);
        let headers = response(&[
            ("date", httpdate::fmt_http_date(now)),
            (
                "expires",
                httpdate::fmt_http_date(now + Duration::from_secs(30)),
            ),
        ]);
        let v = storable(
            &a,
            StatusCode::OK,
            Version::HTTP_11,
            &headers,
            now,
            &Options::default(),
        )
        .unwrap();
        assert!(v.staleness(now + Duration::from_secs(29)).is_none());
        let headers = response(&[
            ("date", httpdate::fmt_http_date(now)),
            ("expires", "0".to_owned()),
        ]);
        let v = storable(
            &a,
            StatusCode::OK,
            Version::HTTP_11,
            &headers,
            now,
            &Options::default(),
        )
        .unwrap();
        assert!(
            v.staleness(now).is_some(),
            "an invalid Expires is in the past"
        );
    }

    #[test]
    fn authorization_needs_an_explicit_permission() {
        let now = SystemTime::now();
        let mut req = HeaderMap::new();
        req.insert("authorization", "Bearer t".parse().unwrap());
        let a = asked(req, now);
        let plain = response(&[("cache-control", "max-age=60".to_owned())]);
        assert!(
            storable(
                &a,
                StatusCode::OK,
                Version::HTTP_11,
                &plain,
                now,
                &Options::default()
            )
            .is_none()
        );
        let public = response(&[("cache-control", "max-age=60, public".to_owned())]);
        let v = storable(
            &a,
            StatusCode::OK,
            Version::HTTP_11,
            &public,
            now,
            &Options::default(),
        )
        .unwrap();
        assert!(v.matches(&a.headers, auth_digest(&a.headers)));
        assert!(!v.matches(&a.headers, None));
    }

    #[test]
    fn not_stored() {
        let now = SystemTime::now();
        let a = asked(HeaderMap::new(), now);
        for cc in ["no-store", "max-age=60, no-store"] {
            let h = response(&[("cache-control", cc.to_owned())]);
            assert!(
                storable(
                    &a,
                    StatusCode::OK,
                    Version::HTTP_11,
                    &h,
                    now,
                    &Options::default()
                )
                .is_none()
            );
        }
        let vary_star = response(&[
            ("cache-control", "max-age=60".to_owned()),
            ("vary", "*".to_owned()),
        ]);
        assert!(
            storable(
                &a,
                StatusCode::OK,
                Version::HTTP_11,
                &vary_star,
                now,
                &Options::default()
            )
            .is_none()
        );
        let server_error = response(&[("cache-control", "max-age=60".to_owned())]);
        assert!(
            storable(
                &a,
                StatusCode::INTERNAL_SERVER_ERROR,
                Version::HTTP_11,
                &server_error,
                now,
                &Options::default()
            )
            .is_none()
        );
        let private = response(&[("cache-control", "private, max-age=60".to_owned())]);
        assert!(
            storable(
                &a,
                StatusCode::OK,
                Version::HTTP_11,
                &private,
                now,
                &Options::default()
            )
            .is_some()
        );
    }

    #[test]
    fn request_directives() {
        let mut h = HeaderMap::new();
        h.insert(
            "cache-control",
            "max-stale, min-fresh=5, only-if-cached".parse().unwrap(),
        );
        let d = RequestDirectives::parse(&h);
        assert_eq!(d.max_stale, Some(None));
        assert_eq!(d.min_fresh, Some(5));
        assert!(d.only_if_cached);
        let mut h = HeaderMap::new();
        h.insert("pragma", "no-cache".parse().unwrap());
        assert!(RequestDirectives::parse(&h).no_cache);
        h.insert("cache-control", "max-age=5".parse().unwrap());
        assert!(!RequestDirectives::parse(&h).no_cache);
    }
}
