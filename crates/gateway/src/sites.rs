//! Creating sites and issuing their credentials.
//!
//! A site gets a test key pair (`test_api_…`) and a live one (`pk_…`), each with a Public ID of
//! 128 random bits and an API Secret of 32 random bytes. The secret is returned once, here, and
//! stored only as a keyed hash (to verify Basic auth) and sealed (to sign notifications).

use oblako_core::ids::{AccountId, Mode, SiteId};
use oblako_store::{Db, sites};

use crate::secrets::{Purpose, Secrets, random_hex};

/// One key pair with its secret in clear: shown once, at creation or rotation.
#[derive(Clone, serde::Serialize)]
pub struct IssuedKey {
    /// `test` or `live`.
    pub mode: &'static str,
    /// The Public ID (HTTP Basic user name).
    pub public_id: String,
    /// The API Secret (HTTP Basic password).
    pub api_secret: String,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IssuedKey({}, {}, ***)", self.mode, self.public_id)
    }
}

/// A newly created site and both of its key pairs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CreatedSite {
    /// The site id.
    pub site_id: i64,
    /// The site name.
    pub name: String,
    /// Test keys: work at once against the emulated bank.
    pub test: IssuedKey,
    /// Live keys: work once the site goes live.
    pub live: IssuedKey,
}

fn new_public_id(mode: Mode) -> anyhow::Result<String> {
    let prefix = match mode {
        Mode::Test => "test_api_",
        Mode::Live => "pk_",
    };
    Ok(format!("{prefix}{}", random_hex(16)?))
}

fn new_secret() -> anyhow::Result<String> {
    random_hex(32)
}

/// The account new sites go to when none is named: the first one, created on demand.
pub async fn default_account(db: &Db, now_ms: i64) -> anyhow::Result<AccountId> {
    if let Some(site) = sites::list_sites(db).await?.first() {
        return Ok(site.account_id);
    }
    Ok(sites::create_account(db, "Default account", now_ms).await?)
}

/// Creates a site in test mode with fresh key pairs.
pub async fn create_site(
    db: &Db,
    secrets: &Secrets,
    account: AccountId,
    name: &str,
    now_ms: i64,
) -> anyhow::Result<CreatedSite> {
    let name = name.trim();
    anyhow::ensure!(
        !name.is_empty() && name.len() <= 200,
        "a site name must be 1–200 characters"
    );
    let mut issued = Vec::new();
    let mut rows = Vec::new();
    for mode in [Mode::Test, Mode::Live] {
        let key = IssuedKey {
            mode: mode.as_str(),
            public_id: new_public_id(mode)?,
            api_secret: new_secret()?,
        };
        let hash = secrets.hash_api_secret(&key.api_secret);
        let sealed = secrets.seal(Purpose::ApiSecret, key.api_secret.as_bytes())?;
        rows.push((mode, key.public_id.clone(), hash, sealed));
        issued.push(key);
    }
    let rows: [_; 2] = rows
        .try_into()
        .map_err(|_| anyhow::anyhow!("two key pairs expected"))?;
    let site_id = sites::create_site(db, account, name, now_ms, rows).await?;
    let mut issued = issued.into_iter();
    let (Some(test), Some(live)) = (issued.next(), issued.next()) else {
        anyhow::bail!("two key pairs expected");
    };
    Ok(CreatedSite {
        site_id: site_id.0,
        name: name.to_owned(),
        test,
        live,
    })
}

/// Replaces one key pair's API Secret and returns the new secret (shown once).
pub async fn rotate_secret(
    db: &Db,
    secrets: &Secrets,
    site: SiteId,
    mode: Mode,
    now_ms: i64,
) -> anyhow::Result<IssuedKey> {
    let keys = sites::keys_of(db, site).await?;
    let key = keys
        .into_iter()
        .find(|k| k.mode == mode)
        .ok_or_else(|| anyhow::anyhow!("site {site} does not exist"))?;
    let secret = new_secret()?;
    let hash = secrets.hash_api_secret(&secret);
    let sealed = secrets.seal(Purpose::ApiSecret, secret.as_bytes())?;
    anyhow::ensure!(
        sites::rotate_secret(db, site, mode, &hash, &sealed, now_ms).await?,
        "site {site} does not exist"
    );
    Ok(IssuedKey {
        mode: mode.as_str(),
        public_id: key.public_id,
        api_secret: secret,
    })
}
