//! A scripted fault server on raw TCP, for the faults of RELIABILITY.md §3 that
//! a real HTTP server never produces: answers cut short, resets, stalls,
//! trickles, bad framing, a close while the client uploads.
//!
//! Each accepted connection runs a script, a list of [`Step`]s: read a request,
//! write bytes, pause, trickle, flood, wait for the client to close, close,
//! reset. Connection `i` (counting from 0) runs `scripts[i]`, and every
//! connection after the last script runs the last one again. When a script ends
//! the socket is closed. The server counts the connections it accepted, the
//! ones still open, and the requests it read by method and target, so that a
//! test can tell whether a broken connection was reused and whether a request
//! was sent twice.
//!
//! ```no_run
//! # async fn run() {
//! use sessio_tests::{FaultServer, Step};
//!
//! // The first connection answers one request and closes; later ones keep
//! // answering `200 ok` for as long as the client keeps them open.
//! let server = FaultServer::start(vec![
//!     vec![Step::ReadRequest, Step::write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), Step::Close],
//!     vec![Step::serve_ok()],
//! ])
//! .await;
//! let r = sessio::get(server.url("/x")).await.unwrap();
//! assert_eq!(server.requests("GET", "/x"), 1);
//! assert_eq!(server.connections(), 1);
//! # drop(r);
//! # }
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The longest request head a fault server reads.
const MAX_HEAD: usize = 1024 * 1024;

/// The most a [`Step::Flood`] writes before it gives up.
const MAX_FLOOD: usize = 64 * 1024 * 1024;

/// One step of a connection's script.
#[derive(Debug, Clone)]
pub enum Step {
    /// Reads one request head (up to the blank line) and counts the request;
    /// its body, if any, is left unread. Ends the script if the client closes first.
    ReadHead,
    /// Reads one whole request, its head (counted) and its body (by
    /// `Content-Length` or chunked). Ends the script if the client closes first.
    ReadRequest,
    /// Writes these bytes.
    Write(Bytes),
    /// Writes these bytes one at a time, `gap` apart.
    Trickle(Bytes, Duration),
    /// Writes these bytes over and over until the client stops reading (a
    /// write fails) or 64 MiB are written: an endless response.
    Flood(Bytes),
    /// Pauses.
    Sleep(Duration),
    /// Reads whole requests and answers each with these bytes, until the client
    /// closes: a well-behaved keep-alive server.
    Serve(Bytes),
    /// Reads and discards whatever the client sends until it closes the
    /// connection, so that the server sees (and counts) the close.
    AwaitClose,
    /// Sends a FIN (shuts the write side) and goes on with the script: with
    /// [`Step::AwaitClose`] after it, a lingering close that still reads the
    /// rest of an upload.
    Shutdown,
    /// Closes gracefully: everything written is sent, then a FIN, and the
    /// script ends.
    Close,
    /// Resets: `SO_LINGER` 0 and close, so the client gets an RST (and
    /// whatever it has not read yet may be lost).
    Reset,
}

impl Step {
    /// [`Step::Write`] of a text or bytes.
    pub fn write(bytes: impl Into<Bytes>) -> Step {
        Step::Write(bytes.into())
    }

    /// [`Step::Serve`] answering every request with `200` and the body `ok`.
    pub fn serve_ok() -> Step {
        Step::Serve(Bytes::from_static(
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        ))
    }
}

/// What a fault server has seen, shared with its connection tasks.
#[derive(Debug, Default)]
struct Stats {
    connections: AtomicUsize,
    open: AtomicUsize,
    requests: Mutex<HashMap<(String, String), usize>>,
}

/// A running fault server on 127.0.0.1; it stops (and closes every connection)
/// when dropped.
#[derive(Debug)]
pub struct FaultServer {
    addr: SocketAddr,
    stats: Arc<Stats>,
    _shutdown: watch::Sender<()>,
}

