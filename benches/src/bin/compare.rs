//! Compares sessio with raw hyper-util and reqwest on loopback.
//!
//! ```text
//! compare                      the full tables (server on CPU 0, client on CPU 1)
//!   [--seconds S] [--runs N] [--only raw-hyper,hyper-conn,sessio,...] [--cases http1,h2,bodies]
//!                              http1: HTTP/1.1 plain and TLS, 1 and 32 in flight,
//!                              pooled and unpooled, a 13-byte body;
//!                              h2: HTTP/2 over TLS (ALPN) and h2c, 1, 32 and 256
//!                              in flight on one pooled client;
//!                              bodies: 64 KiB and 1 MiB bodies, buffered and
//!                              streamed, sequential, plain HTTP/1.1 pooled
//! compare soak [--requests N] [--variant sessio|sessio-full] [--retries | --everything]
//!                              resident memory over N pooled sessio requests
//! compare load [--requests N] [--in-flight K] [--cap C]
//!                              N requests, K at a time, at most C connections;
//!                              fails unless every request succeeds within the cap
//! compare run --variant V --requests N --url U [--ca PEM] [--unpooled | --http2]
//!                              N sequential requests, for callgrind (see callgrind.sh);
//!                              --unpooled: a new connection per request;
//!                              --http2: HTTP/2 (h2c with prior knowledge on http://)
//! compare server               the server alone (prints its endpoints)
//! ```

use std::process::Command;
use std::time::{Duration, Instant};

use sessio_benches::clients::{BenchClient, Read, Variant};
use sessio_benches::measure::{self, Measurement};
use sessio_benches::server::{self, Endpoints, LARGE_BODIES, ServerProcess};

#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("server") => server::serve_forever(),
        Some("run") => pinned(&args).and_then(|()| run_fixed(&args[1..])),
        Some("soak") => pinned(&args).and_then(|()| soak(&args[1..])),
        Some("load") => pinned(&args).and_then(|()| load(&args[1..])),
        _ => pinned(&args).and_then(|()| compare(&args)),
    };
    if let Err(err) = result {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
}

