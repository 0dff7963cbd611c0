//! Redirect decisions: which hops to follow and when credentials go.

use std::fmt;
use std::sync::Arc;

use http::{Method, StatusCode};
use sessio_core::BoxError;
use url::Url;

/// One redirect about to be followed.
#[derive(Debug)]
pub struct Attempt<'a> {
    pub(crate) status: StatusCode,
    pub(crate) method: &'a Method,
    pub(crate) location: &'a Url,
    pub(crate) previous: &'a [Url],
}

impl Attempt<'_> {
    /// The status of the redirect response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The method the next hop will use (after requests' method rewrite).
    pub fn method(&self) -> &Method {
        self.method
    }

    /// Where the redirect points, resolved against the current URL.
    pub fn location(&self) -> &Url {
        self.location
    }

    /// The URLs requested so far, the first request first.
    pub fn previous(&self) -> &[Url] {
        self.previous
    }
}

/// What to do with an [`Attempt`].
#[derive(Debug)]
pub enum Action {
    /// Follow the redirect.
    Follow,
    /// Stop and return the redirect response as it is (with `next` set).
    Stop,
    /// Fail with this error.
    Error(BoxError),
}

/// Custom redirect decisions (requests' `SessionRedirectMixin` overrides, reqwest's
/// `Policy::custom`).
///
/// ```
/// use sessio::layers::redirect::{Action, Attempt, RedirectPolicy};
///
/// /// Follows redirects only within the host of the first request.
/// #[derive(Debug)]
/// struct SameHost;
///
/// impl RedirectPolicy for SameHost {
///     fn redirect(&self, attempt: &Attempt<'_>) -> Action {
///         if attempt.location().host() == attempt.previous()[0].host() {
///             Action::Follow
///         } else {
///             Action::Stop
///         }
///     }
/// }
/// ```
pub trait RedirectPolicy: Send + Sync + fmt::Debug + 'static {
    /// Decides about one redirect. The default follows it.
    fn redirect(&self, attempt: &Attempt<'_>) -> Action {
        let _ = attempt;
        Action::Follow
    }

    /// Whether `Authorization` must be removed when going from `old` to `new`
    /// (default: requests' `should_strip_auth`).
    fn should_strip_auth(&self, old: &Url, new: &Url) -> bool {
        should_strip_auth(old, new)
    }
}

/// requests' default policy: follow every redirect (the limit is the layer's).
#[derive(Debug, Clone, Copy, Default)]
pub struct Standard;

impl RedirectPolicy for Standard {}

/// A policy from a closure.
///
/// ```
/// use sessio::layers::redirect::{Action, redirect_fn};
///
/// let no_downgrade = redirect_fn(|attempt| {
///     if attempt.location().scheme() == "http" && attempt.previous().last().is_some_and(|u| u.scheme() == "https") {
///         Action::Stop
///     } else {
///         Action::Follow
///     }
/// });
/// # drop(no_downgrade);
/// ```
pub fn redirect_fn<F>(decide: F) -> RedirectFn<F>
where
    F: Fn(&Attempt<'_>) -> Action + Send + Sync + 'static,
{
    RedirectFn(decide)
}

/// The policy of [`redirect_fn`].
#[derive(Clone, Copy)]
pub struct RedirectFn<F>(F);

impl<F> fmt::Debug for RedirectFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RedirectFn")
            .field(&std::any::type_name::<F>())
            .finish()
    }
}

impl<F> RedirectPolicy for RedirectFn<F>
where
    F: Fn(&Attempt<'_>) -> Action + Send + Sync + 'static,
{
    fn redirect(&self, attempt: &Attempt<'_>) -> Action {
        (self.0)(attempt)
    }
}

impl<P: RedirectPolicy + ?Sized> RedirectPolicy for Arc<P> {
    fn redirect(&self, attempt: &Attempt<'_>) -> Action {
        (**self).redirect(attempt)
    }

    fn should_strip_auth(&self, old: &Url, new: &Url) -> bool {
        (**self).should_strip_auth(old, new)
    }
}

/// requests' `should_strip_auth`: `Authorization` goes when the host changes, or
/// the scheme or port changes — except an `http` → `https` upgrade on the same host
/// with default ports, which keeps it. Hosts are compared as the URL parser
/// canonicalised them (lower case, IDNA), so look-alikes never compare equal.
///
/// ```
/// use sessio::layers::redirect::should_strip_auth;
///
/// let strip = |a: &str, b: &str| should_strip_auth(&a.parse().unwrap(), &b.parse().unwrap());
/// assert!(strip("http://example.com/foo", "http://another.example.com/"));
/// assert!(!strip("http://example.com/foo", "https://example.com/bar"));
/// assert!(strip("https://example.com:8443/a", "http://example.com:8443/b"));
/// ```
pub fn should_strip_auth(old: &Url, new: &Url) -> bool {
    if old.host_str() != new.host_str() {
        return true;
    }
    let (old_port, new_port) = (old.port_or_known_default(), new.port_or_known_default());
    if old.scheme() == "http"
        && old_port == Some(80)
        && new.scheme() == "https"
        && new_port == Some(443)
    {
        return false;
    }
    old.scheme() != new.scheme() || old_port != new_port
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_strip_auth_vectors_of_appendix_a() {
        let cases = [
            (
                "http://example.com/foo",
                "http://another.example.com/",
                true,
            ),
            ("https://example.com/foo", "http://example.com/bar", true),
            ("http://example.com/foo", "https://example.com/bar", false),
            (
                "http://example.com:80/foo",
                "https://example.com/bar",
                false,
            ),
            (
                "http://example.com/foo",
                "https://example.com:443/bar",
                false,
            ),
            (
                "http://example.com:8080/foo",
                "https://example.com/bar",
                true,
            ),
            (
                "http://example.com/foo",
                "https://example.com:8443/bar",
                true,
            ),
            (
                "http://example.com:1234/foo",
                "https://example.com:4321/bar",
                true,
            ),
            (
                "https://example.com:443/foo",
                "https://example.com/bar",
                false,
            ),
            ("http://example.com:80/foo", "http://example.com/bar", false),
            (
                "https://example.com/foo",
                "https://example.com:443/bar",
                false,
            ),
            ("http://example.com/foo", "http://example.com:80/bar", false),
            (
                "https://example.com:8443/a",
                "http://example.com:8443/b",
                true,
            ),
            ("http://EXAMPLE.com/a", "http://example.com/b", false),
        ];
        for (old, new, strip) in cases {
            let (old_url, new_url) = (old.parse().unwrap(), new.parse().unwrap());
            assert_eq!(
                should_strip_auth(&old_url, &new_url),
                strip,
                "{old} -> {new}"
            );
        }
    }

    #[test]
    fn crafted_hosts_are_compared_canonically_sec_12() {
        let strip = |a: &str, b: &str| should_strip_auth(&a.parse().unwrap(), &b.parse().unwrap());
        assert!(strip("http://example.com/", "http://example.com./"));
        assert!(!strip(
            "http://bücher.example/",
            "http://xn--bcher-kva.example/"
        ));
        assert!(strip("http://[fe80::1]/", "http://[fe80::2]/"));
        assert!(strip("http://example.com/", "http://example.com.evil.net/"));
    }
}
