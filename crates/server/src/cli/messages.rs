//! `oblako site messages`: the operator's view of a site's messages to payers (e-mail, SMS,
//! Viber, WhatsApp), newest first, with where each went or why it did not.

use oblako_core::ids::SiteId;
use oblako_store::Db;
use oblako_store::messages;
use serde_json::json;

use crate::api::notification_log::utc_date;

/// `oblako site messages`.
#[derive(Debug, clap::Args)]
pub struct MessagesArgs {
    /// Site id.
    #[arg(long)]
    pub site: i64,
    /// Most rows (1 to 1000).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=1000))]
    pub limit: i64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Prints a site's messages, newest first.
pub async fn list(db: &Db, args: MessagesArgs) -> anyhow::Result<()> {
    if oblako_store::sites::site(db, SiteId(args.site))
        .await?
        .is_none()
    {
        anyhow::bail!("no site {}", args.site);
    }
    let rows = messages::list_for_site(db, SiteId(args.site), args.limit).await?;
    if args.json {
        let list: Vec<_> = rows
            .iter()
            .map(|m| {
                json!({
                    "Id": m.id, "Channel": m.channel, "Recipient": m.recipient,
                    "Subject": m.subject, "Reference": m.reference, "State": m.state,
                    "Attempts": m.attempts, "CreatedAt": utc_date(m.created_at),
                    "SentAt": m.sent_at.and_then(utc_date), "SentVia": m.sent_via,
                    "LastError": m.last_error,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    for m in &rows {
        println!(
            "{}\t{:<8}\t{}\t{:<12}\t{}\t{}\t{}\t{}",
            m.id,
            m.channel,
            m.recipient,
            m.state,
            m.attempts,
            utc_date(m.created_at).unwrap_or_default(),
            m.reference,
            m.sent_via
                .as_deref()
                .or(m.last_error.as_deref())
                .unwrap_or("-"),
        );
    }
    Ok(())
}
