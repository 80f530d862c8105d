//! `oblako site subscriptions`: a site's subscriptions, newest first, with their status, counts
//! and next charge; `--json` prints the `subscriptions/get` model of each.
//! `oblako site subscription-link`: a fresh link to the payer's self-service page (support sends
//! it to a payer who lost the e-mail; the browser tests open it).

use oblako_core::ids::{Mode, SiteId};
use oblako_store::Db;
use oblako_store::sites as site_rows;
use oblako_store::subscriptions;

use crate::cli::ModeArg;
use crate::config::Config;
use crate::mail::manage_link;
use crate::secrets::Secrets;
use crate::subscriptions::model_of;

/// `oblako site subscriptions`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Site id.
    #[arg(long)]
    pub site: i64,
    /// Which key pair's subscriptions.
    #[arg(long, value_enum, default_value = "test")]
    pub mode: ModeArg,
    /// Most rows (1 to 1000).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=1000))]
    pub limit: i64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Prints a site's subscriptions, newest first.
pub async fn list(db: &Db, args: ListArgs) -> anyhow::Result<()> {
    if site_rows::site(db, SiteId(args.site)).await?.is_none() {
        anyhow::bail!("no site {}", args.site);
    }
    let mode = match args.mode {
        ModeArg::Test => Mode::Test,
        ModeArg::Live => Mode::Live,
    };
    let rows = subscriptions::list(db, SiteId(args.site), mode, args.limit, 0).await?;
    let models = rows
        .iter()
        .map(model_of)
        .collect::<anyhow::Result<Vec<_>>>()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&models)?);
        return Ok(());
    }
    for m in &models {
        println!(
            "{}\t{}\t{:<9}\t{} {}\tevery {} {}\t{} paid, {} failed\tnext {}",
            m.id,
            m.account_id,
            m.status,
            m.amount,
            m.currency,
            m.period,
            m.interval,
            m.successful_transactions_number,
            m.failed_transactions_number,
            m.next_transaction_date_iso.as_deref().unwrap_or("-"),
        );
    }
    Ok(())
}

/// `oblako site subscription-link`.
#[derive(Debug, clap::Args)]
pub struct LinkArgs {
    /// Site id.
    #[arg(long)]
    pub site: i64,
    /// Subscription id (`sc_…`).
    #[arg(long)]
    pub id: String,
}

/// Prints the payer's page of a site's subscription, valid for 45 days from `now`.
pub async fn link(
    db: &Db,
    secrets: &Secrets,
    config: &Config,
    args: LinkArgs,
    now: i64,
) -> anyhow::Result<()> {
    let row = subscriptions::by_id(db, &args.id)
        .await?
        .filter(|r| r.site_id.0 == args.site);
    let Some(row) = row else {
        anyhow::bail!("site {} has no subscription {}", args.site, args.id);
    };
    let token = manage_link::token(secrets, row.site_id, &row.id, now);
    println!("{}", manage_link::url(&config.public_url(), &token));
    Ok(())
}
