//! Creating, updating and cancelling subscriptions (spec §3.17, §3.20, §3.21), with the rules the
//! API shares with subscriptions made from a payment: a schedule's start in the future, a period
//! of at least one interval and at most a year, and a token of the same site and account.

use oblako_core::ids::{Mode, SiteId};
use oblako_core::money::Money;
use oblako_core::subscription::{Billing, Interval, Schedule};
use oblako_store::Tx;
use oblako_store::subscriptions::{self, SubscriptionRow};
use oblako_store::{sites, tokens};

use crate::FlowError;
use crate::Gateway;
use crate::notify::outbox::NoticeSettings;
use crate::subscriptions::notices::{self, NoticeKind};
use crate::subscriptions::recurrent::announce_status;
use crate::subscriptions::{apply, billing_of, new_id, schedule_of};

/// `StartDate` at or before now.
pub const START_IN_PAST: &str = "StartDate must be in the future";
/// `StartDate` more than a year ahead.
pub const START_TOO_FAR: &str = "StartDate must be within one year from now";
/// `Interval` other than Day, Week, Month.
pub const BAD_INTERVAL: &str = "Interval must be Day, Week or Month";
/// `Period` of 0 or less.
pub const BAD_PERIOD: &str = "Period must be greater than 0";
/// `Period` × `Interval` over a year.
pub const GAP_TOO_LONG: &str = "The interval between payments must not exceed one year";
/// `MaxPeriods` of 0 or less.
pub const BAD_MAX_PERIODS: &str = "MaxPeriods must be greater than 0";
/// A token of another site, another account, or none.
pub const TOKEN_NOT_FOUND: &str = "Token not found";

const YEAR_MS: i64 = 366 * 24 * 3600 * 1000;

/// `Interval` text, checked.
pub fn interval(text: &str) -> Result<Interval, FlowError> {
    Interval::parse(text).ok_or_else(|| FlowError::Refused(BAD_INTERVAL.into()))
}

/// `Period` for `interval`, checked: > 0 and at most a year.
pub fn period(value: i64, interval: Interval) -> Result<u32, FlowError> {
    if value <= 0 {
        return Err(FlowError::Refused(BAD_PERIOD.into()));
    }
    match u32::try_from(value) {
        Ok(p) if p <= interval.max_period() => Ok(p),
        _ => Err(FlowError::Refused(GAP_TOO_LONG.into())),
    }
}

/// `MaxPeriods`, checked: > 0 if given.
pub fn max_periods(value: Option<i64>) -> Result<Option<u32>, FlowError> {
    match value {
        None => Ok(None),
        Some(v) if v > 0 => Ok(Some(u32::try_from(v).unwrap_or(u32::MAX))),
        Some(_) => Err(FlowError::Refused(BAD_MAX_PERIODS.into())),
    }
}

/// `StartDate`, checked: after `now_ms` and within a year of it.
pub fn start(start_ms: i64, now_ms: i64) -> Result<i64, FlowError> {
    if start_ms <= now_ms {
        return Err(FlowError::Refused(START_IN_PAST.into()));
    }
    if start_ms > now_ms.saturating_add(YEAR_MS) {
        return Err(FlowError::Refused(START_TOO_FAR.into()));
    }
    Ok(start_ms)
}

/// A subscription to create, validated.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    /// Card token.
    pub token: String,
    /// Payer.
    pub account_id: String,
    /// Purpose.
    pub description: Option<String>,
    /// Payer e-mail.
    pub email: Option<String>,
    /// Each charge.
    pub amount: Money,
    /// Two-stage charges.
    pub require_confirmation: bool,
    /// First charge, Unix ms.
    pub start_ms: i64,
    /// Unit.
    pub interval: Interval,
    /// Units between charges.
    pub period: u32,
    /// Most charges.
    pub max_periods: Option<u32>,
    /// `CustomerReceipt` JSON text.
    pub receipt: Option<String>,
    /// `CultureName`.
    pub culture: String,
    /// The payment it comes from.
    pub source_transaction_id: Option<i64>,
}

/// The row of a new, active subscription.
pub fn new_row(
    site: SiteId,
    mode: Mode,
    new: NewSubscription,
    now_ms: i64,
) -> anyhow::Result<SubscriptionRow> {
    let schedule = Schedule {
        anchor_ms: new.start_ms,
        anchor_index: 0,
        interval: new.interval,
        period: new.period,
    };
    let billing = Billing::start(&schedule, new.max_periods);
    let mut row = SubscriptionRow {
        id: new_id()?,
        site_id: site,
        mode,
        account_id: new.account_id,
        token: new.token,
        description: new.description,
        email: new.email,
        amount: new.amount.minor,
        currency: new.amount.currency,
        require_confirmation: new.require_confirmation,
        start_at: new.start_ms,
        unit: schedule.interval,
        period: 0,
        max_periods: None,
        culture: new.culture,
        receipt: new.receipt,
        status: billing.status,
        successful: 0,
        failed: 0,
        last_at: None,
        next_at: None,
        anchor_at: 0,
        anchor_index: 0,
        period_index: 0,
        source_transaction_id: new.source_transaction_id,
        created_at: now_ms,
        updated_at: now_ms,
    };
    apply(&mut row, &billing, &schedule, now_ms);
    Ok(row)
}

