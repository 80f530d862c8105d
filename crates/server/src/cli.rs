//! The `oblako` command line: serve, migrate, manage sites and keys, make test cryptograms.
//!
//! `notifications` holds the commands for a site's notification settings, `notification_log`
//! those for its notifications sent, `notification_retries` the one for its retry schedule,
//! `messages` those for its messages to payers, `clock` the one for a sandbox site's test clock,
//! `cryptogram` the test cryptograms.

mod clock;
mod cryptogram;
mod messages;
mod notification_log;
pub mod notification_retries;
mod notifications;
mod receipts;
mod subscriptions;
pub mod users;

pub use cryptogram::{CryptogramArgs, FormatArg};

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use oblako_core::clock::{Clock, SystemClock};
use oblako_core::ids::{Mode, SiteId};
use oblako_store::sites as site_rows;

use crate::app;
use crate::config::Config;
use crate::keyring;
use crate::secrets::Secrets;
use crate::sites;

/// Oblako: a self-hosted payment gateway that speaks the CloudPayments protocol.
#[derive(Debug, Parser)]
#[command(name = "oblako", version)]
pub struct Cli {
    /// TOML configuration file (see docs/configuration.md).
    #[arg(long, global = true, env = "OBLAKO_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Sub-commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway (the default).
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Manage sites and their keys.
    #[command(subcommand)]
    Site(SiteCommand),
    /// Manage the cryptogram RSA keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage the merchant cabinet's users.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Print a card cryptogram made with the gateway's current public key.
    Cryptogram(CryptogramArgs),
    /// Run the merchant-side connector instead of the gateway, configured by its environment
    /// (CLOUDPAYMENTS_PUBLIC_ID, CLOUDPAYMENTS_API_SECRET, …; see docs/connector.md).
    Connector,
}

