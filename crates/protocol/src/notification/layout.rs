//! Which parameters each notification kind sends, in which order, and which of them go out empty
//! (spec §5.5).
//!
//! The payment kinds (Check, Pay, Fail, Confirm, Refund, Cancel) share one order, the rows of
//! [`PAYMENT_PARAMETERS`], and each sends the rows the spec lists for that kind:
//!
//! - first the 29 parameters of the one captured body (a Pay, spec §5.1), in captured order;
//! - then the parameters CloudPayments added since, in the order spec §5.6 names them (`Data`,
//!   `OperationType`, `GatewayName`, `CardId`, `CardProduct`, `PaymentMethod`, `TotalFee`, `Rrn`)
//!   with the rest of §5.5 after them;
//! - the few kind-specific parameters where the only other evidence puts them: Fail's
//!   `StatusCode`, `Reason`, `ReasonCode` right after `Status` (the Ruby gem's decoded Fail
//!   fixture), Refund's `PaymentTransactionId` right after `TransactionId` (its spec table).
//!
//! One order for every kind means a parameter keeps its neighbours whichever kind carries it.
//! `EscrowAccumulationId` ("all notifications except Check") is on every payment kind but Check.
//!
//! Presence follows the evidence. A parameter in a kind's observed body (the capture for Pay, and
//! Confirm, which carries the same fields; the gem's decoded fixtures for Check and Fail) or
//! required by a kind nothing was observed for (Refund, Cancel) is always sent, empty as `Key=`
//! (`SubscriptionId=&Issuer=` in the capture). A parameter added later is sent only when the
//! notice has a value: the capture has no `Data` at all, and a notice without the later fields
//! reproduces the captured body and each fixture exactly.
//!
//! Recurrent and Receipt have parameters of their own, in their spec tables' order, which the
//! gem's fixtures agree with: all always sent, but for Recurrent's three optional ones, sent only
//! when set (see `recurrent`).

use super::NotificationKind;

/// How a kind sends a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Always, an empty value as `Key=`.
    Always,
    /// Only when the notice has a value for it.
    WhenSet,
    /// Never: the kind does not carry it.
    Never,
}

const A: Presence = Presence::Always;
const S: Presence = Presence::WhenSet;
const N: Presence = Presence::Never;

/// Every payment-notification parameter in the order they are sent, and how each kind sends it,
/// in the columns Check, Pay, Fail, Confirm, Refund, Cancel: `A` always, `S` when set, `N` never.
#[rustfmt::skip]
pub const PAYMENT_PARAMETERS: &[(&str, [Presence; 6])] = &[
    //                                         Check Pay Fail Confirm Refund Cancel
    ("TransactionId",                         [A, A, A, A, A, A]),
    ("PaymentTransactionId",                  [N, N, N, N, A, N]),
    ("Amount",                                [A, A, A, A, A, A]),
    ("Currency",                              [A, A, A, A, N, N]),
    ("PaymentAmount",                         [A, A, A, A, N, N]),
    ("PaymentCurrency",                       [A, A, A, A, N, N]),
    ("InvoiceId",                             [A, A, A, A, A, A]),
    ("AccountId",                             [A, A, A, A, A, A]),
    ("SubscriptionId",                        [A, A, A, A, N, N]),
    ("Name",                                  [A, A, A, A, N, N]),
    ("Email",                                 [A, A, A, A, A, A]),
    ("DateTime",                              [A, A, A, A, A, A]),
    ("IpAddress",                             [A, A, A, A, N, N]),
    ("IpCountry",                             [A, A, A, A, N, N]),
    ("IpCity",                                [A, A, A, A, N, N]),
    ("IpRegion",                              [A, A, A, A, N, N]),
    ("IpDistrict",                            [A, A, A, A, N, N]),
    ("IpLatitude",                            [A, A, A, A, N, N]),
    ("IpLongitude",                           [A, A, A, A, N, N]),
    ("CardFirstSix",                          [A, A, A, A, N, N]),
    ("CardLastFour",                          [A, A, A, A, N, N]),
    ("CardType",                              [A, A, A, A, N, N]),
    ("CardExpDate",                           [A, A, A, A, N, N]),
    ("Issuer",                                [A, A, A, A, N, N]),
    ("IssuerBankCountry",                     [A, A, A, A, N, N]),
    ("Description",                           [A, A, A, A, N, N]),
    ("AuthCode",                              [N, A, N, A, N, N]),
    ("Token",                                 [N, A, S, A, N, N]),
    ("TestMode",                              [A, A, A, A, N, N]),
    ("Status",                                [A, A, A, A, N, N]),
    ("StatusCode",                            [N, N, A, N, N, N]),
    ("Reason",                                [N, N, A, N, N, N]),
    ("ReasonCode",                            [N, N, A, N, N, N]),
    ("Data",                                  [S, S, S, S, S, S]),
    ("OperationType",                         [S, S, S, N, A, N]),
    ("GatewayName",                           [N, S, N, N, N, N]),
    ("CardId",                                [S, S, S, N, N, N]),
    ("CardProduct",                           [S, S, S, N, N, N]),
    ("PaymentMethod",                         [S, S, S, S, N, N]),
    ("TokenRecipient",                        [S, N, S, N, N, N]),
    ("TotalFee",                              [N, S, N, N, N, N]),
    ("FallBackScenarioDeclinedTransactionId", [N, S, S, N, N, N]),
    ("Rrn",                                   [N, S, S, S, S, S]),
    ("CustomFields",                          [N, S, S, N, S, N]),
    ("EscrowAccumulationId",                  [N, S, S, S, S, S]),
    ("VatAboveTotalFee",                      [N, S, N, N, N, N]),
    ("ProcessorAndPartnerFee",                [N, S, N, N, N, N]),
    ("VatWithinProcessorFee",                 [N, S, N, N, N, N]),
    ("RetryAfter",                            [N, N, S, N, N, N]),
    ("ProviderMessage",                       [N, N, S, N, N, N]),
];

