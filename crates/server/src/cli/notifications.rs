//! `oblako site notifications` and `oblako site notification-set`: the operator's view of a
//! site's notification settings, all eight kinds, and a way to set one.
//!
//! Unlike the API, the operator may set `Check` and `Receipt`. Values are checked by the same
//! [`Wanted`] as `site/notifications/{Type}/update`; the address passes the SSRF guard with
//! loopback and private addresses allowed while the site is not in production, and the
//! configured `allow_subnets` reopened. An option left out keeps the stored value, so
//! `--disable` alone keeps the address for later.

use oblako_core::ids::SiteId;
use oblako_protocol::notification::NotificationKind;
use oblako_store::Db;
use oblako_store::notifications::settings::{self, Settings};
use oblako_store::sites as site_rows;

use crate::api::notifications::{Wanted, save_policy};
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

fn to_json(s: &Settings) -> serde_json::Value {
    serde_json::json!({
        "kind": s.kind,
        "enabled": s.enabled,
        "url": s.url,
        "method": s.method,
        "encoding": s.encoding,
        "format": s.format,
    })
}

fn print(rows: &[Settings], json: bool) -> anyhow::Result<()> {
    if json {
        let list: Vec<_> = rows.iter().map(to_json).collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    for s in rows {
        println!(
            "{:<9}\t{}\t{}\t{}\t{}",
            s.kind,
            if s.enabled { "enabled" } else { "disabled" },
            s.method,
            s.encoding,
            if s.url.is_empty() { "-" } else { &s.url },
        );
    }
    Ok(())
}

async fn site_production(db: &Db, site: i64) -> anyhow::Result<bool> {
    match site_rows::site(db, SiteId(site)).await? {
        Some(found) => Ok(found.production),
        None => anyhow::bail!("no site {site}"),
    }
}

/// Prints the eight kinds' settings of a site.
pub async fn list(db: &Db, args: ListArgs) -> anyhow::Result<()> {
    site_production(db, args.site).await?;
    print(&settings::list(db, SiteId(args.site)).await?, args.json)
}

/// Sets one kind's settings and prints them as stored.
pub async fn set(db: &Db, config: &Config, args: SetArgs, now_ms: i64) -> anyhow::Result<()> {
    let production = site_production(db, args.site).await?;
    let site = SiteId(args.site);
    let stored = settings::get(db, site, args.kind.name()).await?;
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
        .settings(
            args.kind,
            &save_policy(!production, config.allowed_subnets()?),
        )
        .map_err(|message| anyhow::anyhow!("{}: {message}", args.kind))?;
    if keep {
        new.url = stored.url;
    }
    settings::upsert(db, site, &new, now_ms).await?;
    print(&[new], args.json)
}
