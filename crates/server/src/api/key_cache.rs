//! Basic auth's key lookup, kept for a second: every API request authenticates, and reading the
//! key with its site is a database round trip per request. A secret rotated or a site changed by
//! this process applies at once (the store counts its own changes to sites, and an entry read
//! under an older count is read again); a change made by another node applies within
//! [`KEY_TTL`]. Only keys that exist are kept, so a new site works from its first request. The
//! secret's hash is cached, never the secret; the comparison stays in `auth`, in constant time.

use std::sync::Arc;
use std::time::Duration;

use oblako_gateway::ttl::TtlCache;
use oblako_store::sites::{self, Site, SiteKey};
use oblako_store::{Db, StoreError};

/// How long a key and its site are reused.
pub const KEY_TTL: Duration = Duration::from_secs(1);
/// Entries kept at most; past that the cache starts afresh.
const CACHED: usize = 10_000;

/// Recently read keys, by Public ID, each with the count of this process's site changes it was
/// read under.
#[derive(Debug)]
pub struct KeyCache {
    keys: TtlCache<String, (u64, Arc<(SiteKey, Site)>)>,
}

impl Default for KeyCache {
    fn default() -> KeyCache {
        KeyCache {
            keys: TtlCache::new(KEY_TTL, CACHED),
        }
    }
}

impl KeyCache {
    /// The key `public_id` names and its site, from the cache or read now.
    pub async fn get(
        &self,
        db: &Db,
        public_id: &str,
    ) -> Result<Option<(SiteKey, Site)>, StoreError> {
        // Read before the database, so a change that lands during the read leaves a stale count.
        let changes = sites::changes();
        if let Some(found) = self.fresh(public_id, changes) {
            return Ok(Some(found.as_ref().clone()));
        }
        let Some(found) = sites::key_by_public_id(db, public_id).await? else {
            return Ok(None);
        };
        self.keys
            .keep(public_id.to_owned(), (changes, Arc::new(found.clone())));
        Ok(Some(found))
    }

    fn fresh(&self, public_id: &str, changes: u64) -> Option<Arc<(SiteKey, Site)>> {
        let (read_under, found) = self.keys.fresh(&public_id.to_owned())?;
        (read_under == changes).then_some(found)
    }
}
