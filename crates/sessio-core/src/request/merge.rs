//! requests' `merge_setting` for headers.

use http::{HeaderMap, HeaderName};

/// Room kept in a merged map for the headers added after the merge (`Cookie`,
/// `Host`), so that adding them does not grow it.
const SPARE: usize = 2;

/// Merges `defaults` into `request` with requests' `merge_setting` rules and returns
/// the merged map: defaults first (in order), request values replacing defaults of
/// the same name in place, defaults named in `removed` dropped, new request names
/// appended. A header the request sets itself is never removed.
///
/// ```
/// use sessio::http::{HeaderMap, HeaderValue};
/// use sessio_core::__private::merge_headers;
///
/// let mut session = HeaderMap::new();
/// session.insert("a", HeaderValue::from_static("1"));
/// session.insert("b", HeaderValue::from_static("2"));
/// let mut request = HeaderMap::new();
/// request.insert("c", HeaderValue::from_static("3"));
///
/// let merged = merge_headers(&session, request, &["B".parse().unwrap()]);
/// let names: Vec<_> = merged.keys().map(|k| k.as_str()).collect();
/// assert_eq!(names, ["a", "c"]);
/// ```
pub fn merge_headers(
    defaults: &HeaderMap,
    request: HeaderMap,
    removed: &[HeaderName],
) -> HeaderMap {
    merge_headers_with_room(defaults, request, removed, 0)
}

/// [`merge_headers`] with room for `extra` more headers than the usual two.
pub(crate) fn merge_headers_with_room(
    defaults: &HeaderMap,
    request: HeaderMap,
    removed: &[HeaderName],
    extra: usize,
) -> HeaderMap {
    if defaults.is_empty() {
        return request;
    }
    if removed.is_empty() {
        // Fast path: the defaults in order, then the request's headers overlaid;
        // `insert` keeps a replaced name at its place, new names go last. A fresh
        // map (not a clone, whose storage is exactly full) leaves room for the
        // headers added further down (`Cookie`, `Host`, and `Authorization` when
        // `extra` says so) without growing.
        let mut merged = HeaderMap::with_capacity(defaults.len() + request.len() + SPARE + extra);
        for (name, value) in defaults {
            merged.append(name.clone(), value.clone());
        }
        let mut last: Option<HeaderName> = None;
        for (name, value) in request {
            match name {
                Some(name) => {
                    merged.insert(name.clone(), value);
                    last = Some(name);
                }
                None => {
                    if let Some(name) = &last {
                        merged.append(name.clone(), value);
                    }
                }
            }
        }
        return merged;
    }
    let mut merged = HeaderMap::with_capacity(defaults.len() + request.len() + SPARE + extra);
    for name in defaults.keys() {
        if request.contains_key(name) {
            for value in request.get_all(name) {
                merged.append(name.clone(), value.clone());
            }
        } else if !removed.contains(name) {
            for value in defaults.get_all(name) {
                merged.append(name.clone(), value.clone());
            }
        }
    }
    let mut last: Option<HeaderName> = None;
    for (name, value) in request {
        if let Some(name) = name {
            last = Some(name);
        }
        let Some(name) = &last else { continue };
        if defaults.contains_key(name) {
            continue;
        }
        merged.append(name.clone(), value);
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (k, v) in pairs {
            headers.append(*k, HeaderValue::from_static(v));
        }
        headers
    }

    fn names(headers: &HeaderMap) -> Vec<&str> {
        headers.keys().map(HeaderName::as_str).collect()
    }

    #[test]
    fn merge_setting_vectors() {
        // Appendix E: session {A:1, B:2}, request {B: None, C: 3} -> {A:1, C:3}
        let merged = merge_headers(
            &map(&[("a", "1"), ("b", "2")]),
            map(&[("c", "3")]),
            &[HeaderName::from_static("b")],
        );
        assert_eq!(names(&merged), ["a", "c"]);
        // request value overwrites in place, session order kept
        let merged = merge_headers(&map(&[("a", "1"), ("b", "2")]), map(&[("a", "9")]), &[]);
        assert_eq!(names(&merged), ["a", "b"]);
        assert_eq!(merged["a"], "9");
        // multi-valued request headers are kept whole
        let merged = merge_headers(&map(&[("x", "d")]), map(&[("x", "1"), ("x", "2")]), &[]);
        assert_eq!(merged.get_all("x").iter().count(), 2);
        let merged = merge_headers(&map(&[]), map(&[("y", "1"), ("y", "2")]), &[]);
        assert_eq!(merged.get_all("y").iter().count(), 2);
    }
}
