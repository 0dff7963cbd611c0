//! The errors the redirect layer creates; every other error is the inner
//! service's, passed through.

use std::error::Error as StdError;
use std::fmt;

use url::Url;

use super::FollowedRedirect;
use crate::BoxError;

/// More redirects than `max_redirects`: carries the redirect that was one too
/// many and the ones followed before it.
#[derive(Debug)]
pub struct TooManyRedirects {
    pub(crate) max_redirects: usize,
    pub(crate) last: Box<FollowedRedirect>,
    pub(crate) history: Vec<FollowedRedirect>,
}

impl TooManyRedirects {
    /// The limit that was exceeded.
    pub fn max_redirects(&self) -> usize {
        self.max_redirects
    }

    /// The redirect response that was not followed, and its request.
    pub fn last(&self) -> &FollowedRedirect {
        &self.last
    }

    /// The redirects followed before it, oldest first.
    pub fn history(&self) -> &[FollowedRedirect] {
        &self.history
    }

    /// The last redirect and the history, by value.
    pub fn into_parts(self) -> (FollowedRedirect, Vec<FollowedRedirect>) {
        (*self.last, self.history)
    }
}

impl fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Exceeded {} redirects.", self.max_redirects)
    }
}

impl StdError for TooManyRedirects {}

/// A `Location` that does not resolve to a URL a request can be sent to.
#[derive(Debug)]
pub struct InvalidLocation {
    pub(crate) location: String,
    pub(crate) reason: String,
}

impl InvalidLocation {
    /// The `Location` as the server sent it (decoded as UTF-8, else Latin-1).
    pub fn location(&self) -> &str {
        &self.location
    }
}

impl fmt::Display for InvalidLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid redirect Location {:?}: {}",
            self.location, self.reason
        )
    }
}

impl StdError for InvalidLocation {}

/// A redirect to a URL that is not `https`, refused because of `https_only`.
#[derive(Debug)]
pub struct NotHttps {
    pub(crate) url: Url,
}

impl NotHttps {
    /// Where the redirect pointed.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

impl fmt::Display for NotHttps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("refused to follow a redirect to a URL that is not https (https_only)")
    }
}

impl StdError for NotHttps {}

/// A redirect the policy answered with [`Action::Error`](super::Action::Error).
#[derive(Debug)]
pub struct PolicyError {
    pub(crate) url: Url,
    pub(crate) source: BoxError,
}

impl PolicyError {
    /// Where the redirect pointed.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The policy's own error.
    pub fn into_source(self) -> BoxError {
        self.source
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the redirect policy refused the redirect: {}",
            self.source
        )
    }
}

impl StdError for PolicyError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}
