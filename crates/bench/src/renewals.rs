//! The renewals scenario: how long the gateway takes to renew a crowd of
//! subscriptions that all fall due at the same second, the charges included.
//!
//! 1. Tokens: one card charge per account (`renew-{i}`), cycling through pre-made cryptograms.
//! 2. `subscriptions/create` for every subscription, spread over the accounts, all with the same
//!    `StartDate` a little ahead (`--lead-secs`), at `--concurrency` in flight. The run stops if
//!    the creation outlasts the lead: renewals would then overlap it.
//! 3. From that second, the gateway's `oblako_subscription_charges_total` counter (its
//!    `/metrics`, approved and declined) is read every 100 ms until it has grown by the number of
//!    subscriptions or `--duration-secs` has passed. The time runs from the due second, so the
//!    billing loop's own tick delay is part of it.
//! 4. Every account's `subscriptions/find` then shows whether each subscription was charged
//!    exactly once (`SuccessfulTransactionsNumber` 1, the next charge a month on).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::gateway::{Gateway, Outcome};

/// What the scenario is asked to do.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub subscriptions: u64,
    pub accounts: u64,
    pub concurrency: usize,
    /// From the start of the creation to the due second.
    pub lead: Duration,
    /// How long to wait for the renewals.
    pub limit: Duration,
}

/// What the run came to.
#[derive(Debug, Default)]
pub struct RenewalReport {
    created: u64,
    create_secs: f64,
    /// Seconds from the due second until the counter grew by each share of the subscriptions.
    first: Option<f64>,
    half: Option<f64>,
    all: Option<f64>,
    renewed: u64,
    /// Per subscription, from `subscriptions/find`.
    charged_once: u64,
    charged_twice: u64,
    not_charged: u64,
}

impl RenewalReport {
    /// Every subscription renewed, each once.
    pub fn clean(&self) -> bool {
        self.all.is_some()
            && self.charged_once == self.created
            && self.charged_twice == 0
            && self.not_charged == 0
    }

    fn per_sec(&self) -> Option<f64> {
        self.all
            .filter(|s| *s > 0.0)
            .map(|s| self.created as f64 / s)
    }

    pub fn text(&self) -> String {
        let secs = |s: Option<f64>| s.map_or("not reached".to_owned(), |s| format!("{s:.1} s"));
        let rate = self.per_sec().map_or("-".to_owned(), |r| format!("{r:.0}"));
        format!(
            "scenario renewals\n\
             created {} subscriptions in {:.1} s ({:.0}/s), all due at the same second\n\
             renewed {} of {}: first after {}, half after {}, all after {} ({rate} renewals/s)\n\
             charged exactly once: {}, twice or more: {}, not charged: {}\n",
            self.created,
            self.create_secs,
            self.created as f64 / self.create_secs.max(f64::EPSILON),
            self.renewed,
            self.created,
            secs(self.first),
            secs(self.half),
            secs(self.all),
            self.charged_once,
            self.charged_twice,
            self.not_charged,
        )
    }

    pub fn json(&self) -> Value {
        json!({
            "scenario": "renewals",
            "created": self.created,
            "create_secs": self.create_secs,
            "renewed": self.renewed,
            "first_secs": self.first,
            "half_secs": self.half,
            "all_secs": self.all,
            "renewals_per_sec": self.per_sec(),
            "charged_once": self.charged_once,
            "charged_twice": self.charged_twice,
            "not_charged": self.not_charged,
        })
    }
}

/// The machine's clock: the StartDate the gateway compares with its own.
#[allow(clippy::disallowed_methods)] // the bench talks to a live server about real dates
fn wall_clock() -> SystemTime {
    SystemTime::now()
}

fn account(i: u64) -> String {
    format!("renew-{i}")
}

fn ok(call: Outcome, what: &str) -> anyhow::Result<Value> {
    match call {
        Outcome::Ok(reply) => Ok(reply),
        Outcome::Throttled => bail!("{what}: HTTP 429"),
        Outcome::Failed(why) => bail!("{what}: {why}"),
    }
}

