//! `oblako cryptogram`: a card packet sealed with the gateway's public key, as checkout.js makes
//! one, for tests and benchmarks (the key from the local database or a running gateway).

use std::sync::Arc;

use clap::ValueEnum;
use oblako_core::card::{CardExpiry, Cvv, Pan};
use oblako_core::clock::{Clock, SystemClock};
use oblako_protocol::cryptogram::{seal_format_a, seal_format_b};
use oblako_store::cryptogram_keys;

use crate::app;
use crate::config::Config;
use crate::keyring;
use crate::secrets::Secrets;

/// Cryptogram packet layout.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// JSON packet, as checkout.js makes today.
    A,
    /// Legacy `01…` packet.
    B,
}

/// `oblako cryptogram …`.
#[derive(Debug, clap::Args)]
pub struct CryptogramArgs {
    /// The Public ID the cryptogram is for.
    #[arg(long)]
    pub public_id: String,
    /// Card number.
    #[arg(long)]
    pub card: String,
    /// Expiry, MM/YY.
    #[arg(long)]
    pub exp: String,
    /// CVV; omit for CVV-less cards.
    #[arg(long)]
    pub cvv: Option<String>,
    /// Fetch the public key from a running gateway instead of the local database.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Packet format.
    #[arg(long, value_enum, default_value = "a")]
    pub format: FormatArg,
}

/// The packet `args` asks for.
pub async fn make(args: CryptogramArgs, config: &Config) -> anyhow::Result<String> {
    let pan =
        Pan::parse(&args.card).map_err(|_| anyhow::anyhow!("--card is not a valid card number"))?;
    let (month, year) = args
        .exp
        .split_once('/')
        .ok_or_else(|| anyhow::anyhow!("--exp must be MM/YY"))?;
    let expiry = CardExpiry::new(year.trim().parse()?, month.trim().parse()?)
        .map_err(|_| anyhow::anyhow!("--exp must be MM/YY"))?;
    let cvv = args
        .cvv
        .as_deref()
        .map(Cvv::parse)
        .transpose()
        .map_err(|_| anyhow::anyhow!("--cvv must be 3 or 4 digits"))?;
    let (pem, version) = match &args.base_url {
        Some(base) => {
            let url = format!("{}/payments/publickey", base.trim_end_matches('/'));
            let bytes = reqwest::get(&url)
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            let body: serde_json::Value = serde_json::from_slice(&bytes)?;
            let pem = body["Pem"]
                .as_str()
                .ok_or_else(|| anyhow::anyhow!("no Pem at {url}"))?;
            let version = body["Version"]
                .as_u64()
                .ok_or_else(|| anyhow::anyhow!("no Version at {url}"))?;
            (pem.to_owned(), u32::try_from(version)?)
        }
        None => {
            let db = app::open_db(config).await?;
            let secrets = Arc::new(Secrets::load_or_create(&config.master_key_path())?);
            if cryptogram_keys::latest(&db).await?.is_none() {
                keyring::rotate(&db, &secrets, SystemClock.now().as_millisecond()).await?;
            }
            let stored = cryptogram_keys::latest(&db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no cryptogram key"))?;
            (stored.public_pem, u32::try_from(stored.version)?)
        }
    };
    let seal = match args.format {
        FormatArg::A => seal_format_a,
        FormatArg::B => seal_format_b,
    };
    Ok(seal(
        &pem,
        version,
        &pan,
        expiry,
        cvv.as_ref(),
        &args.public_id,
    )?)
}
