//! The limits of one request: when the next byte must arrive, and which error
//! a passed limit is.

use std::time::Duration;

use tokio::time::Instant;

use super::{ReadTimeout, TotalTimeout};
use crate::BoxError;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) read: Option<Duration>,
    pub(crate) deadline: Option<Instant>,
}

impl Limits {
    /// When the server must have sent something, counting from `now`.
    pub(crate) fn next_deadline(&self, now: Instant) -> Option<Instant> {
        // (a timeout too long to be a point in time is no limit)
        match (
            self.read.and_then(|read| now.checked_add(read)),
            self.deadline,
        ) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The error for a limit that passed.
    pub(crate) fn error(&self) -> BoxError {
        match (self.deadline, self.read) {
            (Some(deadline), _) if Instant::now() >= deadline => Box::new(TotalTimeout::new()),
            (_, Some(after)) => Box::new(ReadTimeout { after }),
            _ => Box::new(TotalTimeout::new()),
        }
    }
}
