//! The connector's HTTP face and its wiring: the routes (each also under `/_cloudpayments_/`),
//! the request extractor that every notification handler reads, and [`run`], which opens the
//! database, starts the forwarder and serves until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::Notify;

use crate::config::{Config, INSECURE_VAR};
use crate::db::Db;
use crate::forward::Forwarder;
use crate::incoming::Incoming;
use crate::writer::PayWriter;
use crate::{card, clock, notifications};

/// The largest notification body accepted.
const BODY_LIMIT: usize = 64 * 1024;

/// What every handler shares.
#[derive(Debug)]
pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub client: reqwest::Client,
    /// Rings when a new payment is recorded, so the forwarder need not poll for it.
    pub forwarder_wake: Arc<Notify>,
    /// Commits Pays in groups.
    pub payments: PayWriter,
}

impl<S: Send + Sync> FromRequest<S> for Incoming {
    type Rejection = Response;

    async fn from_request(request: Request, _: &S) -> Result<Incoming, Response> {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(SocketAddr::from(([0, 0, 0, 0], 0)), |c| c.0);
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, BODY_LIMIT)
            .await
            .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "body too large\n").into_response())?;
        Ok(Incoming {
            peer,
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            body: body.to_vec(),
        })
    }
}

/// The routes.
pub fn router(state: Arc<AppState>) -> Router {
    let notifications = Router::new()
        .route(
            "/check",
            get(notifications::check).post(notifications::check),
        )
        .route("/pay", get(notifications::pay).post(notifications::pay))
        .route("/pub/card", get(card::pub_card));
    Router::new()
        .merge(notifications.clone())
        .nest("/_cloudpayments_", notifications)
        .route("/healthz", get(|| async { "ok\n" }))
        .fallback(not_found)
        .with_state(state)
}

/// Any other path: logged, then 404.
async fn not_found(State(state): State<Arc<AppState>>, incoming: Incoming) -> Response {
    let now = clock::format_utc(clock::now_ms());
    if let Err(e) = state.db.log_request(&incoming.log_row(), &now).await {
        tracing::error!(error = %e, "cannot log a request");
    }
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

/// The HTTP client for the backend: no redirects, short connect timeout.
pub fn backend_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(5))
        .pool_max_idle_per_host(64)
        .build()
        .unwrap_or_default()
}

/// Builds the state: opens and migrates the database.
pub async fn state(config: Config) -> anyhow::Result<Arc<AppState>> {
    let db = Db::open(&config.database_url).await?;
    Ok(Arc::new(AppState {
        config,
        payments: PayWriter::start(db.clone()),
        db,
        client: backend_client(),
        forwarder_wake: Arc::new(Notify::new()),
    }))
}

/// Runs the connector until Ctrl-C or SIGTERM.
pub async fn run(config: Config) -> anyhow::Result<()> {
    if config.api_secret.is_none() {
        tracing::warn!(
            "{INSECURE_VAR} is set and CLOUDPAYMENTS_API_SECRET is not: notifications are NOT \
             verified, and anyone who can reach this connector can forge a Pay"
        );
    }
    let listen = config.listen;
    let state = state(config).await?;
    let forwarder = match &state.config.webhook_url {
        Some(url) => {
            let forwarder = Forwarder {
                db: state.db.clone(),
                client: state.client.clone(),
                url: url.clone(),
                concurrency: state.config.forward_concurrency,
                retry_cap: state.config.retry_cap,
                timeout: state.config.backend_timeout,
                wake: state.forwarder_wake.clone(),
            };
            Some(tokio::spawn(forwarder.run()))
        }
        None => {
            tracing::warn!("CLOUDPAYMENTS_WEBHOOK_URL is not set: payments are recorded only");
            None
        }
    };
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(address = %listener.local_addr()?, "connector listening");
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    if let Some(forwarder) = forwarder {
        forwarder.abort();
    }
    state.db.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
