//! `.netrc` credentials, looked up by host as requests does with `trust_env`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use http::{HeaderValue, Uri};

use super::flow::{AuthFlow, AuthRequest};
use crate::Auth;

/// The parsed entries of a `.netrc` file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Netrc {
    machines: Vec<(String, Entry)>,
    default: Option<Entry>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Entry {
    login: String,
    account: String,
    password: String,
}

impl Netrc {
    /// The netrc file of the environment: `$NETRC`, else `~/.netrc`, else
    /// `~/_netrc`; `None` when there is none or it cannot be read or parsed
    /// (requests ignores those errors too).
    pub fn from_environment() -> Option<Netrc> {
        let path = netrc_path()?;
        let text = std::fs::read_to_string(path).ok()?;
        Netrc::parse(&text)
    }

    /// Parses netrc text (`machine`, `default`, `login`, `account`,
    /// `password`, `macdef` skipped, `#` comments, double-quoted tokens);
    /// `None` on a syntax error.
    pub fn parse(text: &str) -> Option<Netrc> {
        let mut netrc = Netrc::default();
        let mut tokens = Tokens::new(text);
        // Which entry the following login/password belong to.
        let mut current: Option<(Option<String>, Entry)> = None;
        let finish = |netrc: &mut Netrc, current: Option<(Option<String>, Entry)>| match current {
            // A later entry for the same machine wins, as in Python's netrc.
            Some((Some(host), entry)) => {
                netrc
                    .machines
                    .retain(|(h, _)| !h.eq_ignore_ascii_case(&host));
                netrc.machines.push((host, entry));
            }
            Some((None, entry)) => netrc.default = Some(entry),
            None => {}
        };
        while let Some(token) = tokens.next() {
            match token.as_str() {
                "machine" => {
                    finish(&mut netrc, current.take());
                    current = Some((Some(tokens.next()?), Entry::default()));
                }
                "default" => {
                    finish(&mut netrc, current.take());
                    current = Some((None, Entry::default()));
                }
                "macdef" => {
                    tokens.next()?;
                    tokens.skip_macro();
                }
                "login" | "user" => current.as_mut()?.1.login = tokens.next()?,
                "account" => current.as_mut()?.1.account = tokens.next()?,
                "password" | "passwd" => current.as_mut()?.1.password = tokens.next()?,
                _ => return None,
            }
        }
        finish(&mut netrc, current);
        Some(netrc)
    }

    /// `Basic` credentials for `host`: its `machine` entry, else the
    /// `default` entry when `default_allowed`. The login is `login`, or
    /// `account` when `login` is empty, as in requests.
    pub fn auth_for(&self, host: &str, default_allowed: bool) -> Option<Auth> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let entry = self
            .machines
            .iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(host))
            .map(|(_, entry)| entry)
            .or(self.default.as_ref().filter(|_| default_allowed))?;
        let login = if entry.login.is_empty() {
            &entry.account
        } else {
            &entry.login
        };
        Some(Auth::basic(login.as_str(), &entry.password))
    }
}

fn netrc_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("NETRC") {
        return Some(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
    [".netrc", "_netrc"]
        .into_iter()
        .map(|name| Path::new(&home).join(name))
        .find(|path| path.is_file())
}

/// Whitespace-separated tokens, with `"quoted tokens"` and `#` comments.
struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Self {
        Tokens { rest: text }
    }

    fn next(&mut self) -> Option<String> {
        loop {
            self.rest = self.rest.trim_start();
            if self.rest.starts_with('#') {
                let end = self.rest.find('\n').unwrap_or(self.rest.len());
                self.rest = &self.rest[end..];
                continue;
            }
            break;
        }
        if self.rest.is_empty() {
            return None;
        }
        if let Some(quoted) = self.rest.strip_prefix('"') {
            let mut token = String::new();
            let mut chars = quoted.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            token.push(escaped);
                        }
                    }
                    '"' => {
                        self.rest = &quoted[i + 1..];
                        return Some(token);
                    }
                    c => token.push(c),
                }
            }
            self.rest = "";
            return Some(token);
        }
        let end = self
            .rest
            .find(char::is_whitespace)
            .unwrap_or(self.rest.len());
        let token = self.rest[..end].to_owned();
        self.rest = &self.rest[end..];
        Some(token)
    }

    /// Skips a macro body: up to the next empty line.
    /// Skips a `macdef` body: everything up to the first empty line, whether
    /// lines end with LF or CRLF (a Windows `_netrc`).
    fn skip_macro(&mut self) {
        let mut from = 0;
        while let Some(at) = self.rest[from..].find('\n') {
            let next = from + at + 1;
            let rest = &self.rest[next..];
            if let Some(after) = rest
                .strip_prefix('\n')
                .or_else(|| rest.strip_prefix("\r\n"))
            {
                self.rest = after;
                return;
            }
            from = next;
        }
        self.rest = "";
    }
}

