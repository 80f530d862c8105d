//! `oblako site notifications` and `oblako site notification-set`: the operator's view of a
//! site's notification settings, all eight kinds in both modes, and a way to set one kind in one
//! mode (`--mode`, test unless told; the live settings are changed only here or with live keys).
//!
//! Unlike the API, the operator may set `Check` and `Receipt`. Values are checked by the same
//! [`Wanted`] as `site/notifications/{Type}/update`; the address passes the SSRF guard under the
//! policy delivery of that mode dials with: loopback and private addresses for test mode where
//! `test_notifications_private` allows them, the configured `allow_subnets` reopened for both,
//! never this host on the gateway's own port. An option left out keeps the stored value, so
//! `--disable` alone keeps the address for later.

use oblako_core::ids::{Mode, SiteId};
use oblako_protocol::notification::NotificationKind;
use oblako_store::Db;
use oblako_store::notifications::settings::{self, Settings};
use oblako_store::sites as site_rows;

use crate::api::notifications::Wanted;
use crate::cli::ModeArg;
use crate::config::Config;

/// `oblako site notifications`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Site id.
    #[arg(long)]
    pub site: i64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `oblako site notification-set`.
#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// Site id.
    #[arg(long)]
    pub site: i64,
    /// Check, Pay, Fail, Confirm, Refund, Recurrent, Cancel or Receipt (any case).
    #[arg(long, value_parser = parse_kind)]
    pub kind: NotificationKind,
    /// Which mode's settings: those of test payments or those of live ones.
    #[arg(long, value_enum, default_value = "test")]
    pub mode: ModeArg,
    /// The http(s) URL to notify; required to enable a kind that has none yet.
    #[arg(long)]
    pub url: Option<String>,
    /// GET or POST; left out, the stored value (GET at first).
    #[arg(long)]
    pub method: Option<String>,
    /// UTF8 or Windows1251; left out, the stored value (UTF8 at first).
    #[arg(long)]
    pub encoding: Option<String>,
    /// Stop sending this kind (the address is kept).
    #[arg(long)]
    pub disable: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

fn parse_kind(name: &str) -> Result<NotificationKind, String> {
    NotificationKind::parse(name).ok_or_else(|| {
        "expected Check, Pay, Fail, Confirm, Refund, Recurrent, Cancel or Receipt".to_owned()
    })
}

fn to_json(mode: Mode, s: &Settings) -> serde_json::Value {
    serde_json::json!({
        "mode": mode.as_str(),
        "kind": s.kind,
        "enabled": s.enabled,
        "url": s.url,
        "method": s.method,
        "encoding": s.encoding,
        "format": s.format,
    })
}

fn print(rows: &[(Mode, Settings)], json: bool) -> anyhow::Result<()> {
    if json {
        let list: Vec<_> = rows.iter().map(|(mode, s)| to_json(*mode, s)).collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    for (mode, s) in rows {
        println!(
            "{}\t{:<9}\t{}\t{}\t{}\t{}",
            mode.as_str(),
            s.kind,
            if s.enabled { "enabled" } else { "disabled" },
            s.method,
            s.encoding,
            if s.url.is_empty() { "-" } else { &s.url },
        );
    }
    Ok(())
}

async fn existing_site(db: &Db, site: i64) -> anyhow::Result<()> {
    match site_rows::site(db, SiteId(site)).await? {
        Some(_) => Ok(()),
        None => anyhow::bail!("no site {site}"),
    }
}

/// Prints the eight kinds' settings of a site, test mode's then live mode's.
pub async fn list(db: &Db, args: ListArgs) -> anyhow::Result<()> {
    existing_site(db, args.site).await?;
    let mut rows = Vec::new();
    for mode in [Mode::Test, Mode::Live] {
        let kinds = settings::list(db, SiteId(args.site), mode).await?;
        rows.extend(kinds.into_iter().map(|s| (mode, s)));
    }
    print(&rows, args.json)
}

/// Sets one kind's settings in one mode and prints them as stored.
pub async fn set(db: &Db, config: &Config, args: SetArgs, now_ms: i64) -> anyhow::Result<()> {
    existing_site(db, args.site).await?;
    let (site, mode) = (SiteId(args.site), Mode::from(args.mode));
    let stored = settings::get(db, site, mode, args.kind.name()).await?;
    if !args.disable && args.url.is_none() && stored.url.is_empty() {
        anyhow::bail!("{} has no address yet: give --url", args.kind);
    }
    // Disabling keeps the stored address unjudged (it may predate going live); enabling judges
    // it again under today's policy.
    let keep = args.disable && args.url.is_none();
    let wanted = Wanted {
        enabled: !args.disable,
        address: if keep {
            None
        } else {
            args.url.or(Some(stored.url.clone()))
        },
        method: args.method.or(Some(stored.method)),
        encoding: args.encoding.or(Some(stored.encoding)),
        format: Some(stored.format),
    };
    let mut new = wanted
        .settings(args.kind, &config.outbound_policy(mode)?)
        .map_err(|message| anyhow::anyhow!("{mode} {}: {message}", args.kind))?;
    if keep {
        new.url = stored.url;
    }
    settings::upsert(db, site, mode, &new, now_ms).await?;
    print(&[(mode, new)], args.json)
}
