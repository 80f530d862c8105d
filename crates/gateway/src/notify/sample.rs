//! A sample notification sent now to check a receiver (the "Test webhook" tool): a sample payment
//! (`TransactionId` 0, 1.00 RUB, `TestMode` 1) of one kind, to the site's address for that kind
//! in the mode of the keys (or the operator's `--mode`), signed as a real one, sent once,
//! synchronously, and never stored in the outbox. Used by `POST /notifications/test` and
//! `oblako site notification-test`. The answer's body goes to the API caller only when a public
//! address gave it ([`shown_to_api`]); the operator gets it whole.

use jiff::Timestamp;
use oblako_core::card::{CardBrand, CardExpiry};
use oblako_core::ids::{Mode, SiteId};
use oblako_core::money::{Currency, Money};
use oblako_core::payment::Status;
use oblako_core::reason::ReasonCode;
use oblako_protocol::notification::{
    FormEncoding, NotificationKind, OperationType, PaymentNotice, is_acknowledged,
};
use oblako_store::notifications::settings;
use serde_json::{Value, json};

use crate::Gateway;
use crate::notify::outbox::payment_notification;
use crate::notify::send::{Target, send_signed};
use crate::notify::signing;
use crate::notify::withheld::shown_to_api;
use crate::secrets::random_hex;

/// How much of the answer is shown.
const RESPONSE_BYTES: usize = 512;

/// Why no sample was sent.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    /// The site has no address for the kind.
    #[error("No address is set for {0} notifications")]
    NoAddress(NotificationKind),
    /// Anything else (the database, the clock).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// What a sample's receiver said.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The `notifications/test` model: `Url`, `HttpStatus`, `LatencyMs`, `Response` (the start
    /// of the answer's body, or why it is not shown), `Error`, `Delivered`.
    pub model: Value,
    /// The start of the answer's body whoever gave it, for the operator.
    pub response: String,
}

/// Sends a sample `kind` to `site`'s `mode` address for it, signed with its `mode` secret, whether
/// or not the kind is switched on (a receiver can be checked before notifications start).
pub async fn send_sample(
    state: &Gateway,
    site: SiteId,
    mode: Mode,
    kind: NotificationKind,
) -> Result<Sample, SampleError> {
    let settings = settings::get(&state.db, site, mode, kind.name())
        .await
        .map_err(anyhow::Error::from)?;
    if settings.url.is_empty() {
        return Err(SampleError::NoAddress(kind));
    }
    let now = Timestamp::from_millisecond(state.now_ms()).map_err(anyhow::Error::from)?;
    let encoding = FormEncoding::from_name(&settings.encoding).unwrap_or(FormEncoding::Utf8);
    let body = payment_notification(kind, sample_notice(kind, now))
        .ok_or_else(|| anyhow::anyhow!("{kind} is not a payment notification"))?
        .body(encoding);
    let secret = signing::site_secret(&state.db, &state.secrets, site, mode).await?;
    let webhook_id = format!("test_{}", random_hex(8)?);
    let target = Target {
        mode,
        url: &settings.url,
        method: &settings.method,
        encoding,
    };
    let started = std::time::Instant::now();
    let sent = send_signed(state, target, &secret, &webhook_id, now, &body, &[]).await;
    Ok(match sent {
        Ok(answer) => {
            let start = &answer.body[..answer.body.len().min(RESPONSE_BYTES)];
            let response = String::from_utf8_lossy(start).into_owned();
            let model = json!({
                "Url": settings.url,
                "HttpStatus": answer.status,
                "LatencyMs": answer.latency.as_millis() as i64,
                "Response": shown_to_api(&response, answer.peer.map(|peer| peer.ip())),
                "Error": Value::Null,
                "Delivered": is_acknowledged(answer.status, &answer.body),
            });
            Sample { model, response }
        }
        Err(e) => {
            let model = json!({
                "Url": settings.url,
                "HttpStatus": Value::Null,
                "LatencyMs": started.elapsed().as_millis() as i64,
                "Response": "",
                "Error": e.to_string(),
                "Delivered": false,
            });
            Sample {
                model,
                response: String::new(),
            }
        }
    })
}

/// The sample payment a test notification of `kind` carries: every field a real one of that
/// kind has a value for, so the typed parsers that read real ones (aiocloudpayments' models need
/// `CardExpDate`, `OperationType`, `GatewayName`, `TotalFee`, a numeric `PaymentTransactionId`)
/// read the sample too.
pub fn sample_notice(kind: NotificationKind, now: Timestamp) -> PaymentNotice {
    let mut notice = PaymentNotice::new(0, Money::new(100, Currency::RUB), now);
    notice.card_first_six = "424242".to_owned();
    notice.card_last_four = "4242".to_owned();
    notice.card_type = Some(CardBrand::from_bin("424242"));
    notice.card_exp_date = CardExpiry::new(30, 12).ok();
    notice.test_mode = true;
    notice.issuer = Some("CloudPayments".to_owned());
    notice.issuer_bank_country = Some("RU".to_owned());
    notice.description = Some("Test notification".to_owned());
    notice.operation_type = Some(OperationType::Payment);
    notice.gateway_name = Some("Test".to_owned());
    notice.total_fee = Some(Money::new(0, Currency::RUB));
    match kind {
        NotificationKind::Fail => {
            notice.status = Status::Declined;
            notice.reason_code = ReasonCode(5051);
        }
        NotificationKind::Cancel => notice.status = Status::Cancelled,
        NotificationKind::Refund => {
            notice.payment_transaction_id = Some(0);
            notice.operation_type = Some(OperationType::Refund);
        }
        _ => notice.auth_code = Some("A1B2C3".to_owned()),
    }
    notice
}
