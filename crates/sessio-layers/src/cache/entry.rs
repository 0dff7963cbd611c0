//! A stored response (one variant of a URL), the entry a store keeps for a URL,
//! and the bytes a store may write them as.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Version};

/// One stored response: the head as received (hop-by-hop fields left out), the
/// raw body, and what decides when it may be used.
#[derive(Clone)]
pub(crate) struct Variant {
    pub(crate) status: StatusCode,
    pub(crate) version: Version,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// The request's values of the fields the response varies on.
    pub(crate) vary: Vec<(HeaderName, Option<HeaderValue>)>,
    /// A digest of the request's `Authorization`, when it had one.
    pub(crate) auth: Option<[u8; 16]>,
    /// When its age was zero (RFC 9111 §4.2.3).
    pub(crate) born: SystemTime,
    /// When it stops being fresh.
    pub(crate) fresh_until: SystemTime,
    /// `must-revalidate` or `no-cache`: never served stale.
    pub(crate) must_revalidate: bool,
    /// RFC 5861 windows past `fresh_until`.
    pub(crate) stale_if_error: Option<Duration>,
    pub(crate) stale_while_revalidate: Option<Duration>,
}

impl Variant {
    /// Its age at `now`.
    pub(crate) fn age(&self, now: SystemTime) -> Duration {
        now.duration_since(self.born).unwrap_or_default()
    }

    /// How long it has been stale at `now` (`None` while fresh).
    pub(crate) fn staleness(&self, now: SystemTime) -> Option<Duration> {
        now.duration_since(self.fresh_until).ok()
    }

    /// Whether it may answer a request with `headers` (and this
    /// `Authorization` digest): the same values of every field named by `Vary`.
    pub(crate) fn matches(&self, headers: &HeaderMap, auth: Option<[u8; 16]>) -> bool {
        self.auth == auth
            && self
                .vary
                .iter()
                .all(|(name, value)| headers.get(name) == value.as_ref())
    }

    pub(crate) fn within(&self, now: SystemTime, window: Option<Duration>) -> bool {
        match (self.staleness(now), window) {
            (None, _) => true,
            (Some(past), Some(window)) => !self.must_revalidate && past <= window,
            (Some(_), None) => false,
        }
    }

    fn size(&self) -> u64 {
        let head: usize = self
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum();
        (self.body.len() + head + 96) as u64
    }
}

/// Everything a store keeps for one URL: each variant (`Vary`) stored apart.
///
/// A store holds entries as they are, or as [`to_bytes`](CacheEntry::to_bytes)
/// writes them; [`from_bytes`](CacheEntry::from_bytes) checks a checksum, so a
/// corrupt or truncated entry reads as nothing rather than as a wrong body.
///
/// ```
/// use sessio::layers::cache::CacheEntry;
///
/// assert!(CacheEntry::from_bytes(b"not an entry").is_none());
/// ```
#[derive(Clone, Default)]
pub struct CacheEntry {
    pub(crate) key: String,
    pub(crate) variants: Vec<Arc<Variant>>,
}

impl std::fmt::Debug for CacheEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheEntry")
            .field("key", &self.key)
            .field("variants", &self.variants.len())
            .field("size", &self.size())
            .finish()
    }
}

/// At most this many variants are kept for one URL (the oldest go first).
pub(crate) const MAX_VARIANTS: usize = 16;

const MAGIC: &[u8; 8] = b"sessioC1";

impl CacheEntry {
    /// The key (the URL) the entry is stored under.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// About how many bytes the entry takes: bodies and heads.
    pub fn size(&self) -> u64 {
        self.variants.iter().map(|v| v.size()).sum::<u64>() + self.key.len() as u64
    }

    /// How many variants (responses told apart by `Vary`) it holds.
    pub fn variants(&self) -> usize {
        self.variants.len()
    }

