//! Messages to payers: e-mail through SMTP or into `.eml` files, and SMS, Viber and
//! WhatsApp through a pluggable [`phone::PhoneSender`]. Everything goes through the `messages`
//! outbox, written in the commit that the message tells about; the worker in every `oblako serve`
//! claims due rows under a lease, sends them, and retries failures on [`RETRY_SECS`].

pub mod billing;
pub mod letter;
pub mod manage_link;
pub mod order_link;
pub mod phone;
pub mod receipt;
pub mod smtp;

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use oblako_core::ids::SiteId;
use oblako_store::Tx;
use oblako_store::messages::{self, Message, NewMessage, Outcome};
use tokio::sync::Notify;

use crate::Gateway;
use phone::{PhoneOutcome, PhoneSender};
use smtp::{Outlet, SendError};

/// Seconds before the 2nd, 3rd, … attempt; after the last, the message fails.
pub const RETRY_SECS: &[i64] = &[60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600];
/// A lease outlives the longest attempt (30 s of SMTP) with a margin.
pub const LEASE_MS: i64 = 120_000;
/// Claimed per round.
const BATCH: i64 = 32;
/// How long an idle worker sleeps when nothing wakes it.
const IDLE: Duration = Duration::from_secs(1);

/// Where messages go, and the bell that wakes the worker.
pub struct Mailer {
    wake: Notify,
    from: Mailbox,
    outlet: Outlet,
    phone: Arc<dyn PhoneSender>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .field("outlet", &self.outlet)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer sending as `from`, through `smtp_url` or into `data_dir` without one, with phone
    /// messages going to `phone`.
    pub fn new(
        from: Mailbox,
        smtp_url: &str,
        data_dir: &std::path::Path,
        phone: Arc<dyn PhoneSender>,
    ) -> anyhow::Result<Mailer> {
        Ok(Mailer {
            wake: Notify::new(),
            from,
            outlet: Outlet::new(smtp_url, data_dir)?,
            phone,
        })
    }

    /// Something was queued: wake the worker.
    pub fn ring(&self) {
        self.wake.notify_one();
    }
}

/// Queues `email` to `recipient` inside `tx`, about `reference` (`order:{Id}`,
/// `subscription:{Id}`); ring [`Mailer::ring`] after the commit.
pub async fn queue_email(
    tx: &mut Tx,
    site: Option<SiteId>,
    recipient: &str,
    email: &order_link::Email,
    reference: &str,
    now_ms: i64,
) -> anyhow::Result<i64> {
    let message = NewMessage {
        site,
        channel: "email",
        recipient,
        subject: &email.subject,
        html: &email.html,
        text: &email.text,
        reference,
        created_at: now_ms,
    };
    Ok(messages::enqueue(tx, &message).await?)
}

/// Sends until `stop`: claims what is due, sends it, sleeps until woken.
pub async fn run(state: Gateway, worker: String, stop: crate::stop::Stop) {
    while !stop.is_cancelled() {
        match send_due(&state, &worker).await {
            Ok(n) if n as i64 >= BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "message round failed"),
        }
        let woken = tokio::time::timeout(IDLE, state.mail.wake.notified());
        if stop.interrupts(woken).await {
            break;
        }
    }
}

/// One round: claims what is due now and sends it; returns how many were claimed.
pub async fn send_due(state: &Gateway, worker: &str) -> anyhow::Result<usize> {
    let due = messages::claim_due(&state.db, state.now_ms(), LEASE_MS, worker, BATCH).await?;
    let claimed = due.len();
    let mut attempts = tokio::task::JoinSet::new();
    for message in due {
        let (state, worker) = (state.clone(), worker.to_owned());
        attempts.spawn(async move {
            if let Err(e) = attempt(&state, &worker, &message).await {
                tracing::error!(id = message.id, error = %e, "message attempt not recorded");
            }
        });
    }
    while attempts.join_next().await.is_some() {}
    Ok(claimed)
}

/// Sends everything due now (tests, the CLI); returns how many attempts were made.
pub async fn drain(state: &Gateway, worker: &str) -> anyhow::Result<usize> {
    let mut total = 0;
    loop {
        let claimed = send_due(state, worker).await?;
        total += claimed;
        if claimed == 0 {
            return Ok(total);
        }
    }
}

/// When the attempt after `attempts` failures is due, or `None` when they are used up.
pub fn retry_at(attempts: i64, now_ms: i64) -> Option<i64> {
    let index = usize::try_from(attempts).ok()?.checked_sub(1)?;
    RETRY_SECS
        .get(index)
        .map(|secs| now_ms.saturating_add(secs * 1000))
}

async fn attempt(state: &Gateway, worker: &str, m: &Message) -> anyhow::Result<()> {
    let mail = &state.mail;
    // Retries run on the site's clock (a test clock moves them), like the claim that finds them.
    let now = match m.site_id {
        Some(site) => state.site_now_ms(oblako_core::ids::SiteId(site)).await?,
        None => state.now_ms(),
    };
    let failed = |error: String| (error, retry_at(m.attempts + 1, now));
    let (via, nowhere, failure) = if m.channel == "email" {
        match mail.outlet.send(&mail.from, m).await {
            Ok(via) => (Some(via), None, None),
            Err(SendError::Permanent(error)) => (None, None, Some((error, None))),
            Err(SendError::Retry(error)) => (None, None, Some(failed(error))),
        }
    } else {
        match mail.phone.send(&m.channel, &m.recipient, &m.text).await {
            PhoneOutcome::Sent { via } => (Some(via), None, None),
            PhoneOutcome::Nowhere { reason } => (None, Some(reason), None),
            PhoneOutcome::Failed { error } => (None, None, Some(failed(error))),
        }
    };
    let outcome = match (&via, &nowhere, &failure) {
        (Some(via), _, _) => Outcome::Sent { via },
        (_, Some(reason), _) => Outcome::SentNowhere { reason },
        (_, _, Some((error, retry_at))) => {
            tracing::warn!(id = m.id, channel = m.channel, error, "message not sent");
            Outcome::Failed {
                error,
                retry_at: *retry_at,
            }
        }
        _ => anyhow::bail!("message {} ended with no outcome", m.id),
    };
    metrics::counter!("oblako_messages_total", "channel" => m.channel.clone(), "result" => match outcome {
        Outcome::Sent { .. } => "sent",
        Outcome::SentNowhere { .. } => "sent_nowhere",
        Outcome::Failed { .. } => "failed",
    })
    .increment(1);
    if !messages::record(&state.db, m.id, worker, state.now_ms(), &outcome).await? {
        tracing::warn!(
            id = m.id,
            "lease lost before the message attempt was recorded"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        assert_eq!(retry_at(1, 0), Some(60_000));
        assert_eq!(retry_at(2, 1_000), Some(301_000));
        assert_eq!(retry_at(RETRY_SECS.len() as i64, 0), Some(24 * 3600 * 1000));
        assert_eq!(retry_at(RETRY_SECS.len() as i64 + 1, 0), None);
        assert_eq!(retry_at(0, 0), None);
    }
}
