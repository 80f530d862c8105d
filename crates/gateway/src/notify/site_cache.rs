//! What every delivery attempt needs of its site, its signing secret and its retry schedule,
//! kept for a second so a busy receiver's attempts do not each read and decrypt them again. A
//! rotated secret or a changed schedule applies from the next read, within [`SITE_TTL`].

use std::sync::Arc;
use std::time::Duration;

use oblako_core::ids::{Mode, SiteId};
use oblako_store::notifications::{self, RetrySchedule};

use crate::Gateway;
use crate::notify::signing;
use crate::ttl::TtlCache;

/// How long a site's secret and schedule are reused.
pub const SITE_TTL: Duration = Duration::from_secs(1);
/// Entries kept at most; past that the cache starts afresh.
const CACHED: usize = 10_000;

/// A site's secret for one mode and its schedule.
#[derive(Debug)]
pub struct SiteForDelivery {
    pub secret: Vec<u8>,
    pub schedule: RetrySchedule,
}

/// Recently read [`SiteForDelivery`], per site and mode.
#[derive(Debug)]
pub struct SiteCache {
    sites: TtlCache<(SiteId, Mode), Arc<SiteForDelivery>>,
}

impl Default for SiteCache {
    fn default() -> SiteCache {
        SiteCache {
            sites: TtlCache::new(SITE_TTL, CACHED),
        }
    }
}

impl SiteCache {
    /// `site`'s secret for `mode` and its schedule, from the cache or read now.
    pub async fn get(
        &self,
        state: &Gateway,
        site: SiteId,
        mode: Mode,
    ) -> anyhow::Result<Arc<SiteForDelivery>> {
        if let Some(found) = self.sites.fresh(&(site, mode)) {
            return Ok(found);
        }
        let secret = signing::site_secret(&state.db, &state.secrets, site, mode).await?;
        let schedule = notifications::settings::retry_schedule(&state.db, site)
            .await?
            .unwrap_or_else(RetrySchedule::cloudpayments);
        let found = Arc::new(SiteForDelivery { secret, schedule });
        self.sites.keep((site, mode), found.clone());
        Ok(found)
    }
}