/// Re-runs this program on CPU 1 under `taskset` (the server gets CPU 0).
fn pinned(args: &[String]) -> Result<(), String> {
    if std::env::var_os("SESSIO_BENCH_PINNED").is_some() || !server::has_taskset() {
        return Ok(());
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let status = Command::new("taskset")
        .arg("-c")
        .arg("1")
        .arg(exe)
        .args(args)
        .env("SESSIO_BENCH_PINNED", "1")
        .status()
        .map_err(|e| e.to_string())?;
    std::process::exit(status.code().unwrap_or(1));
}

fn option<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

struct Row {
    variant: Variant,
    tls: bool,
    concurrency: usize,
    pooled: bool,
    result: Measurement,
}

/// One HTTP/2 cell: over TLS (ALPN) or h2c, pooled.
struct H2Row {
    variant: Variant,
    tls: bool,
    concurrency: usize,
    result: Measurement,
}

/// One large-body cell: sequential, plain HTTP/1.1, pooled.
struct BodyRow {
    variant: Variant,
    size: usize,
    read: Read,
    result: Measurement,
}

/// The groups of cells `--cases` chooses from.
const CASES: [&str; 3] = ["http1", "h2", "bodies"];

/// The in-flight counts of the HTTP/2 cells.
const H2_IN_FLIGHT: [usize; 3] = [1, 32, 256];

/// The variants the HTTP/2 and body cells run (the others add nothing there).
fn in_new_cases(variant: Variant) -> bool {
    matches!(
        variant,
        Variant::RawHyper | Variant::Floor | Variant::Sessio | Variant::Reqwest
    )
}

fn size_name(size: usize) -> String {
    if size >= 1 << 20 {
        format!("{} MiB", size >> 20)
    } else {
        format!("{} KiB", size >> 10)
    }
}

fn compare(args: &[String]) -> Result<(), String> {
    let seconds: f64 = option(args, "--seconds")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let runs: usize = option(args, "--runs")
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let only: Vec<Variant> = match option(args, "--only") {
        Some(list) => list.split(',').filter_map(Variant::from_name).collect(),
        None => Variant::ALL.to_vec(),
    };
    let cases: Vec<&str> = match option(args, "--cases") {
        Some(list) => list.split(',').collect(),
        None => CASES.to_vec(),
    };
    if let Some(unknown) = cases.iter().find(|c| !CASES.contains(c)) {
        return Err(format!("--cases takes {}, not {unknown}", CASES.join(",")));
    }
    let server = ServerProcess::start(true).map_err(|e| format!("starting the server: {e}"))?;
    let endpoints = server.endpoints.clone();
    let duration = Duration::from_secs_f64(seconds);
    eprintln!(
        "server on CPU 0, client on CPU 1 ({}); {runs} runs of {seconds} s per cell, median",
        if server::has_taskset() {
            "taskset"
        } else {
            "not pinned: no taskset"
        }
    );
    let runtime = runtime()?;
    let mut rows: Vec<Row> = Vec::new();
    let http1 = if cases.contains(&"http1") {
        [false, true].as_slice()
    } else {
        &[]
    };
    for &tls in http1 {
        for concurrency in [1, 32] {
            for pooled in [true, false] {
                for &variant in &only {
                    if !variant.supports(tls, pooled) {
                        continue;
                    }
                    let url = endpoints.url(tls, pooled);
                    let result = runtime.block_on(async {
                        let client = BenchClient::new(variant, &endpoints, pooled);
                        measure::median_of(
                            &client,
                            url,
                            concurrency,
                            duration,
                            runs,
                            Read::Buffered,
                        )
                        .await
                    })?;
                    eprintln!(
                        "  {:<11} {:<5} {:>2} in flight {:<8} {:>9.0} req/s",
                        variant.name(),
                        if tls { "tls" } else { "plain" },
                        concurrency,
                        if pooled { "pooled" } else { "unpooled" },
                        result.per_second()
                    );
                    rows.push(Row {
                        variant,
                        tls,
                        concurrency,
                        pooled,
                        result,
                    });
                }
            }
        }
    }
    let mut h2_rows: Vec<H2Row> = Vec::new();
    let h2 = if cases.contains(&"h2") {
        [true, false].as_slice()
    } else {
        &[]
    };
    for &tls in h2 {
        for concurrency in H2_IN_FLIGHT {
            for &variant in only.iter().filter(|v| in_new_cases(**v)) {
                let url = endpoints.url(tls, true);
                let result = runtime.block_on(async {
                    let client = BenchClient::http2(variant, &endpoints, tls)
                        .ok_or_else(|| format!("{} has no HTTP/2 client", variant.name()))?;
                    measure::median_of(&client, url, concurrency, duration, runs, Read::Buffered)
                        .await
                })?;
                eprintln!(
                    "  {:<11} {:<5} {:>3} in flight pooled   {:>9.0} req/s",
                    variant.name(),
                    if tls { "h2" } else { "h2c" },
                    concurrency,
                    result.per_second()
                );
                h2_rows.push(H2Row {
                    variant,
                    tls,
                    concurrency,
                    result,
                });
            }
        }
    }
    let mut body_rows: Vec<BodyRow> = Vec::new();
    let sizes = if cases.contains(&"bodies") {
        LARGE_BODIES.as_slice()
    } else {
        &[]
    };
    for &size in sizes {
        for read in [Read::Buffered, Read::Streamed] {
            for &variant in only.iter().filter(|v| in_new_cases(**v)) {
                let url = endpoints.bytes_url(size);
                let result = runtime.block_on(async {
                    let client = BenchClient::new(variant, &endpoints, true);
                    measure::median_of(&client, &url, 1, duration, runs, read).await
                })?;
                eprintln!(
                    "  {:<11} {:>7} {:<8} {:>9.0} req/s {:>7.0} MB/s",
                    variant.name(),
                    size_name(size),
                    read.name(),
                    result.per_second(),
                    result.megabytes_per_second()
                );
                body_rows.push(BodyRow {
                    variant,
                    size,
                    read,
                    result,
                });
            }
        }
    }
    if !rows.is_empty() {
        print_table(&rows);
    }
    if !h2_rows.is_empty() {
        println!();
        print_h2_table(&h2_rows);
    }
    if !body_rows.is_empty() {
        println!();
        print_body_table(&body_rows);
    }
    Ok(())
}

fn print_h2_table(rows: &[H2Row]) {
    println!("| variant | transport | in flight | req/s | × raw hyper | allocs/req | bytes/req |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for row in rows {
        let ratio = rows
            .iter()
            .find(|b| {
                b.variant == Variant::RawHyper
                    && b.tls == row.tls
                    && b.concurrency == row.concurrency
            })
            .map(|b| format!("{:.2}", row.result.per_second() / b.result.per_second()))
            .unwrap_or_else(|| "–".to_owned());
        println!(
            "| {} | {} | {} | {:.0} | {} | {:.1} | {:.0} |",
            row.variant.name(),
            if row.tls {
                "h2 (TLS, ALPN)"
            } else {
                "h2c (prior knowledge)"
            },
            row.concurrency,
            row.result.per_second(),
            ratio,
            row.result.allocations_per_request(),
            row.result.bytes_per_request(),
        );
    }
}

fn print_body_table(rows: &[BodyRow]) {
    println!(
        "| variant | body | read | req/s | MB/s | × raw hyper | allocs/req | bytes allocated/req | allocated / received |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let ratio = rows
            .iter()
            .find(|b| b.variant == Variant::RawHyper && b.size == row.size && b.read == row.read)
            .map(|b| format!("{:.2}", row.result.per_second() / b.result.per_second()))
            .unwrap_or_else(|| "–".to_owned());
        println!(
            "| {} | {} | {} | {:.0} | {:.0} | {} | {:.1} | {:.0} | {:.2} |",
            row.variant.name(),
            size_name(row.size),
            row.read.name(),
            row.result.per_second(),
            row.result.megabytes_per_second(),
            ratio,
            row.result.allocations_per_request(),
            row.result.bytes_per_request(),
            row.result.allocated_per_received(),
        );
    }
}

fn print_table(rows: &[Row]) {
    let baseline = |row: &Row| {
        rows.iter().find(|b| {
            b.variant == Variant::RawHyper
                && b.tls == row.tls
                && b.concurrency == row.concurrency
                && b.pooled == row.pooled
        })
    };
    println!(
        "| variant | transport | in flight | pool | req/s | × raw hyper | allocs/req | bytes/req |"
    );
    println!("|---|---|---:|---|---:|---:|---:|---:|");
    for row in rows {
        let ratio = baseline(row)
            .map(|b| format!("{:.2}", row.result.per_second() / b.result.per_second()))
            .unwrap_or_else(|| "–".to_owned());
        println!(
            "| {} | {} | {} | {} | {:.0} | {} | {:.1} | {:.0} |",
            row.variant.name(),
            if row.tls { "TLS" } else { "plain" },
            row.concurrency,
            if row.pooled { "pooled" } else { "unpooled" },
            row.result.per_second(),
            ratio,
            row.result.allocations_per_request(),
            row.result.bytes_per_request(),
        );
    }
    println!();
    println!("| variant | transport | in flight | pooled / unpooled | × raw hyper's ratio |");
    println!("|---|---|---:|---:|---:|");
    let ratio_of = |variant: Variant, tls: bool, concurrency: usize| {
        let find = |pooled: bool| {
            rows.iter().find(|r| {
                r.variant == variant
                    && r.tls == tls
                    && r.concurrency == concurrency
                    && r.pooled == pooled
            })
        };
        Some(find(true)?.result.per_second() / find(false)?.result.per_second())
    };
    for tls in [false, true] {
        for concurrency in [1, 32] {
            for variant in Variant::ALL {
                let Some(ratio) = ratio_of(variant, tls, concurrency) else {
                    continue;
                };
                let vs_raw = ratio_of(Variant::RawHyper, tls, concurrency)
                    .map(|raw| format!("{:.2}", ratio / raw))
                    .unwrap_or_else(|| "–".to_owned());
                println!(
                    "| {} | {} | {} | {:.1} | {} |",
                    variant.name(),
                    if tls { "TLS" } else { "plain" },
                    concurrency,
                    ratio,
                    vs_raw
                );
            }
        }
    }
}

/// N sequential pooled requests of one variant against a running server, for
/// callgrind: prints nothing but errors.
fn run_fixed(args: &[String]) -> Result<(), String> {
    let variant = option(args, "--variant")
        .and_then(Variant::from_name)
        .ok_or(
            "--variant is one of raw-hyper, hyper-conn, sessio, sessio-full, sessio-get, reqwest",
        )?;
    let requests: u64 = option(args, "--requests")
        .and_then(|n| n.parse().ok())
        .ok_or("--requests N")?;
    let url = option(args, "--url").ok_or("--url")?.to_owned();
    let ca_pem = match option(args, "--ca") {
        Some(path) => std::fs::read_to_string(path).map_err(|e| e.to_string())?,
        None => String::new(),
    };
    let endpoints = Endpoints {
        plain: url.clone(),
        tls: url.clone(),
        plain_close: url.clone(),
        tls_close: url.clone(),
        ca_pem,
    };
    let pooled = variant != Variant::SessioOneShot && !args.iter().any(|a| a == "--unpooled");
    let http2 = args.iter().any(|a| a == "--http2");
    runtime()?.block_on(async {
        let client = if http2 {
            let tls = url.starts_with("https:");
            BenchClient::http2(variant, &endpoints, tls)
                .ok_or_else(|| format!("{} has no HTTP/2 client", variant.name()))?
        } else {
            BenchClient::new(variant, &endpoints, pooled)
        };
        for _ in 0..requests {
            client.get(&url).await?;
        }
        Ok(())
    })
}

/// Many pooled sessio requests, printing resident memory as they go: with the
/// default layers, or a cookie and a hook (`--variant sessio-full`), and with a
/// retry policy on (`--retries`; the server never fails, so it only has to stay
/// out of the way); or everything at once (`--everything`): a cookie, a hook,
/// retries, digest auth (the server challenges the first request) and a
/// forward proxy with credentials (the bench server itself, which answers
/// what it is asked to forward).
fn soak(args: &[String]) -> Result<(), String> {
    let requests: u64 = option(args, "--requests")
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let variant = match option(args, "--variant") {
        None => Variant::Sessio,
        Some(name) => Variant::from_name(name)
            .filter(|v| matches!(v, Variant::Sessio | Variant::SessioFull))
            .ok_or_else(|| format!("soak runs sessio or sessio-full, not {name}"))?,
    };
    let retries = args.iter().any(|a| a == "--retries");
    let everything = args.iter().any(|a| a == "--everything");
    let server = ServerProcess::start(true).map_err(|e| format!("starting the server: {e}"))?;
    let endpoints = server.endpoints.clone();
    let started = Instant::now();
    println!(
        "soak: {} {}",
        if everything { "sessio" } else { variant.name() },
        if everything {
            "with a cookie, a hook, retries, digest auth and a proxy"
        } else if retries {
            "with retries"
        } else {
            "without retries"
        }
    );
    let url = if everything {
        format!("http://soak.test{}", sessio_benches::server::DIGEST_PATH)
    } else {
        endpoints.plain.clone()
    };
    runtime()?.block_on(async {
        let client = if everything {
            everything_session(&endpoints)?
        } else if retries {
            BenchClient::sessio_with_retries(variant, &endpoints)
        } else {
            BenchClient::new(variant, &endpoints, true)
        };
        if let BenchClient::Sessio(session) = &client
            && everything
        {
            // the flow answers the challenge, through the proxy
            let response = session.get(&url).send().await.map_err(|e| e.to_string())?;
            if response.status() != 200 {
                return Err(format!("the soak's request got {}", response.status()));
            }
        }
        let step = (requests / 10).max(1);
        println!("| requests | resident KiB | seconds |");
        println!("|---:|---:|---:|");
        for done in 0..requests {
            client.get(&url).await?;
            if (done + 1) % step == 0 || done + 1 == 10_000 {
                println!(
                    "| {} | {} | {:.0} |",
                    done + 1,
                    measure::resident_kib().unwrap_or(0),
                    started.elapsed().as_secs_f64()
                );
            }
        }
        Ok(())
    })
}

/// The soak's session with everything on: a cookie, a hook, retries, digest
/// auth, and the bench server as a forward proxy with credentials.
fn everything_session(endpoints: &Endpoints) -> Result<BenchClient, String> {
    let proxy = endpoints
        .plain
        .replace("http://", "http://proxy-user:proxy-pass@");
    let policy = sessio::RetryPolicy::new()
        .total(3)
        .status_forcelist([502, 503, 504]);
    let session = sessio::Session::builder()
        .hook(sessio::Hook::response(
            |response| async move { Ok(response) },
        ))
        .auth(sessio::Auth::digest("user", "pass"))
        .proxy("http", &proxy)
        .max_retries(policy)
        .trust_env(false)
        .build()
        .map_err(|e| e.to_string())?;
    session
        .cookies()
        .set("soak", "1")
        .map_err(|e| e.to_string())?;
    Ok(BenchClient::Sessio(session))
}

/// One session, many requests at once under a per-host connection cap: every
/// request must succeed and the connections stay within the cap.
fn load(args: &[String]) -> Result<(), String> {
    let number = |name: &str, default: usize| -> Result<usize, String> {
        option(args, name).map_or(Ok(default), |n| {
            n.parse()
                .map_err(|_| format!("{name} wants a number, not {n}"))
        })
    };
    let requests = number("--requests", 10_000)?;
    let in_flight = number("--in-flight", 256)?.max(1);
    let cap = number("--cap", 16)?;
    let server = ServerProcess::start(true).map_err(|e| format!("starting the server: {e}"))?;
    let url = server.endpoints.plain.clone();
    let session = sessio::Session::builder()
        .max_connections_per_host(cap)
        .pool_timeout(Duration::from_secs(30))
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let peak_open = runtime()?.block_on(async {
        let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(in_flight));
        let mut running = tokio::task::JoinSet::new();
        let mut peak_open = 0;
        for _ in 0..requests {
            let slot = slots
                .clone()
                .acquire_owned()
                .await
                .map_err(|e| e.to_string())?;
            let (client, target) = (session.clone(), url.clone());
            running.spawn(async move {
                let _slot = slot;
                let response = client
                    .get(&target)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = response.status();
                response.bytes().await.map_err(|e| e.to_string())?;
                if status.is_success() {
                    Ok(())
                } else {
                    Err(format!("status {status}"))
                }
            });
            peak_open = peak_open.max(session.pool_stats().open);
        }
        while let Some(done) = running.join_next().await {
            done.map_err(|e| e.to_string())??;
            peak_open = peak_open.max(session.pool_stats().open);
        }
        Ok::<_, String>(peak_open)
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    let stats = session.pool_stats();
    println!(
        "load: {requests} requests, {in_flight} in flight, cap {cap}: all succeeded in {elapsed:.1} s ({:.0} req/s); connections: {} created, at most {peak_open} open, {} requests on reused ones",
        requests as f64 / elapsed,
        stats.created,
        stats.reused,
    );
    if peak_open > cap || stats.created > cap as u64 {
        return Err(format!(
            "more connections than the cap of {cap}: {stats:?}, peak {peak_open}"
        ));
    }
    Ok(())
}
