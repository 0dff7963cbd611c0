//! One request through the pool: take a connection (waiting for it, or
//! making one, when needed), send, and send again on another connection a
//! request that a reused connection closed on before writing any of it.

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::header::HOST;
use http::{HeaderValue, Method, Uri};
use hyper::body::Incoming;
use sessio_core::__private::{error, error_msg, set_exchange};
use sessio_core::{Body, BoxError, ConnectionInfo, Error, ErrorKind};

use super::conn::{ConnMeta, handshake};
use super::connect::ConnectTimedOut;
use super::io::IoClock;
use super::key::ConnKey;
use super::pool::{self, Checkout, ConnectPermit, Grant, Lease, Pool, PoolTimedOut, Waiting};
use super::proxy::ProxyFailed;

/// The future of one request through the pool: the response head and the
/// lease its body holds. On the common path (an idle connection ready at
/// once) the request is handed to the connection before the future is first
/// polled, and the future holds only the lease and hyper's answer; waiting,
/// connecting and sending again take a boxed detour that also keeps the
/// request.
pub(crate) struct PooledSend {
    state: State,
    /// The adapter's connect timeout (a request may have its own).
    connect_timeout: Option<Duration>,
}

enum State {
    Sending {
        lease: Lease,
        response: pool::ResponseFuture,
        sent_at: Instant,
        reused: bool,
        /// The write timeout of an upload, until the head arrives.
        upload: Option<Box<UploadWatch>>,
    },
    Detour(Box<Detour>),
    Done(Option<Error>),
}

/// The slow path: a request not yet handed to a connection.
struct Detour {
    step: Step,
    request: http::Request<Body>,
    /// The request's own connect timeout, or the adapter's.
    connect_timeout: Option<Duration>,
}

type MakingConnection = Pin<Box<dyn Future<Output = Result<Lease, Error>> + Send>>;

enum Step {
    /// A connection to send on, once it is ready.
    Ready(Lease),
    Waiting {
        pool: Pool,
        key: ConnKey,
        waiting: Waiting,
    },
    Connecting(MakingConnection),
    Failed(Option<Error>),
}

impl PooledSend {
    /// Sends `request` to `key` through `pool`.
    #[inline]
    pub(crate) fn new(
        pool: &Pool,
        key: &ConnKey,
        request: http::Request<Body>,
        connect_timeout: Option<Duration>,
    ) -> Self {
        let state = match pool.checkout(key) {
            Checkout::Ready(lease) if lease.is_ready() => start(lease, request, connect_timeout),
            checkout => {
                let connect_timeout = own_connect_timeout(&request).or(connect_timeout);
                State::Detour(Box::new(Detour {
                    step: step_for(checkout, pool, key, connect_timeout),
                    request,
                    connect_timeout,
                }))
            }
        };
        PooledSend {
            state,
            connect_timeout,
        }
    }
}

/// Hands `request` to the connection of `lease`.
#[inline]
fn start(
    mut lease: Lease,
    mut request: http::Request<Body>,
    connect_timeout: Option<Duration>,
) -> State {
    for_connection(&mut request, lease.meta());
    let reused = lease.meta().count_request();
    let sent_at = Instant::now();
    let upload = UploadWatch::for_request(&request, lease.meta());
    match lease.send(request) {
        Ok(response) => State::Sending {
            lease,
            response,
            sent_at,
            reused,
            upload,
        },
        Err(request) => again(&lease, request, connect_timeout),
    }
}

/// A request given back unsent by the connection of `lease`: look for
/// another connection.
fn again(lease: &Lease, request: http::Request<Body>, connect_timeout: Option<Duration>) -> State {
    let (pool, key) = (lease.pool(), lease.key().clone());
    let connect_timeout = own_connect_timeout(&request).or(connect_timeout);
    State::Detour(Box::new(Detour {
        step: step_for(pool.checkout(&key), &pool, &key, connect_timeout),
        request: absolute(request, &key),
        connect_timeout,
    }))
}

/// The request's own connect timeout, if it has one (read only when a
/// connection may have to be made).
fn own_connect_timeout(request: &http::Request<Body>) -> Option<Duration> {
    request
        .extensions()
        .get::<sessio_core::Timeouts>()
        .and_then(|t| t.connect)
}

