//! The gateway's context: what every flow needs, whichever face called it.

use std::sync::Arc;

use oblako_core::clock::Clock;
use oblako_store::Db;

use crate::faults::Faults;
use crate::keyring::Keyring;
use crate::secrets::Secrets;

/// The database, the clock and the keys the flows share. Cheap to clone.
#[derive(Clone)]
pub struct Gateway {
    /// The database.
    pub db: Db,
    /// The clock (the wall clock in production, a manual one in tests).
    pub clock: Arc<dyn Clock>,
    /// Keys derived from the master key.
    pub secrets: Arc<Secrets>,
    /// Cryptogram RSA keys.
    pub keyring: Arc<Keyring>,
    /// Deliberate faults (tests only).
    pub faults: Arc<Faults>,
}

impl Gateway {
    /// Loads the key ring from the database and assembles the context.
    pub async fn open(
        db: Db,
        clock: Arc<dyn Clock>,
        secrets: Arc<Secrets>,
    ) -> anyhow::Result<Gateway> {
        let now = clock.now().as_millisecond();
        let keyring = Arc::new(Keyring::load(db.clone(), secrets.clone(), now).await?);
        Ok(Gateway {
            db,
            clock,
            secrets,
            keyring,
            faults: Arc::new(Faults::default()),
        })
    }

    /// Now, in Unix milliseconds, from the context's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now().as_millisecond()
    }
}
