//! Plumbing shared by sessio's own crates. Not a public API: nothing here is
//! covered by semver, and it may change in any release.

pub use crate::request::wire_uri;
pub use crate::response::is_redirect_status;
pub use crate::response::text::utf8_or_latin1;
pub use crate::url::{requote_uri, same_origin};
