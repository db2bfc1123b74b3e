//! The egress policy: which addresses Portico's own outbound connections (credential checks,
//! webhooks) may reach. A guest or an owner chooses where those connections go, so by default
//! nothing on Portico's own network is reachable: loopback, private, shared (CGNAT),
//! link-local, unique-local, multicast and the like, also when an IPv6 address embeds such an
//! IPv4 address. A name is resolved once, refused if any address it resolves to is forbidden,
//! and the connection is made to an address vetted here, so a second DNS answer cannot send it
//! elsewhere.

use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// Why an address is not reachable by default; `None` from [`classify`] means public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Internal {
    Unspecified,
    Loopback,
    Private,
    SharedCgnat,
    LinkLocal,
    UniqueLocal,
    Multicast,
    Broadcast,
    /// Documentation, benchmarking, reserved and other special-purpose ranges.
    Reserved,
}

impl Internal {
    pub fn as_str(self) -> &'static str {
        match self {
            Internal::Unspecified => "unspecified",
            Internal::Loopback => "loopback",
            Internal::Private => "private",
            Internal::SharedCgnat => "shared (CGNAT)",
            Internal::LinkLocal => "link-local",
            Internal::UniqueLocal => "unique-local",
            Internal::Multicast => "multicast",
            Internal::Broadcast => "broadcast",
            Internal::Reserved => "reserved",
        }
    }
}

/// The class of a non-public IPv4 address.
fn classify_v4(ip: Ipv4Addr) -> Option<Internal> {
    let [a, b, c, _] = ip.octets();
    Some(if ip.is_unspecified() || a == 0 {
        Internal::Unspecified
    } else if ip.is_loopback() {
        Internal::Loopback
    } else if ip.is_private() {
        Internal::Private
    } else if a == 100 && (64..128).contains(&b) {
        Internal::SharedCgnat
    } else if ip.is_link_local() {
        Internal::LinkLocal
    } else if ip.is_broadcast() {
        Internal::Broadcast
    } else if ip.is_multicast() {
        Internal::Multicast
    } else if ip.is_documentation()
        // IETF protocol assignments, benchmarking, 6to4 relay anycast, and 240/4 (reserved).
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || (a == 192 && b == 88 && c == 99)
        || a >= 240
    {
        Internal::Reserved
    } else {
        return None;
    })
}

/// The IPv4 address an IPv6 address carries, for the forms that route to it: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::/96`), and 6to4
/// (`2002:aabb:ccdd::/48`). The local-use NAT64 prefix `64:ff9b:1::/48`, whose embedding
/// varies, is internal as a whole.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if s[..6] == [0; 6] || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        Some(low)
    } else if s[0] == 0x2002 {
        Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ))
    } else {
        None
    }
}

/// Whether an address is internal (and which kind), or public (`None`).
pub fn classify(ip: IpAddr) -> Option<Internal> {
    let v6 = match ip {
        IpAddr::V4(v4) => return classify_v4(v4),
        IpAddr::V6(v6) => v6,
    };
    if v6.is_unspecified() {
        return Some(Internal::Unspecified);
    }
    if v6.is_loopback() {
        return Some(Internal::Loopback);
    }
    if let Some(v4) = embedded_v4(v6) {
        return classify_v4(v4);
    }
    let s = v6.segments();
    Some(if v6.is_multicast() {
        Internal::Multicast
    } else if (s[0] & 0xfe00) == 0xfc00 {
        Internal::UniqueLocal
    } else if (s[0] & 0xffc0) == 0xfe80 {
        Internal::LinkLocal
    } else if (s[0] & 0xffc0) == 0xfec0
        // site-local (deprecated), local-use NAT64, documentation, Teredo (embeds an
        // obfuscated IPv4 address), ORCHID, discard-only.
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1)
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || (s[0] == 0x2001 && s[1] == 0)
        || (s[0] == 0x2001 && (s[1] & 0xfff0) == 0x0010)
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0])
        || (s[0] == 0x3fff && (s[1] & 0xf000) == 0)
    {
        Internal::Reserved
    } else {
        return None;
    })
}

/// Why a connection was not made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The host (or one of the addresses it resolves to) is internal and not allowed.
    #[error("{host} is not reachable from Portico: {ip} is a {} address", .class.as_str())]
    Forbidden {
        host: String,
        ip: IpAddr,
        class: Internal,
    },
    /// The name does not resolve.
    #[error("could not find the host \"{host}\": its name does not resolve")]
    Unresolved { host: String },
}

