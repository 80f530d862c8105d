//! The merchant's answers to notifications (spec §5.3, §5.4, §4.3.2): what a Check answer
//! decides, and whether any other delivery was acknowledged.
//!
//! An answer is HTTP 200 with a JSON object carrying `code`. We read it leniently where a .NET
//! deserializer would: the key in any case (`code`, `Code`), the number also as a string
//! (`"0"`), other keys ignored (`AirlineAddendum`), surrounding whitespace and a UTF-8 byte order
//! mark (common from PHP) skipped. Anything else, an empty body included, is no answer.

use oblako_core::reason::ReasonCode;
use serde_json::Value;

/// Check declined: the handler answered with a code or body we cannot read (`FormatError`).
pub const CHECK_FORMAT_ERROR: ReasonCode = ReasonCode(3005);
/// Check declined: the handler is unavailable, HTTP 503 (`Unavailable`; the live name is
/// `CheckResponseServiceUnavailable`, which is that status's reason phrase).
pub const CHECK_UNAVAILABLE: ReasonCode = ReasonCode(3006);
/// Check declined: the handler could not be reached, did not answer in time, or answered with
/// any other HTTP status (`UnableToConnect`: "not responding / HTTP 404, 504, 508, …").
pub const CHECK_UNABLE_TO_CONNECT: ReasonCode = ReasonCode(3007);

/// What CloudPayments does with a payment after its Check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    /// `{"code":0}`: authorize.
    Proceed,
    /// Decline with this `ReasonCode` (3001–3008).
    Decline(ReasonCode),
}

impl CheckOutcome {
    /// The payment's `ReasonCode`: 0 to proceed, otherwise the decline's.
    pub fn reason_code(self) -> ReasonCode {
        match self {
            CheckOutcome::Proceed => ReasonCode::APPROVED,
            CheckOutcome::Decline(code) => code,
        }
    }
}

/// Why a Check call got no HTTP answer at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckFailure {
    /// No connection: refused, unresolvable, TLS failure, blocked address.
    NoConnection,
    /// Connected, but no answer within the timeout.
    Timeout,
}

impl CheckFailure {
    /// The decline: both are `UnableToConnect` (3007), "handler not responding" in the spec.
    pub fn outcome(self) -> CheckOutcome {
        CheckOutcome::Decline(CHECK_UNABLE_TO_CONNECT)
    }
}

/// The Check outcome of an HTTP answer with `status` and `body`.
pub fn check_outcome(status: u16, body: &[u8]) -> CheckOutcome {
    match status {
        200 => match answer_code(body) {
            Some(0) => CheckOutcome::Proceed,
            code => {
                CheckOutcome::Decline(code.and_then(check_decline).unwrap_or(CHECK_FORMAT_ERROR))
            }
        },
        503 => CheckOutcome::Decline(CHECK_UNAVAILABLE),
        _ => CheckOutcome::Decline(CHECK_UNABLE_TO_CONNECT),
    }
}

/// The decline a Check answer `code` asks for (spec §5.4): 10 → 3001 `InvalidInvoiceId`,
/// 11 → 3002 `InvalidAccountId`, 12 → 3003 `InvalidAmount`, 13 → 3008 `NotAccepted`,
/// 20 → 3004 `OutOfDate`; `None` for 0 and for codes the protocol does not define.
pub fn check_decline(code: i64) -> Option<ReasonCode> {
    match code {
        10 => Some(ReasonCode(3001)),
        11 => Some(ReasonCode(3002)),
        12 => Some(ReasonCode(3003)),
        13 => Some(ReasonCode(3008)),
        20 => Some(ReasonCode(3004)),
        _ => None,
    }
}

/// Whether a delivery of a kind other than Check succeeded: HTTP 200 and `code` 0. Anything
/// else is retried (spec §5.3).
pub fn is_acknowledged(status: u16, body: &[u8]) -> bool {
    status == 200 && answer_code(body) == Some(0)
}

/// The `code` of an answer body, read as described in the module head; `None` when the body is
/// not a JSON object with an integer `code`.
pub fn answer_code(body: &[u8]) -> Option<i64> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    let (_, code) = object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("code"))?;
    match code {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}
