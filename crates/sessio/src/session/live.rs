//! Transport settings changed on a built session (requests' `s.verify = False`,
//! `s.proxies.update(..)`, `s.max_redirects = 5`, `s.stream = True`,
//! `s.trust_env = False`): every clone sees them, and each request carries them
//! to the layers and adapters as the request extensions its own settings use,
//! under the request's own.
//!
//! A session whose settings were never changed pays one atomic load per request.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use sessio_core::auth::Netrc;
use sessio_core::{MaxRedirects, Result, Timeouts};

use super::Session;
use super::builder::environment;
use crate::proxy::{ProxyTable, RequestProxies, SessionProxies};
use crate::tls::RequestTls;

/// The settings changed since the session was built.
#[derive(Default)]
pub(super) struct Live {
    /// Whether any setting was changed: until then no request reads `settings`.
    changed: AtomicBool,
    settings: RwLock<Arc<LiveSettings>>,
}

/// What was changed (`None`: as built).
#[derive(Clone, Default)]
pub(super) struct LiveSettings {
    pub(super) timeouts: Option<Timeouts>,
    pub(super) stream: Option<bool>,
    pub(super) max_redirects: Option<usize>,
    /// `set_verify`, `set_ca_bundle`, and the environment's bundle of `set_trust_env`.
    tls: Option<RequestTls>,
    /// `set_proxy`, and the environment's proxies of `set_trust_env`.
    proxies: Option<Arc<SessionProxies>>,
    /// The `.netrc` of `set_trust_env` (`Some(None)`: none).
    netrc: Option<Option<Arc<Netrc>>>,
    trust_env: Option<bool>,
}

impl Live {
    /// The changed settings, if any were changed.
    pub(super) fn get(&self) -> Option<Arc<LiveSettings>> {
        if !self.changed.load(Ordering::Acquire) {
            return None;
        }
        let settings = self.settings.read().unwrap_or_else(PoisonError::into_inner);
        Some(settings.clone())
    }

    fn edit<T>(&self, edit: impl FnOnce(&mut LiveSettings) -> T) -> T {
        let mut settings = self
            .settings
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let out = edit(Arc::make_mut(&mut settings));
        self.changed.store(true, Ordering::Release);
        out
    }
}

impl LiveSettings {
    /// The `.netrc` to use, when the live session chose one (`Some(None)`: none).
    pub(super) fn netrc(&self) -> Option<Option<&Arc<Netrc>>> {
        self.netrc.as_ref().map(Option::as_ref)
    }

    /// Puts what the adapters and layers read on `request`, under what the
    /// request set itself.
    pub(super) fn apply(&self, request: &mut http::Request<sessio_core::Body>) {
        let extensions = request.extensions_mut();
        if let Some(max) = self.max_redirects {
            extensions.insert(MaxRedirects(max));
        }
        if let Some(session) = &self.tls {
            match extensions.get_mut::<RequestTls>() {
                Some(own) => own.under(session),
                None => {
                    extensions.insert(session.clone());
                }
            }
        }
        if let Some(session) = &self.proxies {
            match extensions.get_mut::<RequestProxies>() {
                Some(own) => own.session = Some(session.clone()),
                None => {
                    extensions.insert(RequestProxies {
                        own: ProxyTable::default(),
                        session: Some(session.clone()),
                    });
                }
            }
        }
    }

    fn proxies_mut(&mut self) -> &mut SessionProxies {
        Arc::make_mut(self.proxies.get_or_insert_with(Arc::default))
    }

    fn tls_mut(&mut self) -> &mut RequestTls {
        self.tls.get_or_insert_with(RequestTls::default)
    }
}

/// The live transport settings: each applies to every clone, to requests
/// sent after the change (prepared ones included), under the request's own
/// setting. Requests already on their way keep what they started with.
impl Session {
    /// Whether certificates are verified from now on (requests'
    /// `s.verify = False` / `s.verify = True`): `false` accepts any
    /// certificate for any name (never in production); `true` goes back to
    /// the default trust store, the built-in roots (or the environment's CA
    /// bundle, with `trust_env`), in place of a CA bundle the session was
    /// built with. A request's own [`verify`](crate::RequestBuilder::verify)
    /// or [`ca_bundle`](crate::RequestBuilder::ca_bundle) still wins.
    /// Connections made under one setting are never used under another.
    ///
    /// ```
    /// let s = sessio::Session::new();
    /// s.set_verify(false); // a lab with self-signed certificates
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn set_verify(&self, verify: bool) {
        self.inner.live.edit(|live| {
            let tls = live.tls_mut();
            tls.verify = Some(verify);
            tls.ca_bundle = None;
        });
    }

    /// Verifies certificates against this CA bundle (a PEM file, or a
    /// directory of them) from now on, in place of the roots the session was
    /// built with (requests' `s.verify = "/path/ca.pem"`). It is read when
    /// the first request needs it; a missing or unreadable bundle fails the
    /// `https://` requests that use it, with an error for which `is_builder()`
    /// is true.
    ///
    /// ```
    /// let s = sessio::Session::new();
    /// s.set_ca_bundle("/etc/ssl/internal-ca.pem");
    /// ```
    pub fn set_ca_bundle(&self, path: impl AsRef<Path>) {
        let path = path.as_ref().to_owned();
        self.inner.live.edit(|live| {
            let tls = live.tls_mut();
            tls.verify = Some(true);
            tls.ca_bundle = Some(path);
        });
    }