/// Which addresses outbound connections may reach.
#[derive(Debug, Clone, Default)]
pub struct EgressPolicy {
    /// Every address, internal ones included (development and the test suite).
    allow_private: bool,
    /// Internal ranges reachable all the same (networks customers reach over a VPN).
    allow: Vec<IpNet>,
}

impl EgressPolicy {
    pub fn new(allow_private: bool, allow: Vec<IpNet>) -> EgressPolicy {
        EgressPolicy {
            allow_private,
            allow,
        }
    }

    /// Why `ip` may not be reached, or `None` when it may.
    pub fn refusal(&self, ip: IpAddr) -> Option<Internal> {
        if self.allow_private {
            return None;
        }
        let class = classify(ip)?;
        let as_v4 = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        let allowed = self
            .allow
            .iter()
            .any(|net| net.contains(&ip) || as_v4.is_some_and(|v4| net.contains(&v4)));
        (!allowed).then_some(class)
    }

    /// Resolves `host` once and vets every address: all of them may be reached, or the host is
    /// refused. Connect to what comes back, never to the name again.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, Refused> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((bare, port))
                .await
                .map_err(|_| Refused::Unresolved { host: host.into() })?
                .collect(),
        };
        if addrs.is_empty() {
            return Err(Refused::Unresolved { host: host.into() });
        }
        for addr in &addrs {
            if let Some(class) = self.refusal(addr.ip()) {
                return Err(Refused::Forbidden {
                    host: host.into(),
                    ip: addr.ip(),
                    class,
                });
            }
        }
        Ok(addrs)
    }

    /// A TCP connection to a vetted address of `host` (the first that answers).
    pub async fn connect(&self, host: &str, port: u16) -> Result<tokio::net::TcpStream, Connect> {
        let addrs = self.resolve(host, port).await?;
        let mut last = None;
        for addr in addrs {
            match tokio::net::TcpStream::connect(addr).await {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(Connect::Io(last.expect("at least one address was tried")))
    }

    /// This policy as reqwest's resolver, for clients whose every request goes through it.
    /// Literal IP addresses in URLs do not reach a resolver: check those with [`Self::resolve`]
    /// before sending.
    pub fn resolver(&self) -> Arc<PolicyResolver> {
        Arc::new(PolicyResolver(self.clone()))
    }
}

/// Why [`EgressPolicy::connect`] failed.
#[derive(Debug, thiserror::Error)]
pub enum Connect {
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error(transparent)]
    Io(std::io::Error),
}

