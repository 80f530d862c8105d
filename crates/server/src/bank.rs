//! The acquirer boundary. Test mode talks to the emulated bank; live mode has no acquirer yet,
//! so live payments are refused before anything is written.
//!
//! Every call carries the gateway's unique operation reference, which the caller committed as an
//! intent first (RELIABILITY M5). The emulated bank keeps its own ledger keyed by that reference,
//! so a repeated call returns the first answer and never debits twice. A card past its expiry is
//! declined here, before the bank, on every path that authorizes (payment, 3-D Secure, recovery).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use oblako_core::card::{CardExpiry, Pan};
use oblako_core::reason::ReasonCode;
use oblako_core::test_bank::{self, Channel};
use oblako_store::{Db, acquirer};

/// What the bank said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAnswer {
    /// 0 when approved.
    pub reason: ReasonCode,
    /// The approval code when approved.
    pub auth_code: Option<String>,
}

impl BankAnswer {
    /// Whether the bank approved.
    pub fn approved(&self) -> bool {
        self.reason == ReasonCode::APPROVED
    }
}

/// An operation on money already authorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// Capture an authorization.
    Capture,
    /// Release an authorization.
    Void,
    /// Return captured money.
    Refund,
}

impl FollowUp {
    /// The operation's name in the logs.
    pub fn as_str(self) -> &'static str {
        match self {
            FollowUp::Capture => "capture",
            FollowUp::Void => "void",
            FollowUp::Refund => "refund",
        }
    }
}

/// Asks the emulated bank to authorize `amount` on a card, unless the card expired before the
/// day (UTC) of `now_ms`: that is declined with 5054 (Expired Card) and the bank never hears of
/// it, so its ledger holds no debit.
pub async fn authorize(
    db: &Db,
    reference: &str,
    pan: &Pan,
    expiry: CardExpiry,
    channel: Channel,
    amount: i64,
    now_ms: i64,
) -> anyhow::Result<BankAnswer> {
    let today = Timestamp::from_millisecond(now_ms)?
        .to_zoned(TimeZone::UTC)
        .date();
    if expiry.is_expired_on(today) {
        return Ok(BankAnswer {
            reason: ReasonCode::EXPIRED_CARD,
            auth_code: None,
        });
    }
    let reason = test_bank::answer(pan.expose(), channel);
    let auth_code = (reason == ReasonCode::APPROVED).then(|| test_bank::AUTH_CODE.to_owned());
    let stored = acquirer::bank_record(
        db,
        reference,
        "auth",
        amount,
        &(i64::from(reason.0), auth_code),
        now_ms,
    )
    .await?;
    Ok(BankAnswer {
        reason: ReasonCode(i32::try_from(stored.0)?),
        auth_code: stored.1,
    })
}

/// Capture, void or refund at the emulated bank; it always agrees.
pub async fn follow_up(
    db: &Db,
    reference: &str,
    operation: FollowUp,
    amount: i64,
    now_ms: i64,
) -> anyhow::Result<BankAnswer> {
    let stored = acquirer::bank_record(
        db,
        reference,
        operation.as_str(),
        amount,
        &(0, None),
        now_ms,
    )
    .await?;
    Ok(BankAnswer {
        reason: ReasonCode(i32::try_from(stored.0)?),
        auth_code: stored.1,
    })
}