fn step_for(checkout: Checkout, pool: &Pool, key: &ConnKey, timeout: Option<Duration>) -> Step {
    match checkout {
        Checkout::Ready(lease) => Step::Ready(lease),
        Checkout::Connect(permit) => Step::Connecting(connect(permit, timeout)),
        Checkout::Wait(waiting) => Step::Waiting {
            pool: pool.clone(),
            key: key.clone(),
            waiting,
        },
        Checkout::Closed => {
            Step::Failed(Some(error_msg(ErrorKind::Closed, "the adapter was closed")))
        }
    }
}

/// Makes a connection with `permit`: the transport, then the HTTP handshake,
/// within the connect timeout.
fn connect(permit: ConnectPermit, timeout: Option<Duration>) -> MakingConnection {
    Box::pin(async move {
        let shared = permit.shared().clone();
        let making = async {
            let connected = shared.connector.connect(permit.key(), timeout).await?;
            let id = shared.next_id();
            handshake(
                connected,
                &shared.protocols,
                id,
                permit.key(),
                permit.stream_limit(),
            )
            .await
            .map_err(|err| -> BoxError { Box::new(err) })
        };
        let made = match timeout {
            Some(limit) => match tokio::time::timeout(limit, making).await {
                Ok(made) => made,
                Err(_) => Err(Box::new(ConnectTimedOut(limit)) as BoxError),
            },
            None => making.await,
        };
        match made {
            Ok((sender, driving, meta)) => Ok(pool::established(permit, sender, driving, meta)),
            Err(err) => {
                let err = connect_error(err);
                // The requests waiting for this connection (the one a key
                // that may speak HTTP/2 makes at a time) fail with it, rather
                // than each trying in turn.
                permit.fail_waiters(&err);
                Err(err)
            }
        }
    })
}

impl Future for PooledSend {
    type Output = Result<(http::Response<Incoming>, Lease, ConnectionInfo), Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Sending {
                    lease,
                    response,
                    sent_at,
                    reused,
                    upload,
                } => match response.as_mut().poll(cx) {
                    Poll::Pending => {
                        if let Some(watch) = upload
                            && watch.poll_stalled(cx).is_ready()
                        {
                            let timeout = watch.timeout;
                            this.state = State::Done(None);
                            return Poll::Ready(Err(error_msg(
                                ErrorKind::WriteTimeout,
                                format!(
                                    "write timed out: the connection took none of the request \
                                     body for {timeout:?}"
                                ),
                            )));
                        }
                        return Poll::Pending;
                    }
                    Poll::Ready(result) => match result {
                        Ok(response) => {
                            let (sent_at, reused) = (*sent_at, *reused);
                            let State::Sending { mut lease, .. } =
                                std::mem::replace(&mut this.state, State::Done(None))
                            else {
                                unreachable!("matched above")
                            };
                            lease.answered(!has_conflicting_framing(&response));
                            let info = exchange_info(lease.meta(), sent_at, reused);
                            return Poll::Ready(Ok((response, lease, info)));
                        }
                        Err(mut failed) => match failed.take_message() {
                            // Never written, on a connection that had served a
                            // request before (it closed meanwhile): another one.
                            Some(request) if *reused => {
                                this.state = again(lease, request, this.connect_timeout);
                            }
                            _ => {
                                this.state = State::Done(None);
                                return Poll::Ready(Err(exchange_error(failed.into_error())));
                            }
                        },
                    },
                },
                State::Detour(detour) => {
                    let lease = std::task::ready!(detour.poll_connection(cx));
                    let State::Detour(detour) =
                        std::mem::replace(&mut this.state, State::Done(None))
                    else {
                        unreachable!("matched above")
                    };
                    this.state = match lease {
                        Ok(lease) => start(lease, detour.request, this.connect_timeout),
                        Err(err) => return Poll::Ready(Err(err)),
                    };
                }
                State::Done(err) => {
                    return Poll::Ready(Err(err.take().unwrap_or_else(polled_after_done)));
                }
            }
        }
    }
}

