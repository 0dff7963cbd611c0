//! PEM input from users: CA certificates (`add_root_certificate_pem`) and
//! client identities (`Identity::from_pem`, `from_pem_parts`), taken by an
//! `HttpAdapterBuilder`. Three input shapes (the first byte, mod 3):
//!
//! * raw text as a CA bundle and as an identity: never a panic; a failure is
//!   an error for which `is_builder()` is true, at the call or at `build`;
//! * fuzzed DER as a root, given as DER and wrapped in PEM: both ways give
//!   the same outcome (the PEM layer neither loses nor invents anything);
//! * a fuzzed key (DER wrapped in PEM under one of the key labels) with a
//!   valid certificate: an identity, or a builder error, never a panic.
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;
use sessio::HttpAdapter;
use sessio::tls::Identity;

/// A self-signed CA certificate (sessio's own test root).
const ROOT: &str = include_str!("../../crates/sessio/src/tls/test_root.pem");

const KEY_LABELS: [&str; 3] = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    match pick % 3 {
        0 => raw(rest),
        1 => der_root(rest),
        _ => key(pick, rest),
    }
});

fn raw(pem: &[u8]) {
    let roots = HttpAdapter::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate_pem(pem)
        .build();
    if let Err(err) = roots {
        assert!(err.is_builder(), "{err:?}");
    }
    match Identity::from_pem(pem) {
        Ok(identity) => {
            let debug = format!("{identity:?}");
            assert!(!debug.contains("certificates: 0"), "{debug}");
            built_with(identity);
        }
        Err(err) => assert!(err.is_builder(), "{err:?}"),
    }
}

fn der_root(der: &[u8]) {
    let from_der = HttpAdapter::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(der.to_vec())
        .build();
    let from_pem = HttpAdapter::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate_pem(armor("CERTIFICATE", der))
        .build();
    for result in [&from_der, &from_pem] {
        if let Err(err) = result {
            assert!(err.is_builder(), "{err:?}");
        }
    }
    // An empty section is no certificate at all in PEM; in DER, an empty one.
    if !der.is_empty() {
        assert_eq!(
            from_der.is_ok(),
            from_pem.is_ok(),
            "as DER: {:?}; as PEM: {:?}",
            from_der.err(),
            from_pem.err()
        );
    }
}

fn key(pick: u8, der: &[u8]) {
    let label = KEY_LABELS[usize::from(pick / 3) % KEY_LABELS.len()];
    let key = armor(label, der);
    match Identity::from_pem_parts(ROOT, &key) {
        Ok(identity) => built_with(identity),
        Err(err) => assert!(err.is_builder(), "{err:?}"),
    }
    // The certificate and the key in one text, either one first.
    for text in [format!("{ROOT}{key}"), format!("{key}{ROOT}")] {
        match Identity::from_pem(text) {
            Ok(identity) => built_with(identity),
            Err(err) => assert!(err.is_builder(), "{err:?}"),
        }
    }
}

/// An adapter presenting `identity`: built, or a builder error.
fn built_with(identity: Identity) {
    if let Err(err) = HttpAdapter::builder()
        .tls_built_in_root_certs(false)
        .identity(identity)
        .build()
    {
        assert!(err.is_builder(), "{err:?}");
    }
}

/// `der` as a PEM section: base64 in lines of 64.
fn armor(label: &str, der: &[u8]) -> String {
    let encoded = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}
