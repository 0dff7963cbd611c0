//! `RedirectLayer`: the settings every `Redirect` service shares.

use std::sync::Arc;

use tower_layer::Layer;

use super::Redirect;
use super::policy::{RedirectPolicy, Standard};

/// requests' `DEFAULT_REDIRECT_LIMIT`.
pub const DEFAULT_MAX_REDIRECTS: usize = 30;

#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) max_redirects: usize,
    pub(crate) https_only: bool,
    pub(crate) policy: Arc<dyn RedirectPolicy>,
}

/// Follows redirects. See the [module docs](crate::redirect) for more details.
#[derive(Debug, Clone)]
pub struct RedirectLayer {
    config: Arc<Config>,
}

impl Default for RedirectLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl RedirectLayer {
    /// requests' defaults: follow up to 30 redirects, any scheme.
    pub fn new() -> Self {
        RedirectLayer {
            config: Arc::new(Config {
                max_redirects: DEFAULT_MAX_REDIRECTS,
                https_only: false,
                policy: Arc::new(Standard),
            }),
        }
    }

    fn edit(mut self, edit: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            max_redirects: self.config.max_redirects,
            https_only: self.config.https_only,
            policy: self.config.policy.clone(),
        };
        edit(&mut config);
        self.config = Arc::new(config);
        self
    }

    /// How many redirects are followed; one more is a [`TooManyRedirects`](super::TooManyRedirects)
    /// error. `0`: the first redirect is an error (use
    /// [`AllowRedirects`](super::AllowRedirects) to get the 3xx instead).
    pub fn max_redirects(self, max: usize) -> Self {
        self.edit(|c| c.max_redirects = max)
    }

    /// Refuse (with a [`NotHttps`](super::NotHttps) error) to follow a redirect to
    /// anything but `https`.
    pub fn https_only(self, enabled: bool) -> Self {
        self.edit(|c| c.https_only = enabled)
    }

    /// Decide each redirect with `policy`.
    pub fn policy(self, policy: impl RedirectPolicy) -> Self {
        self.edit(|c| c.policy = Arc::new(policy))
    }
}

impl<S> Layer<S> for RedirectLayer {
    type Service = Redirect<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Redirect::with_config(inner, self.config.clone())
    }
}
