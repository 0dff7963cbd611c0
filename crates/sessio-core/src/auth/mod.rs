//! Authentication schemes: `Auth::basic`, `Auth::bearer`, `Auth::digest`, and
//! flows of your own (`Auth::flow`).

mod digest;
pub mod flow;
mod netrc;

pub use netrc::Netrc;
pub(crate) use netrc::NetrcFlow;

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderValue;
use http::header::AUTHORIZATION;

use crate::{Error, Result};
pub use flow::{AuthFlow, AuthFuture, AuthRequest};

/// Credentials that produce an `Authorization` header: a fixed one (Basic,
/// Bearer, any value), or one a flow computes per request and challenge
/// (Digest, or an [`AuthFlow`] of your own).
///
/// Cheap to clone. Its `Debug` output never shows the secret.
///
/// ```
/// use sessio::Auth;
///
/// let auth = Auth::basic("user", "pass");
/// assert_eq!(auth.header_value().unwrap(), "Basic dXNlcjpwYXNz");
/// assert_eq!(format!("{auth:?}"), "Auth::Basic(user)");
///
/// let token = Auth::bearer("t0k3n");
/// assert_eq!(token.header_value().unwrap(), "Bearer t0k3n");
/// ```
#[derive(Clone)]
pub struct Auth {
    scheme: Scheme,
}

#[derive(Clone)]
enum Scheme {
    Basic {
        user: String,
        header: HeaderValue,
    },
    Bearer(HeaderValue),
    Header(HeaderValue),
    Flow {
        name: FlowName,
        flow: Arc<dyn AuthFlow>,
    },
    Custom(Arc<EditFn>),
    Invalid(&'static str),
}

/// The simple shape of an auth of one's own: it edits the prepared request.
type EditFn = dyn Fn(&mut crate::PreparedRequest) -> Result<()> + Send + Sync;

/// What `Debug` says of a flow.
#[derive(Clone)]
enum FlowName {
    Digest(String),
    Custom,
}

impl Auth {
    /// HTTP Basic credentials (RFC 7617), as requests' `HTTPBasicAuth`.
    ///
    /// Like requests, characters up to U+00FF are encoded as Latin-1; a user or
    /// password with any other character is encoded as UTF-8 (where requests fails).
    pub fn basic(user: impl Into<String>, password: impl AsRef<str>) -> Self {
        let user = user.into();
        let mut raw = encode_credential(&user);
        raw.push(b':');
        raw.extend(encode_credential(password.as_ref()));
        let mut value = String::from("Basic ");
        STANDARD.encode_string(raw, &mut value);
        let scheme = match HeaderValue::try_from(value) {
            Ok(mut header) => {
                header.set_sensitive(true);
                Scheme::Basic { user, header }
            }
            Err(_) => Scheme::Invalid("basic credentials are not a valid header value"),
        };
        Auth { scheme }
    }

    /// A bearer token (RFC 6750): `Authorization: Bearer <token>`.
    pub fn bearer(token: impl AsRef<str>) -> Self {
        let scheme = match HeaderValue::try_from(format!("Bearer {}", token.as_ref())) {
            Ok(mut header) => {
                header.set_sensitive(true);
                Scheme::Bearer(header)
            }
            Err(_) => Scheme::Invalid("bearer token contains characters not allowed in a header"),
        };
        Auth { scheme }
    }

    /// HTTP Digest credentials (RFC 7616; requests' `HTTPDigestAuth`). The
    /// first request goes without an `Authorization`; a `401` with a digest
    /// challenge is answered by sending the request once more (twice when
    /// the server says the nonce was stale), if its body is in memory. Later
    /// requests to the same origin answer the last challenge before being
    /// asked, with a counted nonce. Algorithms `MD5`, `SHA-256`,
    /// `SHA-512-256` (and requests' `SHA`, `SHA-512`), each with `-sess`;
    /// `qop` `auth` and `auth-int` (a body in memory); `opaque`; `userhash`.
    ///
    /// ```
    /// use sessio::Auth;
    ///
    /// let auth = Auth::digest("user", "pass");
    /// assert_eq!(format!("{auth:?}"), "Auth::Digest(user)");
    /// let session = sessio::Session::builder().auth(auth).build().unwrap();
    /// # drop(session);
    /// ```
    pub fn digest(user: impl Into<String>, password: impl Into<String>) -> Self {
        let digest = digest::DigestAuth::new(user.into(), password.into());
        let name = FlowName::Digest(digest.user().to_owned());
        Auth {
            scheme: Scheme::Flow {
                name,
                flow: Arc::new(digest),
            },
        }
    }

    /// A multi-step scheme of your own: see [`AuthFlow`].
    pub fn flow(flow: impl AuthFlow) -> Self {
        Auth {
            scheme: Scheme::Flow {
                name: FlowName::Custom,
                flow: Arc::new(flow),
            },
        }
    }

