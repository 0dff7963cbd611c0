//! `RetryPolicy`: urllib3's `Retry` as a `tower::retry::Policy`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use tower::retry::budget::{Budget, TpsBudget};

use super::backoff::{backoff, retry_after};
use super::classify::{ErrorClass, RetryError};
use super::{Attempts, RetriesExhausted};
use crate::ReplayBody;
use sessio_core::Deadline;

/// The longest `Retry-After` a [`RetryPolicy`] waits for by default: 2 minutes.
/// urllib3 waits up to 6 hours, which holds a request (and its caller) for far
/// longer than a service can wait; raise it with [`RetryPolicy::retry_after_max`].
pub const DEFAULT_RETRY_AFTER_MAX: Duration = Duration::from_secs(120);

/// urllib3's default `allowed_methods`: the idempotent ones.
const IDEMPOTENT: [Method; 6] = [
    Method::HEAD,
    Method::GET,
    Method::PUT,
    Method::DELETE,
    Method::OPTIONS,
    Method::TRACE,
];

/// Retries with urllib3's `Retry` semantics, as a [`tower::retry::Policy`]. See the
/// [module docs](super) for what each setting does.
///
/// ```
/// use std::time::Duration;
/// use sessio::layers::retry::RetryPolicy;
///
/// let policy = RetryPolicy::new()
///     .total(3)
///     .status_forcelist([502, 503, 504])
///     .backoff_factor(Duration::from_millis(100));
/// # drop(policy);
/// ```
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    config: Arc<Config>,
    /// What this request has used (the policy is cloned per request).
    used: Used,
}

