//! Building the gateway: opening the database, loading keys, wiring routes, serving.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::routing::get;
use oblako_core::clock::Clock;
use oblako_store::{Db, DbOptions, Durability};
use tower::ServiceExt;
use tower_http::compression::{CompressionLayer, CompressionLevel};

use crate::api;
use crate::api::limits::Limits;
use crate::config::Config;
use crate::keyring::Keyring;
use crate::observe;
use crate::ops;
use crate::pages;
use crate::secrets::Secrets;
use crate::state::{AppState, Shared};

/// Opens (and migrates) the configured database.
pub async fn open_db(config: &Config) -> anyhow::Result<Db> {
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    let durability = match config.durability.as_str() {
        "relaxed" => Durability::Relaxed,
        _ => Durability::Full,
    };
    let db = Db::connect(
        &url,
        &DbOptions {
            durability,
            max_connections: config.database_connections,
            ..DbOptions::default()
        },
    )
    .await?;
    db.migrate().await?;
    Ok(db)
}

/// Builds the shared state on an open database.
pub async fn build_state(
    config: Config,
    db: Db,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<AppState> {
    let secrets = Arc::new(Secrets::load_or_create(&config.master_key_path())?);
    let keyring =
        Arc::new(Keyring::load(db.clone(), secrets.clone(), clock.now().as_millisecond()).await?);
    let outbounds = crate::notify::deliver::Outbounds::new(&config)?;
    let mail = crate::mail::Mailer::new(&config, Arc::new(crate::mail::phone::NoGateway))?;
    Ok(AppState::new(Shared {
        mail,
        order_pay_limits: crate::pages::order_pay::PayLimits::new(config.order_pay_per_minute),
        outbounds,
        db,
        clock,
        secrets,
        keyring,
        limits: Limits::new(config.test_in_flight, config.live_in_flight),
        proxies: crate::client::TrustedProxies::new(config.trusted_proxy_nets()?),
        widget_rate: crate::browser::rate::RateLimit::new(config.widget_charge_per_minute),
        config,
        metrics: observe::metrics_handle(),
        faults: crate::faults::Faults::default(),
        delivery: crate::notify::deliver::Wake::default(),
        receipts: crate::receipts::fiscalise::Wake::default(),
        subscriptions: crate::notify::outbox::SettingsCache::default(),
        delivery_sites: crate::notify::site_cache::SiteCache::default(),
        keys: crate::api::key_cache::KeyCache::default(),
    }))
}

/// The payer's pages and the browser files, compressed (gzip or brotli, as the browser accepts).
fn payer_pages() -> Router<AppState> {
    use pages::order::{back_to_order, order_missing, order_page};
    use pages::order_pay::{order_pay, order_three_ds};
    Router::new()
        .route("/acs", get(pages::acs::acs).post(pages::acs::acs))
        .route("/acs/submit", axum::routing::post(pages::acs::acs_submit))
        .merge(crate::browser::routes())
        .route("/d", get(order_missing))
        .route("/d/", get(order_missing))
        .route("/d/{id}", get(order_page))
        .route("/d/{id}/pay", get(back_to_order).post(order_pay))
        .route("/d/{id}/3ds", get(back_to_order).post(order_three_ds))
        // Level 6: gzip's default, and brotli then beats gzip (tower-http's default brotli level,
        // 4, came out larger than gzip on our scripts) at about a millisecond per script.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(6)))
}

/// Every route, with the observability layer.
pub fn router(state: AppState) -> Router {
    api::routes()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(payer_pages())
        .route("/r/{id}", get(pages::receipt::receipt_page))
        .route("/r/{id}/qr.svg", get(pages::receipt::receipt_qr))
        .route("/my/{token}", get(pages::my_subscription::my_subscription))
        .route(
            "/my/{token}/cancel",
            axum::routing::post(pages::my_subscription::my_subscription_cancel),
        )
        .route(
            "/my/{token}/card",
            axum::routing::post(pages::my_subscription_card::my_subscription_card),
        )
        .route(
            "/my/{token}/3ds",
            axum::routing::post(pages::my_subscription_card::my_subscription_three_ds),
        )
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::client::resolve,
        ))
        .layer(axum::middleware::from_fn(observe::observe))
        .with_state(state)
}

