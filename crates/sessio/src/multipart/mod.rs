//! `multipart/form-data` bodies (RFC 7578): requests' `files=` and `data=`
//! together, streamed rather than buffered.
//!
//! ```
//! use sessio::multipart::{Form, Part};
//!
//! # async fn run(session: sessio::Session) -> sessio::Result<()> {
//! let form = Form::new()
//!     .text("title", "holiday")                          // data={"title": "holiday"}
//!     .part("photo", Part::bytes(vec![0xff, 0xd8]).file_name("beach.jpg")) // files={"photo": ("beach.jpg", ...)}: no Content-Type
//!     .part("scan", Part::bytes(vec![0x25, 0x50]).file_name("scan.pdf").guess_mime()) // application/pdf
//!     .part("notes", Part::text("{}").file_name("notes.json").mime_str("application/json")?);
//! let response = session.post("https://example.com/upload").multipart(form).send().await?;
//! # drop(response);
//! # Ok(())
//! # }
//! ```

mod body;
mod file;
mod mime;

use std::fmt;
use std::path::Path;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use sessio_core::__private::error_msg;
use sessio_core::{Body, ErrorKind, Result};

use self::body::{MultipartBody, Segment};
pub use self::file::{file_body, file_body_from};

/// A `multipart/form-data` form: named parts, sent in the order they were added.
///
/// Its length is known, and sent as `Content-Length`, when every part's is
/// (text, bytes, files); a form of text and bytes only is replayable (a 307
/// redirect or a retry sends it again), one with a file or a stream is sent
/// once.
#[must_use]
pub struct Form {
    boundary: String,
    parts: Vec<(String, Part)>,
}

impl Form {
    /// An empty form with a random boundary.
    pub fn new() -> Form {
        Form {
            boundary: body::random_boundary(),
            parts: Vec::new(),
        }
    }

    /// The boundary between parts.
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// Adds a text field (requests' `data=`).
    pub fn text(self, name: impl Into<String>, value: impl Into<String>) -> Form {
        self.part(name, Part::text(value))
    }

    /// Adds a part (requests' `files=`, whatever its tuple shape).
    pub fn part(mut self, name: impl Into<String>, part: Part) -> Form {
        self.parts.push((name.into(), part));
        self
    }

    /// Adds the file at `path` as a part named `name`, streamed from disk,
    /// with its file name and no content type (requests' `files={"f":
    /// open(path, "rb")}`; see [`Part::guess_mime`] for a guessed one).
    pub async fn file(self, name: impl Into<String>, path: impl AsRef<Path>) -> Result<Form> {
        Ok(self.part(name, Part::file(path).await?))
    }

    /// The length of the encoded form, when every part's length is known.
    pub fn content_length(&self) -> Option<u64> {
        let mut total = self.closing().len() as u64;
        for (name, part) in &self.parts {
            total += self.head(name, part).len() as u64 + part.content.length()? + 2;
        }
        Some(total)
    }

    /// The `Content-Type` of the encoded form.
    pub fn content_type(&self) -> HeaderValue {
        HeaderValue::try_from(format!("multipart/form-data; boundary={}", self.boundary))
            .expect("the boundary is ASCII alphanumeric")
    }

    /// The encoded form as a request body.
    pub fn into_body(self) -> Body {
        let length = self.content_length();
        let closing = Bytes::from(self.closing());
        let heads: Vec<Bytes> = self
            .parts
            .iter()
            .map(|(name, part)| Bytes::from(self.head(name, part)))
            .collect();
        let mut segments = Vec::with_capacity(heads.len() * 3 + 1);
        for (head, (_, part)) in heads.into_iter().zip(self.parts) {
            segments.push(Segment::Bytes(head));
            segments.push(part.content.into_segment());
            segments.push(Segment::Bytes(Bytes::from_static(b"\r\n")));
        }
        segments.push(Segment::Bytes(closing));
        MultipartBody::new(segments, length).into_body()
    }

    /// `--boundary`, the part's headers and the blank line.
    fn head(&self, name: &str, part: &Part) -> String {
        let mut head = format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{}\"",
            self.boundary,
            quote(name)
        );
        if let Some(file_name) = &part.file_name {
            head.push_str(&format!("; filename=\"{}\"", quote(file_name)));
        }
        head.push_str("\r\n");
        if let Some(mime) = &part.mime {
            head.push_str(&format!("Content-Type: {mime}\r\n"));
        }
        for (name, value) in &part.headers {
            head.push_str(&format!(
                "{}: {}\r\n",
                name,
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        head.push_str("\r\n");
        head
    }

    fn closing(&self) -> String {
        format!("--{}--\r\n", self.boundary)
    }
}

impl Default for Form {
    fn default() -> Self {
        Form::new()
    }
}

impl fmt::Debug for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Form")
            .field("boundary", &self.boundary)
            .field("parts", &self.parts)
            .finish()
    }
}

