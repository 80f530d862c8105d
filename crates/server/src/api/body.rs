//! Reading a request's parameters from its body (or, for GET, its query string).
//!
//! JSON when the content type is `application/json` (or `…+json`), form encoding when it is
//! `application/x-www-form-urlencoded`; with no content type, JSON if the body starts with `{`
//! and form encoding otherwise. Any other content type is refused with 415 rather than guessed
//! at. The body limit is 1 MiB: a declared larger `Content-Length` is refused before a byte is
//! read, and a body that grows past the limit is cut off with 413.

use axum::extract::{FromRequest, Request};
use axum::http::{Method, header};
use oblako_protocol::params::Params;

use crate::api::reply::ApiError;
use crate::state::AppState;

/// Largest request body accepted.
pub const MAX_BODY: usize = 1024 * 1024;

/// A request's parameters, with the method and path they were sent to.
#[derive(Debug)]
pub struct ApiRequest {
    /// The parameters.
    pub params: Params,
    /// `POST /payments/cards/charge`-style text, for idempotency fingerprints.
    pub target: String,
}

impl FromRequest<AppState> for ApiRequest {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &AppState) -> Result<Self, ApiError> {
        let target = format!("{} {}", req.method(), req.uri().path());
        if req.method() == Method::GET {
            let query = req.uri().query().unwrap_or("");
            return Ok(ApiRequest {
                params: Params::from_form(query.as_bytes())?,
                target,
            });
        }
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY as u64) {
            return Err(ApiError::PayloadTooLarge);
        }
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let encoding = encoding_of(&content_type);
        let body = axum::body::to_bytes(req.into_body(), MAX_BODY)
            .await
            .map_err(|e| ApiError::of_body(&e))?;
        let json = match encoding {
            Some(Encoding::Json) => true,
            Some(Encoding::Form) => false,
            None if body.iter().all(u8::is_ascii_whitespace) => false,
            None if content_type.is_empty() => {
                body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
            }
            None => return Err(ApiError::UnsupportedMediaType(UNSUPPORTED)),
        };
        let params = if json {
            Params::from_json(&body)?
        } else {
            Params::from_form(&body)?
        };
        Ok(ApiRequest { params, target })
    }
}

const UNSUPPORTED: &str =
    "Unsupported Content-Type: send application/json or application/x-www-form-urlencoded";

enum Encoding {
    Json,
    Form,
}

/// The body encoding a (lower-cased) `Content-Type` names, if it is one the API reads.
fn encoding_of(content_type: &str) -> Option<Encoding> {
    let media = content_type.split(';').next().unwrap_or("").trim();
    if media == "application/json"
        || (media.starts_with("application/") && media.ends_with("+json"))
    {
        Some(Encoding::Json)
    } else if media == "application/x-www-form-urlencoded" {
        Some(Encoding::Form)
    } else {
        None
    }
}
