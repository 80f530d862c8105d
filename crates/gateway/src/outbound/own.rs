//! What "this host" is, for the rule that the gateway never calls its own listeners: a
//! notification aimed at its own port would read its metrics or its operator endpoints from the
//! inside. An address is this host's when it is loopback, unspecified (`0.0.0.0` and `::`
//! connect to the local host), in `0.0.0.0/8`, an IPv6 form carrying one of those, or assigned
//! to one of the host's interfaces, which is what a bind to it finds out without sending
//! anything.

use std::net::{IpAddr, SocketAddr, UdpSocket};

use super::ssrf::embedded_v4;

/// Whether a connection to `ip` would reach this host.
pub fn is_this_host(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => embedded_v4(v6).map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    let this_network = matches!(ip, IpAddr::V4(v4) if v4.octets()[0] == 0);
    if ip.is_loopback() || ip.is_unspecified() || this_network {
        return true;
    }
    // Only an address of one of this host's interfaces can be bound (no packet is sent).
    UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok()
}