/// Resolves for reqwest through the policy: a name with any forbidden address fails.
pub struct PolicyResolver(EgressPolicy);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs = policy.resolve(&host, 0).await?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::client_ip::parse_cidrs;
    use proptest::prelude::*;

    fn internal(ip: &str) -> bool {
        classify(ip.parse().unwrap()).is_some()
    }

    #[test]
    fn internal_addresses_of_every_kind_are_recognised() {
        for ip in [
            "127.0.0.1",
            "127.255.255.254",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::",
            "::1",
            "fe80::1",
            "febf::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "::10.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::a00:1",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
            "2002:a9fe:a9fe::",
            "2001:db8::1",
            "2001::1",
        ] {
            assert!(internal(ip), "{ip} should be internal");
        }
    }

    #[test]
    fn public_addresses_are_reachable() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "169.253.0.1",
            "93.184.216.34",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(!internal(ip), "{ip} should be public");
        }
    }

    #[test]
    fn the_allow_list_opens_only_its_ranges() {
        let allow = parse_cidrs("10.20.0.0/16, fd00:1::/32 192.168.7.7").unwrap();
        let policy = EgressPolicy::new(false, allow);
        assert_eq!(policy.refusal("10.20.3.4".parse().unwrap()), None);
        assert_eq!(policy.refusal("::ffff:10.20.3.4".parse().unwrap()), None);
        assert_eq!(policy.refusal("192.168.7.7".parse().unwrap()), None);
        assert_eq!(policy.refusal("fd00:1::5".parse().unwrap()), None);
        assert_eq!(
            policy.refusal("10.21.0.1".parse().unwrap()),
            Some(Internal::Private)
        );
        assert_eq!(
            policy.refusal("127.0.0.1".parse().unwrap()),
            Some(Internal::Loopback)
        );
        assert!(parse_cidrs("10.0.0.0/33").is_err());
        assert!(parse_cidrs("intranet").is_err());
        assert_eq!(parse_cidrs(" ").unwrap(), vec![]);
    }

    #[test]
    fn allowing_private_addresses_opens_everything() {
        let policy = EgressPolicy::new(true, vec![]);
        assert_eq!(policy.refusal("127.0.0.1".parse().unwrap()), None);
    }

    #[tokio::test]
    async fn a_literal_address_is_vetted_without_a_lookup() {
        let policy = EgressPolicy::default();
        assert!(matches!(
            policy.resolve("[::1]", 5432).await,
            Err(Refused::Forbidden {
                class: Internal::Loopback,
                ..
            })
        ));
        assert!(matches!(
            policy.resolve("localhost", 5432).await,
            Err(Refused::Forbidden {
                class: Internal::Loopback,
                ..
            })
        ));
        assert_eq!(
            policy.resolve("8.8.8.8", 53).await.unwrap(),
            vec!["8.8.8.8:53".parse().unwrap()]
        );
    }

    fn v4_in(net: &str) -> impl Strategy<Value = Ipv4Addr> {
        let net: ipnet::Ipv4Net = net.parse().unwrap();
        let base = u32::from(net.network());
        let size = 1u64 << (32 - net.prefix_len());
        (0..size).prop_map(move |offset| Ipv4Addr::from(base + offset as u32))
    }

    /// Every internal IPv4 range of the policy.
    fn internal_v4() -> impl Strategy<Value = Ipv4Addr> {
        prop_oneof![
            v4_in("0.0.0.0/8"),
            v4_in("10.0.0.0/8"),
            v4_in("100.64.0.0/10"),
            v4_in("127.0.0.0/8"),
            v4_in("169.254.0.0/16"),
            v4_in("172.16.0.0/12"),
            v4_in("192.168.0.0/16"),
            v4_in("224.0.0.0/4"),
            v4_in("240.0.0.0/4"),
        ]
    }

    /// The IPv6 forms that carry an IPv4 address.
    fn embeddings(v4: Ipv4Addr) -> Vec<Ipv6Addr> {
        let [a, b, c, d] = v4.octets();
        let hi = u16::from_be_bytes([a, b]);
        let lo = u16::from_be_bytes([c, d]);
        vec![
            v4.to_ipv6_mapped(),
            Ipv6Addr::new(0, 0, 0, 0, 0, 0, hi, lo),
            Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, hi, lo),
            Ipv6Addr::new(0x2002, hi, lo, 0, 0, 0, 0, 1),
        ]
    }

    proptest! {
        #[test]
        fn every_internal_ipv4_address_is_refused(v4 in internal_v4()) {
            prop_assert!(classify(IpAddr::V4(v4)).is_some());
            prop_assert!(EgressPolicy::default().refusal(IpAddr::V4(v4)).is_some());
        }

        #[test]
        fn every_ipv6_form_of_an_internal_ipv4_address_is_refused(v4 in internal_v4()) {
            for v6 in embeddings(v4) {
                prop_assert!(classify(IpAddr::V6(v6)).is_some(), "{v6} embeds {v4}");
            }
        }

        #[test]
        fn an_embedded_address_is_judged_like_the_address_itself(bits in any::<u32>()) {
            let v4 = Ipv4Addr::from(bits);
            let plain = classify(IpAddr::V4(v4)).is_some();
            for v6 in embeddings(v4) {
                prop_assert_eq!(classify(IpAddr::V6(v6)).is_some(), plain, "{} embeds {}", v6, v4);
            }
        }

        #[test]
        fn unique_local_link_local_and_multicast_ipv6_are_refused(
            low in any::<u128>(),
            kind in 0..3usize,
        ) {
            let (prefix, bits) = [(0xfc00u128 << 112, 7), (0xfe80u128 << 112, 10), (0xff00u128 << 112, 8)][kind];
            let ip = Ipv6Addr::from(prefix | (low >> bits));
            prop_assert!(classify(IpAddr::V6(ip)).is_some(), "{ip}");
        }

        #[test]
        fn an_address_in_an_allowed_range_is_reachable(v4 in v4_in("10.20.0.0/16")) {
            let policy = EgressPolicy::new(false, vec!["10.20.0.0/16".parse().unwrap()]);
            prop_assert_eq!(policy.refusal(IpAddr::V4(v4)), None);
            prop_assert_eq!(policy.refusal(IpAddr::V6(v4.to_ipv6_mapped())), None);
        }
    }
}