/// netrc credentials on every hop of a chain: the entry of each hop's host,
/// and the `default` entry only on the host of the first request (never after
/// a redirect to another host).
pub(crate) struct NetrcFlow {
    pub(crate) netrc: Arc<Netrc>,
    pub(crate) first_host: String,
}

impl AuthFlow for NetrcFlow {
    fn authorize(&self, request: &AuthRequest<'_>) -> Option<HeaderValue> {
        let host = host_of(request.uri)?;
        let default_allowed = host.eq_ignore_ascii_case(&self.first_host);
        let auth = self.netrc.auth_for(&host, default_allowed)?;
        auth.header_value().ok().cloned()
    }

    fn max_resends(&self) -> u32 {
        0
    }
}

fn host_of(uri: &Uri) -> Option<String> {
    Some(uri.host()?.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(netrc: &Netrc, host: &str, default_allowed: bool) -> Option<String> {
        let auth = netrc.auth_for(host, default_allowed)?;
        Some(auth.header_value().unwrap().to_str().unwrap().to_owned())
    }

    #[test]
    fn machines_default_account_quotes_comments_and_macros() {
        let netrc = Netrc::parse(
            "# my hosts\n\
             machine api.example.com login alice password s3cret\n\
             machine acct.example.com account bob password \"with space\"\n\
             macdef init\ncd /pub\nls\n\n\
             default login anonymous password guest\n",
        )
        .unwrap();
        // base64("alice:s3cret")
        assert_eq!(
            header(&netrc, "api.example.com", false).as_deref(),
            Some("Basic YWxpY2U6czNjcmV0")
        );
        assert_eq!(
            header(&netrc, "API.example.com", false).as_deref(),
            Some("Basic YWxpY2U6czNjcmV0")
        );
        // base64("bob:with space")
        assert_eq!(
            header(&netrc, "acct.example.com", false).as_deref(),
            Some("Basic Ym9iOndpdGggc3BhY2U=")
        );
        // base64("anonymous:guest")
        assert_eq!(
            header(&netrc, "other.example", true).as_deref(),
            Some("Basic YW5vbnltb3VzOmd1ZXN0")
        );
        assert_eq!(header(&netrc, "other.example", false), None);
    }

    #[test]
    fn syntax_errors_give_no_netrc() {
        assert_eq!(Netrc::parse("machine"), None);
        assert_eq!(Netrc::parse("login alice"), None, "login outside an entry");
        assert_eq!(Netrc::parse("machine h frobnicate x"), None);
        assert_eq!(Netrc::parse(""), Some(Netrc::default()));
    }

    #[test]
    fn sec_33_the_default_entry_stays_on_the_first_host() {
        let netrc = Arc::new(Netrc::parse("default login me password pw").unwrap());
        let flow = NetrcFlow {
            netrc,
            first_host: "first.test".to_owned(),
        };
        let (method, headers) = (http::Method::GET, http::HeaderMap::new());
        let view = |uri: &'static str| {
            let uri: Uri = uri.parse().unwrap();
            flow.authorize(&AuthRequest {
                method: &method,
                uri: &uri,
                headers: &headers,
                body: None,
            })
        };
        assert!(view("http://first.test/a").is_some());
        assert!(view("https://first.test:8443/b").is_some());
        assert!(view("http://elsewhere.test/").is_none());
    }

    /// Found by the `netrc` fuzz target: in a file with CRLF line ends (a
    /// Windows `_netrc`), an empty line still ends a `macdef`, and the
    /// machines after it are found.
    #[test]
    fn a_macro_ends_at_an_empty_line_with_crlf_line_ends_too() {
        let netrc =
            Netrc::parse("macdef init\r\ncd /pub\r\n\r\nmachine h.example login u password p\r\n")
                .unwrap();
        assert_eq!(
            header(&netrc, "h.example", false).as_deref(),
            Some("Basic dTpw")
        );
        let lf = Netrc::parse("macdef e\n\nmachine h login u password p\n").unwrap();
        assert!(header(&lf, "h", false).is_some());
    }
}
