//! The acquirer boundary. Test mode talks to the emulated bank; live mode has no acquirer yet,
//! so live payments are refused before anything is written.
//!
//! Every call carries the gateway's unique operation reference, which the caller committed as an
//! intent first. The emulated bank keeps its own ledger keyed by that reference,
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
    let Some(outcome) = bank_answer(pan, expiry, channel, now_ms)? else {
        return Ok(expired());
    };
    let stored = acquirer::bank_record(db, reference, "auth", amount, &outcome, now_ms).await?;
    answer_of(stored)
}

/// One authorization of [`authorize_many`].
#[derive(Debug, Clone, Copy)]
pub struct Authorization<'a> {
    /// The operation's reference, its intent committed.
    pub reference: &'a str,
    /// The card.
    pub pan: &'a Pan,
    /// Its expiry.
    pub expiry: CardExpiry,
    /// How the card was presented.
    pub channel: Channel,
    /// Minor units.
    pub amount: i64,
}

/// [`authorize`] for many operations with different references, the bank's ledger written in
/// one commit; the answers in the order given.
pub async fn authorize_many(
    db: &Db,
    all: &[Authorization<'_>],
    now_ms: i64,
) -> anyhow::Result<Vec<BankAnswer>> {
    let mut asked = Vec::with_capacity(all.len());
    let mut outcomes = Vec::with_capacity(all.len());
    for a in all {
        let outcome = bank_answer(a.pan, a.expiry, a.channel, now_ms)?;
        if let Some(outcome) = &outcome {
            asked.push((a.reference, "auth", a.amount, outcome.clone()));
        }
        outcomes.push(outcome);
    }
    let stored = acquirer::bank_record_many(db, &asked, now_ms).await?;
    all.iter()
        .zip(outcomes)
        .map(|(a, outcome)| match outcome {
            None => Ok(expired()),
            Some(_) => stored
                .get(a.reference)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("the bank did not record {}", a.reference))
                .and_then(answer_of),
        })
        .collect()
}

/// What the emulated bank answers for the card, or `None` when the card expired before the day
/// (UTC) of `now_ms` and the bank is not asked.
fn bank_answer(
    pan: &Pan,
    expiry: CardExpiry,
    channel: Channel,
    now_ms: i64,
) -> anyhow::Result<Option<acquirer::BankOutcome>> {
    let today = Timestamp::from_millisecond(now_ms)?
        .to_zoned(TimeZone::UTC)
        .date();
    if expiry.is_expired_on(today) {
        return Ok(None);
    }
    let reason = test_bank::answer(pan.expose(), channel);
    let auth_code = (reason == ReasonCode::APPROVED).then(|| test_bank::AUTH_CODE.to_owned());
    Ok(Some((i64::from(reason.0), auth_code)))
}

fn expired() -> BankAnswer {
    BankAnswer {
        reason: ReasonCode::EXPIRED_CARD,
        auth_code: None,
    }
}

fn answer_of(stored: acquirer::BankOutcome) -> anyhow::Result<BankAnswer> {
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
