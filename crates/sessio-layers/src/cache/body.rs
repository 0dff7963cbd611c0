//! `CacheBody`: a body from the server (copied into the store while it is read)
//! or from the store.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};

use super::entry::Variant;
use super::layer::Shared;
use crate::BoxError;

/// Bodies from the store are handed out in frames of at most this many bytes.
const FRAME: usize = 64 * 1024;

pin_project_lite::pin_project! {
    /// The response body of [`Cache`](super::Cache): the server's body (copied
    /// into the store as it is read, when the response may be stored), or a
    /// stored body.
    pub struct CacheBody<B> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project_lite::pin_project! {
    #[project = KindProj]
    enum Kind<B> {
        Upstream { #[pin] body: B, tee: Option<Box<Tee>> },
        Stored { data: Bytes },
    }
}

/// The copy of a body being read, and where it goes once complete.
pub(crate) struct Tee {
    buf: BytesMut,
    limit: u64,
    shared: Arc<Shared>,
    key: String,
    variant: Variant,
}

impl Tee {
    pub(crate) fn new(shared: Arc<Shared>, key: String, variant: Variant) -> Box<Tee> {
        let limit = shared.options.max_entry_size;
        Box::new(Tee {
            buf: BytesMut::new(),
            limit,
            shared,
            key,
            variant,
        })
    }

    /// Adds a chunk; `false` when the body outgrew the limit.
    fn push(&mut self, chunk: &[u8]) -> bool {
        if (self.buf.len() + chunk.len()) as u64 > self.limit {
            return false;
        }
        self.buf.extend_from_slice(chunk);
        true
    }

    fn commit(self) {
        let Tee {
            buf,
            shared,
            key,
            mut variant,
            ..
        } = self;
        variant.body = buf.freeze();
        shared.insert(&key, variant);
    }
}

impl<B> CacheBody<B> {
    /// The server's body, passed through.
    pub(crate) fn upstream(body: B) -> Self {
        CacheBody {
            kind: Kind::Upstream { body, tee: None },
        }
    }

    /// The server's body, stored once read to the end.
    pub(crate) fn teed(body: B, tee: Box<Tee>) -> Self
    where
        B: Body,
    {
        if body.is_end_stream() {
            tee.commit();
            return Self::upstream(body);
        }
        if body.size_hint().lower() > tee.limit {
            return Self::upstream(body);
        }
        CacheBody {
            kind: Kind::Upstream {
                body,
                tee: Some(tee),
            },
        }
    }

    /// A stored body.
    pub(crate) fn stored(data: Bytes) -> Self {
        CacheBody {
            kind: Kind::Stored { data },
        }
    }

    /// Whether the body comes from the store.
    pub fn is_stored(&self) -> bool {
        matches!(self.kind, Kind::Stored { .. })
    }

    /// The server's body inside, when it is one.
    pub fn upstream_mut(&mut self) -> Option<&mut B> {
        match &mut self.kind {
            Kind::Upstream { body, .. } => Some(body),
            Kind::Stored { .. } => None,
        }
    }

    /// The server's body as it is, when nothing is copied from it; else the
    /// body back.
    pub fn into_upstream(self) -> Result<B, Self> {
        match self.kind {
            Kind::Upstream { body, tee: None } => Ok(body),
            kind => Err(CacheBody { kind }),
        }
    }
}

impl<B> Body for CacheBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.project().kind.project() {
            KindProj::Stored { data } => {
                if data.is_empty() {
                    return Poll::Ready(None);
                }
                let n = data.len().min(FRAME);
                Poll::Ready(Some(Ok(Frame::data(data.split_to(n)))))
            }
            KindProj::Upstream { mut body, tee } => {
                let frame = ready!(body.as_mut().poll_frame(cx));
                match &frame {
                    Some(Ok(frame)) => {
                        if let Some(chunk) = frame.data_ref()
                            && tee.as_mut().is_some_and(|t| !t.push(chunk))
                        {
                            *tee = None;
                        }
                        if body.is_end_stream()
                            && let Some(done) = tee.take()
                        {
                            done.commit();
                        }
                    }
                    Some(Err(_)) => *tee = None,
                    None => {
                        if let Some(done) = tee.take() {
                            done.commit();
                        }
                    }
                }
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Upstream { body, .. } => body.is_end_stream(),
            Kind::Stored { data } => data.is_empty(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Upstream { body, .. } => body.size_hint(),
            Kind::Stored { data } => SizeHint::with_exact(data.len() as u64),
        }
    }
}

impl<B> std::fmt::Debug for CacheBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Kind::Upstream { tee, .. } => f
                .debug_struct("CacheBody::Upstream")
                .field("storing", &tee.is_some())
                .finish(),
            Kind::Stored { data } => f
                .debug_struct("CacheBody::Stored")
                .field("len", &data.len())
                .finish(),
        }
    }
}
