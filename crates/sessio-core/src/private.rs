//! Plumbing shared by sessio's own crates. Not a public API: nothing here is
//! covered by semver, and it may change in any release.

pub use crate::cookie::{cookie_header, join_pairs};
pub use crate::request::header::{checked_value, header_name, header_pair};
pub use crate::request::merge::merge_headers;
pub use crate::request::prepare::{SessionDefaults, prepare};
pub use crate::request::prepared::wire_uri;
pub use crate::response::is_redirect_status;
pub use crate::response::text::utf8_or_latin1;
pub use crate::url::{requote_uri, same_origin};
