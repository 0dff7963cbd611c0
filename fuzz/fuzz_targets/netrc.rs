//! `.netrc` parsing and lookup (`sessio_core::auth::Netrc`, what a session
//! with `trust_env` reads). Two input shapes (the first byte's low bit):
//!
//! * raw text: parsing never panics, and a lookup does not depend on the
//!   ASCII case of the host nor on IPv6 brackets around it;
//! * entries built from fuzzed fields and written out as Python's `netrc`
//!   reads them (quoted where needed, comments, `macdef` blocks, LF or CRLF
//!   line ends): the text parses, and every lookup gives the credentials of
//!   the last entry for that very host (`login`, else `account`), the
//!   `default` entry only when allowed, and nothing for a host without an
//!   entry. A lookup never answers with another host's credentials.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sessio::HeaderValue;
use sessio_core::auth::Netrc;

const ABSENT: &str = "absent.fuzz.invalid";

struct Entry {
    login: String,
    account: String,
    password: String,
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    if flags & 1 == 0 {
        raw(&String::from_utf8_lossy(rest));
    } else {
        built(flags, rest);
    }
});

fn raw(text: &str) {
    let Some(netrc) = Netrc::parse(text) else {
        return;
    };
    assert_eq!(
        Netrc::parse(text).as_ref(),
        Some(&netrc),
        "parsing is a function"
    );
    // Hosts to look up: every token of the text, as it is and bracketed.
    for token in text.split_whitespace().take(64) {
        let token = token.trim_matches('"');
        for default_allowed in [false, true] {
            let plain = header(&netrc, token, default_allowed);
            assert_eq!(
                header(&netrc, &token.to_ascii_uppercase(), default_allowed),
                plain,
                "{token:?} in another case"
            );
            assert_eq!(
                header(&netrc, &format!("[{token}]"), default_allowed),
                plain,
                "[{token}]"
            );
        }
    }
}

fn built(flags: u8, rest: &[u8]) {
    let eol = if flags & 2 != 0 { "\r\n" } else { "\n" };
    let text = String::from_utf8_lossy(rest);
    let mut fields = text.split('\0');
    let mut out = String::new();
    // The model: (host, entry) in file order, and the default entry.
    let mut machines: Vec<(String, Entry)> = Vec::new();
    let mut default: Option<Entry> = None;
    // Records of 5 fields: kind+keywords, host, login, account, password.
    while let Some(kind) = fields.next() {
        let kind = kind.bytes().next().unwrap_or(0);
        let host = fields.next().unwrap_or_default().to_owned();
        let entry = Entry {
            login: fields.next().unwrap_or_default().to_owned(),
            account: fields.next().unwrap_or_default().to_owned(),
            password: fields.next().unwrap_or_default().to_owned(),
        };
        match kind % 8 {
            // A comment line (the host field is its text).
            6 => {
                let comment: String = host.chars().filter(|&c| c != '\n').collect();
                out.push_str(&format!("#{comment}{eol}"));
                continue;
            }
            // A macro definition: its body lines end at an empty line.
            7 => {
                out.push_str(&format!("macdef {}{eol}", quote(&host)));
                for line in entry.login.split(['\n', '\r']).filter(|l| !l.is_empty()) {
                    out.push_str(line);
                    out.push_str(eol);
                }
                out.push_str(eol);
                continue;
            }
            _ => {}
        }
        let is_default = kind % 8 == 5;
        if is_default {
            out.push_str("default");
        } else {
            out.push_str(&format!("machine {}", quote(&host)));
        }
        // Which spelling of each keyword, which fields are written, and
        // whether each goes on a line of its own.
        let login_word = if kind & 8 != 0 { "user" } else { "login" };
        let password_word = if kind & 16 != 0 { "passwd" } else { "password" };
        let sep = if kind & 32 != 0 { eol } else { " " };
        let mut written = Entry {
            login: String::new(),
            account: String::new(),
            password: String::new(),
        };
        if !entry.login.is_empty() || kind & 64 == 0 {
            out.push_str(&format!("{sep}{login_word} {}", quote(&entry.login)));
            written.login = entry.login;
        }
        if !entry.account.is_empty() {
            out.push_str(&format!("{sep}account {}", quote(&entry.account)));
            written.account = entry.account;
        }
        if !entry.password.is_empty() || kind & 128 == 0 {
            out.push_str(&format!("{sep}{password_word} {}", quote(&entry.password)));
            written.password = entry.password;
        }
        out.push_str(eol);
        if is_default {
            default = Some(written);
        } else {
            machines.retain(|(h, _)| !h.eq_ignore_ascii_case(&host));
            machines.push((host, written));
        }
    }

    let netrc = Netrc::parse(&out).unwrap_or_else(|| panic!("valid netrc text: {out:?}"));
    let mut asked: Vec<String> = vec![ABSENT.to_owned()];
    for (host, _) in &machines {
        asked.push(host.clone());
        asked.push(host.to_ascii_uppercase());
    }
    for host in &asked {
        // Brackets around the host asked for are not part of its name.
        let name = host.trim_start_matches('[').trim_end_matches(']');
        let own = machines
            .iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(name))
            .map(|(_, entry)| entry);
        for default_allowed in [false, true] {
            let expected = own
                .or(default.as_ref().filter(|_| default_allowed))
                .map(basic);
            assert_eq!(
                header(&netrc, host, default_allowed),
                expected,
                "credentials for {host:?} (default allowed: {default_allowed}) in {out:?}"
            );
        }
    }
}

/// The `Authorization` sessio sends for `host`, if any.
fn header(netrc: &Netrc, host: &str, default_allowed: bool) -> Option<HeaderValue> {
    let auth = netrc.auth_for(host, default_allowed)?;
    auth.header_value().ok().cloned()
}

/// What an entry must give: Basic with `login`, or `account` when it is empty.
fn basic(entry: &Entry) -> HeaderValue {
    let login = if entry.login.is_empty() {
        &entry.account
    } else {
        &entry.login
    };
    sessio::Auth::basic(login.as_str(), &entry.password)
        .header_value()
        .expect("Basic credentials are a header value")
        .clone()
}

/// A netrc token: double-quoted (with `\` escapes) when it is empty or holds
/// whitespace, a quote, a backslash or a `#`.
fn quote(token: &str) -> String {
    let plain = !token.is_empty()
        && !token
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\\' | '#'));
    if plain {
        token.to_owned()
    } else {
        format!("\"{}\"", token.replace('\\', "\\\\").replace('"', "\\\""))
    }
}
