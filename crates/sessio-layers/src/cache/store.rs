//! The `CacheStore` trait and the in-memory store.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use super::entry::CacheEntry;

/// Where a cache keeps its entries, one per URL (every variant of the URL in
/// it). Stores are shared by every clone of a cache and must not fail the
/// request: a store that cannot read an entry answers `None`, one that cannot
/// write drops the entry.
///
/// ```
/// use std::sync::Arc;
/// use sessio::layers::cache::{CacheStore, MemoryStore};
///
/// let store = MemoryStore::new(1 << 20);
/// assert!(store.get("http://example.test/").is_none());
/// assert_eq!(store.size(), 0);
/// ```
pub trait CacheStore: Send + Sync + fmt::Debug + 'static {
    /// The entry stored under `key`.
    fn get(&self, key: &str) -> Option<Arc<CacheEntry>>;

    /// Stores `entry` under `key`, in place of what was there.
    fn put(&self, key: &str, entry: Arc<CacheEntry>);

    /// Removes the entry under `key`.
    fn remove(&self, key: &str);

    /// Removes every entry.
    fn clear(&self);

    /// The bytes held (as the store counts them).
    fn size(&self) -> u64;
}

impl<T: CacheStore> CacheStore for Arc<T> {
    fn get(&self, key: &str) -> Option<Arc<CacheEntry>> {
        (**self).get(key)
    }
    fn put(&self, key: &str, entry: Arc<CacheEntry>) {
        (**self).put(key, entry)
    }
    fn remove(&self, key: &str) {
        (**self).remove(key)
    }
    fn clear(&self) {
        (**self).clear()
    }
    fn size(&self) -> u64 {
        (**self).size()
    }
}

/// A store in memory, bounded in bytes: when an entry would take it past the
/// bound, the least recently used entries go first. An entry larger than the
/// bound is not kept.
pub struct MemoryStore {
    inner: Mutex<Lru>,
}

#[derive(Default)]
struct Lru {
    map: HashMap<Arc<str>, Slot>,
    order: BTreeMap<u64, Arc<str>>,
    tick: u64,
    bytes: u64,
    max_bytes: u64,
}

struct Slot {
    entry: Arc<CacheEntry>,
    /// Its last use.
    tick: u64,
    /// The tick it is filed under in the order map (its last use, or older:
    /// a hit only bumps `tick`, eviction files it again when it meets it).
    filed: u64,
    size: u64,
}

impl MemoryStore {
    /// A store of at most `max_bytes`.
    pub fn new(max_bytes: u64) -> Self {
        MemoryStore {
            inner: Mutex::new(Lru {
                max_bytes,
                ..Lru::default()
            }),
        }
    }

    /// How many entries (URLs) it holds.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        // The map is left consistent between statements: a panic elsewhere
        // while the lock was held does not make it wrong.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Lru {
    fn remove(&mut self, key: &str) {
        if let Some(slot) = self.map.remove(key) {
            self.order.remove(&slot.filed);
            self.bytes -= slot.size;
        }
    }
}

impl CacheStore for MemoryStore {
    fn get(&self, key: &str) -> Option<Arc<CacheEntry>> {
        let mut lru = self.lock();
        lru.tick += 1;
        let tick = lru.tick;
        // The order map keeps the old tick: eviction finds it out of date and
        // moves the entry to its new place then (a hit costs one lookup).
        let slot = lru.map.get_mut(key)?;
        slot.tick = tick;
        Some(slot.entry.clone())
    }

    fn put(&self, key: &str, entry: Arc<CacheEntry>) {
        let size = entry.size();
        let mut lru = self.lock();
        lru.remove(key);
        if size > lru.max_bytes {
            return;
        }
        while lru.bytes + size > lru.max_bytes {
            let Some((at, oldest)) = lru.order.pop_first() else {
                break;
            };
            let Some(slot) = lru.map.get_mut(&oldest) else {
                continue;
            };
            if slot.tick != at {
                // Used since it was filed: file it under its last use.
                slot.filed = slot.tick;
                let last = slot.tick;
                lru.order.insert(last, oldest);
            } else if let Some(slot) = lru.map.remove(&oldest) {
                lru.bytes -= slot.size;
            }
        }
        lru.tick += 1;
        let tick = lru.tick;
        let name: Arc<str> = Arc::from(key);
        lru.order.insert(tick, name.clone());
        lru.map.insert(
            name,
            Slot {
                entry,
                tick,
                filed: tick,
                size,
            },
        );
        lru.bytes += size;
    }

    fn remove(&self, key: &str) {
        self.lock().remove(key);
    }

    fn clear(&self) {
        let mut lru = self.lock();
        lru.map.clear();
        lru.order.clear();
        lru.bytes = 0;
    }

    fn size(&self) -> u64 {
        self.lock().bytes
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lru = self.lock();
        f.debug_struct("MemoryStore")
            .field("entries", &lru.map.len())
            .field("bytes", &lru.bytes)
            .field("max_bytes", &lru.max_bytes)
            .finish()
    }
}