    /// An auth of your own that edits the prepared request once, when it is
    /// prepared (requests' `AuthBase.__call__`): after its headers, cookies
    /// and body are set, so it can sign them. An error it returns is the
    /// error of the request, before anything is sent.
    ///
    /// ```
    /// use sessio::{Auth, Session};
    ///
    /// let signing = Auth::custom(|request| {
    ///     let length = request.body().as_bytes().map_or(0, <[u8]>::len);
    ///     let signature = format!("len={length};path={}", request.url().path());
    ///     let value = signature.parse().map_err(sessio::BoxError::from)?;
    ///     request.headers_mut().insert("x-signature", value);
    ///     Ok(())
    /// });
    /// let s = Session::builder().auth(signing).build()?;
    /// let prepared = s.prepare(s.post("http://api.example/items").body("{}"))?;
    /// assert_eq!(prepared.headers()["x-signature"], "len=2;path=/items");
    /// # Ok::<(), sessio::Error>(())
    /// ```
    pub fn custom(
        edit: impl Fn(&mut crate::PreparedRequest) -> Result<()> + Send + Sync + 'static,
    ) -> Self {
        Auth {
            scheme: Scheme::Custom(Arc::new(edit)),
        }
    }

    /// Runs the edit of an [`Auth::custom`] on `request`; nothing for other schemes.
    pub(crate) fn edit(&self, request: &mut crate::PreparedRequest) -> Result<()> {
        match &self.scheme {
            Scheme::Custom(edit) => edit(request),
            _ => Ok(()),
        }
    }

    /// The flow inside, for a multi-step scheme.
    pub(crate) fn as_flow(&self) -> Option<&Arc<dyn AuthFlow>> {
        match &self.scheme {
            Scheme::Flow { flow, .. } => Some(flow),
            _ => None,
        }
    }

    /// Any ready-made `Authorization` value, for schemes sessio does not know.
    ///
    /// ```
    /// use sessio::Auth;
    ///
    /// let auth = Auth::header("Token abc");
    /// assert_eq!(auth.header_value().unwrap(), "Token abc");
    /// ```
    pub fn header(value: impl AsRef<str>) -> Self {
        let scheme = match HeaderValue::try_from(value.as_ref()) {
            Ok(mut header) if !value.as_ref().starts_with([' ', '\t']) => {
                header.set_sensitive(true);
                Scheme::Header(header)
            }
            _ => Scheme::Invalid("authorization value is not a valid header value"),
        };
        Auth { scheme }
    }

    /// The `Authorization` header value, or a typed error for invalid
    /// credentials and for flows (Digest), whose value depends on the request.
    pub fn header_value(&self) -> Result<&HeaderValue> {
        match &self.scheme {
            Scheme::Basic { header, .. } | Scheme::Bearer(header) | Scheme::Header(header) => {
                Ok(header)
            }
            Scheme::Flow { .. } | Scheme::Custom(_) => Err(Error::invalid_header(
                AUTHORIZATION.as_str(),
                "this scheme computes its value per request",
            )),
            Scheme::Invalid(why) => Err(Error::invalid_header(AUTHORIZATION.as_str(), why)),
        }
    }

    /// Sets `Authorization` on `headers`, replacing any value already there
    /// (requests' auth handlers overwrite the header too). A flow (Digest)
    /// sets nothing here: it answers per request, in the session's stack.
    pub fn apply(&self, headers: &mut http::HeaderMap) -> Result<()> {
        if matches!(self.scheme, Scheme::Flow { .. } | Scheme::Custom(_)) {
            return Ok(());
        }
        headers.insert(AUTHORIZATION, self.header_value()?.clone());
        Ok(())
    }
}

fn encode_credential(text: &str) -> Vec<u8> {
    if text.chars().all(|c| (c as u32) <= 0xFF) {
        text.chars().map(|c| c as u8).collect()
    } else {
        text.as_bytes().to_vec()
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.scheme {
            Scheme::Basic { user, .. } => write!(f, "Auth::Basic({user})"),
            Scheme::Bearer(_) => f.write_str("Auth::Bearer(..)"),
            Scheme::Header(_) => f.write_str("Auth::Header(..)"),
            Scheme::Flow {
                name: FlowName::Digest(user),
                ..
            } => write!(f, "Auth::Digest({user})"),
            Scheme::Flow {
                name: FlowName::Custom,
                ..
            } => f.write_str("Auth::Flow(..)"),
            Scheme::Custom(_) => f.write_str("Auth::Custom(..)"),
            Scheme::Invalid(why) => write!(f, "Auth::Invalid({why})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_matches_requests_encoding() {
        // requests: _basic_auth_str("user", "pass")
        let auth = Auth::basic("user", "pass");
        assert_eq!(auth.header_value().unwrap(), "Basic dXNlcjpwYXNz");
        assert!(auth.header_value().unwrap().is_sensitive());
        // Latin-1 as requests: "é" is one byte 0xE9.
        let auth = Auth::basic("\u{e9}", "p");
        assert_eq!(auth.header_value().unwrap(), "Basic 6Tpw");
    }

    #[test]
    fn bearer_with_newline_is_a_typed_error() {
        let auth = Auth::bearer("abc\r\nX-Evil: 1");
        let err = auth.header_value().unwrap_err();
        assert!(err.is_builder());
        assert!(!format!("{auth:?}").contains("abc"));
    }
}