/// `subscriptions/create`: checks the token belongs to the site, mode and account, then stores.
pub async fn create(
    state: &Gateway,
    site: SiteId,
    mode: Mode,
    new: NewSubscription,
) -> Result<SubscriptionRow, FlowError> {
    let owner = tokens::get(&state.db, site, mode, &new.token).await?;
    if owner.is_none_or(|(account, _)| account != new.account_id) {
        return Err(FlowError::Refused(TOKEN_NOT_FOUND.into()));
    }
    let row = new_row(site, mode, new, state.site_now_ms(site).await?)?;
    let mut tx = state.db.begin_write().await?;
    subscriptions::insert(&mut tx, &row).await?;
    tx.commit().await?;
    Ok(row)
}

/// What `subscriptions/update` may replace; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Purpose.
    pub description: Option<String>,
    /// Payer e-mail.
    pub email: Option<String>,
    /// Each charge (with its currency).
    pub amount: Option<Money>,
    /// Two-stage charges.
    pub require_confirmation: Option<bool>,
    /// Next charge, Unix ms, already checked.
    pub start_ms: Option<i64>,
    /// Unit.
    pub interval: Option<Interval>,
    /// Units between charges (checked against the resulting unit by [`update`]).
    pub period: Option<i64>,
    /// Most charges.
    pub max_periods: Option<u32>,
    /// `CustomerReceipt` JSON text.
    pub receipt: Option<String>,
    /// `CultureName`.
    pub culture: Option<String>,
}

/// `subscriptions/update`: replaces the given values; re-activates a finished subscription
/// (spec §3.20). Sends no Recurrent notification. `None` when `site` has no such subscription.
pub async fn update(
    state: &Gateway,
    site: SiteId,
    mode: Mode,
    id: &str,
    changes: Changes,
) -> Result<Option<SubscriptionRow>, FlowError> {
    let now = state.site_now_ms(site).await?;
    let mut tx = state.db.begin_write().await?;
    let Some(mut row) = subscriptions::get_for_update(&mut tx, site, mode, id).await? else {
        return Ok(None);
    };
    let old = schedule_of(&row)?;
    let interval = changes.interval.unwrap_or(old.interval);
    let period = period(changes.period.unwrap_or(i64::from(old.period)), interval)?;
    let rescheduled =
        (changes.start_ms.is_some() || changes.interval.is_some() || changes.period.is_some())
            .then(|| {
                let anchor_ms = changes
                    .start_ms
                    .or(row.next_at)
                    .or_else(|| {
                        old.next_after(row.period_index, now)
                            .and_then(|k| old.date(k))
                    })
                    .unwrap_or(now);
                Schedule {
                    anchor_ms,
                    anchor_index: 0,
                    interval,
                    period,
                }
            });
    let max = changes
        .max_periods
        .or(row.max_periods.and_then(|m| u32::try_from(m).ok()));
    let (billing, schedule) = billing_of(&row)?.updated(old, rescheduled, max, now);
    if let Some(text) = changes.description {
        row.description = Some(text);
    }
    if let Some(text) = changes.email {
        row.email = Some(text);
    }
    if let Some(amount) = changes.amount {
        row.amount = amount.minor;
        row.currency = amount.currency;
    }
    if let Some(flag) = changes.require_confirmation {
        row.require_confirmation = flag;
    }
    if let Some(start) = changes.start_ms {
        row.start_at = start;
    }
    if let Some(receipt) = changes.receipt {
        row.receipt = Some(receipt);
    }
    if let Some(culture) = changes.culture {
        row.culture = culture;
    }
    apply(&mut row, &billing, &schedule, now);
    subscriptions::save(&mut tx, &row).await?;
    tx.commit().await?;
    Ok(Some(row))
}

/// `subscriptions/cancel`: `Cancelled`, with a Recurrent notification when the status changed.
/// `None` when `site` has no such subscription.
pub async fn cancel(
    state: &Gateway,
    site: SiteId,
    mode: Mode,
    id: &str,
) -> Result<Option<SubscriptionRow>, FlowError> {
    let settings = NoticeSettings::load(state, site, mode).await?;
    let merchant = sites::site(&state.db, site)
        .await?
        .map(|s| s.name)
        .unwrap_or_default();
    let now = state.site_now_ms(site).await?;
    let mut tx = state.db.begin_write().await?;
    let Some(mut row) = subscriptions::get_for_update(&mut tx, site, mode, id).await? else {
        return Ok(None);
    };
    let before = billing_of(&row)?;
    let after = before.cancelled();
    if after == before {
        drop(tx);
        return Ok(Some(row));
    }
    let schedule = schedule_of(&row)?;
    apply(&mut row, &after, &schedule, now);
    let queued = save_announcing(&settings, &mut tx, &row, now).await?;
    let mailed = notices::queue(state, &mut tx, &merchant, NoticeKind::Cancelled, &row, now);
    let mailed = mailed.await?.is_some();
    tx.commit().await?;
    if queued {
        state.delivery.ring();
    }
    if mailed {
        state.mail.ring();
    }
    Ok(Some(row))
}

/// Saves `row` whose status changed and queues its Recurrent notification, inside `tx`.
pub async fn save_announcing(
    settings: &NoticeSettings,
    tx: &mut Tx,
    row: &SubscriptionRow,
    now_ms: i64,
) -> anyhow::Result<bool> {
    subscriptions::save(tx, row).await?;
    announce_status(settings, tx, row, now_ms).await
}
