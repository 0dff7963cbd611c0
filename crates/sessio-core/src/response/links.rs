//! `Link` header parsing (requests' `parse_header_links`).

use std::collections::BTreeMap;

/// One link of a `Link` header: its URL and parameters (`rel`, `type`, ...).
///
/// ```
/// use sessio::Link;
///
/// let links = Link::parse("<https://api.example.com/p?page=2>; rel=\"next\", <https://api.example.com/p?page=9>; rel=last");
/// assert_eq!(links[0].url(), "https://api.example.com/p?page=2");
/// assert_eq!(links[1].rel(), Some("last"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    url: String,
    params: BTreeMap<String, String>,
}

impl Link {
    /// The target URL, as written in the header.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `rel` parameter.
    pub fn rel(&self) -> Option<&str> {
        self.param("rel")
    }

    /// Any parameter by name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// All parameters.
    pub fn params(&self) -> &BTreeMap<String, String> {
        &self.params
    }

    /// Parses a `Link` header value into its links, in order.
    pub fn parse(value: &str) -> Vec<Link> {
        const STRIP: &[char] = &[' ', '\'', '"'];
        let value = value.trim_matches(STRIP);
        if value.is_empty() {
            return Vec::new();
        }
        split_links(value)
            .into_iter()
            .map(|item| {
                let (url, params) = item.split_once(';').unwrap_or((item, ""));
                let mut link = Link {
                    url: url
                        .trim_matches(|c| matches!(c, '<' | '>' | ' ' | '\'' | '"'))
                        .to_owned(),
                    params: BTreeMap::new(),
                };
                for param in params.split(';') {
                    let mut kv = param.split('=');
                    let (Some(key), Some(val), None) = (kv.next(), kv.next(), kv.next()) else {
                        break;
                    };
                    link.params.insert(
                        key.trim_matches(STRIP).to_owned(),
                        val.trim_matches(STRIP).to_owned(),
                    );
                }
                link
            })
            .collect()
    }
}

/// Splits on `, *<` like requests' `re.split(", *<", value)`.
fn split_links(value: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut start = 0;
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b',' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] == b' ' {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'<' {
                items.push(&value[start..i]);
                start = j + 1;
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    items.push(&value[start..]);
    items
}

/// Links keyed by `rel` (or by URL when there is no `rel`), as requests' `Response.links`.
pub(crate) fn links_by_rel(values: impl Iterator<Item = String>) -> BTreeMap<String, Link> {
    let mut map = BTreeMap::new();
    for value in values {
        for link in Link::parse(&value) {
            let key = link.rel().unwrap_or(link.url()).to_owned();
            map.insert(key, link);
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_requests_vectors() {
        // requests tests/test_utils.py test_parse_header_links
        let links = Link::parse("<http:/.../front.jpeg>; rel=front; type=\"image/jpeg\"");
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].url(), "http:/.../front.jpeg");
        assert_eq!(links[0].rel(), Some("front"));
        assert_eq!(links[0].param("type"), Some("image/jpeg"));

        let links = Link::parse("<http:/.../front.jpeg>");
        assert_eq!(links[0].url(), "http:/.../front.jpeg");
        assert!(links[0].params().is_empty());

        let links = Link::parse("<http:/.../front.jpeg>;");
        assert_eq!(links[0].url(), "http:/.../front.jpeg");

        let links =
            Link::parse("<http:/.../front.jpeg>; type=\"image/jpeg\",<http://.../back.jpeg>;");
        assert_eq!(links.len(), 2);
        assert_eq!(links[1].url(), "http://.../back.jpeg");

        assert!(Link::parse("").is_empty());
    }

    #[test]
    fn keyed_by_rel_then_url() {
        let map = links_by_rel(["<a>; rel=next, <b>".to_owned()].into_iter());
        assert_eq!(map["next"].url(), "a");
        assert_eq!(map["b"].url(), "b");
    }
}
