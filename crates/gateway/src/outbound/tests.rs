//! The address table, policy reopening and URL checks, without sockets.

use std::net::IpAddr;

use super::*;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn strict() -> Policy {
    Policy::default()
}

fn loopback_open() -> Policy {
    Policy {
        allow_subnets: vec!["127.0.0.0/8".parse().unwrap()],
        allow_private: false,
        ..Policy::default()
    }
}

/// (address, expected range; None = public and allowed by default)
const TABLE: &[(&str, Option<Range>)] = &[
    // IPv4
    ("8.8.8.8", None),
    ("1.1.1.1", None),
    ("93.184.215.14", None),
    ("0.0.0.0", Some(Range::Unspecified)),
    ("0.1.2.3", Some(Range::ThisNetwork)),
    ("10.0.0.1", Some(Range::Private)),
    ("10.255.255.255", Some(Range::Private)),
    ("100.63.255.255", None),
    ("100.64.0.1", Some(Range::SharedNat)),
    ("100.127.255.254", Some(Range::SharedNat)),
    ("100.128.0.0", None),
    ("127.0.0.1", Some(Range::Loopback)),
    ("127.255.0.9", Some(Range::Loopback)),
    ("169.254.169.254", Some(Range::Metadata)),
    ("169.254.1.1", Some(Range::LinkLocal)),
    ("172.15.255.255", None),
    ("172.16.0.1", Some(Range::Private)),
    ("172.31.255.255", Some(Range::Private)),
    ("172.32.0.0", None),
    ("192.0.0.8", Some(Range::ProtocolAssignments)),
    ("192.0.2.10", Some(Range::Documentation)),
    ("192.88.99.1", Some(Range::Relay6to4)),
    ("192.168.1.1", Some(Range::Private)),
    ("198.18.0.1", Some(Range::Benchmarking)),
    ("198.19.255.255", Some(Range::Benchmarking)),
    ("198.51.100.7", Some(Range::Documentation)),
    ("203.0.113.9", Some(Range::Documentation)),
    ("224.0.0.1", Some(Range::Multicast)),
    ("239.255.255.250", Some(Range::Multicast)),
    ("240.0.0.1", Some(Range::Reserved)),
    ("255.255.255.254", Some(Range::Reserved)),
    ("255.255.255.255", Some(Range::Broadcast)),
    // IPv6
    ("2606:4700:4700::1111", None),
    ("2a00:1450:4001:80b::200e", None),
    ("::", Some(Range::Unspecified)),
    ("::1", Some(Range::Loopback)),
    ("::ffff:127.0.0.1", Some(Range::Loopback)),
    ("::ffff:7f00:1", Some(Range::Loopback)),
    ("::ffff:169.254.169.254", Some(Range::Metadata)),
    ("::ffff:10.1.2.3", Some(Range::Private)),
    ("::ffff:8.8.8.8", None),
    ("::127.0.0.1", Some(Range::Ipv4Compatible)),
    ("::8.8.8.8", Some(Range::Ipv4Compatible)),
    ("64:ff9b::127.0.0.1", Some(Range::Loopback)),
    ("64:ff9b::a9fe:a9fe", Some(Range::Metadata)),
    ("64:ff9b::8.8.8.8", None),
    ("64:ff9b:1::1", Some(Range::Nat64Local)),
    ("2002:7f00:1::", Some(Range::Loopback)),
    ("2002:c0a8:101::1", Some(Range::Private)),
    ("2002:808:808::1", None),
    ("2001::1", Some(Range::Teredo)),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Some(Range::Teredo)),
    ("2001:2::1", Some(Range::Benchmarking)),
    ("2001:10::1", Some(Range::ProtocolAssignments)),
    ("2001:db8::1", Some(Range::Documentation)),
    ("3fff::1", Some(Range::Documentation)),
    ("100::1", Some(Range::Discard)),
    ("fc00::1", Some(Range::UniqueLocal)),
    ("fd12:3456::1", Some(Range::UniqueLocal)),
    ("fd00:ec2::254", Some(Range::Metadata)),
    ("fe80::1", Some(Range::LinkLocal)),
    ("febf:ffff::1", Some(Range::LinkLocal)),
    ("fec0::1", Some(Range::SiteLocal)),
    ("ff02::1", Some(Range::Multicast)),
    ("ff0e::101", Some(Range::Multicast)),
    ("::ffff:0:a00:1", Some(Range::NotGlobalUnicast)),
    ("5f00::1", Some(Range::NotGlobalUnicast)),
    ("4000::1", Some(Range::NotGlobalUnicast)),
];

