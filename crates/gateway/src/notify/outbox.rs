//! Putting notifications into the outbox inside the transaction that makes the change they
//! announce, when the site has that kind switched on. The body is built and
//! encoded here, once; every attempt sends the same bytes.
//!
//! Notifications are ordered per payment: a refund's notification queues behind its
//! payment's, so the outbox's ordering key is the payment's id while the body names the refund.
//!
//! The settings are those of the payment's mode: a test payment is announced where the test
//! settings say, a live one where the live settings say.
//!
//! A site's settings are read with [`NoticeSettings::load`] before the write transaction begins:
//! reading them inside it would hold the write connection (SQLite's only writer, or a pooled
//! PostgreSQL connection) while waiting for a second one. They are kept for [`SETTINGS_TTL`] in
//! [`SettingsCache`], so a payment does not pay a query for them: a change through this node's
//! API takes effect at once, one made on another node (or by the CLI) within that time.

use std::sync::Arc;
use std::time::Duration;

use oblako_core::ids::{Mode, SiteId};
use oblako_core::payment::Notice;
use oblako_protocol::notification::{FormEncoding, Notification, NotificationKind, PaymentNotice};
use oblako_store::notifications::{self, NewNotification, settings::Settings};
use oblako_store::{Tx, transactions};

use crate::Gateway;
use crate::notify::notice::payment_notice;
use crate::ttl::TtlCache;

/// The notification of `kind` saying `notice`.
pub fn payment_notification(kind: NotificationKind, notice: PaymentNotice) -> Option<Notification> {
    Some(match kind {
        NotificationKind::Check => Notification::Check(notice),
        NotificationKind::Pay => Notification::Pay(notice),
        NotificationKind::Fail => Notification::Fail(notice),
        NotificationKind::Confirm => Notification::Confirm(notice),
        NotificationKind::Refund => Notification::Refund(notice),
        NotificationKind::Cancel => Notification::Cancel(notice),
        NotificationKind::Recurrent | NotificationKind::Receipt => return None,
    })
}

/// How long a site's settings are reused before they are read again.
pub const SETTINGS_TTL: Duration = Duration::from_secs(1);
/// Sites whose settings are kept at most; past that the cache starts afresh.
const CACHED_SITES: usize = 10_000;

/// Recently read notification settings, per site and mode.
#[derive(Debug)]
pub struct SettingsCache {
    sites: TtlCache<(SiteId, Mode), Arc<Vec<Settings>>>,
}

impl Default for SettingsCache {
    fn default() -> SettingsCache {
        SettingsCache {
            sites: TtlCache::new(SETTINGS_TTL, CACHED_SITES),
        }
    }
}

impl SettingsCache {
    /// Drops `site`'s settings of both modes, after they changed.
    pub fn forget(&self, site: SiteId) {
        self.sites.forget(&(site, Mode::Test));
        self.sites.forget(&(site, Mode::Live));
    }

    fn fresh(&self, key: (SiteId, Mode)) -> Option<Arc<Vec<Settings>>> {
        self.sites.fresh(&key)
    }

    fn keep(&self, key: (SiteId, Mode), kinds: Arc<Vec<Settings>>) {
        self.sites.keep(key, kinds);
    }
}

/// A site's notification settings in one mode, every kind.
#[derive(Debug, Clone)]
pub struct NoticeSettings {
    site: SiteId,
    mode: Mode,
    kinds: Arc<Vec<Settings>>,
}

impl NoticeSettings {
    /// `site`'s settings in `mode`, from the cache or in one query (before the write transaction
    /// that may announce).
    pub async fn load(state: &Gateway, site: SiteId, mode: Mode) -> anyhow::Result<NoticeSettings> {
        let key = (site, mode);
        let kinds = match state.notification_settings.fresh(key) {
            Some(kinds) => kinds,
            None => {
                let kinds = Arc::new(notifications::settings::list(&state.db, site, mode).await?);
                state.notification_settings.keep(key, kinds.clone());
                kinds
            }
        };
        Ok(NoticeSettings { site, mode, kinds })
    }

    /// The mode these settings are for.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The settings of `kind` if it is switched on with an address.
    pub fn wanted(&self, kind: NotificationKind) -> Option<&Settings> {
        self.kinds
            .iter()
            .find(|s| s.kind == kind.name() && s.enabled && !s.url.is_empty())
    }

    /// Whether [`announce`] would queue a notification for `notice`.
    pub fn announces(&self, notice: Option<Notice>) -> bool {
        notice.is_some_and(|notice| self.wanted(NotificationKind::from(notice)).is_some())
    }
}

/// Queues the notification `notice` calls for about transaction `id` of `mode`, inside `tx`
/// after the change is written there, if the site has that kind enabled in that mode (the
/// settings must have been loaded for it). `at_ms` is when the change happened. Returns whether
/// a notification was queued.
pub async fn announce(
    subscriptions: &NoticeSettings,
    tx: &mut Tx,
    mode: Mode,
    id: i64,
    notice: Option<Notice>,
    at_ms: i64,
) -> anyhow::Result<bool> {
    let Some(notice) = notice else {
        return Ok(false);
    };
    anyhow::ensure!(
        subscriptions.mode == mode,
        "{} settings loaded to announce a {mode} transaction",
        subscriptions.mode
    );
    let kind = NotificationKind::from(notice);
    let Some(settings) = subscriptions.wanted(kind) else {
        return Ok(false);
    };
    let site = subscriptions.site;
    let row = transactions::get_for_update(tx, site, mode, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("transaction {id} vanished inside its own change"))?;
    let at = jiff::Timestamp::from_millisecond(at_ms)?;
    let encoding = FormEncoding::from_name(&settings.encoding).unwrap_or(FormEncoding::Utf8);
    let body = payment_notification(kind, payment_notice(&row, kind, at))
        .ok_or_else(|| anyhow::anyhow!("{kind} is not a payment notification"))?
        .body(encoding);
    notifications::enqueue(
        tx,
        &NewNotification {
            site,
            mode,
            transaction_id: Some(row.original_id.unwrap_or(row.id)),
            kind: kind.name(),
            body: &body,
            url: &settings.url,
            method: &settings.method,
            encoding: &settings.encoding,
            created_at: at_ms,
        },
    )
    .await?;
    Ok(true)
}
