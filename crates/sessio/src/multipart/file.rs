//! Files as request bodies, read from disk as they are sent.

use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};
use sessio_core::__private::error;
use sessio_core::{Body, BoxError, ErrorKind, Result};
use tokio::fs::File;
use tokio::io::{AsyncRead, ReadBuf};

/// How much of a file is read per chunk.
const CHUNK: usize = 64 * 1024;

/// The file at `path` as a request body, streamed from disk and sent with
/// its `Content-Length` (its size when opened). A file that cannot be opened
/// is an error for which `is_body()` is true, before anything is sent.
///
/// ```no_run
/// # async fn run(session: sessio::Session) -> sessio::Result<()> {
/// let body = sessio::multipart::file_body("backup.tar").await?;
/// session.put("https://example.com/backups/today").body(body).send().await?;
/// # Ok(())
/// # }
/// ```
pub async fn file_body(path: impl AsRef<Path>) -> Result<Body> {
    let path = path.as_ref();
    let opened = async {
        let file = File::open(path).await?;
        let length = file.metadata().await?.len();
        Ok::<_, std::io::Error>((file, length))
    };
    let (file, length) = opened.await.map_err(|err| {
        let why = std::io::Error::new(err.kind(), format!("{}: {err}", path.display()));
        error(ErrorKind::Body, why)
    })?;
    Ok(Body::wrap(FileBody { file, left: length }))
}

/// An open file as a request body, streamed from its current position to
/// its end (its size now), and sent with that length.
///
/// ```no_run
/// # async fn run(session: sessio::Session) -> sessio::Result<()> {
/// let file = tokio::fs::File::open("video.mp4").await?;
/// let body = sessio::multipart::file_body_from(file).await?;
/// session.put("https://example.com/videos/1").body(body).send().await?;
/// # Ok(())
/// # }
/// ```
pub async fn file_body_from(mut file: File) -> Result<Body> {
    use tokio::io::AsyncSeekExt;

    let measured = async {
        let size = file.metadata().await?.len();
        let position = file.stream_position().await?;
        Ok::<_, std::io::Error>(size.saturating_sub(position))
    };
    let left = measured.await.map_err(|err| error(ErrorKind::Body, err))?;
    Ok(Body::wrap(FileBody { file, left }))
}

/// A file read in chunks, no more than its size when it was opened.
struct FileBody {
    file: File,
    left: u64,
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, BoxError>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let want = CHUNK.min(usize::try_from(self.left).unwrap_or(CHUNK));
        let mut buffer = BytesMut::zeroed(want);
        let mut read = ReadBuf::new(&mut buffer);
        std::task::ready!(Pin::new(&mut self.file).poll_read(cx, &mut read))?;
        let n = read.filled().len();
        if n == 0 {
            let why = format!(
                "the file ended {} bytes before its size when opened",
                self.left
            );
            return Poll::Ready(Some(Err(why.into())));
        }
        buffer.truncate(n);
        self.left -= n as u64;
        Poll::Ready(Some(Ok(Frame::data(buffer.freeze()))))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}