    /// Sends requests matching `key` through the proxy at `url` from now on
    /// (requests' `s.proxies[key] = url` or `s.proxies.update(..)`): before the
    /// proxies the session was built with and the environment's, after a
    /// request's own. The keys are those of
    /// [`SessionBuilder::proxy`](crate::SessionBuilder::proxy); `"no_proxy"`
    /// lists hosts reached directly (`"*"`: every host). An invalid proxy URL
    /// is an error for which `is_proxy()` is true, and changes nothing.
    ///
    /// ```
    /// let s = sessio::Session::new();
    /// s.set_proxy("https", "http://proxy.internal:3128")?;
    /// s.set_proxy("no_proxy", "localhost,.internal")?;
    /// assert!(s.set_proxy("http", "ftp://nope").unwrap_err().is_proxy());
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn set_proxy(&self, key: &str, url: &str) -> Result<()> {
        let mut checked = ProxyTable::default();
        checked.set(key, url)?;
        self.inner
            .live
            .edit(|live| live.proxies_mut().live.set(key, url))
    }

    /// Removes a proxy set with [`set_proxy`](Session::set_proxy) (the
    /// session's built proxies and the environment's apply again for `key`);
    /// whether there was one.
    ///
    /// ```
    /// let s = sessio::Session::new();
    /// s.set_proxy("http", "http://proxy.internal:3128")?;
    /// assert!(s.remove_proxy("http"));
    /// assert!(!s.remove_proxy("http"));
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn remove_proxy(&self, key: &str) -> bool {
        self.inner
            .live
            .edit(|live| live.proxies_mut().live.remove(key))
    }

    /// The most redirects followed from now on (requests' `s.max_redirects = n`);
    /// one more is an error for which `is_redirect()` is true.
    ///
    /// ```
    /// let s = sessio::Session::new();
    /// s.set_max_redirects(5);
    /// assert_eq!(s.max_redirects(), 5);
    /// ```
    pub fn set_max_redirects(&self, max: usize) {
        self.inner.live.edit(|live| live.max_redirects = Some(max));
    }

    /// Whether bodies are left on the connection until read from now on
    /// (requests' `s.stream = True`); a request's own
    /// [`stream`](crate::RequestBuilder::stream) still wins.
    ///
    /// ```
    /// let s = sessio::Session::new();
    /// s.set_stream(true);
    /// assert!(s.stream());
    /// ```
    pub fn set_stream(&self, stream: bool) {
        self.inner.live.edit(|live| live.stream = Some(stream));
    }

    /// Whether bodies are left on the connection until read (see
    /// [`set_stream`](Session::set_stream)).
    pub fn stream(&self) -> bool {
        match self.inner.live.get().and_then(|live| live.stream) {
            Some(stream) => stream,
            None => self.inner.config.stream,
        }
    }

    /// The session's timeouts from now on, in place of those it was built
    /// with; a request's own timeouts still win, field by field.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let s = sessio::Session::new();
    /// s.set_timeouts(s.timeouts().total(Duration::from_secs(10)));
    /// assert_eq!(s.timeouts().total, Some(Duration::from_secs(10)));
    /// ```
    pub fn set_timeouts(&self, timeouts: Timeouts) {
        self.inner.live.edit(|live| live.timeouts = Some(timeouts));
    }

    /// The session's timeouts (see [`set_timeouts`](Session::set_timeouts)).
    pub fn timeouts(&self) -> Timeouts {
        match self.inner.live.get().and_then(|live| live.timeouts) {
            Some(timeouts) => timeouts,
            None => self.inner.config.timeouts,
        }
    }

    /// Whether the environment's proxies, CA bundle and `.netrc` are used
    /// from now on (requests' `s.trust_env = False`; see
    /// [`SessionBuilder::trust_env`](crate::SessionBuilder::trust_env)).
    /// `false` stops using them; `true` on a session built without them reads
    /// the environment (and the netrc file) now, once.
    ///
    /// ```
    /// let s = sessio::Session::new();
    /// s.set_trust_env(false);
    /// assert!(!s.trust_env());
    /// ```
    pub fn set_trust_env(&self, trust: bool) {
        let built_with = self.inner.config.trust_env;
        // Read before taking the lock: the netrc file is read from disk.
        let read = (trust && !built_with).then(|| {
            (
                environment::proxies_from_env(),
                environment::ca_bundle_from_env(),
                Netrc::from_environment().map(Arc::new),
            )
        });
        self.inner.live.edit(|live| {
            live.trust_env = Some(trust);
            match read {
                // as built: the adapters' own choice of the environment
                None if trust => {
                    live.tls_mut().env_ca_bundle = None;
                    live.proxies_mut().env = None;
                    live.netrc = None;
                }
                None => {
                    live.tls_mut().env_ca_bundle = Some(None);
                    live.proxies_mut().env = Some(ProxyTable::default());
                    live.netrc = Some(None);
                }
                Some((proxies, bundle, netrc)) => {
                    live.tls_mut().env_ca_bundle = Some(bundle);
                    live.proxies_mut().env = Some(proxies);
                    live.netrc = Some(netrc);
                }
            }
        });
    }

    /// Whether the environment's settings are used (see
    /// [`set_trust_env`](Session::set_trust_env)).
    pub fn trust_env(&self) -> bool {
        match self.inner.live.get().and_then(|live| live.trust_env) {
            Some(trust) => trust,
            None => self.inner.config.trust_env,
        }
    }
}
