//! Header validation: whatever name and value a user passes, either the request
//! fails to build with an error, or every header it carries is free of CR, LF
//! and NUL (no header injection).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sessio::Session;

fn session() -> &'static Session {
    static SESSION: OnceLock<Session> = OnceLock::new();
    SESSION.get_or_init(Session::new)
}

fuzz_target!(|data: &[u8]| {
    // The name, a NUL, then the value (bytes, not necessarily UTF-8).
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (name, value) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    let from_bytes = session()
        .get("http://127.0.0.1:9/")
        .header(name, value)
        .build();
    let from_text = session()
        .get("http://127.0.0.1:9/")
        .header(
            String::from_utf8_lossy(name).as_ref(),
            String::from_utf8_lossy(value).as_ref(),
        )
        .build();
    for request in [from_bytes, from_text].into_iter().flatten() {
        let Ok(prepared) = session().prepare(request) else {
            continue;
        };
        for (name, value) in prepared.headers() {
            assert!(
                !value
                    .as_bytes()
                    .iter()
                    .any(|b| matches!(b, b'\r' | b'\n' | 0)),
                "{name}: {value:?}"
            );
        }
    }
});