/// A name or file name in a `Content-Disposition` parameter, as browsers and
/// urllib3 write it (HTML5): `"`, CR and LF percent-encoded.
fn quote(value: &str) -> String {
    value
        .replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// One part of a [`Form`]: its content, and optionally a file name, a
/// content type and more headers (requests' `(filename, data, content_type,
/// headers)` tuple).
#[must_use]
pub struct Part {
    content: Content,
    file_name: Option<String>,
    mime: Option<String>,
    headers: HeaderMap,
}

enum Content {
    Bytes(Bytes),
    Stream { body: Body, length: Option<u64> },
}

impl Content {
    fn length(&self) -> Option<u64> {
        match self {
            Content::Bytes(bytes) => Some(bytes.len() as u64),
            Content::Stream { length, .. } => *length,
        }
    }

    fn into_segment(self) -> Segment {
        match self {
            Content::Bytes(bytes) => Segment::Bytes(bytes),
            Content::Stream { body, .. } => Segment::Body(body),
        }
    }
}

impl Part {
    fn new(content: Content) -> Part {
        Part {
            content,
            file_name: None,
            mime: None,
            headers: HeaderMap::new(),
        }
    }

    /// Text (a field without a file name has no `Content-Type`, as in requests).
    pub fn text(value: impl Into<String>) -> Part {
        Part::new(Content::Bytes(Bytes::from(value.into())))
    }

    /// Bytes in memory.
    pub fn bytes(value: impl Into<Bytes>) -> Part {
        Part::new(Content::Bytes(value.into()))
    }

    /// A body sent as it is read (a stream, or another body); its length is
    /// the body's own when it knows it.
    pub fn stream(body: impl Into<Body>) -> Part {
        let body = body.into();
        let length = body.content_length();
        Part::new(Content::Stream { body, length })
    }

    /// A stream whose length is known to be `length` bytes, so that the form
    /// can be sent with a `Content-Length`.
    pub fn stream_with_length(body: impl Into<Body>, length: u64) -> Part {
        Part::new(Content::Stream {
            body: body.into(),
            length: Some(length),
        })
    }

    /// The file at `path`, streamed from disk, with its file name and no
    /// content type, as requests sends an open file ([`guess_mime`](Part::guess_mime)
    /// adds one from the extension). A missing or unreadable file is an error
    /// for which `is_body()` is true, before anything is sent.
    pub async fn file(path: impl AsRef<Path>) -> Result<Part> {
        let path = path.as_ref();
        let body = file_body(path).await?;
        let length = body.content_length();
        let mut part = Part::new(Content::Stream { body, length });
        if let Some(name) = path.file_name().and_then(|name| name.to_str()) {
            part.file_name = Some(name.to_owned());
        }
        Ok(part)
    }

    /// The file name sent for this part. No content type comes with it, as
    /// requests sends `files={"f": ("name.txt", data)}`: give one with
    /// [`mime_str`](Part::mime_str), or ask for a guess with
    /// [`guess_mime`](Part::guess_mime).
    pub fn file_name(mut self, name: impl Into<String>) -> Part {
        self.file_name = Some(name.into());
        self
    }

    /// A content type guessed from the file name's extension, as Python's
    /// `mimetypes` guesses the common ones (`application/octet-stream` when
    /// unknown or without a file name); a content type already given stays.
    ///
    /// ```
    /// use sessio::multipart::Part;
    ///
    /// let photo = Part::bytes(vec![0xff, 0xd8]).file_name("beach.jpg").guess_mime();
    /// # drop(photo);
    /// ```
    pub fn guess_mime(mut self) -> Part {
        if self.mime.is_none() {
            let name = self.file_name.as_deref().unwrap_or("");
            self.mime = Some(mime::guess(name).to_owned());
        }
        self
    }

    /// The part's `Content-Type`; text that is not a valid header value is
    /// an error for which `is_builder()` is true.
    pub fn mime_str(mut self, mime: &str) -> Result<Part> {
        if HeaderValue::try_from(mime).is_err() {
            let why = format!("invalid content type for a multipart part: {mime:?}");
            return Err(error_msg(ErrorKind::Builder, why));
        }
        self.mime = Some(mime.to_owned());
        Ok(self)
    }

    /// More headers for this part (requests' fourth tuple element).
    pub fn headers(mut self, headers: HeaderMap) -> Part {
        self.headers = headers;
        self
    }

    /// Adds one header to this part; an invalid name or value is an error
    /// for which `is_builder()` is true.
    pub fn header(mut self, name: &str, value: &str) -> Result<Part> {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
                Ok(self)
            }
            _ => Err(error_msg(
                ErrorKind::Builder,
                format!("invalid multipart part header {name:?}: {value:?}"),
            )),
        }
    }
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Part")
            .field("length", &self.content.length())
            .field("file_name", &self.file_name)
            .field("mime", &self.mime)
            .field("headers", &self.headers)
            .finish()
    }
}

#[cfg(test)]
mod tests;
