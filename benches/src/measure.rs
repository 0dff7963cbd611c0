//! Timing and allocation counting of one client configuration.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::clients::{BenchClient, Read};

/// What one timed run measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Measurement {
    /// Requests completed.
    pub requests: u64,
    /// Wall time of the run.
    pub seconds: f64,
    /// Allocations made by the process during the run.
    pub allocations: u64,
    /// Bytes allocated by the process during the run.
    pub bytes: u64,
    /// Response body bytes received.
    pub received: u64,
}

impl Measurement {
    /// Requests per second.
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds.max(f64::EPSILON)
    }

    /// Allocations per request.
    pub fn allocations_per_request(&self) -> f64 {
        self.allocations as f64 / self.requests.max(1) as f64
    }

    /// Bytes allocated per request.
    pub fn bytes_per_request(&self) -> f64 {
        self.bytes as f64 / self.requests.max(1) as f64
    }

    /// Response body megabytes (10^6 bytes) received per second.
    pub fn megabytes_per_second(&self) -> f64 {
        self.received as f64 / 1e6 / self.seconds.max(f64::EPSILON)
    }

    /// Bytes allocated per response body byte received (1.0: one copy's worth).
    pub fn allocated_per_received(&self) -> f64 {
        self.bytes as f64 / self.received.max(1) as f64
    }
}

fn allocation_totals() -> (u64, u64) {
    let stats = stats_alloc::INSTRUMENTED_SYSTEM.stats();
    (
        (stats.allocations + stats.reallocations) as u64,
        stats.bytes_allocated as u64,
    )
}

/// Runs `concurrency` loops of GETs against `url` for `duration`, reading each
/// body as `read` says.
pub async fn run(
    client: &BenchClient,
    url: &str,
    concurrency: usize,
    duration: Duration,
    read: Read,
) -> Result<Measurement, String> {
    let done = Arc::new(AtomicU64::new(0));
    let received = Arc::new(AtomicU64::new(0));
    let (allocs_before, bytes_before) = allocation_totals();
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let client = client.clone();
        let url = url.to_owned();
        let done = done.clone();
        let received = received.clone();
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let length = client.fetch(&url, read).await?;
                done.fetch_add(1, Ordering::Relaxed);
                received.fetch_add(length as u64, Ordering::Relaxed);
            }
            Ok::<_, String>(())
        }));
    }
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let (allocs_after, bytes_after) = allocation_totals();
    Ok(Measurement {
        requests: done.load(Ordering::Relaxed),
        seconds,
        allocations: allocs_after - allocs_before,
        bytes: bytes_after - bytes_before,
        received: received.load(Ordering::Relaxed),
    })
}

/// The run with the median request rate of `runs` runs.
pub async fn median_of(
    client: &BenchClient,
    url: &str,
    concurrency: usize,
    duration: Duration,
    runs: usize,
    read: Read,
) -> Result<Measurement, String> {
    run(client, url, concurrency, duration / 4, read).await?;
    let mut all = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        all.push(run(client, url, concurrency, duration, read).await?);
    }
    all.sort_by(|a, b| a.per_second().total_cmp(&b.per_second()));
    Ok(all[all.len() / 2])
}

/// Resident set size of this process, in KiB (Linux), for the soak test.
pub fn resident_kib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4)
}
