//! Text and JSON decoding with requests' charset rules.

use http::HeaderMap;
use http::header::CONTENT_TYPE;

/// requests' `get_encoding_from_headers`: the `charset` parameter of `Content-Type`;
/// else `ISO-8859-1` for `text/*` and `utf-8` for `application/json`; else `None`.
pub(crate) fn encoding_from_headers(headers: &HeaderMap) -> Option<String> {
    let content_type = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    let mut parts = content_type.split(';');
    let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    for param in parts {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        if key.trim().eq_ignore_ascii_case("charset") {
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            if !value.is_empty() {
                return Some(value.to_owned());
            }
        }
    }
    if mime.contains("text") {
        return Some("ISO-8859-1".to_owned());
    }
    if mime.contains("application/json") {
        return Some("utf-8".to_owned());
    }
    None
}

/// The most of a body the charset detector looks at.
const DETECTOR_SAMPLE: usize = 64 * 1024;

/// requests' `apparent_encoding`: the encoding of a body named by nothing but
/// its bytes. A byte-order mark decides; else bytes that are valid UTF-8 are
/// UTF-8; else Firefox's detector (chardetng) guesses from the first 64 KiB.
pub(crate) fn apparent_encoding(bytes: &[u8]) -> &'static encoding_rs::Encoding {
    if let Some((encoding, _)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding;
    }
    if std::str::from_utf8(bytes).is_ok() {
        return encoding_rs::UTF_8;
    }
    let sample = &bytes[..bytes.len().min(DETECTOR_SAMPLE)];
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(sample, sample.len() == bytes.len());
    detector.guess(None, true)
}

/// Decodes `bytes` with the named encoding, replacing invalid sequences.
///
/// Without an encoding, the [`apparent_encoding`] decides (requests does the
/// same). An unknown encoding name falls back to UTF-8 (as requests does).
pub(crate) fn decode_text(bytes: &[u8], encoding: Option<&str>) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    let Some(label) = encoding else {
        if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
            let text = encoding.decode_without_bom_handling(&bytes[bom_len..]).0;
            return text.into_owned();
        }
        if let Ok(text) = std::str::from_utf8(bytes) {
            return text.to_owned();
        }
        let text = apparent_encoding(bytes)
            .decode_without_bom_handling(bytes)
            .0;
        return text.into_owned();
    };
    let lower = label.trim().to_ascii_lowercase();
    // Python's ISO-8859-1 maps every byte to the code point of the same value;
    // encoding_rs would decode it as windows-1252 instead.
    if matches!(
        lower.as_str(),
        "iso-8859-1" | "iso8859-1" | "latin-1" | "latin1" | "l1" | "iso_8859-1"
    ) {
        return bytes.iter().map(|&b| b as char).collect();
    }
    if let Some(text) = decode_utf32(bytes, &lower) {
        return text;
    }
    let label = match lower.as_str() {
        "utf-16-le" | "utf_16_le" => "utf-16le",
        "utf-16-be" | "utf_16_be" => "utf-16be",
        "utf-8-sig" | "utf_8_sig" | "utf8-sig" => "utf-8-sig",
        other => other,
    };
    match label {
        // These names mean "use the byte-order mark when there is one".
        "utf-16" | "utf-8-sig" => {
            let fallback = if label == "utf-16" {
                encoding_rs::UTF_16LE
            } else {
                encoding_rs::UTF_8
            };
            fallback.decode(bytes).0.into_owned()
        }
        _ => match encoding_rs::Encoding::for_label(label.as_bytes()) {
            Some(encoding) => encoding.decode_without_bom_handling(bytes).0.into_owned(),
            None => String::from_utf8_lossy(bytes).into_owned(),
        },
    }
}

