//! The eight notification types (spec §4.7) and their names in the API paths
//! (`site/notifications/{Type}/get`, spec §3.24).

use std::fmt;

use oblako_core::payment::Notice;

/// A notification type. `Receipt` is configured in the dashboard only; `Check` can be read but
/// not updated through `site/notifications` (spec §3.25).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// Before authorization; the merchant's answer can decline the payment.
    Check,
    /// A payment was authorized or completed.
    Pay,
    /// A payment attempt was declined.
    Fail,
    /// A two-stage payment was captured.
    Confirm,
    /// A refund was made.
    Refund,
    /// A subscription changed status.
    Recurrent,
    /// An authorization was voided.
    Cancel,
    /// A fiscal receipt was issued (CloudKassir).
    Receipt,
}

impl NotificationKind {
    /// Every kind, in the spec's order.
    pub const ALL: [NotificationKind; 8] = [
        NotificationKind::Check,
        NotificationKind::Pay,
        NotificationKind::Fail,
        NotificationKind::Confirm,
        NotificationKind::Refund,
        NotificationKind::Recurrent,
        NotificationKind::Cancel,
        NotificationKind::Receipt,
    ];

    /// The name as the API paths and the dashboard write it: `Check`, `Pay`, ….
    pub fn name(self) -> &'static str {
        match self {
            NotificationKind::Check => "Check",
            NotificationKind::Pay => "Pay",
            NotificationKind::Fail => "Fail",
            NotificationKind::Confirm => "Confirm",
            NotificationKind::Refund => "Refund",
            NotificationKind::Recurrent => "Recurrent",
            NotificationKind::Cancel => "Cancel",
            NotificationKind::Receipt => "Receipt",
        }
    }

    /// Reads a name in any case (`pay`, `PAY`, `Pay`), as the API paths accept it.
    pub fn parse(name: &str) -> Option<NotificationKind> {
        NotificationKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
    }

    /// Whether the merchant's answer can stop the payment (spec §5.4): only `Check`'s can; the
    /// others' answers only decide whether the delivery is repeated.
    pub fn can_decline(self) -> bool {
        self == NotificationKind::Check
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<Notice> for NotificationKind {
    fn from(notice: Notice) -> NotificationKind {
        match notice {
            Notice::Pay => NotificationKind::Pay,
            Notice::Fail => NotificationKind::Fail,
            Notice::Confirm => NotificationKind::Confirm,
            Notice::Cancel => NotificationKind::Cancel,
            Notice::Refund => NotificationKind::Refund,
        }
    }
}