/// `oblako site …`.
#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Create a site in test mode and print its keys (the secrets are shown only now).
    Create {
        /// Site name.
        #[arg(long)]
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List sites and their Public IDs.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Replace a key pair's API Secret and print the new one.
    RotateSecret {
        /// Site id.
        #[arg(long)]
        site: i64,
        /// Which key pair.
        #[arg(long, value_enum, default_value = "test")]
        mode: ModeArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Fill a site with a year of realistic payments (completed, declined, voided, partly
    /// refunded; three currencies, repeat payers), for benchmarks on a large database; not for
    /// a site anyone pays on.
    SeedPayments {
        /// Site id.
        #[arg(long)]
        site: i64,
        /// How many payments (refunds come on top).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
        count: u64,
        /// Which mode's history.
        #[arg(long, value_enum, default_value = "test")]
        mode: ModeArg,
    },
    /// Switch a site to production so its live keys work.
    GoLive {
        /// Site id.
        #[arg(long)]
        site: i64,
    },
    /// Show a site's notification settings, all eight kinds.
    Notifications(notifications::ListArgs),
    /// Set one kind's notification settings (Check and Receipt too, unlike the API).
    NotificationSet(notifications::SetArgs),
    /// Show a site's notifications, newest first.
    NotificationLog(notification_log::LogArgs),
    /// Send a failed or delivered notification again.
    NotificationResend(notification_log::ResendArgs),
    /// Send a sample notification of one kind to the site's address now and show the answer.
    NotificationTest(notification_log::TestArgs),
    /// Show a site's messages to payers (e-mail, SMS, Viber, WhatsApp), newest first.
    Messages(messages::MessagesArgs),
    /// Show or set a site's notification retry schedule.
    NotificationRetries(notification_retries::RetriesArgs),
    /// Show a site's subscriptions, newest first.
    Subscriptions(subscriptions::ListArgs),
    /// Print a fresh link to the payer's page of a subscription.
    SubscriptionLink(subscriptions::LinkArgs),
    /// Show a site's 54-FZ receipts, newest first.
    Receipts(receipts::ReceiptsArgs),
    /// Register an INN's cash register for a site (live mode fiscalises only for these).
    RegisterInn(receipts::RegisterInnArgs),
    /// Read or move a sandbox site's test clock (forward only; not for sites in production).
    Clock(clock::ClockArgs),
}

/// `oblako keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new cryptogram key version; older versions keep decrypting.
    Rotate {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Key pair selector.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModeArg {
    /// Test keys.
    Test,
    /// Live keys.
    Live,
}

impl From<ModeArg> for Mode {
    fn from(mode: ModeArg) -> Mode {
        match mode {
            ModeArg::Test => Mode::Test,
            ModeArg::Live => Mode::Live,
        }
    }
}

/// Runs a command.
pub async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let clock = SystemClock;
    let now = clock.now().as_millisecond();
    match command {
        Command::Serve => app::run_server(config).await?,
        Command::Migrate => {
            app::open_db(&config).await?;
            println!("database is up to date");
        }
        Command::Site(cmd) => site(cmd, &config, now).await?,
        Command::User(cmd) => users::run(cmd, &app::open_db(&config).await?, &config, now).await?,
        Command::Keys(KeysCommand::Rotate { json }) => {
            let db = app::open_db(&config).await?;
            let secrets = Secrets::load_or_create(&config.master_key_path())?;
            let version = keyring::rotate(&db, &secrets, now).await?;
            if json {
                println!("{}", serde_json::json!({ "version": version }));
            } else {
                println!("cryptogram key version {version} is now current");
            }
        }
        Command::Cryptogram(args) => println!("{}", cryptogram::make(args, &config).await?),
        Command::Connector => oblako_connector::run(oblako_connector::Config::from_env()?).await?,
    }
    Ok(())
}

async fn site(cmd: SiteCommand, config: &Config, now: i64) -> anyhow::Result<()> {
    let db = app::open_db(config).await?;
    let secrets = Secrets::load_or_create(&config.master_key_path())?;
    match cmd {
        SiteCommand::Create { name, json } => {
            let account = sites::default_account(&db, now).await?;
            let created = sites::create_site(&db, &secrets, account, &name, now).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&created)?);
            } else {
                println!(
                    "site {} \"{}\" created (test mode)",
                    created.site_id, created.name
                );
                for key in [&created.test, &created.live] {
                    println!("  {:<4} Public ID:  {}", key.mode, key.public_id);
                    println!("       API Secret: {}", key.api_secret);
                }
                println!("Keep the secrets now: they are not shown again.");
            }
        }
        SiteCommand::SeedPayments { site, count, mode } => {
            if site_rows::site(&db, SiteId(site)).await?.is_none() {
                anyhow::bail!("no site {site}");
            }
            let (mode, started) = (Mode::from(mode), std::time::Instant::now());
            let written = oblako_store::seed::payments(&db, SiteId(site), mode, count, now).await?;
            let rows: i64 = written.iter().map(|w| w.count).sum();
            println!(
                "site {site} ({mode}): {count} payments over the last year, {rows} rows in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            for w in &written {
                println!("  {:<8} {:<10} {}", w.kind, w.status, w.count);
            }
        }
        SiteCommand::List { json } => {
            let mut listed = Vec::new();
            for s in site_rows::list_sites(&db).await? {
                let keys = site_rows::keys_of(&db, s.id).await?;
                let id_of = |m: Mode| {
                    keys.iter()
                        .find(|k| k.mode == m)
                        .map(|k| k.public_id.clone())
                };
                listed.push(serde_json::json!({
                    "site_id": s.id.0,
                    "name": s.name,
                    "production": s.production,
                    "test_public_id": id_of(Mode::Test),
                    "live_public_id": id_of(Mode::Live),
                }));
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&listed)?);
            } else {
                for s in &listed {
                    println!(
                        "{}\t{}\t{}\ttest {}\tlive {}",
                        s["site_id"],
                        s["name"].as_str().unwrap_or(""),
                        if s["production"] == true {
                            "production"
                        } else {
                            "test"
                        },
                        s["test_public_id"].as_str().unwrap_or("-"),
                        s["live_public_id"].as_str().unwrap_or("-"),
                    );
                }
            }
        }
        SiteCommand::RotateSecret { site, mode, json } => {
            let mode = match mode {
                ModeArg::Test => Mode::Test,
                ModeArg::Live => Mode::Live,
            };
            let key = sites::rotate_secret(&db, &secrets, SiteId(site), mode, now).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&key)?);
            } else {
                println!(
                    "new {} API Secret for {}: {}",
                    key.mode, key.public_id, key.api_secret
                );
            }
        }
        SiteCommand::GoLive { site } => {
            anyhow::ensure!(
                site_rows::go_live(&db, SiteId(site), now).await?,
                "site {site} does not exist or is live already"
            );
            println!("site {site} is in production: its live keys work now");
        }
        SiteCommand::Notifications(args) => notifications::list(&db, args).await?,
        SiteCommand::NotificationSet(args) => notifications::set(&db, config, args, now).await?,
        SiteCommand::NotificationLog(args) => notification_log::log(&db, args).await?,
        SiteCommand::NotificationResend(args) => notification_log::resend(&db, args, now).await?,
        SiteCommand::NotificationTest(args) => {
            notification_log::test(db, config.clone(), args).await?
        }
        SiteCommand::Messages(args) => messages::list(&db, args).await?,
        SiteCommand::NotificationRetries(args) => notification_retries::retries(&db, args).await?,
        SiteCommand::Subscriptions(args) => subscriptions::list(&db, args).await?,
        SiteCommand::Receipts(args) => receipts::list(&db, args).await?,
        SiteCommand::RegisterInn(args) => receipts::register_inn(&db, args, now).await?,
        SiteCommand::Clock(args) => clock::clock(&db, args, now).await?,
        SiteCommand::SubscriptionLink(args) => {
            subscriptions::link(&db, &secrets, config, args, now).await?
        }
    }
    Ok(())
}
