//! How the API answers: every body is JSON, and every error speaks the wire envelope.
//!
//! Business errors are HTTP 200 with `Success:false` (spec §1.4); only authentication (401),
//! throttling (429), oversize bodies (413), slow bodies (408), bodies in another encoding (415),
//! idempotency conflicts and real faults use other
//! codes, and even those carry a small JSON body. Internal errors are logged once with their cause
//! and never shown to the caller.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oblako_protocol::envelope::Envelope;
use oblako_protocol::params::ParamError;

/// A finished API response: status and JSON bytes (exactly what idempotency stores and replays).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiReply {
    /// HTTP status.
    pub status: StatusCode,
    /// JSON body.
    pub body: Vec<u8>,
}

impl ApiReply {
    /// HTTP 200 with an envelope.
    pub fn envelope(envelope: Envelope) -> ApiReply {
        ApiReply {
            status: StatusCode::OK,
            body: envelope.to_bytes(),
        }
    }

    /// Any status with an error envelope.
    pub fn error(status: StatusCode, message: &str) -> ApiReply {
        ApiReply {
            status,
            body: Envelope::error(message).to_bytes(),
        }
    }
}

impl IntoResponse for ApiReply {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        response
    }
}

/// Why a request was not executed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Missing or wrong credentials.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Too many failures or too many requests in flight.
    #[error("{0}")]
    TooManyRequests(&'static str),
    /// The body is over the limit.
    #[error("Request body is too large")]
    PayloadTooLarge,
    /// The body did not arrive in time (`request_body_timeout_secs`).
    #[error("Request body timed out")]
    BodyTimeout,
    /// A body in neither JSON nor form encoding.
    #[error("{0}")]
    UnsupportedMediaType(&'static str),
    /// A bad parameter or body: HTTP 200, `Success:false`, the message.
    #[error(transparent)]
    Invalid(#[from] ParamError),
    /// A refused request with a message of its own (HTTP 200, `Success:false`).
    #[error("{0}")]
    Refused(String),
    /// Something broke on our side.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<oblako_store::StoreError> for ApiError {
    fn from(e: oblako_store::StoreError) -> ApiError {
        ApiError::Internal(e.into())
    }
}

impl From<oblako_gateway::FlowError> for ApiError {
    fn from(e: oblako_gateway::FlowError) -> ApiError {
        match e {
            oblako_gateway::FlowError::Invalid(e) => ApiError::Invalid(e),
            oblako_gateway::FlowError::Refused(m) => ApiError::Refused(m),
            oblako_gateway::FlowError::Internal(e) => ApiError::Internal(e),
        }
    }
}

impl ApiError {
    /// What a failed read of a request body means: too large (413) or too slow (408).
    pub fn of_body(error: &axum::Error) -> ApiError {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(e) = cause {
            if e.is::<tower_http::timeout::TimeoutError>() {
                return ApiError::BodyTimeout;
            }
            cause = e.source();
        }
        ApiError::PayloadTooLarge
    }

    /// The message a caller sees: the error's own, but never an internal cause.
    pub fn public_message(&self) -> String {
        match self {
            ApiError::Internal(_) => "Internal server error".to_owned(),
            other => other.to_string(),
        }
    }

    /// The response this error becomes.
    pub fn reply(&self) -> ApiReply {
        match self {
            ApiError::Unauthorized(m) => ApiReply::error(StatusCode::UNAUTHORIZED, m),
            ApiError::TooManyRequests(m) => ApiReply::error(StatusCode::TOO_MANY_REQUESTS, m),
            ApiError::PayloadTooLarge => {
                ApiReply::error(StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large")
            }
            ApiError::BodyTimeout => {
                ApiReply::error(StatusCode::REQUEST_TIMEOUT, "Request body timed out")
            }
            ApiError::UnsupportedMediaType(m) => {
                ApiReply::error(StatusCode::UNSUPPORTED_MEDIA_TYPE, m)
            }
            ApiError::Invalid(e) => ApiReply::error(StatusCode::OK, &e.to_string()),
            ApiError::Refused(m) => ApiReply::error(StatusCode::OK, m),
            ApiError::Internal(e) => {
                tracing::error!(error = format!("{e:#}"), "internal error");
                ApiReply::error(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
            }
        }
    }
}

/// Marks a response as a refusal, with its message, for the system log (`api::refusals`).
#[derive(Debug, Clone)]
pub struct RefusalNote(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.reply().into_response();
        let note = match &self {
            ApiError::Internal(_) => "Internal server error".to_owned(),
            other => other.to_string(),
        };
        response.extensions_mut().insert(RefusalNote(note));
        if matches!(self, ApiError::Unauthorized(_)) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Oblako\""),
            );
        }
        response
    }
}
