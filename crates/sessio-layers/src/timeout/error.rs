//! The errors of the timeout layer.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

/// The server sent nothing for longer than the read timeout: before the response
/// head, or between two chunks of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadTimeout {
    pub(crate) after: Duration,
}

impl ReadTimeout {
    /// The read timeout that passed.
    pub fn after(&self) -> Duration {
        self.after
    }
}

impl fmt::Display for ReadTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read timed out: no data from the server for {:?}",
            self.after
        )
    }
}

impl StdError for ReadTimeout {}

/// The total deadline of the request passed (body included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TotalTimeout(());

impl TotalTimeout {
    pub(crate) const fn new() -> Self {
        TotalTimeout(())
    }
}

impl fmt::Display for TotalTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("request timed out (total timeout)")
    }
}

impl StdError for TotalTimeout {}
