//! Multipart forms from user input: part names, file names, content types,
//! part headers and contents (bytes, text, streams of known and unknown
//! length), sent with `RequestBuilder::multipart` and prepared by a session.
//!
//! * the boundary in the `Content-Type` is a valid RFC 2046 boundary (1 to 70
//!   `bchars`, not ending in a space);
//! * a rejected content type or part header is an error for which
//!   `is_builder()` is true;
//! * the body, cut at the boundary's delimiters, gives back exactly the parts
//!   added, in order: each one's `Content-Disposition` (name and file name
//!   quoted as browsers do), a `Content-Type` only when one was given or
//!   `guess_mime` asked for (a given one wins), its headers, each on a line
//!   of its own, then its content byte for byte; then the close delimiter;
//! * `Content-Length`, when sent, is the body's length, and is sent whenever
//!   every part's length is known.
//!
//! sessio has no setter for a boundary of the user's own (`Form::new` draws
//! a random one): when one is added, its rejected values are to be checked
//! here too.
#![no_main]

use std::sync::OnceLock;

use bytes::Bytes;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use sessio::multipart::{Form, Part};
use sessio::{Body, Session};

const TYPES: [&str; 4] = [
    "application/octet-stream",
    "text/plain",
    "application/json",
    "image/png",
];

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
}

fn session() -> &'static Session {
    static SESSION: OnceLock<Session> = OnceLock::new();
    SESSION.get_or_init(|| {
        Session::builder()
            .trust_env(false)
            .build()
            .expect("a session")
    })
}

/// What a part must look like in the body.
struct Expected {
    head: Vec<String>,
    content: Vec<u8>,
}

