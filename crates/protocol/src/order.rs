//! Orders, CloudPayments' payment links (spec §2.4, §3.22–3.23): the `orders/create` request read
//! and checked from its parameters, and the order model the reply carries.
//!
//! The model emits every key, `null` when unknown, in the order of the spec's example (A.9):
//! the PyPI client indexes each key it knows. The status codes beyond `Created` = 0 are not
//! documented (spec §15.3); Oblako numbers them `Paid` = 1, `Cancelled` = 2.

use oblako_core::money::Money;
use serde::{Deserialize, Serialize};
use serde_json::Number;

use crate::params::{ParamError, Params};

pub use oblako_core::order::OrderStatus;

/// `SubscriptionBehavior`: make a subscription with the paying card once the order is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionBehavior {
    /// Charge the same amount every week.
    CreateWeekly,
    /// Charge the same amount every month.
    CreateMonthly,
}

impl SubscriptionBehavior {
    /// The wire spelling.
    pub fn name(self) -> &'static str {
        match self {
            SubscriptionBehavior::CreateWeekly => "CreateWeekly",
            SubscriptionBehavior::CreateMonthly => "CreateMonthly",
        }
    }

    /// Reads the wire spelling in any case.
    pub fn parse(text: &str) -> Option<SubscriptionBehavior> {
        [
            SubscriptionBehavior::CreateWeekly,
            SubscriptionBehavior::CreateMonthly,
        ]
        .into_iter()
        .find(|b| b.name().eq_ignore_ascii_case(text.trim()))
    }
}

/// A checked `orders/create` request.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateOrder {
    /// `Amount` in `Currency` (default RUB).
    pub amount: Money,
    /// `Description`, required.
    pub description: String,
    /// `Email`: where the link goes when `SendEmail` is true.
    pub email: Option<String>,
    /// `RequireConfirmation`: two-stage payment.
    pub require_confirmation: bool,
    /// `SendEmail`.
    pub send_email: bool,
    /// `InvoiceId`.
    pub invoice_id: Option<String>,
    /// `AccountId`.
    pub account_id: Option<String>,
    /// `OfferUri`: the terms shown on the page.
    pub offer_uri: Option<String>,
    /// `Phone`, in any format.
    pub phone: Option<String>,
    /// `SendSms`.
    pub send_sms: bool,
    /// `SendViber`.
    pub send_viber: bool,
    /// `SendWhatsApp`.
    pub send_whatsapp: bool,
    /// `CultureName` (or `CultureInfo`, as the PyPI client spells it), `ru-RU` when absent.
    pub culture_name: String,
    /// `SubscriptionBehavior`.
    pub subscription_behavior: Option<SubscriptionBehavior>,
    /// `SuccessRedirectUrl`.
    pub success_redirect_url: Option<String>,
    /// `FailRedirectUrl`.
    pub fail_redirect_url: Option<String>,
    /// `JsonData` as text.
    pub json_data: Option<String>,
}

/// Longest `Description`.
pub const MAX_DESCRIPTION: usize = 1000;
/// Longest URL parameter.
pub const MAX_URL: usize = 2048;