impl Detour {
    /// A connection ready to take the request.
    fn poll_connection(&mut self, cx: &mut Context<'_>) -> Poll<Result<Lease, Error>> {
        let connect_timeout = self.connect_timeout;
        loop {
            match &mut self.step {
                Step::Ready(lease) => {
                    if std::task::ready!(lease.poll_ready(cx)).is_ok() {
                        let Step::Ready(lease) =
                            std::mem::replace(&mut self.step, Step::Failed(None))
                        else {
                            unreachable!("matched above")
                        };
                        return Poll::Ready(Ok(lease));
                    }
                    // It closed while idle: another one.
                    let (pool, key) = (lease.pool(), lease.key().clone());
                    self.step = step_for(pool.checkout(&key), &pool, &key, connect_timeout);
                }
                Step::Waiting { pool, key, waiting } => {
                    match std::task::ready!(Pin::new(waiting).poll(cx)) {
                        Ok(Grant::Conn(lease)) => self.step = Step::Ready(lease),
                        Ok(Grant::Connect(permit)) => {
                            self.step = Step::Connecting(connect(permit, connect_timeout))
                        }
                        Ok(Grant::Retry) => {
                            let (pool, key) = (pool.clone(), key.clone());
                            self.step = step_for(pool.checkout(&key), &pool, &key, connect_timeout);
                        }
                        Ok(Grant::Failed(err)) => return Poll::Ready(Err(err)),
                        Err(timed_out) => {
                            return Poll::Ready(Err(error(ErrorKind::PoolTimeout, timed_out)));
                        }
                    }
                }
                Step::Connecting(making) => {
                    let lease = std::task::ready!(making.as_mut().poll(cx))?;
                    self.step = Step::Ready(lease);
                }
                Step::Failed(err) => {
                    return Poll::Ready(Err(err.take().unwrap_or_else(polled_after_done)));
                }
            }
        }
    }
}

/// The write timeout of one upload: it fires when the connection has taken
/// none of the request for that long (a write waiting on a full socket), and
/// is watched only until the response head arrives. Requests without a body
/// or a write timeout have none.
struct UploadWatch {
    timeout: Duration,
    clock: Arc<IoClock>,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl UploadWatch {
    #[inline]
    fn for_request(request: &http::Request<Body>, meta: &ConnMeta) -> Option<Box<UploadWatch>> {
        if http_body::Body::is_end_stream(request.body()) {
            return None;
        }
        Self::for_upload(request, meta)
    }

    #[cold]
    fn for_upload(request: &http::Request<Body>, meta: &ConnMeta) -> Option<Box<UploadWatch>> {
        let timeout = request
            .extensions()
            .get::<sessio_core::Timeouts>()
            .and_then(|t| t.write)?;
        let clock = meta.clock.clone()?;
        Some(Box::new(UploadWatch {
            timeout,
            clock,
            sleep: Box::pin(tokio::time::sleep(timeout)),
        }))
    }

    /// Ready once a write has waited longer than the timeout.
    fn poll_stalled(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            std::task::ready!(self.sleep.as_mut().poll(cx));
            let now = Instant::now();
            let due = match self.clock.write_stalled_since() {
                // a write is waiting: the timeout counts from when it began
                Some(since) => match since.checked_add(self.timeout) {
                    Some(due) if due <= now => return Poll::Ready(()),
                    Some(due) => due,
                    None => return Poll::Pending, // no limit
                },
                // writes go through: look again a timeout from now (at least
                // a millisecond, so that a zero timeout does not spin)
                None => match now.checked_add(self.timeout.max(Duration::from_millis(1))) {
                    Some(due) => due,
                    None => return Poll::Pending,
                },
            };
            self.sleep
                .as_mut()
                .reset(tokio::time::Instant::from_std(due));
        }
    }
}

fn polled_after_done() -> Error {
    error_msg(
        ErrorKind::Request,
        "the request future was polled after it finished",
    )
}

/// The request as this connection sends it: HTTP/1 needs a `Host` header
/// and, except to a forward proxy, the path alone; HTTP/2 takes the
/// absolute URI (its `:authority`).
fn for_connection(request: &mut http::Request<Body>, meta: &ConnMeta) {
    if meta.http2 {
        return;
    }
    // The connection's `Host`, made once for all its requests (its key is
    // the requests' scheme and authority); one look-up when the request has
    // none of its own.
    if let Some(host) = &meta.host
        && let http::header::Entry::Vacant(slot) = request.headers_mut().entry(HOST)
    {
        slot.insert(host.clone());
    }
    if request.method() == Method::CONNECT {
        if let Some(authority) = request.uri().authority().cloned() {
            let mut parts = http::uri::Parts::default();
            parts.authority = Some(authority);
            if let Ok(uri) = Uri::from_parts(parts) {
                *request.uri_mut() = uri;
            }
        }
    } else if !meta.forward_proxy {
        let origin = match request.uri().path_and_query() {
            Some(path) if path.as_str() != "/" => {
                let mut parts = http::uri::Parts::default();
                parts.path_and_query = Some(path.clone());
                Uri::from_parts(parts).unwrap_or_default()
            }
            _ => Uri::default(),
        };
        *request.uri_mut() = origin;
    }
}

