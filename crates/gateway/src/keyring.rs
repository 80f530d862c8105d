//! The cryptogram RSA keys, by version, as the running gateway uses them.
//!
//! Keys live in the database (private halves sealed under the KEK) so every node of a cluster
//! decrypts the same cryptograms. The first start generates version 1; `oblako keys rotate` adds
//! the next version, which `GET /payments/publickey` hands out from then on, while old versions
//! keep decrypting. A node that meets a version it has not loaded reloads from the database.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use oblako_protocol::cryptogram::{CryptogramError, CryptogramKey, OpenedCard, open_packet};
use oblako_store::{Db, cryptogram_keys};

use crate::secrets::{Purpose, Secrets};

/// Loaded cryptogram keys.
#[derive(Debug)]
pub struct Keyring {
    db: Db,
    secrets: Arc<Secrets>,
    keys: RwLock<HashMap<u32, Arc<CryptogramKey>>>,
}

/// Generates and stores the next key version; returns it.
pub async fn rotate(db: &Db, secrets: &Secrets, now_ms: i64) -> anyhow::Result<u32> {
    let key = CryptogramKey::generate(0)?;
    let sealed = secrets.seal(Purpose::CryptogramKey, &key.to_pkcs8()?)?;
    let version = cryptogram_keys::insert_next(db, &key.public_pem()?, &sealed, now_ms).await?;
    Ok(u32::try_from(version)?)
}

impl Keyring {
    /// Loads every stored version, generating version 1 if there is none.
    pub async fn load(db: Db, secrets: Arc<Secrets>, now_ms: i64) -> anyhow::Result<Keyring> {
        if cryptogram_keys::latest(&db).await?.is_none() {
            rotate(&db, &secrets, now_ms).await?;
        }
        let ring = Keyring {
            db,
            secrets,
            keys: RwLock::new(HashMap::new()),
        };
        ring.reload().await?;
        Ok(ring)
    }

    async fn reload(&self) -> anyhow::Result<()> {
        let mut loaded = HashMap::new();
        for stored in cryptogram_keys::all(&self.db).await? {
            let version = u32::try_from(stored.version)?;
            let der = self
                .secrets
                .open(Purpose::CryptogramKey, &stored.private_enc)?;
            loaded.insert(version, Arc::new(CryptogramKey::from_pkcs8(version, &der)?));
        }
        if let Ok(mut keys) = self.keys.write() {
            *keys = loaded;
        }
        Ok(())
    }

    /// The newest public key and its version, as `GET /payments/publickey` serves it.
    pub async fn current_public(&self) -> anyhow::Result<(String, u32)> {
        let stored = cryptogram_keys::latest(&self.db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no cryptogram key stored"))?;
        Ok((stored.public_pem, u32::try_from(stored.version)?))
    }

    fn snapshot(&self) -> HashMap<u32, Arc<CryptogramKey>> {
        self.keys.read().map(|k| k.clone()).unwrap_or_default()
    }

    /// Decrypts and checks a card cryptogram made for `public_id`. An expired card opens: the
    /// payment declines it (5054).
    pub async fn open(&self, packet: &str, public_id: &str) -> Result<OpenedCard, CryptogramError> {
        let keys = self.snapshot();
        match open_packet(packet, |v| keys.get(&v).map(Arc::as_ref), public_id) {
            Err(CryptogramError::UnknownKeyVersion) => {
                // Perhaps rotated on another node since we loaded: reload once and retry.
                if self.reload().await.is_err() {
                    return Err(CryptogramError::UnknownKeyVersion);
                }
                let keys = self.snapshot();
                open_packet(packet, |v| keys.get(&v).map(Arc::as_ref), public_id)
            }
            other => other,
        }
    }
}
