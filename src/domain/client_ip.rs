//! Who the client is: the TCP peer, or, behind proxies the operator trusts, the address those
//! proxies say they served. And how per-IP limits group addresses (IPv6 by /64).

use ipnet::IpNet;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The proxies whose `Forwarded` / `X-Forwarded-For` headers are believed (`trusted_proxies`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// An entry of a CIDR list setting that is neither a CIDR nor an address.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a CIDR or an IP address (examples: 10.0.0.0/8, 192.0.2.7, fd00::/8)")]
pub struct BadCidr(pub String);

/// A comma- or space-separated list of CIDRs, as the `trusted_proxies` and `egress_allow`
/// settings take them; a bare address means just that address.
pub fn parse_cidrs(list: &str) -> Result<Vec<IpNet>, BadCidr> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map(|net| net.trunc())
                .map_err(|_| BadCidr(entry.to_string()))
        })
        .collect()
}

impl TrustedProxies {
    pub fn parse(list: &str) -> Result<TrustedProxies, BadCidr> {
        parse_cidrs(list).map(TrustedProxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// The forwarding headers of a request, as sent: every `Forwarded` value and every
/// `X-Forwarded-For` value, each in header order.
#[derive(Debug, Default, Clone, Copy)]
pub struct ForwardingHeaders<'a> {
    pub forwarded: &'a [&'a str],
    pub x_forwarded_for: &'a [&'a str],
}

/// The client's address. The TCP peer, unless the peer is a trusted proxy: then the hops the
/// proxies recorded (`Forwarded`'s `for=`, else `X-Forwarded-For`) are walked from the right,
/// trusted ones skipped, and the first untrusted one is the client. Headers from an untrusted
/// peer are never read: anyone can send them. A hop that is not an address (`unknown`, an
/// obfuscated name, garbage) ends the walk at the last trusted hop, since nothing left of it
/// can be believed; so does a chain made only of trusted hops (its leftmost is the answer).
pub fn client_ip(peer: IpAddr, headers: ForwardingHeaders<'_>, trusted: &TrustedProxies) -> IpAddr {
    let mut client = peer.to_canonical();
    if !trusted.contains(client) {
        return client;
    }
    let hops: Vec<Option<IpAddr>> = if headers.forwarded.iter().any(|v| !v.trim().is_empty()) {
        headers
            .forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(forwarded_for)
            .collect()
    } else {
        headers
            .x_forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .map(node_address)
            .collect()
    };
    for hop in hops.into_iter().rev() {
        let Some(hop) = hop else {
            return client;
        };
        client = hop.to_canonical();
        if !trusted.contains(client) {
            return client;
        }
    }
    client
}

/// The `for=` node of one `Forwarded` element (RFC 7239: `for=192.0.2.60;proto=http`,
/// `for="[2001:db8::17]:4711"`); parameter names are case-insensitive.
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("for")
            .then(|| node_address(value))?
    })
}

/// An address as proxies write it: bare, quoted, with a port, IPv6 in brackets.
fn node_address(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"').trim();
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = value.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .and_then(|v| v.parse::<Ipv6Addr>().ok())
        .map(IpAddr::V6)
}

