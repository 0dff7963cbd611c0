//! What a failed attempt was, in urllib3's terms: an error before the request
//! was sent (`connect`), one after it was sent (`read`), anything else (`other`).

use std::error::Error as StdError;
use std::io;

use sessio_core::{Error, ErrorKind};

use super::RetriesExhausted;
use crate::BoxError;

/// The kind of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The request was never sent (connection refused, DNS, TLS, connect
    /// timeout): safe to retry whatever the method.
    Connect,
    /// The request was sent, and the response did not come whole (a read
    /// timeout, a closed or reset connection, a bad status line).
    Read,
    /// Anything else.
    Other,
    /// Waiting for a free pooled connection timed out: never retried, since
    /// a retry would only add to a full pool (urllib3 does not retry it either).
    PoolTimeout,
    /// The request's total deadline passed: never retried, since a retry would
    /// be past it too.
    TotalTimeout,
}

/// The errors the retry policy can read and make: tower's `BoxError`, sessio's
/// `Error` and `std::io::Error`. (Over another client, map its errors into a
/// `BoxError` first.)
#[diagnostic::on_unimplemented(
    message = "`RetryPolicy` cannot read the errors of this service: `{Self}` is not a `RetryError`",
    label = "the error type of the service under tower's `Retry`",
    note = "`RetryError` is implemented for tower's `BoxError`, sessio's `Error` and `std::io::Error`; over another client (hyper-util's `Client`, whose error is `hyper_util::client::legacy::Error`), box its errors first: `ServiceBuilder::new().layer(RetryLayer::new(policy)).map_err(BoxError::from).service(client)`"
)]
pub trait RetryError: Sized {
    /// Which kind of failure this is.
    fn class(&self) -> ErrorClass;

    /// The error for retries exhausted on a status (with `raise_on_status`).
    fn exhausted(exhausted: RetriesExhausted) -> Self;
}

impl RetryError for BoxError {
    fn class(&self) -> ErrorClass {
        class_of(&**self)
    }

    fn exhausted(exhausted: RetriesExhausted) -> Self {
        Box::new(exhausted)
    }
}

impl RetryError for Error {
    fn class(&self) -> ErrorClass {
        class_of(self)
    }

    fn exhausted(exhausted: RetriesExhausted) -> Self {
        sessio_core::__private::error(ErrorKind::Retry(exhausted.status()), exhausted)
    }
}

impl RetryError for io::Error {
    fn class(&self) -> ErrorClass {
        class_of(self)
    }

    fn exhausted(exhausted: RetriesExhausted) -> Self {
        io::Error::other(exhausted)
    }
}

/// The class of an error, from the first cause that tells.
fn class_of(err: &(dyn StdError + 'static)) -> ErrorClass {
    let mut next = Some(err);
    while let Some(current) = next {
        if let Some(err) = current.downcast_ref::<Error>() {
            return match err.kind() {
                ErrorKind::Connect | ErrorKind::ConnectTimeout | ErrorKind::Tls => {
                    ErrorClass::Connect
                }
                ErrorKind::ReadTimeout | ErrorKind::Request | ErrorKind::Body => ErrorClass::Read,
                ErrorKind::PoolTimeout => ErrorClass::PoolTimeout,
                ErrorKind::Timeout => ErrorClass::TotalTimeout,
                _ => ErrorClass::Other,
            };
        }
        #[cfg(feature = "timeout")]
        if current.is::<crate::timeout::ReadTimeout>() {
            return ErrorClass::Read;
        }
        #[cfg(feature = "timeout")]
        if current.is::<crate::timeout::TotalTimeout>() {
            return ErrorClass::TotalTimeout;
        }
        if let Some(io) = current.downcast_ref::<io::Error>() {
            return match io.kind() {
                io::ErrorKind::ConnectionRefused | io::ErrorKind::AddrNotAvailable => {
                    ErrorClass::Connect
                }
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof
                | io::ErrorKind::TimedOut => ErrorClass::Read,
                _ => ErrorClass::Other,
            };
        }
        next = current.source();
    }
    ErrorClass::Other
}