/// Runs the scenario with cryptograms from `packets`.
pub async fn run(
    gateway: Arc<Gateway>,
    packets: Vec<String>,
    plan: Plan,
) -> anyhow::Result<RenewalReport> {
    let started = Instant::now();
    let due = wall_clock() + plan.lead;
    let due_secs = due.duration_since(UNIX_EPOCH)?.as_secs() + 1;
    let start_date = iso(due_secs, 0)?;
    let tokens = Arc::new(tokens(&gateway, &packets, plan).await?);
    eprintln!(
        "{} tokens made; creating {} subscriptions due at {start_date} UTC",
        tokens.len(),
        plan.subscriptions
    );
    let next = Arc::new(AtomicU64::new(0));
    let mut workers = JoinSet::new();
    for _ in 0..plan.concurrency {
        let (gateway, tokens, next) = (gateway.clone(), tokens.clone(), next.clone());
        let start_date = start_date.clone();
        workers.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= plan.subscriptions {
                    return Ok::<(), anyhow::Error>(());
                }
                let i = n % plan.accounts;
                let body = json!({
                    "Token": tokens[i as usize], "AccountId": account(i),
                    "Description": "Bench renewal", "Amount": 1, "Currency": "RUB",
                    "RequireConfirmation": false, "StartDate": start_date,
                    "Interval": "Month", "Period": 1,
                });
                let call = gateway.post("/subscriptions/create", &body).await;
                ok(call.outcome, "subscriptions/create")?;
            }
        });
    }
    while let Some(done) = workers.join_next().await {
        done??;
    }
    let mut report = RenewalReport {
        created: plan.subscriptions,
        create_secs: started.elapsed().as_secs_f64(),
        ..RenewalReport::default()
    };
    let due_at = UNIX_EPOCH + Duration::from_secs(due_secs);
    let Ok(wait) = due_at.duration_since(wall_clock()) else {
        bail!(
            "creating the subscriptions took {:.1} s, past their StartDate: raise --lead-secs",
            report.create_secs
        );
    };
    let before = charges(&gateway).await?;
    tokio::time::sleep(wait).await;
    let t0 = Instant::now();
    loop {
        let done = charges(&gateway).await?.saturating_sub(before);
        let at = Some(t0.elapsed().as_secs_f64());
        report.renewed = done;
        if done > 0 && report.first.is_none() {
            report.first = at;
        }
        if done * 2 >= plan.subscriptions && report.half.is_none() {
            report.half = at;
        }
        if done >= plan.subscriptions {
            report.all = at;
            break;
        }
        if t0.elapsed() > plan.limit {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    verify(&gateway, plan, due_secs, &mut report).await?;
    Ok(report)
}

/// One token per account, from card charges made `concurrency` at a time.
async fn tokens(
    gateway: &Arc<Gateway>,
    packets: &[String],
    plan: Plan,
) -> anyhow::Result<Vec<String>> {
    if packets.is_empty() {
        bail!("no cryptogram was made");
    }
    let mut tokens = vec![String::new(); plan.accounts as usize];
    let mut running = JoinSet::new();
    for i in 0..plan.accounts {
        if running.len() >= plan.concurrency {
            let (i, token) = running.join_next().await.context("no task")???;
            tokens[i as usize] = token;
        }
        let gateway = gateway.clone();
        let packet = packets[(i % packets.len() as u64) as usize].clone();
        running.spawn(async move {
            let body = json!({
                "Amount": 1, "Currency": "RUB", "IpAddress": "127.0.0.1",
                "CardCryptogramPacket": packet, "AccountId": account(i),
            });
            let reply = ok(
                gateway.post("/payments/cards/charge", &body).await.outcome,
                "the card charge that makes a token",
            )?;
            let token = reply["Model"]["Token"]
                .as_str()
                .ok_or_else(|| anyhow!("the card charge returned no Model.Token: {reply}"))?;
            Ok::<_, anyhow::Error>((i, token.to_owned()))
        });
    }
    while let Some(done) = running.join_next().await {
        let (i, token) = done??;
        tokens[i as usize] = token;
    }
    Ok(tokens)
}

/// The gateway's subscription charges concluded so far, approved or declined.
async fn charges(gateway: &Gateway) -> anyhow::Result<u64> {
    let text = gateway.get_text("/metrics").await?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with("oblako_subscription_charges_total"))
        .filter(|l| l.contains("\"approved\"") || l.contains("\"declined\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64)
}

/// Counts, from every account's `subscriptions/find`, the subscriptions charged once, more, or
/// not at all; a charged one must also have its next charge a month after the due second.
async fn verify(
    gateway: &Arc<Gateway>,
    plan: Plan,
    due_secs: u64,
    report: &mut RenewalReport,
) -> anyhow::Result<()> {
    let mut running = JoinSet::new();
    let expected = iso(due_secs, 1)?;
    for i in 0..plan.accounts {
        if running.len() >= plan.concurrency
            && let Some(done) = running.join_next().await
        {
            tally(done??, &expected, report);
        }
        let gateway = gateway.clone();
        running.spawn(async move {
            let call = gateway
                .post("/subscriptions/find", &json!({ "AccountId": account(i) }))
                .await;
            ok(call.outcome, "subscriptions/find")
        });
    }
    while let Some(done) = running.join_next().await {
        tally(done??, &expected, report);
    }
    Ok(())
}

fn tally(reply: Value, expected_next: &str, report: &mut RenewalReport) {
    for model in reply["Model"].as_array().into_iter().flatten() {
        let paid = model["SuccessfulTransactionsNumber"].as_u64().unwrap_or(0);
        let next = model["NextTransactionDateIso"].as_str().unwrap_or("");
        match paid {
            0 => report.not_charged += 1,
            1 if next == expected_next => report.charged_once += 1,
            1 => report.not_charged += 1,
            _ => report.charged_twice += 1,
        }
    }
}

/// `yyyy-MM-ddTHH:mm:ss` of Unix seconds plus `months`, UTC.
fn iso(secs: u64, months: i32) -> anyhow::Result<String> {
    let at = jiff::Timestamp::from_second(i64::try_from(secs)?)?.to_zoned(jiff::tz::TimeZone::UTC);
    let at = at.checked_add(jiff::Span::new().months(months))?;
    Ok(at.strftime("%Y-%m-%dT%H:%M:%S").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_of_unix_seconds() {
        assert_eq!(iso(0, 0).unwrap(), "1970-01-01T00:00:00");
        assert_eq!(iso(951_782_400, 0).unwrap(), "2000-02-29T00:00:00");
        assert_eq!(iso(1_798_761_599, 1).unwrap(), "2027-01-31T23:59:59");
    }
}
