//! Progress of uploads and downloads: a callback told the bytes moved so far.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

use crate::{BoxError, ResponseBody};

/// How far a transfer has got: the bytes moved so far and, when known, how
/// many there are in all.
///
/// ```
/// let progress = sessio::Progress::new(512, Some(2048));
/// assert_eq!(progress.fraction(), Some(0.25));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    bytes: u64,
    total: Option<u64>,
}

impl Progress {
    /// `bytes` of `total`.
    pub fn new(bytes: u64, total: Option<u64>) -> Self {
        Progress { bytes, total }
    }

    /// Bytes moved so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Bytes in all, when known (the body's length, or the response's
    /// `Content-Length`).
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// `bytes / total`, when the total is known and not zero.
    pub fn fraction(&self) -> Option<f64> {
        self.total
            .filter(|&total| total > 0)
            .map(|total| self.bytes as f64 / total as f64)
    }
}

/// A progress callback, shared.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Request extension: called as the request body is sent, once per chunk
/// (once per attempt: a redirect or a retry that sends the body again starts
/// from zero). Set it with `RequestBuilder::on_upload_progress`.
#[derive(Clone)]
pub struct UploadProgress(pub ProgressFn);

/// Request extension: called as the final response's body is received, once
/// per chunk, counting the bytes on the wire (before decoding) against the
/// `Content-Length`. Set it with `RequestBuilder::on_download_progress`.
#[derive(Clone)]
pub struct DownloadProgress(pub ProgressFn);

impl fmt::Debug for UploadProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UploadProgress")
    }
}

impl fmt::Debug for DownloadProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DownloadProgress")
    }
}

/// Counts the bytes of `inner` for `report`.
pub(crate) struct Counted<B> {
    pub(crate) inner: B,
    pub(crate) report: ProgressFn,
    pub(crate) bytes: u64,
    pub(crate) total: Option<u64>,
}

impl<B> Counted<B> {
    pub(crate) fn new(inner: B, report: ProgressFn, total: Option<u64>) -> Self {
        Counted {
            inner,
            report,
            bytes: 0,
            total,
        }
    }

    /// Notes a frame that went by.
    pub(crate) fn saw(&mut self, frame: &Frame<Bytes>) {
        if let Some(data) = frame.data_ref()
            && !data.is_empty()
        {
            self.bytes += data.len() as u64;
            (self.report)(Progress::new(self.bytes, self.total));
        }
    }
}

impl<B> http_body::Body for Counted<B>
where
    B: http_body::Body<Data = Bytes, Error = BoxError> + Unpin,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let frame = std::task::ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if let Some(Ok(frame)) = &frame {
            self.saw(frame);
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// `body` with `report` told of every chunk received, against `total`.
pub fn count_download(body: ResponseBody, report: ProgressFn, total: Option<u64>) -> ResponseBody {
    ResponseBody::new(Counted::new(body, report, total))
}
