//! What `Debug` and `Display` show of secrets: nothing. URL passwords and the
//! values of the headers that carry credentials (`Authorization`,
//! `Proxy-Authorization`, `Cookie`, `Set-Cookie`, and any value marked
//! sensitive) are printed as `Sensitive`, so that a logged request, response or
//! error never carries them.

use std::borrow::Cow;
use std::fmt;

use http::header::{AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION, SET_COOKIE};
use http::{HeaderMap, HeaderName};

/// What a hidden value is printed as (the word `http` uses for sensitive values).
const HIDDEN: &str = "Sensitive";

/// Whether a header's values carry credentials, and so are never printed.
pub(crate) fn is_secret_header(name: &HeaderName) -> bool {
    [AUTHORIZATION, PROXY_AUTHORIZATION, COOKIE, SET_COOKIE].contains(name)
}

/// A header map whose `Debug` prints the values of credential headers (and of
/// values marked sensitive) as `Sensitive`.
pub(crate) struct Headers<'a>(pub &'a HeaderMap);

impl fmt::Debug for Headers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if value.is_sensitive() || is_secret_header(name) {
                map.entry(name, &format_args!("{HIDDEN}"));
            } else {
                map.entry(name, value);
            }
        }
        map.finish()
    }
}

/// A URL (as text, parsable or not) with the password of its userinfo
/// replaced by `Sensitive`; the user name and the rest stay.
pub(crate) fn url(text: &str) -> Cow<'_, str> {
    let Some((scheme, rest)) = text.split_once("://") else {
        return Cow::Borrowed(text);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return Cow::Borrowed(text);
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return Cow::Borrowed(text);
    };
    Cow::Owned(format!(
        "{scheme}://{}:{HIDDEN}{}",
        &userinfo[..colon],
        &rest[at..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_keeps_everything_but_its_password() {
        let cases = [
            ("http://u:pw@host/p?q#f", "http://u:Sensitive@host/p?q#f"),
            ("http://u:p:w@h@host:81/", "http://u:Sensitive@host:81/"),
            ("http://u@host/", "http://u@host/"),
            ("http://host/a@b", "http://host/a@b"),
            ("http://host/?x=a:b@c", "http://host/?x=a:b@c"),
            ("socks5://u:pw@[::1/bad", "socks5://u:Sensitive@[::1/bad"),
            ("not a url u:pw@", "not a url u:pw@"),
            ("http://:pw@host", "http://:Sensitive@host"),
        ];
        for (text, shown) in cases {
            assert_eq!(url(text), shown, "{text}");
        }
    }

    #[test]
    fn credential_headers_and_sensitive_values_are_hidden() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer secret".parse().unwrap());
        headers.append("set-cookie", "a=secret".parse().unwrap());
        headers.append("set-cookie", "b=secret".parse().unwrap());
        let mut marked: http::HeaderValue = "secret".parse().unwrap();
        marked.set_sensitive(true);
        headers.insert("x-api-key", marked);
        headers.insert("x-visible", "shown".parse().unwrap());
        let text = format!("{:?}", Headers(&headers));
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains(r#""set-cookie": Sensitive"#), "{text}");
        assert!(text.contains(r#""x-visible": "shown""#), "{text}");
    }
}
