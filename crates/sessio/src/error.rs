//! The one place where the errors of the layers become sessio's [`Error`].

use sessio_core::__private::{ErrorExt, error, error_from_boxed, error_msg};
use sessio_core::{BoxError, Error, ErrorKind};
use sessio_layers::redirect::{InvalidLocation, NotHttps, PolicyError};
use sessio_layers::retry::RetriesExhausted;
use sessio_layers::timeout::{ReadTimeout, TotalTimeout};

/// Any error from the stack, a user layer or an adapter, as a sessio error: a
/// sessio error stays as it is, the layers' own errors get their kind, anything
/// else is classified by its cause chain (timeouts, I/O).
///
/// Too many redirects is turned into an error by the exchange, which has what it
/// needs to build the response it carries.
pub(crate) fn from_boxed(err: BoxError) -> Error {
    let err = match err.downcast::<Error>() {
        Ok(err) => return *err,
        Err(other) => other,
    };
    if let Some(timeout) = err.downcast_ref::<ReadTimeout>() {
        return error_msg(ErrorKind::ReadTimeout, timeout.to_string());
    }
    if let Some(timeout) = err.downcast_ref::<TotalTimeout>() {
        return error_msg(ErrorKind::Timeout, timeout.to_string());
    }
    if let Some(invalid) = err.downcast_ref::<InvalidLocation>() {
        return error_msg(ErrorKind::Redirect, invalid.to_string());
    }
    if let Some(refused) = err.downcast_ref::<NotHttps>() {
        return error_msg(ErrorKind::Redirect, refused.to_string()).with_url(refused.url().clone());
    }
    let err = match err.downcast::<PolicyError>() {
        Ok(refused) => {
            let url = refused.url().clone();
            return error(ErrorKind::Redirect, refused.into_source()).with_url(url);
        }
        Err(other) => other,
    };
    let err = match err.downcast::<RetriesExhausted>() {
        Ok(exhausted) => return error(ErrorKind::Retry(exhausted.status()), *exhausted),
        Err(other) => other,
    };
    if is_foreign_timeout(&*err) {
        return error(ErrorKind::Timeout, err);
    }
    error_from_boxed(err)
}

/// The timeouts of tower and tokio that user layers and adapters return, found
/// anywhere in the cause chain (I/O `TimedOut` errors are recognised by the core).
fn is_foreign_timeout(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(current) = next {
        if current.is::<tower::timeout::error::Elapsed>()
            || current.is::<tokio::time::error::Elapsed>()
        {
            return true;
        }
        next = current.source();
    }
    false
}

/// A response body error as a sessio error boxed again, so that the body reader
/// sees a timeout as a timeout.
pub(crate) fn body_error(err: BoxError) -> BoxError {
    if err.is::<ReadTimeout>() || err.is::<TotalTimeout>() {
        Box::new(from_boxed(err))
    } else {
        err
    }
}
