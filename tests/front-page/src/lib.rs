// The front page of `sessio`, as a crate of its own whose only dependencies are
// those the page names: `cargo test` runs its examples as doctests here, where
// nothing but `sessio::` paths resolves. Its links point into `sessio`, so they
// do not resolve here.
#![allow(rustdoc::broken_intra_doc_links)]
#![doc = include_str!("../../../crates/sessio/src/guide.md")]
