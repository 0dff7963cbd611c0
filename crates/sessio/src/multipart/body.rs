//! The encoded form as a body: its segments in order, bytes joined into one
//! replayable body when there is no stream among them.

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};
use sessio_core::{Body, BoxError};

/// A piece of the encoded form.
pub(super) enum Segment {
    Bytes(Bytes),
    Body(Body),
}

/// The segments, read in turn.
pub(super) struct MultipartBody {
    segments: VecDeque<Segment>,
    length: Option<u64>,
}

impl MultipartBody {
    pub(super) fn new(segments: Vec<Segment>, length: Option<u64>) -> Self {
        MultipartBody {
            segments: segments.into(),
            length,
        }
    }

    /// One replayable body when every segment is bytes, else a stream.
    pub(super) fn into_body(self) -> Body {
        if self
            .segments
            .iter()
            .all(|segment| matches!(segment, Segment::Bytes(_)))
        {
            let mut joined = BytesMut::with_capacity(self.length.unwrap_or(0) as usize);
            for segment in &self.segments {
                if let Segment::Bytes(bytes) = segment {
                    joined.extend_from_slice(bytes);
                }
            }
            return Body::from(joined.freeze());
        }
        Body::wrap(self)
    }
}

impl http_body::Body for MultipartBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        loop {
            let this = &mut *self;
            let data = match this.segments.front_mut() {
                None => return Poll::Ready(None),
                Some(Segment::Bytes(bytes)) => {
                    let bytes = std::mem::take(bytes);
                    this.segments.pop_front();
                    bytes
                }
                Some(Segment::Body(body)) => match std::task::ready!(Pin::new(body).poll_frame(cx))
                {
                    None => {
                        this.segments.pop_front();
                        continue;
                    }
                    Some(Err(err)) => return Poll::Ready(Some(Err(err))),
                    // A part's trailers have no place in a form.
                    Some(Ok(frame)) => match frame.into_data() {
                        Ok(data) => data,
                        Err(_) => continue,
                    },
                },
            };
            if data.is_empty() {
                continue;
            }
            if let Some(left) = &mut this.length {
                *left = left.saturating_sub(data.len() as u64);
            }
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
    }

    fn is_end_stream(&self) -> bool {
        self.segments.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        // What is left to send, when every part's length is known.
        match self.length {
            Some(length) => SizeHint::with_exact(length),
            None => SizeHint::default(),
        }
    }
}

/// 32 hexadecimal digits from the standard library's random hasher keys.
pub(super) fn random_boundary() -> String {
    let mut out = String::with_capacity(32);
    for _ in 0..2 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos() as u64),
        );
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out
}
