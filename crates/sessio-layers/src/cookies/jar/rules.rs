//! RFC 6265 rules of a `Jar`: which cookies a URL gets, and which cookies a
//! response may store (public suffixes, size and count limits).

use std::borrow::Cow;

use cookie::Cookie as RawCookie;
use http::HeaderValue;
use sessio_core::__private::{MAX_COOKIE_HEADER, SimpleTarget, error_msg, fitting, join_pairs};
use sessio_core::{Error, ErrorKind};
use url::Url;

use super::{CookieInfo, Jar, MAX_COOKIES, MAX_COOKIES_PER_DOMAIN};

impl Jar {
    /// Stores one parsed cookie received from `url`, with the PSL and size rules.
    pub(super) fn store_raw(&self, raw: &RawCookie<'_>, url: &Url) -> Result<(), &'static str> {
        let mut raw = raw.clone();
        if let Some(domain) = raw.domain() {
            // RFC 6265 §5.2.3: the value without its leading dot is the domain;
            // whitespace left there makes it no domain a host can match.
            if domain.trim() != domain || domain.is_empty() {
                return Err("the Domain attribute is not a domain");
            }
            let domain = canonical_domain(domain);
            if is_public_suffix(&domain) {
                if url.host_str() == Some(domain.as_str()) {
                    raw.unset_domain();
                } else {
                    return Err("Domain is a public suffix");
                }
            }
        }
        let mut state = self.write();
        let target = match raw.domain() {
            Some(domain) => canonical_domain(domain),
            None => url.host_str().unwrap_or("").to_owned(),
        };
        let exists = state
            .store
            .iter_any()
            .any(|c| c.name() == raw.name() && c.domain.as_cow().is_some_and(|d| d == target));
        if !exists {
            let total = state.store.iter_any().count();
            let in_domain = state
                .store
                .iter_any()
                .filter(|c| c.domain.as_cow().is_some_and(|d| d == target))
                .count();
            if total >= MAX_COOKIES || in_domain >= MAX_COOKIES_PER_DOMAIN {
                return Err("cookie limit reached");
            }
        }
        match state.store.insert_raw(&raw, url) {
            Ok(_) => {
                let path = cookie_path(raw.path(), url);
                if state.store.get(&target, &path, raw.name()).is_some() {
                    state.stamp(&target, &path, raw.name());
                } else {
                    // Stored already expired: a deletion, after which a cookie of
                    // that name is a new one.
                    state.unstamp(&target, &path, raw.name());
                }
                Ok(())
            }
            Err(cookie_store::CookieError::Expired) => {
                // A deletion: the cookie is gone, a later one with its name is new.
                state.unstamp(&target, &cookie_path(raw.path(), url), raw.name());
                Ok(())
            }
            Err(_) => Err("rejected by RFC 6265 rules"),
        }
    }
    pub(super) fn header_for(&self, url: &Url, with_domainless: bool) -> Option<HeaderValue> {
        let target = SimpleTarget {
            secure: url.scheme() == "https" || url.scheme() == "wss",
            host: url.host_str().unwrap_or(""),
            is_ip: matches!(url.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_))),
            path: url.path(),
        };
        self.header_for_target(&target, with_domainless)
    }

    /// The `Cookie` header for a request with these URL parts.
    pub(super) fn header_for_target(
        &self,
        target: &SimpleTarget<'_>,
        with_domainless: bool,
    ) -> Option<HeaderValue> {
        let state = self.read();
        let SimpleTarget {
            secure,
            host,
            is_ip,
            path,
        } = *target;
        // (name, value, domain, path) of every cookie that goes to `url`
        let mut matched: Vec<(&str, &str, Cow<'_, str>, &str)> = state
            .store
            .iter_unexpired()
            .filter(|c| secure || !c.secure().unwrap_or(false))
            .filter(|c| domain_matches(&c.domain, host, is_ip) && path_matches(&c.path, path))
            .map(|c| {
                let domain = c.domain.as_cow().unwrap_or_default();
                (c.name(), c.value(), domain, &*c.path)
            })
            .collect();
        matched.extend(
            state
                .anywhere
                .iter()
                .filter(|_| with_domainless)
                .filter(|c| path.starts_with(&c.path))
                .map(|c| {
                    (
                        c.name.as_str(),
                        c.value.as_str(),
                        Cow::Borrowed(""),
                        c.path.as_str(),
                    )
                }),
        );
        if matched.is_empty() {
            return None;
        }
        // RFC 6265 §5.4: longer paths first, then the oldest first (creation
        // times are looked up only when there is an order to decide).
        if matched.len() > 1 {
            matched.sort_by_cached_key(|(name, _, domain, path)| {
                (
                    std::cmp::Reverse(path.len()),
                    state.created(domain, path, name),
                )
            });
        }
        let pairs = matched.iter().map(|(name, value, _, _)| (*name, *value));
        let header = join_pairs(pairs.clone().take(fitting(pairs, MAX_COOKIE_HEADER)));
        HeaderValue::try_from(header).ok()
    }
}

/// The path a cookie is stored under: its `Path` when that starts with `/`, else
/// the default path of the URL it came from (RFC 6265 §5.1.4, §5.2.4).
fn cookie_path(path: Option<&str>, url: &Url) -> String {
    match path {
        Some(path) if path.starts_with('/') => path.to_owned(),
        _ => {
            let request_path = url.path();
            match request_path.rfind('/') {
                Some(0) | None => "/".to_owned(),
                Some(last) => request_path[..last].to_owned(),
            }
        }
    }
}

/// RFC 6265 §5.1.3 domain-match (host names are already canonical, lower case).
pub(super) fn domain_matches(domain: &cookie_store::CookieDomain, host: &str, is_ip: bool) -> bool {
    match domain {
        cookie_store::CookieDomain::HostOnly(d) => d == host,
        cookie_store::CookieDomain::Suffix(d) => {
            host == d
                || (!is_ip
                    && host.len() > d.len()
                    && host.ends_with(d.as_str())
                    && host.as_bytes()[host.len() - d.len() - 1] == b'.')
        }
        _ => false,
    }
}

/// RFC 6265 §5.1.4 path-match.
pub(super) fn path_matches(cookie_path: &str, request_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/')
                || request_path.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

pub(super) fn info_of(c: &cookie_store::Cookie<'static>) -> CookieInfo {
    let (domain, host_only) = match &c.domain {
        cookie_store::CookieDomain::HostOnly(d) => (Some(d.clone()), true),
        cookie_store::CookieDomain::Suffix(d) => (Some(d.clone()), false),
        _ => (None, false),
    };
    let expires = match &c.expires {
        cookie_store::CookieExpiration::AtUtc(at) => {
            let secs = at.unix_timestamp().max(0) as u64;
            Some(secs)
        }
        cookie_store::CookieExpiration::SessionEnd => None,
    };
    CookieInfo {
        name: c.name().to_owned(),
        value: c.value().to_owned(),
        domain,
        host_only,
        path: c.path.to_string(),
        secure: c.secure().unwrap_or(false),
        http_only: c.http_only().unwrap_or(false),
        expires,
    }
}

/// Lower case, without leading or trailing dots.
pub(super) fn canonical_domain(domain: &str) -> String {
    domain
        .trim()
        .trim_start_matches('.')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

pub(super) fn is_public_suffix(domain: &str) -> bool {
    psl::suffix_str(domain).is_some_and(|suffix| suffix == domain)
}

pub(super) fn invalid_cookie(name: &str, why: &str) -> Error {
    error_msg(
        ErrorKind::Builder,
        format!("cookie {name:?} cannot be stored: {why}"),
    )
}