#[derive(Debug, Clone)]
struct Config {
    total: Option<usize>,
    connect: Option<usize>,
    read: Option<usize>,
    status: Option<usize>,
    other: Option<usize>,
    /// `None`: every method.
    allowed_methods: Option<Vec<Method>>,
    status_forcelist: Vec<StatusCode>,
    backoff_factor: Duration,
    backoff_max: Duration,
    backoff_jitter: Duration,
    respect_retry_after_header: bool,
    retry_after_max: Duration,
    raise_on_status: bool,
    budget: Option<Arc<TpsBudget>>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Used {
    retries: usize,
    connect: usize,
    read: usize,
    status: usize,
    other: usize,
    deposited: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl RetryPolicy {
    /// urllib3's `Retry()`: at most 10 retries in all, idempotent methods only
    /// for errors after sending, no status retried but those with `Retry-After`
    /// (413, 429, 503), no backoff.
    pub fn new() -> Self {
        RetryPolicy {
            config: Arc::new(Config {
                total: Some(10),
                connect: None,
                read: None,
                status: None,
                other: None,
                allowed_methods: Some(IDEMPOTENT.to_vec()),
                status_forcelist: Vec::new(),
                backoff_factor: Duration::ZERO,
                backoff_max: Duration::from_secs(120),
                backoff_jitter: Duration::ZERO,
                respect_retry_after_header: true,
                retry_after_max: DEFAULT_RETRY_AFTER_MAX,
                raise_on_status: true,
                budget: None,
            }),
            used: Used::default(),
        }
    }

    fn edit(mut self, edit: impl FnOnce(&mut Config)) -> Self {
        edit(Arc::make_mut(&mut self.config));
        self
    }

    /// Retries in all, whatever the reason (requests' `max_retries=n`).
    pub fn total(self, retries: usize) -> Self {
        self.edit(|c| c.total = Some(retries))
    }

    /// No limit in all (the other counters still apply).
    pub fn no_total(self) -> Self {
        self.edit(|c| c.total = None)
    }

    /// Retries of errors before the request was sent (any method).
    pub fn connect(self, retries: usize) -> Self {
        self.edit(|c| c.connect = Some(retries))
    }

    /// Retries of errors after the request was sent (allowed methods only).
    pub fn read(self, retries: usize) -> Self {
        self.edit(|c| c.read = Some(retries))
    }

    /// Retries of responses with a status to retry.
    pub fn status(self, retries: usize) -> Self {
        self.edit(|c| c.status = Some(retries))
    }

    /// Retries of other errors (allowed methods only).
    pub fn other(self, retries: usize) -> Self {
        self.edit(|c| c.other = Some(retries))
    }

    /// The methods retried after the request was sent (default: HEAD, GET, PUT,
    /// DELETE, OPTIONS, TRACE; never POST or PATCH unless listed here).
    pub fn allowed_methods(self, methods: impl IntoIterator<Item = Method>) -> Self {
        let methods = methods.into_iter().collect();
        self.edit(|c| c.allowed_methods = Some(methods))
    }

    /// Every method may be retried (urllib3's `allowed_methods=None`).
    pub fn any_method(self) -> Self {
        self.edit(|c| c.allowed_methods = None)
    }

    /// The statuses retried (for allowed methods).
    pub fn status_forcelist(self, statuses: impl IntoIterator<Item = u16>) -> Self {
        let statuses = statuses
            .into_iter()
            .filter_map(|s| StatusCode::from_u16(s).ok())
            .collect();
        self.edit(|c| c.status_forcelist = statuses)
    }

    /// The backoff: none before the first retry, then `factor × 2^(n-1)`.
    pub fn backoff_factor(self, factor: Duration) -> Self {
        self.edit(|c| c.backoff_factor = factor)
    }

    /// The longest backoff (default 120 s).
    pub fn backoff_max(self, max: Duration) -> Self {
        self.edit(|c| c.backoff_max = max)
    }

    /// Up to this much is added to each backoff at random (default none).
    pub fn backoff_jitter(self, jitter: Duration) -> Self {
        self.edit(|c| c.backoff_jitter = jitter)
    }

    /// Whether a `Retry-After` is waited for (default yes), at most
    /// `retry_after_max`; it also makes 413, 429 and 503 retried.
    pub fn respect_retry_after_header(self, respect: bool) -> Self {
        self.edit(|c| c.respect_retry_after_header = respect)
    }

    /// The longest `Retry-After` waited for (default
    /// [`DEFAULT_RETRY_AFTER_MAX`], 2 minutes; urllib3 waits up to 6 hours). A
    /// longer `Retry-After` is waited for this long, then the request is retried.
    pub fn retry_after_max(self, max: Duration) -> Self {
        self.edit(|c| c.retry_after_max = max)
    }

    /// When the status retries run out: an error carrying the last response's
    /// head ([`RetriesExhausted`]), the default, or the last response itself.
    pub fn raise_on_status(self, raise: bool) -> Self {
        self.edit(|c| c.raise_on_status = raise)
    }

    /// A budget shared by every request that uses this policy (and its clones),
    /// so that retries cannot multiply the load: each request deposits, each
    /// retry withdraws (tower's `TpsBudget`: `TpsBudget::new(ttl, min_per_sec,
    /// retry_percent)`).
    pub fn budget(self, budget: TpsBudget) -> Self {
        let budget = Arc::new(budget);
        self.edit(|c| c.budget = Some(budget))
    }

    fn method_allowed(&self, method: &Method) -> bool {
        self.config
            .allowed_methods
            .as_ref()
            .is_none_or(|methods| methods.contains(method))
    }

    /// Counts one more retry of `reason`; `false` when that exhausts a limit
    /// (nothing is counted then).
    fn take(&mut self, reason: Reason) -> bool {
        let mut used = self.used;
        used.retries += 1;
        let (count, limit) = match reason {
            Reason::Connect => (&mut used.connect, self.config.connect),
            Reason::Read => (&mut used.read, self.config.read),
            Reason::Status => (&mut used.status, self.config.status),
            Reason::Other => (&mut used.other, self.config.other),
        };
        *count += 1;
        let within = |used: usize, limit: Option<usize>| limit.is_none_or(|limit| used <= limit);
        if !within(used.retries, self.config.total) || !within(*count, limit) {
            return false;
        }
        if let Some(budget) = &self.config.budget
            && !budget.withdraw()
        {
            return false;
        }
        self.used = used;
        true
    }

    /// The wait before the next retry (the `retry`-th), unless a
    /// `Retry-After` says how long.
    fn wait(&self, retry: usize, retry_after: Option<Duration>) -> Duration {
        retry_after.unwrap_or_else(|| {
            let c = &self.config;
            backoff(retry, c.backoff_factor, c.backoff_jitter, c.backoff_max)
        })
    }

    fn attempts(&self) -> Attempts {
        Attempts(self.used.retries + 1)
    }
}

#[derive(Debug, Clone, Copy)]
enum Reason {
    Connect,
    Read,
    Status,
    Other,
}

impl<B, RB, E> tower::retry::Policy<Request<B>, Response<RB>, E> for RetryPolicy
where
    B: ReplayBody,
    E: RetryError,
{
    type Future = Backoff;

    fn retry(
        &mut self,
        req: &mut Request<B>,
        result: &mut Result<Response<RB>, E>,
    ) -> Option<Backoff> {
        let method_allowed = self.method_allowed(req.method());
        // A retry that would start at or past the request's deadline is not made.
        let deadline = Deadline::of(req);
        let past_deadline = |wait: Duration| deadline.is_some_and(|d| d.passes_within(wait));
        match result {
            Ok(response) => {
                let status = response.status();
                let c = &self.config;
                let after = c
                    .respect_retry_after_header
                    .then(|| retry_after(response.headers(), c.retry_after_max))
                    .flatten();
                let by_after = after.is_some()
                    && matches!(status.as_u16(), 413 | 429 | 503)
                    && c.total != Some(0);
                let wanted = method_allowed && (c.status_forcelist.contains(&status) || by_after);
                if !wanted {
                    response.extensions_mut().insert(self.attempts());
                    return None;
                }
                let wait = self.wait(self.used.retries + 1, after);
                if past_deadline(wait) {
                    response.extensions_mut().insert(self.attempts());
                    return None;
                }
                if !self.take(Reason::Status) {
                    if self.config.raise_on_status {
                        *result = Err(E::exhausted(RetriesExhausted {
                            retries: self.used.retries,
                            status,
                            headers: response.headers().clone(),
                        }));
                    } else {
                        response.extensions_mut().insert(self.attempts());
                    }
                    return None;
                }
                trace_retry(self.used.retries, wait, &status);
                Some(Backoff::after(wait))
            }
            Err(err) => {
                let reason = match err.class() {
                    ErrorClass::Connect => Reason::Connect,
                    ErrorClass::Read if method_allowed => Reason::Read,
                    ErrorClass::Other if method_allowed => Reason::Other,
                    // Sent, and not safe to send again; or not worth it.
                    ErrorClass::Read
                    | ErrorClass::Other
                    | ErrorClass::PoolTimeout
                    | ErrorClass::TotalTimeout => return None,
                };
                let wait = self.wait(self.used.retries + 1, None);
                if past_deadline(wait) || !self.take(reason) {
                    return None;
                }
                trace_retry(self.used.retries, wait, &reason);
                Some(Backoff::after(wait))
            }
        }
    }

    fn clone_request(&mut self, req: &Request<B>) -> Option<Request<B>> {
        if !self.used.deposited {
            if let Some(budget) = &self.config.budget {
                budget.deposit();
            }
            self.used.deposited = true;
        }
        // Only a replayable body is sent again; a stream never is.
        let body = req.body().try_replay()?;
        let mut copy = Request::new(body);
        *copy.method_mut() = req.method().clone();
        *copy.uri_mut() = req.uri().clone();
        *copy.version_mut() = req.version();
        *copy.headers_mut() = req.headers().clone();
        *copy.extensions_mut() = req.extensions().clone();
        Some(copy)
    }
}

#[cfg(feature = "tracing")]
fn trace_retry(retry: usize, wait: Duration, reason: &dyn std::fmt::Debug) {
    tracing::info!(retry, wait_ms = wait.as_millis() as u64, reason = ?reason, "retrying");
}

#[cfg(not(feature = "tracing"))]
fn trace_retry(_retry: usize, _wait: Duration, _reason: &dyn std::fmt::Debug) {}

pin_project_lite::pin_project! {
    /// The wait before a retry.
    #[derive(Debug)]
    pub struct Backoff {
        #[pin]
        sleep: Option<tokio::time::Sleep>,
    }
}

impl Backoff {
    fn after(wait: Duration) -> Self {
        Backoff {
            sleep: (!wait.is_zero()).then(|| tokio::time::sleep(wait)),
        }
    }
}

impl Future for Backoff {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.project().sleep.as_pin_mut() {
            Some(sleep) => sleep.poll(cx),
            None => Poll::Ready(()),
        }
    }
}
