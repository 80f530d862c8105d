//! `oblako site notification-log`, `notification-resend` and `notification-test`: the operator's
//! view of a site's notifications, newest first, a way to send a failed or delivered one again,
//! and a sample sent now to check the site's receiver.
//!
//! The JSON shape is the one `notifications/list` answers with, plus `Mode`. The operator sees
//! both modes, each row labelled, unless `--mode` picks one. A resend only marks the
//! notification due; a running server's delivery worker sends it within its idle interval.

use std::sync::Arc;

use oblako_core::clock::SystemClock;
use oblako_core::ids::{Mode, SiteId};
use oblako_protocol::notification::NotificationKind;
use oblako_store::Db;
use oblako_store::notifications::{self, ListFilter, State};
use oblako_store::sites as site_rows;

use crate::api::notification_log::{MAX_PAGE, notification_model, utc_date};
use crate::cli::ModeArg;
use crate::notify::sample::send_sample;

/// `oblako site notification-log`.
#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// Site id.
    #[arg(long)]
    pub site: i64,
    /// Only test-mode or live-mode ones; both when left out.
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// Only pending, delivered, failed or cancelled ones.
    #[arg(long, value_parser = parse_state)]
    pub state: Option<State>,
    /// Most rows (1 to 100).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=MAX_PAGE))]
    pub limit: i64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `oblako site notification-resend`.
#[derive(Debug, clap::Args)]
pub struct ResendArgs {
    /// Site id.
    #[arg(long)]
    pub site: i64,
    /// Notification id.
    #[arg(long)]
    pub id: i64,
    /// The notification's mode; found in either when left out.
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
}

/// `oblako site notification-test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Site id.
    #[arg(long)]
    pub site: i64,
    /// Pay, Fail, Confirm, Refund, Cancel or Check.
    #[arg(long)]
    pub kind: String,
    /// Which mode's address, secret and outbound policy.
    #[arg(long, value_enum, default_value = "test")]
    pub mode: ModeArg,
    /// The same as `--mode live` (kept for older scripts).
    #[arg(long, hide = true)]
    pub live: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

fn parse_state(text: &str) -> Result<State, String> {
    State::parse(&text.to_ascii_lowercase())
        .ok_or_else(|| "expected pending, delivered, failed or cancelled".to_owned())
}

async fn existing_site(db: &Db, site: i64) -> anyhow::Result<SiteId> {
    match site_rows::site(db, SiteId(site)).await? {
        Some(_) => Ok(SiteId(site)),
        None => anyhow::bail!("no site {site}"),
    }
}

/// Prints a site's notifications, newest first.
pub async fn log(db: &Db, args: LogArgs) -> anyhow::Result<()> {
    let site = existing_site(db, args.site).await?;
    let filter = ListFilter {
        state: args.state,
        mode: args.mode.map(Mode::from),
        limit: args.limit,
        ..ListFilter::default()
    };
    let rows = notifications::list(db, site, &filter).await?;
    if args.json {
        let list: Vec<_> = rows
            .iter()
            .map(|n| {
                let mut model = notification_model(n);
                model["Mode"] = n.mode.as_str().into();
                model
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    for n in &rows {
        println!(
            "{}\t{}\t{:<7}\t{}\t{:<9}\t{}\t{}\t{}",
            n.id,
            n.mode.as_str(),
            n.kind,
            n.transaction_id.map_or("-".to_owned(), |t| t.to_string()),
            n.state.as_str(),
            n.attempts,
            utc_date(n.created_at).unwrap_or_default(),
            n.last_error.as_deref().unwrap_or("-"),
        );
    }
    Ok(())
}

/// The mode of `site`'s notification `id`: `wanted`, or whichever holds it.
async fn mode_of(db: &Db, site: SiteId, id: i64, wanted: Option<ModeArg>) -> anyhow::Result<Mode> {
    let modes = match wanted {
        Some(mode) => vec![Mode::from(mode)],
        None => vec![Mode::Test, Mode::Live],
    };
    for mode in modes {
        if notifications::get(db, site, mode, id).await?.is_some() {
            return Ok(mode);
        }
    }
    anyhow::bail!("site {} has no such notification {id}", site.0)
}

/// Marks a failed or delivered notification due again now.
pub async fn resend(db: &Db, args: ResendArgs, now_ms: i64) -> anyhow::Result<()> {
    let site = existing_site(db, args.site).await?;
    let mode = mode_of(db, site, args.id, args.mode).await?;
    if !notifications::resend(db, site, mode, args.id, now_ms).await? {
        match notifications::get(db, site, mode, args.id).await? {
            None => anyhow::bail!("site {} has no notification {}", args.site, args.id),
            Some(n) => anyhow::bail!(
                "notification {} is {}: only failed or delivered ones can be resent",
                args.id,
                n.state.as_str()
            ),
        }
    }
    println!("{mode}-mode notification {} is due again", args.id);
    Ok(())
}

/// Sends a sample notification and prints the receiver's answer; fails when it was not
/// acknowledged.
pub async fn test(db: Db, config: crate::config::Config, args: TestArgs) -> anyhow::Result<()> {
    let site = existing_site(&db, args.site).await?;
    let kind = match NotificationKind::parse(args.kind.trim()) {
        Some(NotificationKind::Recurrent | NotificationKind::Receipt) | None => {
            anyhow::bail!(
                "--kind {}: expected Pay, Fail, Confirm, Refund, Cancel or Check",
                args.kind
            )
        }
        Some(kind) => kind,
    };
    let mode = if args.live {
        Mode::Live
    } else {
        Mode::from(args.mode)
    };
    let state = crate::app::build_state(config, db, Arc::new(SystemClock)).await?;
    let sample = send_sample(&state, site, mode, kind)
        .await
        .map_err(anyhow::Error::from)?;
    // The operator sees the whole answer, whoever gave it.
    let mut model = sample.model;
    model["Response"] = sample.response.into();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&model)?);
    } else {
        println!(
            "{} {} → HTTP {} in {} ms{}\n{}",
            kind,
            model["Url"].as_str().unwrap_or_default(),
            model["HttpStatus"],
            model["LatencyMs"],
            model["Error"]
                .as_str()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default(),
            model["Response"].as_str().unwrap_or_default()
        );
    }
    anyhow::ensure!(
        model["Delivered"] == true,
        "the receiver did not acknowledge it with {{\"code\":0}}"
    );
    Ok(())
}
