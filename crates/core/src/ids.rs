//! Identifiers and the test/live split.

use std::fmt;

/// A merchant account's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub i64);

/// A site's (terminal's) id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SiteId(pub i64);

impl fmt::Display for SiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<i64> for SiteId {
    fn from(id: i64) -> SiteId {
        SiteId(id)
    }
}

/// A transaction's id: the protocol's `TransactionId`, shared by payments and refunds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionId(pub i64);

impl From<i64> for TransactionId {
    fn from(id: i64) -> TransactionId {
        TransactionId(id)
    }
}

impl fmt::Display for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Which key pair a request was made with. Objects made in one mode are invisible in the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// Test keys: the emulated bank, no money moves.
    Test,
    /// Live keys: usable once the site is in production.
    Live,
}

impl Mode {
    /// The stored spelling, `"test"` or `"live"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Test => "test",
            Mode::Live => "live",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "test" => Some(Mode::Test),
            "live" => Some(Mode::Live),
            _ => None,
        }
    }

    /// In-flight request limit per site (spec §1.2): 5 on test terminals, 30 on live ones.
    pub fn concurrency_limit(self) -> usize {
        match self {
            Mode::Test => 5,
            Mode::Live => 30,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
