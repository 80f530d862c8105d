//! Building the gateway: opening the database, loading keys, wiring routes, serving.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::routing::get;
use oblako_core::clock::Clock;
use oblako_core::ids::Mode;
use oblako_gateway::Gateway;
use oblako_gateway::context::{Parts, Settings};
use oblako_gateway::faults::Faults;
use oblako_gateway::keyring::Keyring;
use oblako_gateway::mail::Mailer;
use oblako_gateway::notify::deliver::{Outbounds, Wake};
use oblako_gateway::notify::outbox::SettingsCache;
use oblako_gateway::notify::site_cache::SiteCache;
use oblako_gateway::stop::Stop;
use oblako_store::{Db, DbOptions, Durability};
use tower::ServiceExt;
use tower_http::compression::{CompressionLayer, CompressionLevel};

use crate::api;
use crate::api::limits::Limits;
use crate::config::Config;
use crate::observe;
use crate::ops;
use crate::pages;
use crate::secrets::Secrets;
use crate::state::{AppState, Shared};
pub use crate::workers::{drain, housekeep, spawn_workers};

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

/// Cabinet sign-in attempts allowed per client address per minute.
const CABINET_SIGN_IN_PER_MINUTE: u32 = 20;

/// The gateway's context as the configuration describes it, on an open database.
pub async fn open_gateway(
    config: &Config,
    db: Db,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Gateway> {
    let secrets = Arc::new(Secrets::load_or_create(&config.master_key_path())?);
    let now = clock.now().as_millisecond();
    let keyring = Arc::new(Keyring::load(db.clone(), secrets.clone(), now).await?);
    let outbounds = Outbounds::new(
        config.outbound_policy(Mode::Test)?,
        config.outbound_policy(Mode::Live)?,
        config.notification_timeouts(),
    )?;
    let phone = Arc::new(oblako_gateway::mail::phone::NoGateway);
    let mail = Mailer::new(
        config.mail_from()?,
        &config.smtp_url,
        &config.data_dir,
        phone,
    )?;
    Ok(Gateway::new(Parts {
        db,
        clock,
        secrets,
        keyring,
        faults: Faults::default(),
        settings: Settings {
            public_url: config.public_url(),
            notification_endpoint_parallel: config.notification_endpoint_parallel,
            notification_lease_ms: config.notification_lease_ms(),
            reconcile_after_ms: config.reconcile_after_ms(),
        },
        outbounds,
        delivery: Wake::default(),
        notification_settings: SettingsCache::default(),
        delivery_sites: SiteCache::default(),
        mail,
        receipts: Default::default(),
        site_clocks: Default::default(),
    }))
}

/// Builds the shared state on an open database.
pub async fn build_state(
    config: Config,
    db: Db,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<AppState> {
    let gateway = open_gateway(&config, db, clock).await?;
    Ok(AppState::new(Shared {
        order_pay_limits: crate::rate::RateLimit::new(config.order_pay_per_minute),
        gateway,
        limits: Limits::new(config.test_in_flight, config.live_in_flight),
        proxies: crate::client::TrustedProxies::new(config.trusted_proxy_nets()?),
        widget_rate: crate::rate::RateLimit::new(config.widget_charge_per_minute),
        config,
        metrics: observe::metrics_handle(),
        keys: crate::api::key_cache::KeyCache::default(),
        cabinet_sign_in_rate: crate::rate::RateLimit::new(CABINET_SIGN_IN_PER_MINUTE),
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
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api::refusals::record,
        ))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(payer_pages())
        .merge(if state.config.cabinet_listen.is_empty() {
            crate::cabinet::routes()
        } else {
            Router::new()
        })
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

/// The cabinet alone, for its own listener (`cabinet_listen`): the same routes, client address
/// and request observation as on the main port, and the same body timeout.
pub fn cabinet_app(state: AppState) -> Router {
    let body_timeout = Duration::from_secs(state.config.request_body_timeout_secs);
    crate::cabinet::routes()
        .fallback(crate::cabinet::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::client::resolve,
        ))
        .layer(axum::middleware::from_fn(observe::observe))
        .with_state(state)
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            body_timeout,
        ))
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
    let limits = connection_limits(&state.config);
    crate::listener::serve(listener, app(state), limits, shutdown).await
}

/// Serves the cabinet alone on its own `listener` until `shutdown` resolves, like [`serve`].
pub async fn serve_cabinet(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let limits = connection_limits(&state.config);
    crate::listener::serve(listener, cabinet_app(state), limits, shutdown).await
}

fn connection_limits(config: &Config) -> crate::listener::ConnectionLimits {
    crate::listener::ConnectionLimits {
        max_connections: config.max_connections,
        header_read_timeout: Duration::from_secs(config.header_read_timeout_secs),
        grace: Duration::from_secs(config.shutdown_grace_secs),
    }
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
    let cabinet_listener = match state.config.cabinet_listen_addr()? {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {addr} for the cabinet: {e}"))?,
        ),
        None => None,
    };
    let base = state.config.public_url();
    let cabinet_base = state.config.cabinet_url();
    if let Some(site) = demo {
        println!("Oblako created a demo site in test mode (the API Secret is shown only now):");
        println!("  Public ID:  {}", site.test.public_id);
        println!("  API Secret: {}", site.test.api_secret);
        println!(
            "  Base URL:   {base}/   (give it to your client library instead of api.cloudpayments.ru)"
        );
        println!("  Demo shop:  {base}/demo   (pays with the widget in a browser)");
    }
    if !oblako_store::staff::any(&state.db).await? {
        let now = state.now_ms();
        let link = crate::cli::users::create(
            &state.db,
            &state.config,
            "owner@oblako.local",
            "owner",
            None,
            now,
        )
        .await?;
        println!("Merchant cabinet: set the owner's password here (works once, for 24 hours):");
        println!("  {link}");
        println!("  then sign in at {cabinet_base}/cabinet/ as owner@oblako.local");
    }
    println!("Oblako is listening on {base}");
    tracing::info!(%addr, "listening");
    let stop = Stop::new();
    let workers = spawn_workers(&state, &stop)?;
    let grace = Duration::from_secs(state.config.shutdown_grace_secs);
    let signal = {
        let stop = stop.clone();
        async move {
            shutdown_signal().await;
            stop.cancel();
        }
    };
    let cabinet = cabinet_listener.map(|listener| {
        println!("The merchant cabinet is listening on {cabinet_base}/cabinet/");
        let stop = stop.clone();
        tokio::spawn(serve_cabinet(state.clone(), listener, async move {
            stop.cancelled().await
        }))
    });
    let served = serve(state, listener, signal).await;
    stop.cancel();
    if let Some(cabinet) = cabinet {
        cabinet.await??;
    }
    served?;
    drain(workers, &stop, grace).await;
    Ok(())
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
