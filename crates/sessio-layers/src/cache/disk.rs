//! `DiskStore`: entries as files in a folder, shared by processes and restarts.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use super::entry::CacheEntry;
use super::store::CacheStore;

/// A store on disk: one file per URL in a folder, named by a SHA-256 of the
/// URL. Entries survive a restart, and several processes may share the
/// folder: a file is written whole under a temporary name and then renamed
/// over the old one, so a reader sees the old entry or the new one, never half
/// of one. A file that does not read back whole (a checksum over the entry, the
/// URL inside it) is a miss, and it is removed.
///
/// Files are read and written with blocking calls on the calling thread;
/// entries are bounded by the cache's entry size.
///
/// ```
/// use sessio::layers::cache::{CacheLayer, DiskStore};
///
/// let dir = std::env::temp_dir().join(format!("sessio-doc-cache-{}", std::process::id()));
/// let layer = CacheLayer::new(DiskStore::open(&dir)?);
/// assert_eq!(layer.stats().bytes, 0);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct DiskStore {
    dir: PathBuf,
    next: AtomicU64,
}

const SUFFIX: &str = ".entry";

impl DiskStore {
    /// A store in `dir` (created if it is missing).
    pub fn open(dir: impl AsRef<Path>) -> std::io::Result<DiskStore> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir)?;
        Ok(DiskStore {
            dir,
            next: AtomicU64::new(0),
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file an entry for `key` is kept in.
    pub fn path_of(&self, key: &str) -> PathBuf {
        let digest = Sha256::digest(key.as_bytes());
        let mut name = String::with_capacity(64 + SUFFIX.len());
        for byte in digest {
            name.push_str(&format!("{byte:02x}"));
        }
        name.push_str(SUFFIX);
        self.dir.join(name)
    }

    fn entries(&self) -> impl Iterator<Item = fs::DirEntry> {
        fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_str().is_some_and(|n| n.ends_with(SUFFIX)))
    }
}

impl CacheStore for DiskStore {
    fn get(&self, key: &str) -> Option<Arc<CacheEntry>> {
        let path = self.path_of(key);
        let bytes = fs::read(&path).ok()?;
        match CacheEntry::from_bytes(&bytes) {
            Some(entry) if entry.key == key => Some(Arc::new(entry)),
            _ => {
                let _ = fs::remove_file(&path);
                None
            }
        }
    }

    fn put(&self, key: &str, entry: Arc<CacheEntry>) {
        let path = self.path_of(key);
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let tmp = self
            .dir
            .join(format!(".tmp-{}-{n}-{}", std::process::id(), thread_tag()));
        let written = fs::File::create(&tmp).and_then(|mut file| {
            file.write_all(&entry.to_bytes())?;
            file.sync_data()
        });
        if written.and_then(|()| fs::rename(&tmp, &path)).is_err() {
            let _ = fs::remove_file(&tmp);
        }
    }

    fn remove(&self, key: &str) {
        let _ = fs::remove_file(self.path_of(key));
    }

    fn clear(&self) {
        for entry in self.entries() {
            let _ = fs::remove_file(entry.path());
        }
    }

    fn size(&self) -> u64 {
        self.entries()
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum()
    }
}

/// Tells threads of one process apart in temporary file names.
fn thread_tag() -> String {
    let id = format!("{:?}", std::thread::current().id());
    id.chars().filter(char::is_ascii_digit).collect()
}