/// `Host` for requests to `key`: the host, and its port unless it is the
/// scheme's default.
pub(crate) fn host_header(key: &ConnKey) -> Option<HeaderValue> {
    let authority = key.authority.as_str();
    let authority = match authority.bytes().rposition(|b| b == b'@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    let default_port = if key.is_https() { ":443" } else { ":80" };
    let host = authority.strip_suffix(default_port).unwrap_or(authority);
    HeaderValue::from_str(host).ok()
}

/// A request given back unsent, with its absolute URI again.
fn absolute(mut request: http::Request<Body>, key: &ConnKey) -> http::Request<Body> {
    if request.uri().scheme().is_none() {
        let path = request
            .uri()
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| http::uri::PathAndQuery::from_static("/"));
        if let Ok(uri) = Uri::builder()
            .scheme(key.scheme.clone())
            .authority(key.authority.clone())
            .path_and_query(path)
            .build()
        {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// Both `Transfer-Encoding` and `Content-Length` (RFC 9112 §6.3): chunked
/// framing wins (hyper), but a server that sends both may mean the length,
/// so the bytes after this response cannot be trusted to start the next
/// one (request smuggling): the connection is not reused.
fn has_conflicting_framing(response: &http::Response<Incoming>) -> bool {
    use http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
    use http_body::Body as _;
    // A body of known length was framed by Content-Length alone: no header
    // lookup on the common path.
    response.version() != http::Version::HTTP_2
        && response.body().size_hint().exact().is_none()
        && response.headers().contains_key(TRANSFER_ENCODING)
        && response.headers().contains_key(CONTENT_LENGTH)
}

/// The connection's [`ConnectionInfo`], with this exchange's timings.
fn exchange_info(meta: &ConnMeta, sent_at: Instant, reused: bool) -> ConnectionInfo {
    let (written, first_byte) = match &meta.clock {
        Some(clock) => clock.read(),
        None => (None, Some(Instant::now())),
    };
    if meta.http2 && !meta.answered.load(std::sync::atomic::Ordering::Relaxed) {
        // The peer's SETTINGS came before this answer: its limit is known.
        meta.answered
            .store(true, std::sync::atomic::Ordering::Release);
    }
    let mut info = meta.info.clone();
    set_exchange(&mut info, reused, sent_at, written, first_byte);
    info
}

/// A failure of an exchange on a connection that was made: a request error,
/// or a TLS error when TLS failed after the handshake (TLS 1.3 sends a
/// server's refusal of the client certificate as an alert on the first read,
/// requests' `SSLError`).
fn exchange_error(err: hyper::Error) -> Error {
    let kind = if has_cause::<rustls::Error>(&err) {
        ErrorKind::Tls
    } else {
        ErrorKind::Request
    };
    error(kind, err)
}

/// A failure to connect as a sessio error of the right kind.
pub(crate) fn connect_error(err: BoxError) -> Error {
    let kind = if has_cause::<ConnectTimedOut>(&*err) {
        ErrorKind::ConnectTimeout
    } else if has_cause::<PoolTimedOut>(&*err) {
        ErrorKind::PoolTimeout
    } else if has_cause::<ProxyFailed>(&*err) {
        ErrorKind::Proxy
    } else if has_cause::<rustls::Error>(&*err) {
        ErrorKind::Tls
    } else {
        ErrorKind::Connect
    };
    error(kind, err)
}

/// Whether `T` is somewhere in the cause chain, looking inside `io::Error`s too.
fn has_cause<T: StdError + 'static>(err: &(dyn StdError + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(current) = next {
        if current.is::<T>() {
            return true;
        }
        next = match current.downcast_ref::<io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
    }
    false
}
