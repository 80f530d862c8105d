//! Configuration loading: defaults, files and the keys' own checks.

use super::*;

#[test]
fn defaults_are_valid_and_point_at_the_data_dir() {
    let config = Config::default();
    config.validate().unwrap();
    assert_eq!(config.database_url(), "sqlite://data/oblako.db");
    assert_eq!(config.public_url(), "http://127.0.0.1:8080");
}

#[test]
fn bad_values_name_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("oblako.toml");
    for (toml, key) in [
        ("listen = \"nowhere\"", "listen"),
        ("log_format = \"xml\"", "log_format"),
        ("database_url = \"mysql://x\"", "database_url"),
        (
            "idempotency_retention_secs = \"soon\"",
            "idempotency_retention_secs",
        ),
        ("colour = \"blue\"", "colour"),
        ("test_in_flight = 0", "test_in_flight"),
        ("allow_subnets = [\"10.0.0.0/33\"]", "allow_subnets"),
        (
            "test_notifications_private = \"sometimes\"",
            "test_notifications_private",
        ),
        ("notification_timeout_ms = 5", "notification_timeout_ms"),
        (
            "notification_endpoint_parallel = 0",
            "notification_endpoint_parallel",
        ),
        (
            "widget_frame_ancestors = \"x; script-src *\"",
            "widget_frame_ancestors",
        ),
        ("widget_charge_per_minute = 0", "widget_charge_per_minute"),
        ("order_pay_per_minute = 0", "order_pay_per_minute"),
        ("smtp_url = \"http://mail\"", "smtp_url"),
        ("mail_from = \"nobody\"", "mail_from"),
        ("notification_lease_secs = 1", "notification_lease_secs"),
        ("reconcile_after_secs = 0", "reconcile_after_secs"),
        ("notification_lease_secs = 30", "notification_lease_secs"),
    ] {
        std::fs::write(&file, toml).unwrap();
        let err = Config::load(Some(&file)).unwrap_err().to_string();
        assert!(err.contains(key), "{toml}: {err}");
    }
}

#[test]
fn test_mode_reaches_private_addresses_as_the_operator_says() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("oblako.toml");
    for (toml, listen, allowed) in [
        ("", "127.0.0.1:8080", true),
        ("", "[::1]:8080", true),
        ("", "0.0.0.0:8080", false),
        ("", "10.1.2.3:8080", false),
        ("test_notifications_private = \"auto\"", "0.0.0.0:80", false),
        ("test_notifications_private = true", "0.0.0.0:8080", true),
        (
            "test_notifications_private = false",
            "127.0.0.1:8080",
            false,
        ),
        (
            "test_notifications_private = \"TRUE\"",
            "0.0.0.0:8080",
            true,
        ),
    ] {
        std::fs::write(&file, format!("listen = \"{listen}\"\n{toml}")).unwrap();
        let config = Config::load(Some(&file)).unwrap();
        let test = config.outbound_policy(Mode::Test).unwrap();
        let live = config.outbound_policy(Mode::Live).unwrap();
        assert_eq!(test.allow_private, allowed, "{toml} on {listen}");
        assert!(!live.allow_private, "never for live mode");
        let port = config.listen_addr().unwrap().port();
        assert_eq!((test.own_ports, live.own_ports), (vec![port], vec![port]));
    }
}