impl FaultServer {
    /// Starts a server whose connection `i` runs `scripts[i]` (the last script
    /// for every later connection). An empty list closes every connection at once.
    pub async fn start(scripts: Vec<Vec<Step>>) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let stats = Arc::new(Stats::default());
        let (shutdown, stopped) = watch::channel(());
        let scripts = Arc::new(scripts);
        let shared = stats.clone();
        let mut accept_stopped = stopped.clone();
        tokio::spawn(async move {
            while let Some((stream, _)) =
                crate::accept_or_stop(|| listener.accept(), &mut accept_stopped).await
            {
                let _ = stream.set_nodelay(true);
                let index = shared.connections.fetch_add(1, Ordering::SeqCst);
                let script = scripts
                    .get(index)
                    .or_else(|| scripts.last())
                    .cloned()
                    .unwrap_or_default();
                let open = OpenGuard::enter(shared.clone());
                let mut stopped = stopped.clone();
                tokio::spawn(async move {
                    let mut connection = Connection {
                        stream,
                        buf: Vec::new(),
                        stats: open.0.clone(),
                    };
                    tokio::select! {
                        _ = connection.run(script) => {}
                        _ = stopped.changed() => {}
                    }
                    // closed (dropped) before it stops counting as open
                    drop(connection);
                    drop(open);
                });
            }
        });
        FaultServer {
            addr,
            stats,
            _shutdown: shutdown,
        }
    }

    /// Every connection runs `script`.
    pub async fn every(script: Vec<Step>) -> FaultServer {
        Self::start(vec![script]).await
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:port` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.stats.connections.load(Ordering::SeqCst)
    }

    /// Connections whose script is still running (open on the server's side).
    pub fn open_connections(&self) -> usize {
        self.stats.open.load(Ordering::SeqCst)
    }

    /// Request heads read so far with this method and request target
    /// (`/path?query` as written on the request line).
    pub fn requests(&self, method: &str, target: &str) -> usize {
        let requests = self.stats.requests.lock().expect("request counts");
        requests
            .get(&(method.to_owned(), target.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// Request heads read so far, all methods and targets together.
    pub fn total_requests(&self) -> usize {
        self.stats
            .requests
            .lock()
            .expect("request counts")
            .values()
            .sum()
    }

    /// Waits, checking every 10 ms for at most 5 s, until `done` holds;
    /// panics naming `what` if it never does.
    pub async fn eventually(&self, what: &str, mut done: impl FnMut(&FaultServer) -> bool) {
        for _ in 0..500 {
            if done(self) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("timed out waiting until {what}");
    }
}

/// Counts a connection as open until dropped.
struct OpenGuard(Arc<Stats>);

impl OpenGuard {
    fn enter(stats: Arc<Stats>) -> OpenGuard {
        stats.open.fetch_add(1, Ordering::SeqCst);
        OpenGuard(stats)
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One accepted connection and the bytes read from it but not used yet.
struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
    stats: Arc<Stats>,
}

/// The client closed the connection (or it failed): the script ends.
struct Gone;

impl Connection {
    async fn run(&mut self, script: Vec<Step>) {
        for step in script {
            if self.step(step).await.is_err() {
                return;
            }
        }
    }

    async fn step(&mut self, step: Step) -> Result<(), Gone> {
        match step {
            Step::ReadHead => {
                self.read_head().await?;
            }
            Step::ReadRequest => self.read_request().await?,
            Step::Write(bytes) => self.write(&bytes).await?,
            Step::Trickle(bytes, gap) => {
                for byte in bytes.iter() {
                    self.write(std::slice::from_ref(byte)).await?;
                    tokio::time::sleep(gap).await;
                }
            }
            Step::Flood(bytes) => {
                let mut written = 0;
                while written < MAX_FLOOD {
                    self.write(&bytes).await?;
                    written += bytes.len().max(1);
                }
            }
            Step::Sleep(pause) => tokio::time::sleep(pause).await,
            Step::Serve(bytes) => loop {
                self.read_request().await?;
                self.write(&bytes).await?;
            },
            Step::AwaitClose => {
                self.buf.clear();
                let mut chunk = [0u8; 16 * 1024];
                loop {
                    match self.stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return Err(Gone),
                        Ok(_) => {}
                    }
                }
            }
            Step::Shutdown => {
                let _ = self.stream.shutdown().await;
            }
            Step::Close => {
                let _ = self.stream.shutdown().await;
                return Err(Gone);
            }
            Step::Reset => {
                let _ = self.stream.set_zero_linger();
                return Err(Gone);
            }
        }
        Ok(())
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), Gone> {
        self.stream.write_all(bytes).await.map_err(|_| Gone)?;
        self.stream.flush().await.map_err(|_| Gone)
    }

    /// Reads more bytes into the buffer.
    async fn fill(&mut self) -> Result<(), Gone> {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => Err(Gone),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
        }
    }

    /// Reads up to and including `delimiter`, and returns what came before it.
    async fn read_until(&mut self, delimiter: &[u8]) -> Result<Vec<u8>, Gone> {
        loop {
            if let Some(at) = self
                .buf
                .windows(delimiter.len())
                .position(|w| w == delimiter)
            {
                let rest = self.buf.split_off(at + delimiter.len());
                let mut line = std::mem::replace(&mut self.buf, rest);
                line.truncate(at);
                return Ok(line);
            }
            if self.buf.len() > MAX_HEAD {
                return Err(Gone);
            }
            self.fill().await?;
        }
    }

    /// Reads exactly `n` bytes.
    async fn read_exact(&mut self, n: usize) -> Result<(), Gone> {
        while self.buf.len() < n {
            self.fill().await?;
        }
        self.buf.drain(..n);
        Ok(())
    }

    /// Reads a request head, counts the request, and returns the head.
    async fn read_head(&mut self) -> Result<String, Gone> {
        let head = self.read_until(b"\r\n\r\n").await?;
        let head = String::from_utf8_lossy(&head).into_owned();
        let mut line = head.lines().next().unwrap_or("").split(' ');
        let method = line.next().unwrap_or("").to_owned();
        let target = line.next().unwrap_or("").to_owned();
        *self
            .stats
            .requests
            .lock()
            .expect("request counts")
            .entry((method, target))
            .or_default() += 1;
        Ok(head)
    }

    /// Reads a whole request: the head, then a body framed by
    /// `Content-Length` or `Transfer-Encoding: chunked`.
    async fn read_request(&mut self) -> Result<(), Gone> {
        let head = self.read_head().await?;
        let header = |name: &str| {
            head.lines().skip(1).find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_ascii_lowercase())
            })
        };
        if header("transfer-encoding").is_some_and(|te| te.contains("chunked")) {
            loop {
                let line = self.read_until(b"\r\n").await?;
                let line = String::from_utf8_lossy(&line);
                let size = line.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(size, 16).map_err(|_| Gone)?;
                if size == 0 {
                    // trailers, up to the blank line
                    while !self.read_until(b"\r\n").await?.is_empty() {}
                    return Ok(());
                }
                self.read_exact(size + 2).await?;
            }
        }
        if let Some(length) = header("content-length") {
            let length = length.parse().map_err(|_| Gone)?;
            self.read_exact(length).await?;
        }
        Ok(())
    }
}
