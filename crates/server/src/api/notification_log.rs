//! `notifications/list`, `notifications/get`, `notifications/resend` and `notifications/test`
//! (visibility and control): a site's own notification log, one notification with its
//! attempts, sending a failed or delivered one again, and a sample sent now to check a receiver.
//!
//! Everything is scoped to the authenticated site and the mode of its keys:
//! another site's notification id, or one of the other mode, answers exactly like a missing one,
//! so live keys never read nor resend test-mode notifications and the other way round. Dates
//! are ISO 8601 UTC (`2026-09-21T10:15:00Z`).
//!
//! The test notification is [`crate::notify::sample`]. An answer's body (`Response`, in the test
//! notification and in the attempt log) is shown only when a public address gave it
//! ([`shown_to_api`]), so no key reads loopback or private services through the gateway.

use axum::extract::State;
use jiff::Timestamp;
use jiff::tz::Offset;
use oblako_protocol::dates::iso_date;
use oblako_protocol::envelope::Envelope;
use oblako_protocol::notification::NotificationKind;
use oblako_store::notifications::{self, AttemptRow, ListFilter, Notification};
use serde_json::{Value, json};

use crate::api::auth::Principal;
use crate::api::body::ApiRequest;
use crate::api::reply::{ApiError, ApiReply};
use crate::notify::sample::{SampleError, send_sample};
use crate::notify::withheld::shown_to_api;
use crate::state::AppState;

/// Rows per page when `PageSize` is left out.
pub const DEFAULT_PAGE: i64 = 50;
/// Most rows per page.
pub const MAX_PAGE: i64 = 100;

const NOT_FOUND: &str = "Notification not found";
const TEST_TYPES: &str = "Pay, Fail, Confirm, Refund, Cancel or Check";

/// `at_ms` as an ISO 8601 UTC date.
pub fn utc_date(at_ms: i64) -> Option<String> {
    let at = Timestamp::from_millisecond(at_ms).ok()?;
    Some(format!("{}Z", iso_date(at, Offset::UTC)))
}

/// A notification as the list shows it.
pub fn notification_model(n: &Notification) -> Value {
    json!({
        "Id": n.id,
        "Type": n.kind,
        "TransactionId": n.transaction_id,
        "Sequence": n.sequence,
        "State": n.state.as_str(),
        "Attempts": n.attempts,
        // Only a pending notification has a next attempt.
        "NextAttemptAt": (n.state == notifications::State::Pending)
            .then(|| utc_date(n.next_attempt_at))
            .flatten(),
        "CreatedAt": utc_date(n.created_at),
        "DeliveredAt": n.delivered_at.and_then(utc_date),
        "Url": n.url,
        "Method": n.method,
        "LastError": n.last_error,
    })
}

fn attempt_model(a: &AttemptRow) -> Value {
    json!({
        "Attempt": a.attempt,
        "StartedAt": utc_date(a.started_at),
        "Url": a.url,
        "Delivered": a.delivered,
        "HttpStatus": a.http_status,
        "LatencyMs": a.latency_ms,
        "Response": shown_to_api(&a.response_snippet, a.remote_ip),
        "Error": a.error,
    })
}

fn required_id(request: &ApiRequest) -> Result<i64, ApiError> {
    request
        .params
        .i64("Id")?
        .ok_or_else(|| ApiError::Refused("Id is required".into()))
}

/// `POST /notifications/list`: newest first, `BeforeId` pages back.
pub async fn notifications_list(
    State(state): State<AppState>,
    principal: Principal,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let params = &request.params;
    let wanted_state = match params.string_max("State", 16)? {
        None => None,
        Some(text) => Some(
            notifications::State::parse(&text.trim().to_ascii_lowercase()).ok_or_else(|| {
                ApiError::Refused(
                    "Invalid State value: expected pending, delivered, failed or cancelled".into(),
                )
            })?,
        ),
    };
    let limit = params.i64("PageSize")?.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::Refused(format!(
            "PageSize must be between 1 and {MAX_PAGE}"
        )));
    }
    let filter = ListFilter {
        state: wanted_state,
        mode: Some(principal.mode),
        transaction_id: params.i64("TransactionId")?,
        before_id: params.i64("BeforeId")?,
        limit,
    };
    let rows = notifications::list(&state.db, principal.site.id, &filter).await?;
    let model: Vec<Value> = rows.iter().map(notification_model).collect();
    Ok(ApiReply::envelope(Envelope::ok(Value::Array(model))))
}

/// `POST /notifications/get`: the notification, its body and its attempts.
pub async fn notifications_get(
    State(state): State<AppState>,
    principal: Principal,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let id = required_id(&request)?;
    let (site, mode) = (principal.site.id, principal.mode);
    let found = notifications::get(&state.db, site, mode, id)
        .await?
        .ok_or_else(|| ApiError::Refused(NOT_FOUND.into()))?;
    let attempts = notifications::attempts(&state.db, site, mode, id).await?;
    let mut model = notification_model(&found);
    model["Body"] = json!(found.body);
    model["AttemptLog"] = attempts.iter().map(attempt_model).collect();
    Ok(ApiReply::envelope(Envelope::ok(model)))
}

/// `POST /notifications/resend`: a failed or delivered notification is due again now.
pub async fn notifications_resend(
    State(state): State<AppState>,
    principal: Principal,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let id = required_id(&request)?;
    let (site, mode) = (principal.site.id, principal.mode);
    if !notifications::resend(&state.db, site, mode, id, state.now_ms()).await? {
        // Tell "not yours or missing" from "in a state that cannot be resent".
        return Err(ApiError::Refused(
            match notifications::get(&state.db, site, mode, id).await? {
                None => NOT_FOUND.into(),
                Some(n) => format!(
                    "Notification {id} is {}: only failed or delivered notifications can be resent",
                    n.state.as_str()
                ),
            },
        ));
    }
    state.delivery.ring();
    Ok(ApiReply::envelope(Envelope::ok(Value::Null)))
}

fn test_kind(name: &str) -> Result<NotificationKind, ApiError> {
    match NotificationKind::parse(name.trim()) {
        Some(kind @ (NotificationKind::Recurrent | NotificationKind::Receipt)) => Err(
            ApiError::Refused(format!("{kind} cannot be tested: expected {TEST_TYPES}")),
        ),
        Some(kind) => Ok(kind),
        None => Err(ApiError::Refused(format!(
            "Invalid Type value: expected {TEST_TYPES}"
        ))),
    }
}

/// `POST /notifications/test`: a sample of `Type` sent now to the site's address for it.
pub async fn notifications_test(
    State(state): State<AppState>,
    principal: Principal,
    request: ApiRequest,
) -> Result<ApiReply, ApiError> {
    let kind = test_kind(&request.params.required_string("Type", 16)?)?;
    match send_sample(&state, principal.site.id, principal.mode, kind).await {
        Ok(sample) => Ok(ApiReply::envelope(Envelope::ok(sample.model))),
        Err(e @ SampleError::NoAddress(_)) => Err(ApiError::Refused(e.to_string())),
        Err(SampleError::Other(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso_utc_and_test_types_are_checked() {
        assert_eq!(
            utc_date(1_790_000_000_000).as_deref(),
            Some("2026-09-21T14:13:20Z")
        );
        assert_eq!(test_kind("pAy").unwrap(), NotificationKind::Pay);
        assert_eq!(test_kind("check").unwrap(), NotificationKind::Check);
        for name in ["Receipt", "recurrent", "nope"] {
            assert!(test_kind(name).is_err(), "{name}");
        }
    }
}
