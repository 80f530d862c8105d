//! A notification address a merchant saves (`site/notifications/{Type}/update`, `oblako site
//! notification-set`): the SSRF guard's URL check, under the test-key, live-key and
//! `allow_subnets` policies, and the whole settings check built on it. Also what a merchant's
//! receiver answers to a notification or a Check, and notification form bodies.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use oblako_protocol::notification::{
    FormEncoding, NotificationKind, answer_code, check_outcome, is_acknowledged, parse_form,
};
use oblako_server::api::notifications::Wanted;
use oblako_server::outbound::{Policy, check_url};

struct Policies {
    test: Policy,
    live: Policy,
    reopened: Policy,
}

/// The policy a key of that kind saves under: test keys may reach private ranges, and no key
/// reaches the gateway's own port.
fn save_policy(allow_private: bool, allow_subnets: Vec<ipnet::IpNet>) -> Policy {
    Policy {
        allow_subnets,
        allow_private,
        own_ports: vec![8080],
    }
}

fn policies() -> &'static Policies {
    static POLICIES: OnceLock<Policies> = OnceLock::new();
    POLICIES.get_or_init(|| {
        let subnets = vec!["10.1.0.0/16".parse().unwrap(), "fd00::/8".parse().unwrap()];
        Policies {
            test: save_policy(true, Vec::new()),
            live: save_policy(false, Vec::new()),
            reopened: save_policy(false, subnets),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = answer_code(data);
    let _ = is_acknowledged(200, data);
    let _ = check_outcome(200, data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for encoding in [FormEncoding::Utf8, FormEncoding::Windows1251] {
        let _ = parse_form(text, encoding);
    }
    let p = policies();
    let live = check_url(text, &p.live);
    // Test keys may reach more than live keys, never less; so may reopened subnets.
    if live.is_ok() {
        assert!(check_url(text, &p.test).is_ok(), "{text:?}");
        assert!(check_url(text, &p.reopened).is_ok(), "{text:?}");
    }
    if let Ok(url) = &live {
        assert!(matches!(url.scheme(), "http" | "https"));
    }
    for policy in [&p.test, &p.live, &p.reopened] {
        let wanted = Wanted {
            enabled: true,
            address: Some(text.to_owned()),
            method: Some("post".to_owned()),
            encoding: Some("utf8".to_owned()),
            format: None,
        };
        if let Ok(settings) = wanted.settings(NotificationKind::Pay, policy) {
            // What is stored is what was checked.
            assert_eq!(settings.url, text.trim());
            assert!(check_url(&settings.url, policy).is_ok());
        }
    }
});
