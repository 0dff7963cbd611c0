//! Saving and loading a `Jar`: JSON, and Netscape `cookies.txt`.

use std::io::{BufRead, Write};

use sessio_core::__private::{error, error_msg};
use sessio_core::{ErrorKind, Result};

use super::rules::canonical_domain;
use super::{CookieInfo, Jar};

impl Jar {
    /// Writes all unexpired cookies as a JSON array of [`CookieInfo`].
    pub fn save_json<W: Write>(&self, writer: W) -> Result<()> {
        serde_json::to_writer_pretty(writer, &self.iter().collect::<Vec<_>>())
            .map_err(|e| error(ErrorKind::Body, e))
    }

    /// Reads cookies saved with [`save_json`](Jar::save_json) into this jar.
    pub fn load_json<R: std::io::Read>(&self, reader: R) -> Result<()> {
        let cookies: Vec<CookieInfo> =
            serde_json::from_reader(reader).map_err(|e| error(ErrorKind::Decode, e))?;
        for cookie in cookies {
            self.insert(cookie)?;
        }
        Ok(())
    }

    /// Writes the cookies that have a domain in Netscape `cookies.txt` format
    /// (curl, wget, Python's `MozillaCookieJar`). Cookies set with [`set`](Jar::set)
    /// have no domain and are left out.
    pub fn save_netscape<W: Write>(&self, mut writer: W) -> Result<()> {
        let io = |e: std::io::Error| error(ErrorKind::Body, e);
        writeln!(writer, "# Netscape HTTP Cookie File").map_err(io)?;
        for c in self.iter() {
            let Some(domain) = &c.domain else { continue };
            let prefix = if c.http_only { "#HttpOnly_" } else { "" };
            let dotted = if c.host_only {
                domain.clone()
            } else {
                format!(".{domain}")
            };
            let flag = |b: bool| if b { "TRUE" } else { "FALSE" };
            writeln!(
                writer,
                "{prefix}{dotted}\t{}\t{}\t{}\t{}\t{}\t{}",
                flag(!c.host_only),
                c.path,
                flag(c.secure),
                c.expires.unwrap_or(0),
                c.name,
                c.value
            )
            .map_err(io)?;
        }
        Ok(())
    }

    /// Reads a Netscape `cookies.txt` into this jar; malformed lines are errors.
    pub fn load_netscape<R: BufRead>(&self, reader: R) -> Result<()> {
        for (number, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| error(ErrorKind::Body, e))?;
            let (http_only, line) = match line.strip_prefix("#HttpOnly_") {
                Some(rest) => (true, rest),
                None => (false, line.as_str()),
            };
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let [domain, subdomains, path, secure, expires, name, value] = fields[..] else {
                let why = format!("line {} has {} fields, not 7", number + 1, fields.len());
                return Err(error_msg(ErrorKind::Decode, why));
            };
            let expires: u64 = expires
                .trim()
                .parse()
                .map_err(|e| error(ErrorKind::Decode, e))?;
            self.insert(CookieInfo {
                name: name.to_owned(),
                value: value.to_owned(),
                domain: Some(canonical_domain(domain)),
                host_only: !subdomains.eq_ignore_ascii_case("TRUE"),
                path: path.to_owned(),
                secure: secure.eq_ignore_ascii_case("TRUE"),
                http_only,
                expires: (expires != 0).then_some(expires),
            })?;
        }
        Ok(())
    }
}
