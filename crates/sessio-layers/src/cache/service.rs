//! `Cache<S>`: answers from the store, or sends the request and stores the answer.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode, Uri};
use http_body::Body;
use sessio_core::cache::{CacheMode, CacheStatus};
use tower_layer::Layer;
use tower_service::Service;

use super::body::{CacheBody, Tee};
use super::entry::Variant;
use super::future::ResponseFuture;
use super::layer::{CacheLayer, Shared, Stats};
use super::rules::{self, Asked, RequestDirectives};
use crate::BoxError;

/// The service of [`CacheLayer`]. See the [module docs](super) for more details.
#[derive(Clone)]
pub struct Cache<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> Cache<S> {
    /// Wraps `inner` with the cache `layer` describes (sharing its store and counters).
    pub fn new(inner: S, layer: &CacheLayer) -> Self {
        layer.layer(inner)
    }

    pub(crate) fn from_shared(inner: S, shared: Arc<Shared>) -> Self {
        Cache { inner, shared }
    }

    define_inner_service_accessors!();
}

impl<S: std::fmt::Debug> std::fmt::Debug for Cache<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("inner", &self.inner)
            .field("shared", &self.shared)
            .finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Cache<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    ReqBody: Send + 'static,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<CacheBody<ResBody>>;
    type Error = BoxError;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let mode = req
            .extensions()
            .get::<CacheMode>()
            .copied()
            .unwrap_or_default();
        if mode == CacheMode::Bypass {
            return ResponseFuture::network(self.inner.call(req), None);
        }
        if req.method() != Method::GET {
            let pending = (!rules::is_safe(req.method())).then(|| {
                Box::new(Pending {
                    shared: self.shared.clone(),
                    kind: PendingKind::Invalidate {
                        uri: req.uri().clone(),
                    },
                })
            });
            return ResponseFuture::network(self.inner.call(req), pending);
        }
        let fields = rules::RequestFields::of(req.headers());
        if fields.conditional {
            return ResponseFuture::network(self.inner.call(req), None);
        }
        let shared = &self.shared;
        let key = rules::key(req.uri());
        let directives = match fields.directives {
            true => RequestDirectives::parse(req.headers()),
            false => RequestDirectives::default(),
        };
        let now = SystemTime::now();
        let stored = match shared.store.get(&key) {
            Some(entry) => {
                let auth = match fields.authorization {
                    true => rules::auth_digest(req.headers()),
                    false => None,
                };
                entry
                    .variants
                    .iter()
                    .rev()
                    .find(|v| v.matches(req.headers(), auth))
                    .cloned()
            }
            None => None,
        };
        if let Some(variant) = &stored
            && mode != CacheMode::Refresh
            && directives.satisfied_by(variant, now)
        {
            Stats::bump(&shared.stats.hits);
            return ResponseFuture::ready(from_store(variant, now, CacheStatus::Hit));
        }
        if mode == CacheMode::OnlyIfCached || directives.only_if_cached {
            Stats::bump(&shared.stats.misses);
            let mut response = Response::new(CacheBody::stored(Bytes::new()));
            *response.status_mut() = StatusCode::GATEWAY_TIMEOUT;
            response.extensions_mut().insert(CacheStatus::Unsatisfiable);
            return ResponseFuture::ready(response);
        }
        let asked_headers = req.headers().clone();
        if let Some(variant) = &stored {
            rules::add_validators(req.headers_mut(), variant);
        }
        let pending = Box::new(Pending {
            shared: shared.clone(),
            kind: PendingKind::Fetch {
                key,
                asked: Asked {
                    uri: req.uri().clone(),
                    headers: asked_headers,
                    sent_at: now,
                },
                stored: stored.clone(),
            },
        });
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        // RFC 5861 §3: a stale response within `stale-while-revalidate`
        // answers now, while the server is asked in the background.
        if let Some(variant) = stored
            && mode != CacheMode::Refresh
            && !directives.no_cache
            && variant.stale_while_revalidate.is_some()
            && variant.within(now, variant.stale_while_revalidate)
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            Stats::bump(&pending.shared.stats.stale);
            runtime.spawn(async move {
                let result = inner.call(req).await;
                if let Ok(response) = pending.finish(result) {
                    drain(response.into_body()).await;
                }
            });
            return ResponseFuture::ready(from_store(&variant, now, CacheStatus::Stale));
        }
        ResponseFuture::network(inner.call(req), Some(pending))
    }
}