/// Recurrent's parameters, in its spec table's order.
pub const RECURRENT: &[&str] = &[
    "Id",
    "AccountId",
    "Description",
    "Email",
    "Amount",
    "Currency",
    "RequireConfirmation",
    "StartDate",
    "Interval",
    "Period",
    "Status",
    "SuccessfulTransactionsNumber",
    "FailedTransactionsNumber",
    "MaxPeriods",
    "LastTransactionDate",
    "NextTransactionDate",
];

/// Receipt's parameters, in its spec table's order.
pub const RECEIPT: &[&str] = &[
    "Id",
    "DocumentNumber",
    "SessionNumber",
    "Number",
    "FiscalSign",
    "DeviceNumber",
    "RegNumber",
    "FiscalNumber",
    "Inn",
    "Type",
    "Ofd",
    "Url",
    "QrCodeUrl",
    "Amount",
    "DateTime",
    "Receipt",
    "CalculationPlace",
    "SettlePlace",
    "TransactionId",
    "InvoiceId",
    "AccountId",
];

impl NotificationKind {
    /// Every parameter this kind can send, in the order it sends them. A payment kind leaves out
    /// the [`Presence::WhenSet`] ones its notice has no value for.
    pub fn parameter_names(self) -> Vec<&'static str> {
        match self.payment_column() {
            Some(column) => PAYMENT_PARAMETERS
                .iter()
                .filter(|(_, presence)| presence[column] != Presence::Never)
                .map(|(name, _)| *name)
                .collect(),
            None if self == NotificationKind::Recurrent => RECURRENT.to_vec(),
            None => RECEIPT.to_vec(),
        }
    }

    /// How this kind sends each payment parameter it carries, in order; empty for Recurrent and
    /// Receipt, which send all of theirs.
    pub fn payment_parameters(self) -> Vec<(&'static str, Presence)> {
        let Some(column) = self.payment_column() else {
            return Vec::new();
        };
        PAYMENT_PARAMETERS
            .iter()
            .map(|(name, presence)| (*name, presence[column]))
            .filter(|(_, presence)| *presence != Presence::Never)
            .collect()
    }

    fn payment_column(self) -> Option<usize> {
        match self {
            NotificationKind::Check => Some(0),
            NotificationKind::Pay => Some(1),
            NotificationKind::Fail => Some(2),
            NotificationKind::Confirm => Some(3),
            NotificationKind::Refund => Some(4),
            NotificationKind::Cancel => Some(5),
            NotificationKind::Recurrent | NotificationKind::Receipt => None,
        }
    }
}
