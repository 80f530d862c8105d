//! The subscription model as it travels in an envelope's `Model` (spec §2.3), and the request
//! parameters of `subscriptions/create` and `subscriptions/update` (§3.17, §3.20) by their
//! external names.
//!
//! The model emits every key, `null` when unknown, in the order of the spec's example (A.8):
//! typed clients index keys rather than test for them. `*Date` fields are `/Date(ms)/`, `*DateIso`
//! fields `yyyy-MM-ddTHH:mm:ss` in UTC, which the Python client parses with exactly that pattern.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};
use oblako_core::money::Money;
use oblako_core::subscription::{Interval, Status};
use serde::Serialize;
use serde_json::Value;

use crate::amount::amount_json;
use crate::dates::{iso_date, ms_date};
use crate::params::{ParamError, Params};

/// A subscription (spec §2.3).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubscriptionModel {
    /// `sc_` and 29 hex digits.
    pub id: String,
    /// The payer.
    pub account_id: String,
    /// Purpose.
    pub description: Option<String>,
    /// Payer e-mail.
    pub email: Option<String>,
    /// Each charge.
    pub amount: Value,
    /// Numeric currency (RUB = 0).
    pub currency_code: i32,
    /// ISO currency.
    pub currency: String,
    /// Whether charges are two-stage.
    pub require_confirmation: bool,
    /// `/Date(ms)/`.
    pub start_date: String,
    /// `yyyy-MM-ddTHH:mm:ss`.
    pub start_date_iso: String,
    /// Week 0, Month 1, Day 2.
    pub interval_code: i32,
    /// `Day`, `Week`, `Month`.
    pub interval: String,
    /// Intervals between charges.
    pub period: u32,
    /// Most charges, `null` for no limit.
    pub max_periods: Option<u32>,
    /// Language of payer e-mails.
    pub culture_name: String,
    /// See [`Status::code`].
    pub status_code: i32,
    /// See [`Status::as_str`].
    pub status: String,
    /// Successful charges.
    pub successful_transactions_number: u32,
    /// Consecutive failed charges.
    pub failed_transactions_number: u32,
    /// Last successful charge.
    pub last_transaction_date: Option<String>,
    /// The same, ISO.
    pub last_transaction_date_iso: Option<String>,
    /// Next charge, `null` unless active or past due.
    pub next_transaction_date: Option<String>,
    /// The same, ISO.
    pub next_transaction_date_iso: Option<String>,
    /// Receipt template for each charge.
    pub receipt: Option<Value>,
    /// Backup-acquirer scheme.
    pub failover_scheme_id: Option<String>,
}

/// The values a model is printed from.
#[derive(Debug, Clone)]
pub struct SubscriptionFacts<'a> {
    /// Id.
    pub id: &'a str,
    /// AccountId.
    pub account_id: &'a str,
    /// Description.
    pub description: Option<&'a str>,
    /// Email.
    pub email: Option<&'a str>,
    /// Amount and currency.
    pub amount: Money,
    /// RequireConfirmation.
    pub require_confirmation: bool,
    /// StartDate.
    pub start: Timestamp,
    /// Interval.
    pub interval: Interval,
    /// Period.
    pub period: u32,
    /// MaxPeriods.
    pub max_periods: Option<u32>,
    /// CultureName.
    pub culture: &'a str,
    /// Status.
    pub status: Status,
    /// Successful charges.
    pub successful: u32,
    /// Consecutive failures.
    pub failed: u32,
    /// Last success.
    pub last: Option<Timestamp>,
    /// Next charge.
    pub next: Option<Timestamp>,
    /// Receipt JSON.
    pub receipt: Option<Value>,
}

impl SubscriptionModel {
    /// The model of `facts`.
    pub fn of(facts: SubscriptionFacts<'_>) -> SubscriptionModel {
        let iso = |at: Timestamp| iso_date(at, Offset::UTC);
        SubscriptionModel {
            id: facts.id.to_owned(),
            account_id: facts.account_id.to_owned(),
            description: facts.description.map(str::to_owned),
            email: facts.email.map(str::to_owned),
            amount: amount_json(facts.amount),
            currency_code: i32::from(facts.amount.currency.numeric()),
            currency: facts.amount.currency.code().to_owned(),
            require_confirmation: facts.require_confirmation,
            start_date: ms_date(facts.start),
            start_date_iso: iso(facts.start),
            interval_code: facts.interval.code(),
            interval: facts.interval.as_str().to_owned(),
            period: facts.period,
            max_periods: facts.max_periods,
            culture_name: facts.culture.to_owned(),
            status_code: facts.status.code(),
            status: facts.status.as_str().to_owned(),
            successful_transactions_number: facts.successful,
            failed_transactions_number: facts.failed,
            last_transaction_date: facts.last.map(ms_date),
            last_transaction_date_iso: facts.last.map(iso),
            next_transaction_date: facts.next.map(ms_date),
            next_transaction_date_iso: facts.next.map(iso),
            receipt: facts.receipt,
            failover_scheme_id: None,
        }
    }
}

