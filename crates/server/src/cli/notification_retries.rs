//! `oblako site notification-retries`: show or set a site's notification retry schedule,
//! the seconds to wait after each failed attempt (the last repeating) and the
//! attempts in all. CloudPayments' schedule until set; `--preset svix` offers the Svix one.
//!
//! The schedule applies from the next failure: a notification already waiting keeps the time its
//! last failure set. The bounds are the store's ([`RetrySchedule::new`]).

use oblako_core::ids::SiteId;
use oblako_store::Db;
use oblako_store::notifications::settings;
use oblako_store::notifications::{MAX_ATTEMPTS_LIMIT, MAX_INTERVAL_SECS, RetrySchedule};

/// `oblako site notification-retries`.
#[derive(Debug, clap::Args)]
pub struct RetriesArgs {
    /// Site id.
    #[arg(long)]
    pub site: i64,
    /// Seconds to wait after the first, second, … failed attempt, comma-separated; the last
    /// repeats (e.g. `1,2,5`).
    #[arg(long, conflicts_with = "preset")]
    pub intervals: Option<String>,
    /// Attempts in all, the first included; with `--intervals` (default 100).
    #[arg(long, requires = "intervals")]
    pub max_attempts: Option<i64>,
    /// A named schedule instead: `cloudpayments` (the default) or `svix`.
    #[arg(long, value_parser = ["cloudpayments", "svix"])]
    pub preset: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The schedule `args` asks for; `None` when they only ask to show it.
pub fn wanted(args: &RetriesArgs) -> anyhow::Result<Option<RetrySchedule>> {
    if let Some(preset) = &args.preset {
        return Ok(Some(match preset.as_str() {
            "svix" => RetrySchedule::svix(),
            _ => RetrySchedule::cloudpayments(),
        }));
    }
    let Some(intervals) = &args.intervals else {
        return Ok(None);
    };
    let max_attempts = args.max_attempts.unwrap_or(100);
    RetrySchedule::parse(intervals, max_attempts).map(Some).ok_or_else(|| {
        anyhow::anyhow!(
            "--intervals must be 1 to 100 comma-separated seconds from 0 to {MAX_INTERVAL_SECS}, \
             and --max-attempts from 1 to {MAX_ATTEMPTS_LIMIT}"
        )
    })
}

/// Sets the schedule if `args` give one, then returns the site's schedule as stored.
pub async fn apply(db: &Db, args: &RetriesArgs) -> anyhow::Result<RetrySchedule> {
    let site = SiteId(args.site);
    if let Some(schedule) = wanted(args)? {
        anyhow::ensure!(
            settings::set_retry_schedule(db, site, &schedule).await?,
            "no site {}",
            args.site
        );
    }
    settings::retry_schedule(db, site)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no site {}", args.site))
}

/// Runs the command and prints the schedule.
pub async fn retries(db: &Db, args: RetriesArgs) -> anyhow::Result<()> {
    let schedule = apply(db, &args).await?;
    if args.json {
        let json = serde_json::json!({
            "site_id": args.site,
            "intervals_secs": schedule.intervals(),
            "max_attempts": schedule.max_attempts(),
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        println!(
            "site {}: retry after {} seconds (the last repeating), {} attempts in all",
            args.site,
            schedule.intervals_text(),
            schedule.max_attempts()
        );
    }
    Ok(())
}
