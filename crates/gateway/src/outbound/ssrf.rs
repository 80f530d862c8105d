//! Which IP addresses outbound requests may reach.
//!
//! Everything that is not a public unicast destination is forbidden by default: the IANA
//! special-purpose ranges for IPv4 and IPv6, and for IPv6 anything outside global unicast
//! `2000::/3`. IPv6 forms that carry an IPv4 address a packet really goes to (IPv4-mapped,
//! NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that IPv4 address. A [`Policy`]
//! can reopen chosen subnets, and loopback plus private ranges as a group for test sites. Nothing
//! reopens the gateway's own listeners: no address of this host is reached on its own ports
//! ([`Policy::check_target`], with `own` deciding what "this host" is).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// A special-purpose range an address belongs to, or why else it is forbidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// An address of this host on one of the gateway's own ports (never a range of its own:
    /// [`classify`] does not return it).
    OwnListener,
    Unspecified,
    ThisNetwork,
    Loopback,
    Private,
    UniqueLocal,
    SharedNat,
    LinkLocal,
    Metadata,
    ProtocolAssignments,
    Relay6to4,
    Documentation,
    Benchmarking,
    Multicast,
    Broadcast,
    Reserved,
    Ipv4Compatible,
    Nat64Local,
    Discard,
    Teredo,
    SiteLocal,
    NotGlobalUnicast,
}

impl Range {
    /// Completes the sentence "ADDRESS is …".
    pub fn describe(self) -> &'static str {
        match self {
            Range::OwnListener => "this host, and the port is the gateway's own",
            Range::Unspecified => "an unspecified address",
            Range::ThisNetwork => "in 0.0.0.0/8 (\"this network\")",
            Range::Loopback => "a loopback address",
            Range::Private => "a private address",
            Range::UniqueLocal => "a private (unique local) IPv6 address",
            Range::SharedNat => "a carrier-grade NAT address",
            Range::LinkLocal => "a link-local address",
            Range::Metadata => "a cloud metadata address",
            Range::ProtocolAssignments => "reserved for IETF protocol assignments",
            Range::Relay6to4 => "the deprecated 6to4 relay anycast range",
            Range::Documentation => "reserved for documentation",
            Range::Benchmarking => "reserved for benchmarking",
            Range::Multicast => "a multicast address",
            Range::Broadcast => "the broadcast address",
            Range::Reserved => "in a reserved range",
            Range::Ipv4Compatible => "a deprecated IPv4-compatible IPv6 address",
            Range::Nat64Local => "in the local-use NAT64 range",
            Range::Discard => "in the IPv6 discard range",
            Range::Teredo => "a Teredo tunnel address",
            Range::SiteLocal => "a deprecated site-local IPv6 address",
            Range::NotGlobalUnicast => "outside the IPv6 global unicast range",
        }
    }

    /// Loopback and private ranges: what `Policy::allow_private` reopens for test sites.
    /// Link-local stays closed, so a test site cannot read cloud metadata either.
    pub fn is_private(self) -> bool {
        matches!(self, Range::Loopback | Range::Private | Range::UniqueLocal)
    }
}

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), len)
}

const fn v6(segments: [u16; 8], len: u8) -> Ipv6Net {
    let [a, b, c, d, e, f, g, h] = segments;
    Ipv6Net::new_assert(Ipv6Addr::new(a, b, c, d, e, f, g, h), len)
}

// First match wins, so narrower ranges come before the ranges that contain them.
const V4_RANGES: &[(Ipv4Net, Range)] = &[
    (v4(0, 0, 0, 0, 32), Range::Unspecified),
    (v4(0, 0, 0, 0, 8), Range::ThisNetwork),
    (v4(10, 0, 0, 0, 8), Range::Private),
    (v4(100, 64, 0, 0, 10), Range::SharedNat),
    (v4(127, 0, 0, 0, 8), Range::Loopback),
    (v4(169, 254, 169, 254, 32), Range::Metadata),
    (v4(169, 254, 0, 0, 16), Range::LinkLocal),
    (v4(172, 16, 0, 0, 12), Range::Private),
    (v4(192, 0, 0, 0, 24), Range::ProtocolAssignments),
    (v4(192, 0, 2, 0, 24), Range::Documentation),
    (v4(192, 88, 99, 0, 24), Range::Relay6to4),
    (v4(192, 168, 0, 0, 16), Range::Private),
    (v4(198, 18, 0, 0, 15), Range::Benchmarking),
    (v4(198, 51, 100, 0, 24), Range::Documentation),
    (v4(203, 0, 113, 0, 24), Range::Documentation),
    (v4(224, 0, 0, 0, 4), Range::Multicast),
    (v4(255, 255, 255, 255, 32), Range::Broadcast),
    (v4(240, 0, 0, 0, 4), Range::Reserved),
];

