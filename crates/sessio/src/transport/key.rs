//! What tells connections apart: [`ConnKey`], the pool's one key.

use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::Arc;

use http::uri::{Authority, Scheme};

use super::route::Route;

/// Everything that changes a connection: the scheme, the host and port as
/// the URL wrote them, and the route (TLS settings and proxy) when it is not
/// the adapter's default. Two requests share a connection only when their
/// keys are equal, so a `verify(false)`, client-certificate or proxied
/// connection never serves another key.
///
/// Authorities are compared byte for byte (sessio's requests carry lower-case
/// hosts; two spellings of one host only get connections of their own), so
/// that a look-up hashes a few words instead of every byte in lower case.
#[derive(Clone)]
pub(crate) struct ConnKey {
    pub(crate) scheme: Scheme,
    pub(crate) authority: Authority,
    /// `None`: the adapter's own TLS settings, no proxy.
    pub(crate) route: Option<RouteRef>,
}

impl ConnKey {
    /// The key of a request to `uri` over `route`; `None` for a URI without
    /// a scheme or a host.
    pub(crate) fn new(uri: &http::Uri, route: Option<RouteRef>) -> Option<ConnKey> {
        Some(ConnKey {
            scheme: uri.scheme()?.clone(),
            authority: uri.authority()?.clone(),
            route,
        })
    }

    pub(crate) fn is_https(&self) -> bool {
        self.scheme == Scheme::HTTPS
    }

    /// The route, if it is not the default.
    pub(crate) fn route(&self) -> Option<&Route> {
        self.route.as_ref().map(|r| &*r.0)
    }
}

impl PartialEq for ConnKey {
    fn eq(&self, other: &Self) -> bool {
        self.authority.as_str() == other.authority.as_str()
            && self.scheme.as_str() == other.scheme.as_str()
            && self.route == other.route
    }
}

impl Eq for ConnKey {}

impl Hash for ConnKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write(self.authority.as_str().as_bytes());
        state.write_usize(self.scheme.as_str().len());
        self.route.hash(state);
    }
}

impl fmt::Debug for ConnKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.authority)?;
        if let Some(route) = self.route() {
            write!(f, " ({route:?})")?;
        }
        Ok(())
    }
}

/// A shared route compared by identity: routes are interned by the adapter,
/// so equal settings give the same `Arc` and comparing keys is a pointer
/// comparison, never a comparison of certificates.
#[derive(Clone)]
pub(crate) struct RouteRef(pub(crate) Arc<Route>);

impl PartialEq for RouteRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for RouteRef {}

impl Hash for RouteRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (Arc::as_ptr(&self.0) as usize).hash(state);
    }
}

/// A fast, non-cryptographic hasher for the pool's map (the multiply-rotate
/// step of Firefox's hash). Keys are a few dozen bytes of the URLs the
/// program itself asks for, so hash flooding is not a concern, and the
/// standard SipHash would cost more than the rest of a pool look-up.
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// `HashMap`s keyed by [`ConnKey`] use [`FastHasher`].
pub(crate) type FastBuild = BuildHasherDefault<FastHasher>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn key(uri: &str) -> ConnKey {
        ConnKey::new(&uri.parse().unwrap(), None).unwrap()
    }

    #[test]
    // A route is hashed by its address, never by what is inside it.
    #[allow(clippy::mutable_key_type)]
    fn keys_differ_by_scheme_host_and_port_and_ignore_the_path() {
        let mut map: HashMap<ConnKey, u8, FastBuild> = HashMap::default();
        map.insert(key("http://a.test/x"), 1);
        map.insert(key("https://a.test/x"), 2);
        map.insert(key("http://a.test:8080/"), 3);
        map.insert(key("http://b.test/"), 4);
        assert_eq!(map.len(), 4);
        assert_eq!(map.get(&key("http://a.test/other?q")), Some(&1));
        assert_eq!(
            map.get(&key("HTTP://a.test/")),
            Some(&1),
            "the scheme in any case"
        );
        assert_eq!(map.get(&key("http://A.TEST/")), None, "hosts byte for byte");
        assert_eq!(map.get(&key("https://a.test/")), Some(&2));
    }

    #[test]
    fn a_relative_uri_has_no_key() {
        assert!(ConnKey::new(&"/path".parse().unwrap(), None).is_none());
    }
}