/// Reads a body to its end (a background revalidation stores it so).
async fn drain<B: Body>(body: B) {
    let mut body = std::pin::pin!(body);
    while let Some(Ok(_)) = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {}
}

/// A stored response as an answer, with its current `Age`.
pub(crate) fn from_store<B>(
    variant: &Variant,
    now: SystemTime,
    status: CacheStatus,
) -> Response<CacheBody<B>> {
    let mut response = Response::new(CacheBody::stored(variant.body.clone()));
    *response.status_mut() = variant.status;
    *response.version_mut() = variant.version;
    let mut headers = variant.headers.clone();
    let age = HeaderValue::from(variant.age(now).as_secs());
    // Stored responses keep a place for `Age`: fill it in without inserting.
    match headers.get_mut(header::AGE) {
        Some(slot) => *slot = age,
        None => {
            headers.insert(header::AGE, age);
        }
    }
    *response.headers_mut() = headers;
    response.extensions_mut().insert(status);
    response
}

/// What the cache does once the server answered.
pub(crate) struct Pending {
    shared: Arc<Shared>,
    kind: PendingKind,
}

enum PendingKind {
    /// An unsafe request: its URL's stored responses go when it succeeds (RFC 9111 §4.4).
    Invalidate { uri: Uri },
    /// A GET whose answer may be stored; `stored` is being revalidated.
    Fetch {
        key: String,
        asked: Asked,
        stored: Option<Arc<Variant>>,
    },
}

impl Pending {
    pub(crate) fn finish<B, E>(
        self,
        result: Result<Response<B>, E>,
    ) -> Result<Response<CacheBody<B>>, BoxError>
    where
        B: Body,
        E: Into<BoxError>,
    {
        let Pending { shared, kind } = self;
        let now = SystemTime::now();
        match kind {
            PendingKind::Invalidate { uri } => {
                let response = result.map_err(Into::into)?;
                let status = response.status();
                if status.is_success() || status.is_redirection() {
                    invalidate(&shared, &uri, response.headers());
                }
                Ok(response.map(CacheBody::upstream))
            }
            PendingKind::Fetch { key, asked, stored } => {
                let response = match result {
                    Ok(response) => response,
                    Err(err) => {
                        return match stored {
                            Some(v) if v.within(now, v.stale_if_error) => {
                                Stats::bump(&shared.stats.stale);
                                Ok(from_store(&v, now, CacheStatus::Stale))
                            }
                            _ => Err(err.into()),
                        };
                    }
                };
                if let Some(v) = &stored {
                    if response.status() == StatusCode::NOT_MODIFIED {
                        if let Some(updated) =
                            rules::freshened(v, &asked, response.headers(), now, &shared.options)
                        {
                            Stats::bump(&shared.stats.revalidations);
                            let answer = from_store(&updated, now, CacheStatus::Revalidated);
                            shared.insert(&key, updated);
                            return Ok(answer);
                        }
                    } else if rules::is_error_status(response.status())
                        && v.within(now, v.stale_if_error)
                    {
                        Stats::bump(&shared.stats.stale);
                        return Ok(from_store(v, now, CacheStatus::Stale));
                    }
                }
                Stats::bump(&shared.stats.misses);
                let (mut parts, body) = response.into_parts();
                parts.extensions.insert(CacheStatus::Miss);
                let variant = rules::storable(
                    &asked,
                    parts.status,
                    parts.version,
                    &parts.headers,
                    now,
                    &shared.options,
                );
                let body = match variant {
                    Some(variant) => CacheBody::teed(body, Tee::new(shared, key, variant)),
                    None => CacheBody::upstream(body),
                };
                Ok(Response::from_parts(parts, body))
            }
        }
    }
}

/// Removes the stored responses for `uri`, and for the `Location` and
/// `Content-Location` of the response when they are of the same origin.
fn invalidate(shared: &Shared, uri: &Uri, headers: &http::HeaderMap) {
    let key = rules::key(uri);
    shared.store.remove(&key);
    let Ok(base) = url::Url::parse(&key) else {
        return;
    };
    for name in [header::LOCATION, header::CONTENT_LOCATION] {
        let Some(target) = headers.get(&name).and_then(|v| v.to_str().ok()) else {
            continue;
        };
        let Ok(target) = base.join(target) else {
            continue;
        };
        if target.origin() == base.origin()
            && let Ok(target) = target.as_str().parse::<Uri>()
        {
            shared.store.remove(&rules::key(&target));
        }
    }
}
