//! `test_notifications_private`: whether test-mode notifications (and Check, and the test
//! notification) may reach loopback and private addresses. A developer's local backend needs
//! it; a gateway on a shared network must not let any test key reach what sits behind it. It is
//! the operator's choice: `true`, `false`, or `auto` (the default), which allows it only while
//! the gateway itself listens on a loopback address, i.e. on a developer's machine.

use std::net::SocketAddr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The value of `test_notifications_private`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TestPrivate {
    /// Allowed while `listen` is a loopback address.
    #[default]
    Auto,
    /// Always allowed.
    Allow,
    /// Never allowed.
    Deny,
}

impl TestPrivate {
    /// Whether test mode may reach loopback and private addresses on a gateway bound to `listen`.
    pub fn allows(self, listen: SocketAddr) -> bool {
        match self {
            TestPrivate::Auto => listen.ip().is_loopback(),
            TestPrivate::Allow => true,
            TestPrivate::Deny => false,
        }
    }
}

impl Serialize for TestPrivate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            TestPrivate::Auto => serializer.serialize_str("auto"),
            TestPrivate::Allow => serializer.serialize_bool(true),
            TestPrivate::Deny => serializer.serialize_bool(false),
        }
    }
}

/// `true`, `false` or `"auto"` in TOML; the same words in the environment.
#[derive(Deserialize)]
#[serde(untagged)]
enum Spelled {
    Flag(bool),
    Word(String),
}

impl<'de> Deserialize<'de> for TestPrivate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Spelled::deserialize(deserializer)? {
            Spelled::Flag(true) => Ok(TestPrivate::Allow),
            Spelled::Flag(false) => Ok(TestPrivate::Deny),
            Spelled::Word(word) => match word.trim().to_ascii_lowercase().as_str() {
                "auto" => Ok(TestPrivate::Auto),
                "true" => Ok(TestPrivate::Allow),
                "false" => Ok(TestPrivate::Deny),
                _ => Err(serde::de::Error::custom(format!(
                    "{word:?} is not true, false or \"auto\""
                ))),
            },
        }
    }
}