    /// The entry as bytes, with a checksum (what [`DiskStore`](super::DiskStore) writes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.size() as usize + 64);
        out.extend_from_slice(MAGIC);
        put_bytes(&mut out, self.key.as_bytes());
        put_u32(&mut out, self.variants.len() as u32);
        for v in &self.variants {
            out.extend_from_slice(&v.status.as_u16().to_be_bytes());
            out.push(version_code(v.version));
            put_time(&mut out, v.born);
            put_time(&mut out, v.fresh_until);
            out.push(u8::from(v.must_revalidate));
            put_window(&mut out, v.stale_if_error);
            put_window(&mut out, v.stale_while_revalidate);
            match v.auth {
                Some(digest) => {
                    out.push(1);
                    out.extend_from_slice(&digest);
                }
                None => out.push(0),
            }
            put_u32(&mut out, v.vary.len() as u32);
            for (name, value) in &v.vary {
                put_bytes(&mut out, name.as_str().as_bytes());
                match value {
                    Some(value) => {
                        out.push(1);
                        put_bytes(&mut out, value.as_bytes());
                    }
                    None => out.push(0),
                }
            }
            put_u32(&mut out, v.headers.len() as u32);
            for (name, value) in &v.headers {
                put_bytes(&mut out, name.as_str().as_bytes());
                put_bytes(&mut out, value.as_bytes());
            }
            put_bytes(&mut out, &v.body);
        }
        let sum = crc32fast::hash(&out);
        out.extend_from_slice(&sum.to_be_bytes());
        out
    }

    /// An entry read back from [`to_bytes`](Self::to_bytes); `None` when the
    /// bytes are not one (corrupt, truncated, another format).
    pub fn from_bytes(bytes: &[u8]) -> Option<CacheEntry> {
        let split = bytes.len().checked_sub(4)?;
        let (data, sum) = bytes.split_at(split);
        if crc32fast::hash(data).to_be_bytes() != sum {
            return None;
        }
        let mut r = Reader(data);
        if r.take(8)? != MAGIC {
            return None;
        }
        let key = String::from_utf8(r.bytes()?.to_vec()).ok()?;
        let count = r.u32()? as usize;
        if count > MAX_VARIANTS {
            return None;
        }
        let mut variants = Vec::with_capacity(count);
        for _ in 0..count {
            let status =
                StatusCode::from_u16(u16::from_be_bytes(r.take(2)?.try_into().ok()?)).ok()?;
            let version = version_of(r.u8()?)?;
            let born = r.time()?;
            let fresh_until = r.time()?;
            let must_revalidate = r.u8()? == 1;
            let stale_if_error = r.window()?;
            let stale_while_revalidate = r.window()?;
            let auth = match r.u8()? {
                0 => None,
                1 => Some(r.take(16)?.try_into().ok()?),
                _ => return None,
            };
            let vary_count = r.u32()? as usize;
            let mut vary = Vec::with_capacity(vary_count.min(64));
            for _ in 0..vary_count {
                let name = HeaderName::from_bytes(r.bytes()?).ok()?;
                let value = match r.u8()? {
                    0 => None,
                    1 => Some(HeaderValue::from_bytes(r.bytes()?).ok()?),
                    _ => return None,
                };
                vary.push((name, value));
            }
            let header_count = r.u32()? as usize;
            let mut headers = HeaderMap::with_capacity(header_count.min(256));
            for _ in 0..header_count {
                let name = HeaderName::from_bytes(r.bytes()?).ok()?;
                let value = HeaderValue::from_bytes(r.bytes()?).ok()?;
                headers.append(name, value);
            }
            let body = Bytes::copy_from_slice(r.bytes()?);
            variants.push(Arc::new(Variant {
                status,
                version,
                headers,
                body,
                vary,
                auth,
                born,
                fresh_until,
                must_revalidate,
                stale_if_error,
                stale_while_revalidate,
            }));
        }
        if !r.0.is_empty() {
            return None;
        }
        Some(CacheEntry { key, variants })
    }
}

fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_be_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn put_time(out: &mut Vec<u8>, t: SystemTime) {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    out.extend_from_slice(&d.as_secs().to_be_bytes());
    out.extend_from_slice(&d.subsec_nanos().to_be_bytes());
}

fn put_window(out: &mut Vec<u8>, window: Option<Duration>) {
    match window {
        Some(d) => {
            out.push(1);
            out.extend_from_slice(&d.as_secs().to_be_bytes());
        }
        None => out.push(0),
    }
}

fn version_code(version: Version) -> u8 {
    match version {
        Version::HTTP_09 => 0,
        Version::HTTP_10 => 1,
        Version::HTTP_2 => 3,
        Version::HTTP_3 => 4,
        _ => 2,
    }
}

fn version_of(code: u8) -> Option<Version> {
    Some(match code {
        0 => Version::HTTP_09,
        1 => Version::HTTP_10,
        2 => Version::HTTP_11,
        3 => Version::HTTP_2,
        4 => Version::HTTP_3,
        _ => return None,
    })
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.u64()?).ok()?;
        self.take(len)
    }

    fn time(&mut self) -> Option<SystemTime> {
        let secs = self.u64()?;
        let nanos = self.u32()?;
        if nanos >= 1_000_000_000 {
            return None;
        }
        UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
    }

    fn window(&mut self) -> Option<Option<Duration>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(Duration::from_secs(self.u64()?))),
            _ => None,
        }
    }
}
