//! `oblako site receipts`: the operator's view of a site's 54-FZ receipts, newest first, with
//! their fiscal numbers or the reason they failed; and `oblako site register-inn`: the registers
//! a site may fiscalise on (live mode fiscalises only for registered INNs).

use oblako_core::ids::{Mode, SiteId};
use oblako_store::Db;
use oblako_store::receipts;
use serde_json::json;

use super::ModeArg;
use crate::api::notification_log::utc_date;

/// `oblako site receipts`.
#[derive(Debug, clap::Args)]
pub struct ReceiptsArgs {
    /// Site id.
    #[arg(long)]
    pub site: i64,
    /// Test or live receipts.
    #[arg(long, value_enum, default_value = "test")]
    pub mode: ModeArg,
    /// Only receipts in this state (Queued, Processed, Error).
    #[arg(long)]
    pub state: Option<String>,
    /// Only receipts of this transaction (a payment or a refund).
    #[arg(long)]
    pub transaction: Option<i64>,
    /// Most rows (1 to 100000).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=100_000))]
    pub limit: i64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `oblako site register-inn`.
#[derive(Debug, clap::Args)]
pub struct RegisterInnArgs {
    /// Site id.
    #[arg(long)]
    pub site: i64,
    /// The seller's INN (10 or 12 digits with valid check digits).
    #[arg(long)]
    pub inn: String,
    /// Taxation systems registered on the register, comma-separated codes 0 to 5.
    #[arg(long, default_value = "0")]
    pub taxation: String,
    /// The mode whose receipts it fiscalises.
    #[arg(long, value_enum, default_value = "live")]
    pub mode: ModeArg,
}

async fn known_site(db: &Db, site: i64) -> anyhow::Result<SiteId> {
    if oblako_store::sites::site(db, SiteId(site)).await?.is_none() {
        anyhow::bail!("no site {site}");
    }
    Ok(SiteId(site))
}

/// Prints a site's receipts, newest first.
pub async fn list(db: &Db, args: ReceiptsArgs) -> anyhow::Result<()> {
    let site = known_site(db, args.site).await?;
    let mode = Mode::from(args.mode);
    let rows: Vec<_> = receipts::list(db, site, mode, args.limit)
        .await?
        .into_iter()
        .filter(|r| {
            args.state
                .as_ref()
                .is_none_or(|s| r.state.eq_ignore_ascii_case(s))
        })
        .filter(|r| args.transaction.is_none_or(|t| r.transaction_id == Some(t)))
        .collect();
    if args.json {
        let list: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({
                    "Id": r.id, "Type": r.receipt_type, "State": r.state, "Error": r.error,
                    "Inn": r.inn, "Amount": oblako_core::receipt::rubles(r.amount),
                    "TransactionId": r.transaction_id, "InvoiceId": r.invoice_id,
                    "AccountId": r.account_id, "Email": r.email,
                    "DocumentNumber": r.document_number, "SessionNumber": r.session_number,
                    "Number": r.session_check_number, "FiscalSign": r.fiscal_sign,
                    "QrString": r.qr_string, "CreatedAt": utc_date(r.created_at),
                    "FiscalisedAt": r.fiscalised_at.and_then(utc_date),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    for r in &rows {
        println!(
            "{}\t{:<13}\t{:<9}\t{}\t{}\t{}\t{}",
            r.id,
            r.receipt_type,
            r.state,
            oblako_core::receipt::rubles(r.amount),
            r.transaction_id
                .map(|t| t.to_string())
                .unwrap_or_else(|| "-".into()),
            utc_date(r.created_at).unwrap_or_default(),
            match (&r.fiscal_sign, &r.error) {
                (Some(sign), _) =>
                    format!("ФД {} ФП {sign}", r.document_number.unwrap_or_default()),
                (None, Some(error)) => error.clone(),
                _ => "-".into(),
            },
        );
    }
    Ok(())
}

/// Registers an INN's register for a site.
pub async fn register_inn(db: &Db, args: RegisterInnArgs, now: i64) -> anyhow::Result<()> {
    let site = known_site(db, args.site).await?;
    let mode = Mode::from(args.mode);
    let inn = args.inn.trim();
    let made =
        crate::receipts::registers::register(db, site, mode, inn, &args.taxation, now).await?;
    if made {
        println!("registered INN {inn} for site {} ({mode})", args.site);
    } else {
        println!(
            "INN {inn} was already registered for site {} ({mode})",
            args.site
        );
    }
    Ok(())
}
