//! Operator endpoints: `/healthz` (the process is up), `/readyz` (the database answers) and
//! `/metrics` (Prometheus text).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oblako_store::Db;

use crate::api::reply::ApiReply;
use crate::state::AppState;

/// `GET /healthz`.
pub async fn healthz() -> ApiReply {
    ApiReply {
        status: StatusCode::OK,
        body: br#"{"status":"ok"}"#.to_vec(),
    }
}

/// `GET /readyz`: 200 when the database answers, 503 otherwise.
pub async fn readyz(State(state): State<AppState>) -> ApiReply {
    match state.db.ping().await {
        Ok(()) => ApiReply {
            status: StatusCode::OK,
            body: br#"{"status":"ready"}"#.to_vec(),
        },
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            ApiReply {
                status: StatusCode::SERVICE_UNAVAILABLE,
                body: br#"{"status":"database unavailable"}"#.to_vec(),
            }
        }
    }
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> Response {
    if let Db::Sqlite(sqlite) = &state.db {
        let stats = sqlite.writer.stats();
        metrics::counter!("oblako_sqlite_commits_total").absolute(stats.batches);
        metrics::counter!("oblako_sqlite_committed_writes_total").absolute(stats.members);
        metrics::gauge!("oblako_sqlite_writes_waiting").set(stats.waiting as f64);
    }
    for (kind, stats) in state.db.groups().map(|g| g.stats()).into_iter().flatten() {
        metrics::counter!("oblako_grouped_batches_total", "kind" => kind).absolute(stats.batches);
        metrics::counter!("oblako_grouped_writes_total", "kind" => kind).absolute(stats.members);
    }
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