/// The whole HTTP service: API paths are normalized (case, trailing slash) before routing, and a
/// request body must arrive within `request_body_timeout_secs`.
pub fn app(state: AppState) -> Router {
    let body_timeout = Duration::from_secs(state.config.request_body_timeout_secs);
    let routed = router(state).map_request(|mut req: Request| {
        if let Some(uri) = api::normalize_path(req.uri()) {
            *req.uri_mut() = uri;
        }
        req
    });
    Router::new()
        .fallback_service(routed)
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            body_timeout,
        ))
}

/// Serves `state` on `listener` until `shutdown` resolves, then lets in-flight requests finish
/// (up to the configured grace period). Connections are capped and timed (`listener`).
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let config = &state.config;
    let limits = crate::listener::ConnectionLimits {
        max_connections: config.max_connections,
        header_read_timeout: Duration::from_secs(config.header_read_timeout_secs),
        grace: Duration::from_secs(config.shutdown_grace_secs),
    };
    crate::listener::serve(listener, app(state), limits, shutdown).await
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// `oblako serve`: open everything, create the demo site on first start, serve until a signal.
pub async fn run_server(config: Config) -> anyhow::Result<()> {
    let addr = config.listen_addr()?;
    crate::listener::raise_file_limit();
    let db = open_db(&config).await?;
    for warning in db.durability_warnings().await? {
        tracing::warn!("{warning}");
    }
    if config.durability == "relaxed" {
        tracing::warn!("durability = relaxed: SQLite may lose the last commits on power loss");
    }
    let clock: Arc<dyn Clock> = Arc::new(oblako_core::clock::SystemClock);
    let state = build_state(config, db, clock).await?;
    let demo = ensure_demo_site(&state).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let base = state.config.public_url();
    if let Some(site) = demo {
        println!("Oblako created a demo site in test mode (the API Secret is shown only now):");
        println!("  Public ID:  {}", site.test.public_id);
        println!("  API Secret: {}", site.test.api_secret);
        println!(
            "  Base URL:   {base}/   (give it to your client library instead of api.cloudpayments.ru)"
        );
        println!("  Demo shop:  {base}/demo   (pays with the widget in a browser)");
    }
    println!("Oblako is listening on {base}");
    tracing::info!(%addr, "listening");
    tokio::spawn(purge_idempotency_keys(state.clone()));
    tokio::spawn(crate::sweeper::run(state.clone(), Duration::from_secs(5)));
    if state.config.deliver_notifications {
        let worker = format!("{}-{}", std::process::id(), crate::secrets::random_hex(4)?);
        tokio::spawn(crate::notify::deliver::run(state.clone(), worker));
    } else {
        tracing::info!(
            "deliver_notifications is off: this node queues notifications, others send them"
        );
    }
    let mail_worker = format!("{}-{}", std::process::id(), crate::secrets::random_hex(4)?);
    tokio::spawn(crate::mail::run(state.clone(), mail_worker));
    let receipt_worker = format!("{}-{}", std::process::id(), crate::secrets::random_hex(4)?);
    tokio::spawn(crate::receipts::fiscalise::run(
        state.clone(),
        receipt_worker,
    ));
    let billing_worker = format!("{}-{}", std::process::id(), crate::secrets::random_hex(4)?);
    tokio::spawn(crate::subscriptions::billing::run(
        state.clone(),
        billing_worker,
    ));
    serve(state, listener, shutdown_signal()).await
}

/// Creates the demo site when the database has no site at all.
async fn ensure_demo_site(state: &AppState) -> anyhow::Result<Option<crate::sites::CreatedSite>> {
    if !oblako_store::sites::list_sites(&state.db).await?.is_empty() {
        return Ok(None);
    }
    let now = state.now_ms();
    let account = crate::sites::default_account(&state.db, now).await?;
    Ok(Some(
        crate::sites::create_site(&state.db, &state.secrets, account, "Demo shop", now).await?,
    ))
}

/// Deletes expired `X-Request-ID` records every ten minutes.
async fn purge_idempotency_keys(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        match oblako_store::idempotency::purge_expired(&state.db, state.now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "expired idempotency keys removed"),
            Err(e) => tracing::warn!(error = %e, "could not purge idempotency keys"),
        }
    }
}