impl CreateOrder {
    /// Reads and checks the parameters; each violation has its own message.
    pub fn from_params(params: &Params) -> Result<CreateOrder, ParamError> {
        let currency = params.currency()?;
        let amount = params.amount("Amount", currency)?;
        let description = params.required_string("Description", MAX_DESCRIPTION)?;
        let email = non_empty(params.string_max("Email", 255)?);
        if let Some(email) = &email
            && !plausible_email(email)
        {
            return Err(ParamError::Invalid("Email".into()));
        }
        let phone = non_empty(params.string_max("Phone", 32)?);
        if let Some(phone) = &phone
            && phone.chars().filter(char::is_ascii_digit).count() < 5
        {
            return Err(ParamError::Invalid("Phone".into()));
        }
        let flag = |name: &str| params.bool(name).map(|b| b.unwrap_or(false));
        let (send_email, send_sms) = (flag("SendEmail")?, flag("SendSms")?);
        let (send_viber, send_whatsapp) = (flag("SendViber")?, flag("SendWhatsApp")?);
        if send_email && email.is_none() {
            return Err(ParamError::Required("Email".into()));
        }
        if (send_sms || send_viber || send_whatsapp) && phone.is_none() {
            return Err(ParamError::Required("Phone".into()));
        }
        if send_sms && send_viber {
            return Err(ParamError::Invalid("SendViber".into()));
        }
        let subscription_behavior = match non_empty(params.string_max("SubscriptionBehavior", 32)?)
        {
            None => None,
            Some(text) => Some(
                SubscriptionBehavior::parse(&text)
                    .ok_or_else(|| ParamError::Invalid("SubscriptionBehavior".into()))?,
            ),
        };
        // The PyPI client sends the language as `CultureInfo`.
        let culture_name = match non_empty(params.string_max("CultureName", 16)?) {
            Some(name) => name,
            None => non_empty(params.string_max("CultureInfo", 16)?)
                .unwrap_or_else(|| "ru-RU".to_owned()),
        };
        if !culture_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(ParamError::Invalid("CultureName".into()));
        }
        Ok(CreateOrder {
            amount,
            description,
            email,
            require_confirmation: flag("RequireConfirmation")?,
            send_email,
            invoice_id: non_empty(params.string_max("InvoiceId", 255)?),
            account_id: non_empty(params.string_max("AccountId", 255)?),
            offer_uri: web_url(params, "OfferUri")?,
            phone,
            send_sms,
            send_viber,
            send_whatsapp,
            culture_name,
            subscription_behavior,
            success_redirect_url: web_url(params, "SuccessRedirectUrl")?,
            fail_redirect_url: web_url(params, "FailRedirectUrl")?,
            json_data: params.json_text("JsonData", 64 * 1024)?,
        })
    }
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// One `@` with something on both sides, a dot in the domain, no spaces or angle brackets.
fn plausible_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
}

/// An `http(s)` URL without spaces or control characters, at most [`MAX_URL`] characters.
fn web_url(params: &Params, name: &str) -> Result<Option<String>, ParamError> {
    let Some(url) = non_empty(params.string_max(name, MAX_URL)?) else {
        return Ok(None);
    };
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host)
            if !host.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(Some(url))
        }
        _ => Err(ParamError::Invalid(name.to_owned())),
    }
}

/// The order model (spec §2.4), as `orders/create` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderModel {
    /// The 16-character id in the link.
    pub id: String,
    /// The merchant's sequential order number.
    #[serde(default)]
    pub number: i64,
    /// The amount.
    pub amount: Number,
    /// The currency code.
    #[serde(default)]
    pub currency: String,
    /// The currency's numeric code.
    #[serde(default)]
    pub currency_code: i32,
    /// The payer's e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// The payer's phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// The purpose.
    #[serde(default)]
    pub description: String,
    /// Two-stage when true.
    #[serde(default)]
    pub require_confirmation: bool,
    /// The payment page.
    #[serde(default)]
    pub url: String,
    /// The page's and e-mail's language.
    #[serde(default)]
    pub culture_name: String,
    /// Creation, `/Date(ms)/`.
    #[serde(default)]
    pub created_date: String,
    /// Creation, ISO text (UTC).
    #[serde(default)]
    pub created_date_iso: String,
    /// Payment, `/Date(ms)/`; null until paid.
    #[serde(default)]
    pub payment_date: Option<String>,
    /// Payment, ISO text (UTC).
    #[serde(default)]
    pub payment_date_iso: Option<String>,
    /// [`OrderStatus::code`].
    #[serde(default)]
    pub status_code: i32,
    /// [`OrderStatus::name`].
    #[serde(default)]
    pub status: String,
    /// The gateway's own numeric id.
    #[serde(default)]
    pub internal_id: i64,
}

#[cfg(test)]
mod tests;
