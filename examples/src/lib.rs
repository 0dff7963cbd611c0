//! Runnable examples of sessio; see `examples/*.rs`.