/// The key per-IP limits count under: an IPv4 address (IPv4-mapped IPv6 included) as itself,
/// an IPv6 address by its /64, since one subscriber usually holds a whole /64 and could
/// otherwise rotate through addresses for free.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !(u128::MAX >> 64);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(s: &str) -> TrustedProxies {
        TrustedProxies::parse(s).unwrap()
    }

    fn xff<'a>(values: &'a [&'a str]) -> ForwardingHeaders<'a> {
        ForwardingHeaders {
            forwarded: &[],
            x_forwarded_for: values,
        }
    }

    fn fwd<'a>(values: &'a [&'a str]) -> ForwardingHeaders<'a> {
        ForwardingHeaders {
            forwarded: values,
            x_forwarded_for: &[],
        }
    }

    #[test]
    fn proxy_lists_split_on_commas_and_spaces() {
        let list = proxies("10.0.0.0/8, 192.0.2.7  fd00::/8,");
        assert!(list.contains(ip("10.1.2.3")));
        assert!(list.contains(ip("192.0.2.7")));
        assert!(!list.contains(ip("192.0.2.8")));
        assert!(list.contains(ip("fd00::1")));
        assert!(list.contains(ip("::ffff:10.9.9.9")));
        assert!(proxies("").is_empty());
        assert!(proxies(" , ").is_empty());
    }

    #[test]
    fn a_bad_proxy_entry_is_named() {
        let error = TrustedProxies::parse("10.0.0.0/8, 10.0.0.0/33 ,x").unwrap_err();
        assert_eq!(error, BadCidr("10.0.0.0/33".into()));
        assert!(error.to_string().contains("`10.0.0.0/33`"));
        assert_eq!(
            TrustedProxies::parse("proxy.internal").unwrap_err().0,
            "proxy.internal"
        );
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_sends() {
        let trusted = proxies("10.0.0.0/8");
        let peer = ip("203.0.113.9");
        assert_eq!(client_ip(peer, xff(&["10.0.0.1, 1.2.3.4"]), &trusted), peer);
        assert_eq!(client_ip(peer, fwd(&["for=1.2.3.4"]), &trusted), peer);
        let nobody = TrustedProxies::default();
        assert_eq!(
            client_ip(ip("127.0.0.1"), xff(&["1.2.3.4"]), &nobody),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = proxies("10.0.0.0/8");
        let peer = ip("10.0.0.2");
        // The client forged "6.6.6.6"; the first proxy appended what it saw.
        let headers = ["6.6.6.6, 198.51.100.4", "10.0.0.1"];
        assert_eq!(client_ip(peer, xff(&headers), &trusted), ip("198.51.100.4"));
        assert_eq!(
            client_ip(peer, xff(&["198.51.100.4:5511"]), &trusted),
            ip("198.51.100.4")
        );
        assert_eq!(
            client_ip(peer, xff(&["[2001:db8::5]:443"]), &trusted),
            ip("2001:db8::5")
        );
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for() {
        let trusted = proxies("10.0.0.0/8");
        let peer = ip("10.0.0.2");
        let headers = ForwardingHeaders {
            forwarded: &[
                r#"for=6.6.6.6, For="[2001:db8:cafe::17]:4711";proto=https"#,
                "for=10.0.0.1;by=10.0.0.2",
            ],
            x_forwarded_for: &["198.51.100.4"],
        };
        assert_eq!(client_ip(peer, headers, &trusted), ip("2001:db8:cafe::17"));
        assert_eq!(
            client_ip(peer, fwd(&["proto=http;for=192.0.2.60"]), &trusted),
            ip("192.0.2.60")
        );
    }

    #[test]
    fn a_hop_that_is_not_an_address_stops_at_the_last_trusted_one() {
        let trusted = proxies("10.0.0.0/8");
        let peer = ip("10.0.0.2");
        assert_eq!(
            client_ip(peer, xff(&["198.51.100.4, unknown, 10.0.0.1"]), &trusted),
            ip("10.0.0.1")
        );
        assert_eq!(
            client_ip(peer, fwd(&["for=_hidden"]), &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(client_ip(peer, fwd(&["by=10.0.0.1"]), &trusted), peer);
        // Only trusted hops: the farthest one.
        assert_eq!(
            client_ip(peer, xff(&["10.0.0.7, 10.0.0.1"]), &trusted),
            ip("10.0.0.7")
        );
        assert_eq!(client_ip(peer, xff(&[]), &trusted), peer);
    }

    #[test]
    fn ipv4_mapped_peers_and_hops_are_ipv4() {
        let trusted = proxies("10.0.0.0/8");
        assert_eq!(
            client_ip(
                ip("::ffff:10.0.0.2"),
                xff(&["::ffff:198.51.100.4"]),
                &trusted
            ),
            ip("198.51.100.4")
        );
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64() {
        assert_eq!(
            limit_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            limit_key(ip("2001:db8:1:2::1")),
            limit_key(ip("2001:db8:1:2::2"))
        );
        assert_ne!(
            limit_key(ip("2001:db8:1:2::1")),
            limit_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(limit_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(limit_key(ip("192.0.2.1")), ip("192.0.2.1"));
    }
}
