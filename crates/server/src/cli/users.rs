//! `oblako user create`: a cabinet user with a one-time set-up link, for the first owner (or
//! anyone, when no owner can sign in to invite them).

use oblako_core::staff::Role;
use oblako_store::{Db, staff};

use crate::config::Config;

/// `oblako user …`.
#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a cabinet user and print a one-time set-up link (valid 24 hours).
    Create {
        /// The user's e-mail address (their sign-in name).
        #[arg(long)]
        email: String,
        /// owner, admin, developer, accountant, support or viewer.
        #[arg(long, default_value = "owner")]
        role: String,
        /// The account's name; the first account (the one today's sites belong to) when omitted.
        #[arg(long)]
        account: Option<String>,
    },
}

/// Creates a user and answers the set-up link.
pub async fn create(
    db: &Db,
    config: &Config,
    email: &str,
    role: &str,
    account: Option<&str>,
    now: i64,
) -> anyhow::Result<String> {
    let role = Role::parse(role).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown role {role:?}: owner, admin, developer, accountant, support or viewer"
        )
    })?;
    let email = email.trim().to_lowercase();
    anyhow::ensure!(
        email.contains('@') && email.len() <= 254,
        "{email:?} is not an e-mail address"
    );
    let account = match account {
        Some(name) => match staff::account_by_name(db, name).await? {
            Some(id) => id,
            None => oblako_store::sites::create_account(db, name, now).await?,
        },
        None => crate::sites::default_account(db, now).await?,
    };
    let id = staff::create(db, account, &email, role.as_str(), now)
        .await?
        .ok_or_else(|| anyhow::anyhow!("{email} already has a user"))?;
    crate::cabinet::setup::issue_link(db, &config.cabinet_url(), id, now).await
}

/// Runs `oblako user …`.
pub async fn run(cmd: UserCommand, db: &Db, config: &Config, now: i64) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Create {
            email,
            role,
            account,
        } => {
            let link = create(db, config, &email, &role, account.as_deref(), now).await?;
            println!("Set-up link for {email} (works once, for 24 hours):\n  {link}");
        }
    }
    Ok(())
}