// Checked after the IPv4-carrying forms (mapped, NAT64, 6to4) have been unwrapped.
const V6_RANGES: &[(Ipv6Net, Range)] = &[
    (v6([0, 0, 0, 0, 0, 0, 0, 0], 128), Range::Unspecified),
    (v6([0, 0, 0, 0, 0, 0, 0, 1], 128), Range::Loopback),
    (v6([0, 0, 0, 0, 0, 0, 0, 0], 96), Range::Ipv4Compatible),
    (v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48), Range::Nat64Local),
    (v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64), Range::Discard),
    (v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32), Range::Teredo),
    (v6([0x2001, 0x2, 0, 0, 0, 0, 0, 0], 48), Range::Benchmarking),
    (
        v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32),
        Range::Documentation,
    ),
    (
        v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 23),
        Range::ProtocolAssignments,
    ),
    (v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20), Range::Documentation),
    // AWS's IPv6 instance metadata endpoint sits inside fc00::/7; keep it closed in test mode.
    (
        v6([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254], 128),
        Range::Metadata,
    ),
    (v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7), Range::UniqueLocal),
    (v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10), Range::LinkLocal),
    (v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10), Range::SiteLocal),
    (v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8), Range::Multicast),
];

const GLOBAL_UNICAST: Ipv6Net = v6([0x2000, 0, 0, 0, 0, 0, 0, 0], 3);

/// The special range `ip` belongs to, or `None` for a public unicast address.
pub fn classify(ip: IpAddr) -> Option<Range> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<Range> {
    V4_RANGES
        .iter()
        .find(|(net, _)| net.contains(&ip))
        .map(|&(_, range)| range)
}

fn classify_v6(ip: Ipv6Addr) -> Option<Range> {
    let special = V6_RANGES
        .iter()
        .find(|(net, _)| net.contains(&ip))
        .map(|&(_, range)| range);
    match special {
        Some(range) => Some(range),
        None if !GLOBAL_UNICAST.contains(&ip) => Some(Range::NotGlobalUnicast),
        None => None,
    }
}

/// The IPv4 address an IPv6 address delivers to: IPv4-mapped `::ffff:a.b.c.d`, NAT64
/// `64:ff9b::a.b.c.d` (RFC 6052) and 6to4 `2002:aabb:ccdd::/48` (RFC 3056).
pub(super) fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    let o = ip.octets();
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    None
}

/// What outbound requests may reach beyond public unicast addresses.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Subnets reopened whatever their range (e.g. `127.0.0.0/8` for tests). An IPv6 form
    /// carrying an IPv4 address is reopened when that IPv4 address is.
    pub allow_subnets: Vec<IpNet>,
    /// Reopen loopback and private ranges ([`Range::is_private`]); meant for test sites, where
    /// the operator allows it.
    pub allow_private: bool,
    /// The ports the gateway itself listens on: no address of this host is reached on them,
    /// whatever else is reopened. 0 stands for a port picked when binding: then no port of
    /// this host is reached at all.
    pub own_ports: Vec<u16>,
}

impl Policy {
    /// Whether `port` may be one of the gateway's own.
    pub fn is_own_port(&self, port: u16) -> bool {
        self.own_ports.iter().any(|&own| own == port || own == 0)
    }

    /// Allows `ip` on `port`, or says why not: [`Policy::check`], and never this host on one
    /// of the gateway's own ports.
    pub fn check_target(&self, ip: IpAddr, port: u16) -> Result<(), Refusal> {
        if self.is_own_port(port) {
            self.check_on_own_port(ip)
        } else {
            self.check(ip)
        }
    }

    /// [`Policy::check`] for a connection to one of the gateway's own ports: this host's
    /// addresses are refused too, whatever the policy reopens.
    pub fn check_on_own_port(&self, ip: IpAddr) -> Result<(), Refusal> {
        self.check(ip)?;
        if super::own::is_this_host(ip) {
            return Err(Refusal {
                addr: ip,
                range: Range::OwnListener,
            });
        }
        Ok(())
    }

    /// Allows `ip`, or says which range forbids it.
    pub fn check(&self, ip: IpAddr) -> Result<(), Refusal> {
        if self.reopened(ip) {
            return Ok(());
        }
        match classify(ip) {
            None => Ok(()),
            Some(range) if self.allow_private && range.is_private() => Ok(()),
            Some(range) => Err(Refusal { addr: ip, range }),
        }
    }

    fn reopened(&self, ip: IpAddr) -> bool {
        let inner = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        self.allow_subnets
            .iter()
            .any(|net| net.contains(&ip) || inner.is_some_and(|v4| net.contains(&v4)))
    }
}

/// An address the policy forbids, with a sentence a merchant can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{addr} is {what}; {why}", what = .range.describe(), why = consequence(*.range))]
pub struct Refusal {
    pub addr: IpAddr,
    pub range: Range,
}

fn consequence(range: Range) -> &'static str {
    if range.is_private() {
        "only the operator can open it to notifications"
    } else {
        "outbound requests may not reach it"
    }
}