fn decode_utf32(bytes: &[u8], label: &str) -> Option<String> {
    let (big_endian, skip_bom) = match label {
        "utf-32-be" | "utf-32be" => (true, false),
        "utf-32-le" | "utf-32le" => (false, false),
        "utf-32" | "utf32" => match bytes.get(..4) {
            Some([0, 0, 0xFE, 0xFF]) => (true, true),
            Some([0xFF, 0xFE, 0, 0]) => (false, true),
            _ => (false, false),
        },
        _ => return None,
    };
    let body = if skip_bom { &bytes[4..] } else { bytes };
    Some(
        body.chunks(4)
            .map(|c| {
                let word = match c {
                    [a, b, c, d] if big_endian => u32::from_be_bytes([*a, *b, *c, *d]),
                    [a, b, c, d] => u32::from_le_bytes([*a, *b, *c, *d]),
                    _ => 0xFFFD,
                };
                char::from_u32(word).unwrap_or('\u{FFFD}')
            })
            .collect(),
    )
}

/// requests' `guess_json_utf`: the UTF flavour of a JSON text from its BOM or the
/// pattern of NUL bytes in its first four bytes.
pub(crate) fn guess_json_utf(data: &[u8]) -> Option<&'static str> {
    let sample = &data[..data.len().min(4)];
    if sample == [0, 0, 0xFE, 0xFF] || sample == [0xFF, 0xFE, 0, 0] {
        return Some("utf-32");
    }
    if sample.starts_with(b"\xEF\xBB\xBF") {
        return Some("utf-8-sig");
    }
    if sample.starts_with(&[0xFF, 0xFE]) || sample.starts_with(&[0xFE, 0xFF]) {
        return Some("utf-16");
    }
    let nulls = sample.iter().filter(|&&b| b == 0).count();
    match (nulls, sample) {
        (0, _) => Some("utf-8"),
        (2, [0, _, 0, _]) => Some("utf-16-be"),
        (2, [_, 0, _, 0]) => Some("utf-16-le"),
        (3, [0, 0, 0, _]) => Some("utf-32-be"),
        (3, [_, 0, 0, 0]) => Some("utf-32-le"),
        _ => None,
    }
}

/// Bytes from the wire (a reason phrase, a `Location`) as text the way requests
/// reads them: UTF-8 when they are valid UTF-8, else Latin-1.
pub fn utf8_or_latin1(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => std::borrow::Cow::Owned(bytes.iter().map(|&b| b as char).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn content_type(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn encoding_rules_match_requests() {
        let enc = |v| encoding_from_headers(&content_type(v));
        assert_eq!(
            enc("text/html; charset=\"UTF-8\"").as_deref(),
            Some("UTF-8")
        );
        assert_eq!(enc("text/plain").as_deref(), Some("ISO-8859-1"));
        assert_eq!(enc("application/json").as_deref(), Some("utf-8"));
        assert_eq!(enc("application/octet-stream"), None);
        assert_eq!(encoding_from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn latin1_is_byte_for_byte() {
        assert_eq!(
            decode_text(b"caf\xe9 \x80", Some("ISO-8859-1")),
            "café \u{80}"
        );
        assert_eq!(decode_text(b"caf\xc3\xa9", Some("utf-8")), "café");
        assert_eq!(decode_text(b"caf\xc3\xa9", Some("no-such-codec")), "café");
        // nothing names a charset: not UTF-8, so detected
        assert_eq!(decode_text(b"caf\xe9", None), "café");
        assert_eq!(decode_text(b"caf\xc3\xa9", None), "café");
        assert_eq!(
            decode_text(b"\xef\xbb\xbfcaf\xc3\xa9", None),
            "café",
            "a BOM decides"
        );
    }

    #[test]
    fn json_flavours_are_guessed() {
        let text = "{\"a\": 1}";
        let utf16le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let utf16be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let utf32le: Vec<u8> = text
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        let utf32be: Vec<u8> = text
            .chars()
            .flat_map(|c| (c as u32).to_be_bytes())
            .collect();
        assert_eq!(guess_json_utf(text.as_bytes()), Some("utf-8"));
        for (data, name) in [
            (&utf16le, "utf-16-le"),
            (&utf16be, "utf-16-be"),
            (&utf32le, "utf-32-le"),
            (&utf32be, "utf-32-be"),
        ] {
            assert_eq!(guess_json_utf(data), Some(name));
            assert_eq!(decode_text(data, Some(name)), text);
        }
    }
}