fuzz_target!(|data: &[u8]| {
    // Records separated by 0xff (never in UTF-8): a kind byte (bits 0-1:
    // bytes, text, stream, stream of known length; 2: a file name; 3: a
    // content type, 4: one of TYPES; 5: a header; 6-7: `guess_mime` before
    // or after the content type), then the name, file name, content type,
    // header name, header value and content, separated by NUL.
    let mut form = Form::new();
    let mut expected = Vec::new();
    let mut all_known = true;
    for record in data.split(|&b| b == 0xff).take(16) {
        let Some((&kind, record)) = record.split_first() else {
            continue;
        };
        let mut fields = record.splitn(7, |&b| b == 0);
        let mut text = || String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
        let (name, file_name, mime, header_name, header_value) =
            (text(), text(), text(), text(), text());
        let content = fields.next().unwrap_or_default().to_vec();

        let mut part = match kind % 4 {
            0 => Part::bytes(content.clone()),
            1 => Part::text(String::from_utf8_lossy(&content).into_owned()),
            2 => Part::stream(stream(content.clone())),
            _ => Part::stream_with_length(stream(content.clone()), content.len() as u64),
        };
        let content = match kind % 4 {
            1 => String::from_utf8_lossy(&content).into_owned().into_bytes(),
            _ => content,
        };
        all_known &= kind % 4 != 2;

        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", quoted(&name));
        // The part's Content-Type: none unless given or asked to be guessed
        // (`Some(None)`: a guess, whatever it is); a given one wins.
        let mut content_type = None;
        if kind & 4 != 0 {
            disposition.push_str(&format!("; filename=\"{}\"", quoted(&file_name)));
            part = part.file_name(file_name.as_str());
        }
        let guess = kind >> 6;
        if guess == 1 {
            part = part.guess_mime();
            content_type = Some(None);
        }
        if kind & 8 != 0 {
            let mime = if kind & 16 != 0 {
                TYPES[mime.len() % TYPES.len()]
            } else {
                mime.as_str()
            };
            match part.mime_str(mime) {
                Ok(with) => {
                    part = with;
                    content_type = Some(Some(mime.to_owned()));
                }
                Err(err) => {
                    assert!(err.is_builder(), "{err:?}");
                    return;
                }
            }
        }
        if guess == 2 {
            part = part.guess_mime();
            content_type = content_type.or(Some(None));
        }
        let mut head = vec![disposition];
        match content_type {
            Some(Some(mime)) => head.push(format!("Content-Type: {mime}")),
            Some(None) => head.push(String::new()), // a guess: checked below
            None => {}
        }
        if kind & 32 != 0 {
            match part.header(&header_name, &header_value) {
                Ok(with) => {
                    part = with;
                    head.push(format!(
                        "{}: {header_value}",
                        header_name.to_ascii_lowercase()
                    ));
                }
                Err(err) => {
                    assert!(err.is_builder(), "{err:?}");
                    return;
                }
            }
        }
        form = form.part(name, part);
        expected.push(Expected { head, content });
    }

    let request = session()
        .post("http://multipart.test/upload")
        .multipart(form)
        .build()
        .expect("a request with a form");
    let prepared = session().prepare(request).expect("a prepared request");
    let content_type = prepared.headers()["content-type"]
        .to_str()
        .expect("an ASCII Content-Type")
        .to_owned();
    let length = prepared
        .headers()
        .get("content-length")
        .map(|v| v.to_str().unwrap().parse::<usize>().unwrap());
    let body = prepared.into_http().expect("an http request").into_body();
    let body: Bytes = RUNTIME.with(|runtime| {
        runtime.block_on(async { body.collect().await.expect("the form's body").to_bytes() })
    });

    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("{content_type}"));
    assert!(valid_boundary(boundary), "boundary {boundary:?}");
    if all_known {
        assert_eq!(length, Some(body.len()), "Content-Length");
    } else if let Some(length) = length {
        assert_eq!(length, body.len(), "Content-Length");
    }

    // `--b` first, `\r\n--b` between parts, `--` and CRLF after the last.
    let first = format!("--{boundary}");
    let rest = body
        .strip_prefix(first.as_bytes())
        .unwrap_or_else(|| panic!("the body starts with {first:?}"));
    let delimiter = format!("\r\n--{boundary}");
    let pieces = split(rest, delimiter.as_bytes());
    assert_eq!(
        pieces.len(),
        expected.len() + 1,
        "parts found by the boundary"
    );
    assert_eq!(
        *pieces.last().expect("a close delimiter"),
        &b"--\r\n"[..],
        "the close delimiter"
    );
    for (piece, part) in pieces.iter().zip(&expected) {
        let piece = piece
            .strip_prefix(b"\r\n")
            .expect("a CRLF after the delimiter");
        let end = find(piece, b"\r\n\r\n").expect("a blank line after the head");
        let head = std::str::from_utf8(&piece[..end]).expect("a UTF-8 head");
        let lines: Vec<&str> = head.split("\r\n").collect();
        assert_eq!(lines.len(), part.head.len(), "head lines: {head:?}");
        for (line, want) in lines.iter().zip(&part.head) {
            if want.is_empty() {
                let guessed = line.strip_prefix("Content-Type: ");
                assert!(guessed.is_some_and(|t| t.contains('/')), "{line:?}");
            } else {
                assert_eq!(line, want);
            }
        }
        assert_eq!(&piece[end + 4..], &part.content[..], "content");
    }
});

/// A stream body of these bytes, in chunks of up to 7.
fn stream(content: Vec<u8>) -> Body {
    let chunks: Vec<Result<Bytes, std::io::Error>> = content
        .chunks(7)
        .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
        .collect();
    Body::wrap_stream(futures_util::stream::iter(chunks))
}

/// A name or file name as sessio writes it (browsers' and urllib3's quoting).
fn quoted(value: &str) -> String {
    value
        .replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// RFC 2046 §5.1.1: 1 to 70 `bchars`, the last not a space.
fn valid_boundary(boundary: &str) -> bool {
    let bchar = |c: char| c.is_ascii_alphanumeric() || "'()+_,-./:=? ".contains(c);
    (1..=70).contains(&boundary.len()) && boundary.chars().all(bchar) && !boundary.ends_with(' ')
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn split<'a>(mut haystack: &'a [u8], needle: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    while let Some(at) = find(haystack, needle) {
        pieces.push(&haystack[..at]);
        haystack = &haystack[at + needle.len()..];
    }
    pieces.push(haystack);
    pieces
}
