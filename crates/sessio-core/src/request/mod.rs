//! `Request` (what the user asked for), requests' prepare steps, and
//! `PreparedRequest` (exactly what is sent).

mod finite;
mod framing;
pub(crate) mod header;
mod intent;
pub(crate) mod merge;
pub(crate) mod prepare;
pub(crate) mod prepared;
#[cfg(test)]
mod tests;

pub use intent::{AuthSetting, Request, RequestBody, RequestParts};
pub use prepared::PreparedRequest;

pub(crate) use prepare::SessionDefaults;