/// A request `StartDate` (spec §1.7): ISO-8601, UTC when no offset is given; fractional seconds
/// and `Z` accepted.
pub fn parse_start_date(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(at) = text.parse::<Timestamp>() {
        return Some(at);
    }
    let civil: DateTime = text.parse().ok()?;
    civil.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

/// `StartDate` of a request, if given.
pub fn start_date(params: &Params) -> Result<Option<Timestamp>, ParamError> {
    match params.string_max("StartDate", 64)? {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(None),
        Some(text) => parse_start_date(&text)
            .map(Some)
            .ok_or_else(|| ParamError::Invalid("StartDate".into())),
    }
}

/// The external names of `subscriptions/create` (spec §3.17).
pub mod create {
    /// Card token.
    pub const TOKEN: &str = "Token";
    /// Payer.
    pub const ACCOUNT_ID: &str = "AccountId";
    /// Purpose.
    pub const DESCRIPTION: &str = "Description";
    /// Payer e-mail.
    pub const EMAIL: &str = "Email";
    /// Each charge.
    pub const AMOUNT: &str = "Amount";
    /// Two-stage charges.
    pub const REQUIRE_CONFIRMATION: &str = "RequireConfirmation";
    /// First charge.
    pub const START_DATE: &str = "StartDate";
    /// `Day`, `Week`, `Month`.
    pub const INTERVAL: &str = "Interval";
    /// Intervals between charges.
    pub const PERIOD: &str = "Period";
    /// Most charges.
    pub const MAX_PERIODS: &str = "MaxPeriods";
    /// Receipt template.
    pub const CUSTOMER_RECEIPT: &str = "CustomerReceipt";
    /// Language of payer e-mails.
    pub const CULTURE_NAME: &str = "CultureName";
}

#[cfg(test)]
mod tests {
    use oblako_core::money::Currency;

    use super::*;

    #[test]
    fn the_model_prints_the_spec_example() {
        let at = Timestamp::from_millisecond(1_635_886_800_000).unwrap();
        let model = SubscriptionModel::of(SubscriptionFacts {
            id: "sc_221da6421dc44dbd2cc3464f6f083",
            account_id: "user_x",
            description: Some("Ежемесячная подписка на сервис example.com"),
            email: Some("user@example.com"),
            amount: Money::new(39_900, Currency::RUB),
            require_confirmation: false,
            start: at,
            interval: Interval::Day,
            period: 5,
            max_periods: None,
            culture: "ru-RU",
            status: Status::Active,
            successful: 0,
            failed: 0,
            last: None,
            next: Some(at),
            receipt: None,
        });
        let expected = r#"{"Id":"sc_221da6421dc44dbd2cc3464f6f083","AccountId":"user_x","Description":"Ежемесячная подписка на сервис example.com","Email":"user@example.com","Amount":399,"CurrencyCode":0,"Currency":"RUB","RequireConfirmation":false,"StartDate":"/Date(1635886800000)/","StartDateIso":"2021-11-02T21:00:00","IntervalCode":2,"Interval":"Day","Period":5,"MaxPeriods":null,"CultureName":"ru-RU","StatusCode":0,"Status":"Active","SuccessfulTransactionsNumber":0,"FailedTransactionsNumber":0,"LastTransactionDate":null,"LastTransactionDateIso":null,"NextTransactionDate":"/Date(1635886800000)/","NextTransactionDateIso":"2021-11-02T21:00:00","Receipt":null,"FailoverSchemeId":null}"#;
        assert_eq!(serde_json::to_string(&model).unwrap(), expected);
    }

    #[test]
    fn start_dates_take_the_spec_forms() {
        let z = parse_start_date("2014-08-06T16:46:29.5377246Z").unwrap();
        assert_eq!(z.as_millisecond(), 1_407_343_589_537);
        let bare = parse_start_date("2021-11-02T21:00:00").unwrap();
        assert_eq!(bare.as_millisecond(), 1_635_886_800_000);
        assert!(parse_start_date("2021-11-02T21:00:00+03:00").is_some());
        assert_eq!(parse_start_date("tomorrow"), None);
    }
}
