//! `GET /openapi.json`: the OpenAPI 3.1 description of the API, embedded in the binary.
//!
//! The file (`static/openapi.json`) is written by hand. Tests keep it honest: every operation in
//! [`super::operations`] is in it and every operation in it is routed, and the replies of every
//! kind validate against its schemas; `compat/schemathesis.sh` fuzzes a live server with it.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The description, as served.
pub const OPENAPI_JSON: &str = include_str!("../../static/openapi.json");

/// `GET /openapi.json`.
pub async fn openapi_json() -> Response {
    let mut response = OPENAPI_JSON.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
