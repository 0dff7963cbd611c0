//! `NO_PROXY`: which hosts are reached directly, with requests' rules.

use std::net::IpAddr;

/// A parsed `NO_PROXY` list: comma-separated, spaces ignored. An entry is `*`
/// (every host), an IP address, a CIDR block (`192.168.0.0/24`), or a host
/// name with an optional port; a host name matches itself and its subdomains
/// on a label boundary, and a leading dot changes nothing (`.example.com`
/// also matches `example.com`, as in requests and curl).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct NoProxy {
    entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Entry {
    All,
    Ip(IpAddr),
    Cidr(IpAddr, u8),
    Host { name: String, port: Option<u16> },
}

impl NoProxy {
    pub(crate) fn parse(list: &str) -> NoProxy {
        let entries = list
            .split(',')
            .map(|entry| entry.trim())
            .filter(|entry| !entry.is_empty())
            .map(Entry::parse)
            .collect();
        NoProxy { entries }
    }

    /// Whether a request to `host` (without brackets for IPv6) on `port`
    /// bypasses the proxy.
    pub(crate) fn matches(&self, host: &str, port: u16) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let ip = host.parse::<IpAddr>().ok();
        self.entries.iter().any(|entry| match entry {
            Entry::All => true,
            Entry::Ip(addr) => ip == Some(*addr),
            Entry::Cidr(net, bits) => ip.is_some_and(|ip| in_block(ip, *net, *bits)),
            Entry::Host { name, port: want } => {
                want.is_none_or(|want| want == port)
                    && (host == *name
                        || host
                            .strip_suffix(name.as_str())
                            .is_some_and(|rest| rest.ends_with('.')))
            }
        })
    }
}

impl Entry {
    fn parse(entry: &str) -> Entry {
        if entry == "*" {
            return Entry::All;
        }
        if let Some((net, bits)) = entry.split_once('/')
            && let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u8>())
        {
            return Entry::Cidr(net, bits);
        }
        let bare = entry.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Entry::Ip(ip);
        }
        let entry = entry.trim_start_matches('.').to_ascii_lowercase();
        let (name, port) = match entry.rsplit_once(':') {
            Some((name, port)) if !name.contains(':') => match port.parse::<u16>() {
                Ok(port) => (name.to_owned(), Some(port)),
                Err(_) => (entry.clone(), None),
            },
            _ => (entry.clone(), None),
        };
        Entry::Host {
            name: name.trim_end_matches('.').to_owned(),
            port,
        }
    }
}

fn in_block(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// requests' `test_utils.py` vectors, with
    /// `no_proxy="localhost, anotherdomain.com, newdomain.com:1234, .d.o.t"`.
    #[test]
    fn requests_vectors() {
        let no_proxy = NoProxy::parse("localhost, anotherdomain.com, newdomain.com:1234, .d.o.t");
        for (host, port, bypass) in [
            ("localhost", 80, true),
            ("anotherdomain.com", 8888, true),
            ("newdomain.com", 1234, true),
            ("www.newdomain.com", 1234, true),
            ("foo.d.o.t", 80, true),
            ("d.o.t", 80, true),
            ("prelocalhost", 80, false),
            ("newdomain.com", 80, false),
            ("newdomain.com", 1235, false),
        ] {
            assert_eq!(no_proxy.matches(host, port), bypass, "{host}:{port}");
        }
    }

    #[test]
    fn sec_23_no_greedy_suffix_and_ports_must_match() {
        let no_proxy = NoProxy::parse("localhost,newdomain.com:1234");
        assert!(!no_proxy.matches("prelocalhost", 80));
        assert!(!no_proxy.matches("evillocalhost", 80));
        assert!(!no_proxy.matches("newdomain.com", 1235));
        assert!(
            no_proxy.matches("LOCALHOST.", 80),
            "case and a trailing dot do not matter"
        );
    }

    #[test]
    fn ip_addresses_cidr_blocks_and_the_wildcard() {
        let no_proxy = NoProxy::parse("192.168.0.0/24, 10.1.2.3, ::1, [fd00::1], 2001:db8::/32");
        assert!(no_proxy.matches("192.168.0.17", 80));
        assert!(!no_proxy.matches("192.168.1.17", 80));
        assert!(no_proxy.matches("10.1.2.3", 443));
        assert!(!no_proxy.matches("10.1.2.4", 443));
        assert!(no_proxy.matches("::1", 80));
        assert!(no_proxy.matches("fd00::1", 80));
        assert!(no_proxy.matches("2001:db8:1::5", 80));
        assert!(!no_proxy.matches("2001:db9::5", 80));
        assert!(!no_proxy.matches("example.com", 80));
        assert!(NoProxy::parse("*").matches("anything.example", 1));
        assert!(!NoProxy::parse("").matches("localhost", 80));
        assert!(!NoProxy::parse(" , ,").matches("localhost", 80));
    }
}
