//! Header names and values as requests checks them (`check_header_validity`):
//! a valid token as name, no CR, LF or NUL and no leading whitespace in the
//! value. Every builder and setter of sessio checks headers here.

use http::header::{AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION};
use http::{HeaderName, HeaderValue};

use crate::{Error, Result};

/// A header name and value from text, checked.
///
/// ```
/// use sessio_core::__private::header_pair;
///
/// assert!(header_pair("x-ok", "fine").is_ok());
/// assert!(header_pair("x-bad", " leading space").unwrap_err().is_builder());
/// assert!(header_pair("x-bad", "a\r\nInjected: 1").is_err());
/// assert!(header_pair("bad name", "v").is_err());
/// assert!(header_pair("Authorization", "Basic eA==").unwrap().1.is_sensitive());
/// ```
pub fn header_pair(name: &str, value: &str) -> Result<(HeaderName, HeaderValue)> {
    let header_name = header_name(name)?;
    let value = HeaderValue::from_bytes(value.as_bytes())
        .map_err(|_| Error::invalid_header(name, "header value contains CR, LF or NUL"))?;
    let value = checked_value(&header_name, value)?;
    Ok((header_name, value))
}

/// A header name from text, checked.
pub fn header_name(name: &str) -> Result<HeaderName> {
    HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::invalid_header(name, "not a valid header name"))
}

/// A header name from anything `HeaderName` converts from (`&str`, `String`,
/// `HeaderName`, `&'static str` constants...), checked: the one shape every
/// builder and setter of sessio takes.
pub fn name_of<K>(name: K) -> Result<HeaderName>
where
    HeaderName: TryFrom<K>,
    <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
{
    HeaderName::try_from(name).map_err(|e| {
        let why = e.into().to_string();
        Error::msg(
            crate::ErrorKind::InvalidHeader,
            format!("invalid header name: {why}"),
        )
    })
}

/// A header name and value from anything they convert from, checked (see
/// [`checked_value`]).
///
/// ```
/// use sessio::http::header::ACCEPT;
/// use sessio_core::__private::checked_header;
///
/// let (name, value) = checked_header(ACCEPT, "text/html").unwrap();
/// assert_eq!((name.as_str(), value.to_str().unwrap()), ("accept", "text/html"));
/// assert!(checked_header("x-key", String::from("a\nb")).unwrap_err().is_builder());
/// assert!(checked_header("Cookie", "sid=1").unwrap().1.is_sensitive());
/// ```
pub fn checked_header<K, V>(name: K, value: V) -> Result<(HeaderName, HeaderValue)>
where
    HeaderName: TryFrom<K>,
    <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
    HeaderValue: TryFrom<V>,
    <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
{
    let name = name_of(name)?;
    let value = HeaderValue::try_from(value)
        .map_err(|_| Error::invalid_header(name.as_str(), "header value contains CR, LF or NUL"))?;
    let value = checked_value(&name, value)?;
    Ok((name, value))
}

/// Checks a value for `name` (`HeaderValue` already refuses CR, LF and NUL):
/// leading whitespace is refused, and credentials are marked sensitive, so that
/// they are never printed by `Debug` nor indexed by HTTP/2 header compression.
pub fn checked_value(name: &HeaderName, mut value: HeaderValue) -> Result<HeaderValue> {
    if value
        .as_bytes()
        .first()
        .is_some_and(|b| matches!(b, b' ' | b'\t'))
    {
        return Err(Error::invalid_header(
            name.as_str(),
            "header value must not start with whitespace",
        ));
    }
    if is_sensitive(name) {
        value.set_sensitive(true);
    }
    Ok(value)
}

/// The headers that carry credentials.
fn is_sensitive(name: &HeaderName) -> bool {
    name == AUTHORIZATION || name == PROXY_AUTHORIZATION || name == COOKIE
}
