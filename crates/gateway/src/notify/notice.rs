//! A stored transaction as a notification's values (spec §5.5): which date, amount and status a
//! kind reports, and the card, payer and merchant fields as the transaction model shows them,
//! so a merchant's records agree whichever of the two it reads.

use jiff::Timestamp;
use oblako_core::card::{CardBrand, CardExpiry};
use oblako_core::ids::Mode;
use oblako_core::money::Money;
use oblako_core::payment::{Kind, Stage, Status};
use oblako_core::reason::ReasonCode;
use oblako_protocol::notification::{NotificationKind, OperationType, PaymentNotice};
use oblako_store::transactions::TransactionRow;

/// The values a `kind` notification of `row` carries; `at` is when the event happened (a
/// refund's or cancellation's time; the other kinds report the payment's creation).
pub fn payment_notice(
    row: &TransactionRow,
    kind: NotificationKind,
    at: Timestamp,
) -> PaymentNotice {
    let currency = row.currency;
    let minor = match kind {
        NotificationKind::Confirm if row.captured > 0 => row.captured,
        _ => row.amount,
    };
    let amount = Money::new(minor, currency);
    let date_time = match kind {
        NotificationKind::Refund | NotificationKind::Cancel => at,
        _ => Timestamp::from_millisecond(row.created_at).unwrap_or(at),
    };
    let test_mode = row.mode == Mode::Test;
    let refund = row.kind == Kind::Refund;
    let mut notice = PaymentNotice::new(row.id, amount, date_time);
    notice.payment_transaction_id = row.original_id;
    notice.invoice_id = row.invoice_id.clone();
    notice.account_id = row.account_id.clone();
    notice.subscription_id = row.subscription_id.clone();
    notice.name = row.name.clone();
    notice.email = row.email.clone();
    notice.ip_address = Some(row.ip_address.clone());
    notice.card_first_six = row.card_first_six.clone();
    notice.card_last_four = row.card_last_four.clone();
    notice.card_type =
        (!row.card_first_six.is_empty()).then(|| CardBrand::from_bin(&row.card_first_six));
    notice.card_exp_date = expiry(&row.card_exp);
    notice.issuer = test_mode.then(|| "CloudPayments".to_owned());
    notice.issuer_bank_country = Some("RU".to_owned());
    notice.description = row.description.clone();
    notice.auth_code = row.auth_code.clone();
    notice.token = row.token.clone();
    notice.test_mode = test_mode;
    notice.status = status_reported(row, kind);
    notice.reason_code = ReasonCode(i32::try_from(row.reason_code).unwrap_or(0));
    notice.data = row.json_data.clone();
    notice.operation_type = Some(if refund {
        OperationType::Refund
    } else {
        OperationType::Payment
    });
    notice.gateway_name = Some(if test_mode { "Test" } else { "" }.to_owned());
    // The model's `TotalFee` (Oblako takes no fee). Spec §5.5 lists it for Pay, which alone
    // carries it, and aiocloudpayments' `PayNotification` cannot be parsed without it.
    notice.total_fee = Some(Money::new(0, currency));
    notice
}

/// The `Status` a notification shows. Check goes out before the bank is asked, so it reports
/// the status the payment gets if it goes through, as CloudPayments does.
fn status_reported(row: &TransactionRow, kind: NotificationKind) -> Status {
    match (kind, row.status) {
        (NotificationKind::Check, Status::Processing | Status::AwaitingAuthentication) => {
            if row.stage == Stage::TwoStage {
                Status::Authorized
            } else {
                Status::Completed
            }
        }
        (_, status) => status,
    }
}

fn expiry(mm_yy: &str) -> Option<CardExpiry> {
    let (mm, yy) = mm_yy.split_once('/')?;
    CardExpiry::new(yy.trim().parse().ok()?, mm.trim().parse().ok()?).ok()
}

#[cfg(test)]
mod tests;