#[test]
fn every_address_in_the_table_gets_its_verdict() {
    let policy = strict();
    let mut wrong = Vec::new();
    for &(text, expected) in TABLE {
        let got = classify(ip(text));
        let verdict = policy.check(ip(text)).map_err(|r| r.range).err();
        if got != expected || verdict != expected {
            wrong.push(format!(
                "{text}: expected {expected:?}, classify {got:?}, check {verdict:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));
}

#[test]
fn allow_subnets_reopens_loopback_and_only_loopback() {
    let policy = loopback_open();
    for open in [
        "127.0.0.1",
        "127.1.2.3",
        "::ffff:127.0.0.1",
        "64:ff9b::7f00:1",
    ] {
        assert_eq!(policy.check(ip(open)), Ok(()), "{open}");
    }
    for closed in ["::1", "10.0.0.1", "169.254.169.254", "192.168.0.1"] {
        assert!(policy.check(ip(closed)).is_err(), "{closed}");
    }
}

#[test]
fn allow_private_reopens_loopback_and_private_but_not_metadata() {
    let policy = Policy {
        allow_subnets: Vec::new(),
        allow_private: true,
        ..Policy::default()
    };
    for open in [
        "127.0.0.1",
        "::1",
        "10.1.1.1",
        "172.20.0.1",
        "192.168.1.1",
        "fd00::1",
    ] {
        assert_eq!(policy.check(ip(open)), Ok(()), "{open}");
    }
    for closed in [
        "169.254.169.254",
        "fd00:ec2::254",
        "fe80::1",
        "100.64.0.1",
        "0.0.0.0",
    ] {
        assert!(policy.check(ip(closed)).is_err(), "{closed}");
    }
}

#[test]
fn refusals_explain_themselves() {
    let message = |text: &str| strict().check(ip(text)).unwrap_err().to_string();
    assert_eq!(
        message("127.0.0.1"),
        "127.0.0.1 is a loopback address; only the operator can open it to notifications"
    );
    assert_eq!(
        message("169.254.169.254"),
        "169.254.169.254 is a cloud metadata address; outbound requests may not reach it"
    );
    assert_eq!(
        message("::ffff:10.0.0.1"),
        "::ffff:10.0.0.1 is a private address; only the operator can open it to notifications"
    );
}

#[test]
fn check_url_accepts_public_and_named_hosts() {
    for good in [
        "https://shop.example.com/cp/pay",
        "http://shop.example.com:8080/hook?token=abc",
        "https://93.184.215.14/hook",
        "https://[2606:4700:4700::1111]:8443/",
        // Names are judged at connect time, after resolution.
        "http://localhost:9000/",
    ] {
        let url = check_url(good, &strict());
        assert!(url.is_ok(), "{good}: {url:?}");
    }
}

#[test]
fn check_url_refuses_with_a_reason() {
    let cases = [
        (
            "ftp://shop.example.com/",
            "notification URL must use http or https, not ftp",
        ),
        (
            "file:///etc/passwd",
            "notification URL must use http or https, not file",
        ),
        (
            "https://user:pass@shop.example.com/",
            "notification URL must not contain a user name or password",
        ),
        (
            "https://user@shop.example.com/",
            "notification URL must not contain a user name or password",
        ),
        (
            "http://127.0.0.1:8080/",
            "127.0.0.1 is a loopback address; only the operator can open it to notifications",
        ),
        (
            "http://[::1]/",
            "::1 is a loopback address; only the operator can open it to notifications",
        ),
        (
            "http://[::ffff:169.254.169.254]/latest/meta-data",
            "::ffff:169.254.169.254 is a cloud metadata address; outbound requests may not reach it",
        ),
        // The URL parser normalises odd IPv4 spellings before the guard sees them.
        (
            "http://2130706433/",
            "127.0.0.1 is a loopback address; only the operator can open it to notifications",
        ),
        (
            "http://0x7f.1/",
            "127.0.0.1 is a loopback address; only the operator can open it to notifications",
        ),
        (
            "http://0/",
            "0.0.0.0 is an unspecified address; outbound requests may not reach it",
        ),
    ];
    for (url, expected) in cases {
        let got = check_url(url, &strict()).map(|u| u.to_string());
        assert_eq!(
            got.map_err(|e| e.to_string()),
            Err(expected.to_owned()),
            "{url}"
        );
    }
    assert!(matches!(
        check_url("not a url", &strict()),
        Err(UrlRefused::Invalid(_))
    ));
    assert!(matches!(
        check_url("http://", &strict()),
        Err(UrlRefused::Invalid(_))
    ));
}

#[test]
fn check_url_follows_the_policy() {
    assert!(check_url("http://127.0.0.1:8080/", &loopback_open()).is_ok());
    let test_site = Policy {
        allow_subnets: Vec::new(),
        allow_private: true,
        ..Policy::default()
    };
    assert!(check_url("http://192.168.0.10/", &test_site).is_ok());
    assert!(check_url("http://169.254.169.254/", &test_site).is_err());
}

/// Everything reopened that can be: loopback and private ranges, and 127/8 as a subnet.
fn consenting(own_port: u16) -> Policy {
    Policy {
        allow_subnets: vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
        allow_private: true,
        own_ports: vec![own_port],
    }
}

#[test]
fn this_host_is_loopback_unspecified_and_its_own_interfaces() {
    for local in [
        "127.0.0.1",
        "127.0.0.2",
        "127.255.255.254",
        "::1",
        "::ffff:127.0.0.1",
        "64:ff9b::7f00:1",
        "0.0.0.0",
        "0.1.2.3",
        "::",
        "::ffff:0.0.0.0",
    ] {
        assert!(is_this_host(ip(local)), "{local}");
    }
    for elsewhere in ["8.8.8.8", "2001:db8::1", "169.254.169.254"] {
        assert!(!is_this_host(ip(elsewhere)), "{elsewhere}");
    }
}

#[test]
fn an_address_of_this_hosts_interfaces_is_this_host_on_the_own_port() {
    // The source address the kernel would use towards a documentation address is one of this
    // host's interfaces; connecting a UDP socket sends nothing.
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    let Ok(local) = socket
        .connect("192.0.2.200:9")
        .and_then(|()| socket.local_addr())
    else {
        println!("skipped: no IPv4 route here, so no interface address to try");
        return;
    };
    let iface = local.ip();
    assert!(is_this_host(iface), "{iface}");
    let policy = Policy {
        allow_subnets: vec![ipnet::IpNet::from(iface)],
        ..consenting(8080)
    };
    assert_eq!(policy.check_target(iface, 8081), Ok(()));
    let refusal = policy.check_target(iface, 8080).unwrap_err();
    assert_eq!(refusal.range, Range::OwnListener, "{iface}");
}

#[test]
fn the_gateways_own_port_on_this_host_is_refused_whatever_is_reopened() {
    let policy = consenting(8080);
    for local in ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"] {
        assert_eq!(policy.check_target(ip(local), 8081), Ok(()), "{local}");
        let refusal = policy.check_target(ip(local), 8080).unwrap_err();
        assert_eq!(refusal.range, Range::OwnListener, "{local}");
    }
    assert_eq!(
        policy
            .check_target(ip("127.0.0.1"), 8080)
            .unwrap_err()
            .to_string(),
        "127.0.0.1 is this host, and the port is the gateway's own; \
         outbound requests may not reach it"
    );
    assert_eq!(policy.check_target(ip("8.8.8.8"), 8080), Ok(()));
    let unknown = consenting(0);
    assert!(unknown.check_target(ip("127.0.0.1"), 9).is_err());
    assert!(unknown.check_target(ip("8.8.8.8"), 9).is_ok());
}

#[test]
fn check_url_refuses_every_spelling_of_this_host_on_the_own_port() {
    let policy = consenting(8080);
    for host in [
        "127.0.0.1",
        "127.1",
        "2130706433",
        "0x7f000001",
        "0x7f.0.0.1",
        "0177.0.0.1",
        "017700000001",
        "127.0.0.2",
        "0.0.0.0",
        "0",
        "[::1]",
        "[0:0:0:0:0:0:0:1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::]",
    ] {
        let own = format!("http://{host}:8080/metrics");
        assert!(
            matches!(
                check_url(&own, &policy),
                Err(UrlRefused::Address(Refusal {
                    range: Range::OwnListener | Range::Unspecified | Range::ThisNetwork,
                    ..
                }))
            ),
            "{own}: {:?}",
            check_url(&own, &policy)
        );
    }
    // Port 80 is http's default: the gateway listening there has no other spelling.
    assert!(check_url("http://127.0.0.1/metrics", &consenting(80)).is_err());
    assert!(check_url("https://127.0.0.1/", &consenting(80)).is_ok());
    assert!(check_url("http://127.0.0.1:8081/", &policy).is_ok());
}

#[test]
fn check_url_refuses_host_labels_longer_than_dns_allows() {
    let long = format!("http://xn--{}.example.com/hook", "i".repeat(700));
    assert_eq!(check_url(&long, &strict()), Err(UrlRefused::LongLabel));
    let bare = format!("http:XN--x{}", "i".repeat(700));
    assert_eq!(check_url(&bare, &strict()), Err(UrlRefused::LongLabel));
    let longest = format!("https://{}.example.com/{}", "a".repeat(63), "p".repeat(200));
    assert!(check_url(&longest, &strict()).is_ok());
}
