//! The four scenarios: what is prepared before the timed run, and what one operation is.
//!
//! - token-charge: one cryptogram charge obtains a token, then each operation is a token charge;
//! - cryptogram-charge: each operation is a card charge, cycling through pre-made cryptograms;
//! - auth-confirm: each operation is a card authorization and the confirmation of it;
//! - pay-notifications: token-charge with the site's Pay notification pointed at a receiver in
//!   this process, which notes when each charge's notification arrives ([`crate::deliveries`]);
//! - renewals: subscriptions all due at once, timed until renewed ([`crate::renewals`]);
//! - stripe-intent: the peer's Stripe API, each operation a PaymentIntent created and confirmed
//!   (the calls themselves are in [`crate::stripe`]).
//!
//! Every gateway payment is 1 RUB on the test card, with AccountId `bench`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, anyhow};
use clap::ValueEnum;
use serde_json::{Value, json};

use crate::cryptograms::{self, CARD};
use crate::gateway::{Gateway, Outcome};
use crate::receiver::Receiver;
use crate::report::Tally;
use crate::stripe;

const ACCOUNT: &str = "bench";

/// Which operation to repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// `POST /payments/tokens/charge` with a token from one card charge.
    TokenCharge,
    /// `POST /payments/cards/charge` with pre-made cryptograms.
    CryptogramCharge,
    /// `POST /payments/cards/auth`, then `POST /payments/confirm`, counted as one operation.
    AuthConfirm,
    /// token-charge, and each charge's Pay notification caught by a receiver on 127.0.0.1.
    PayNotifications,
    /// A token charge without receipt data, then one with `JsonData.CloudPayments
    /// .CustomerReceipt` (an Income receipt queued in its commit), counted as one operation and
    /// reported per call: the two kinds in the same run, interleaved.
    TokenChargeReceipts,
    /// Subscriptions created all due at the same second, then timed until each is renewed (see
    /// [`crate::renewals`]); `--requests` is the number of subscriptions.
    Renewals,
    /// Stripe's `POST /v1/payment_intents`, then `POST /v1/payment_intents/{id}/confirm`,
    /// counted as one operation; for a fake Stripe such as localstripe, not for the gateway.
    StripeIntent,
}

impl Scenario {
    /// The name on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::TokenCharge => "token-charge",
            Scenario::CryptogramCharge => "cryptogram-charge",
            Scenario::AuthConfirm => "auth-confirm",
            Scenario::PayNotifications => "pay-notifications",
            Scenario::TokenChargeReceipts => "token-charge-receipts",
            Scenario::Renewals => "renewals",
            Scenario::StripeIntent => "stripe-intent",
        }
    }

    /// The calls reported one by one, when an operation is more than one call.
    pub fn calls(self) -> &'static [&'static str] {
        match self {
            Scenario::TokenCharge
            | Scenario::CryptogramCharge
            | Scenario::PayNotifications
            | Scenario::Renewals => &[],
            Scenario::AuthConfirm => &["auth", "confirm"],
            Scenario::TokenChargeReceipts => &["plain", "receipt"],
            Scenario::StripeIntent => &["create", "confirm"],
        }
    }
}

/// Counts of one worker: whole operations, and each call by [`Scenario::calls`].
#[derive(Debug)]
pub struct Sample {
    pub ops: Tally,
    pub calls: Vec<Tally>,
    /// Open-loop operations started more than 1 ms after they were due, and the worst delay.
    pub late: u64,
    pub max_late: std::time::Duration,
}

impl Sample {
    /// An empty sample for `scenario`.
    pub fn new(scenario: Scenario) -> Sample {
        Sample {
            ops: Tally::default(),
            calls: scenario.calls().iter().map(|_| Tally::default()).collect(),
            late: 0,
            max_late: std::time::Duration::ZERO,
        }
    }

    /// Adds another worker's sample.
    pub fn merge(&mut self, other: Sample) {
        self.ops.merge(other.ops);
        self.late += other.late;
        self.max_late = self.max_late.max(other.max_late);
        for (mine, theirs) in self.calls.iter_mut().zip(other.calls) {
            mine.merge(theirs);
        }
    }
}

/// A scenario with what it needs prepared.
#[derive(Debug)]
pub struct Workload {
    scenario: Scenario,
    token: String,
    pub packets: Vec<String>,
    /// The Stripe PaymentMethod that stripe-intent pays with.
    payment_method: String,
    /// pay-notifications: the receiver, and when each charge was sent, by TransactionId.
    pub receiver: Option<Receiver>,
    pub sent: Mutex<HashMap<i64, Instant>>,
}

impl Workload {
    /// Prepares `scenario`: cryptograms (`pool` of them for the card scenarios, one for the
    /// token), for token-charge the token from one card charge, and for stripe-intent the
    /// PaymentMethod.
    pub async fn prepare(
        scenario: Scenario,
        gateway: &Gateway,
        oblako_bin: &Path,
        pool: usize,
    ) -> anyhow::Result<Workload> {
        let count = match scenario {
            Scenario::TokenCharge | Scenario::PayNotifications | Scenario::TokenChargeReceipts => 1,
            Scenario::CryptogramCharge | Scenario::AuthConfirm | Scenario::Renewals => pool,
            Scenario::StripeIntent => {
                let payment_method = stripe::payment_method(gateway).await?;
                eprintln!("paying with PaymentMethod {payment_method}");
                return Ok(Workload {
                    scenario,
                    token: String::new(),
                    packets: Vec::new(),
                    payment_method,
                    receiver: None,
                    sent: Mutex::default(),
                });
            }
        };
        let public_id = gateway
            .public_id()
            .ok_or_else(|| anyhow!("{} needs a site's Public ID", scenario.name()))?;
        eprintln!(
            "making {count} cryptogram(s) of card {CARD} with {}",
            oblako_bin.display()
        );
        let packets = cryptograms::make(oblako_bin, gateway.base(), public_id, count)
            .await
            .context("cannot make the cryptograms")?;
        let mut token = String::new();
        if matches!(
            scenario,
            Scenario::TokenCharge | Scenario::PayNotifications | Scenario::TokenChargeReceipts
        ) {
            let first = packets
                .first()
                .ok_or_else(|| anyhow!("no cryptogram was made"))?;
            let call = gateway
                .post("/payments/cards/charge", &card_body(first))
                .await;
            let reply = match call.outcome {
                Outcome::Ok(reply) => reply,
                Outcome::Throttled => anyhow::bail!("the charge that makes the token got 429"),
                Outcome::Failed(why) => anyhow::bail!("the charge that makes the token: {why}"),
            };
            token = reply["Model"]["Token"]
                .as_str()
                .ok_or_else(|| anyhow!("the card charge returned no Model.Token: {reply}"))?
                .to_owned();
        }
        let receiver = match scenario {
            Scenario::PayNotifications => Some(subscribe(gateway).await?),
            _ => None,
        };
        Ok(Workload {
            scenario,
            token,
            packets,
            payment_method: String::new(),
            receiver,
            sent: Mutex::default(),
        })
    }

    /// Runs operation number `n` and counts it into `sample`.
    pub async fn run_op(&self, gateway: &Gateway, n: u64, sample: &mut Sample) {
        match self.scenario {
            Scenario::TokenCharge | Scenario::PayNotifications => {
                let body = json!({
                    "Amount": 1, "AccountId": ACCOUNT, "Token": self.token, "TrInitiatorCode": 0,
                });
                let at = Instant::now();
                let call = gateway.post("/payments/tokens/charge", &body).await;
                sample.ops.record(&call.outcome, call.latency);
                if let (Some(_), Outcome::Ok(reply)) = (&self.receiver, &call.outcome)
                    && let Some(id) = reply["Model"]["TransactionId"].as_i64()
                    && let Ok(mut sent) = self.sent.lock()
                {
                    sent.insert(id, at);
                }
            }
            Scenario::CryptogramCharge => {
                let call = gateway
                    .post("/payments/cards/charge", &card_body(self.packet(n)))
                    .await;
                sample.ops.record(&call.outcome, call.latency);
            }
            Scenario::AuthConfirm => self.auth_confirm(gateway, n, sample).await,
            Scenario::TokenChargeReceipts => self.with_and_without_receipt(gateway, sample).await,
            Scenario::Renewals => {
                let why = "renewals is not a repeated operation".to_owned();
                sample
                    .ops
                    .record(&Outcome::Failed(why), std::time::Duration::ZERO);
            }
            Scenario::StripeIntent => {
                stripe::intent_confirm(gateway, &self.payment_method, sample).await;
            }
        }
    }

    async fn with_and_without_receipt(&self, gateway: &Gateway, sample: &mut Sample) {
        let [plain_tally, receipt_tally] = &mut sample.calls[..] else {
            return;
        };
        let plain = json!({
            "Amount": 1, "AccountId": ACCOUNT, "Token": self.token, "TrInitiatorCode": 0,
        });
        let mut with_receipt = plain.clone();
        with_receipt["JsonData"] = json!({"CloudPayments": {"CustomerReceipt": {
            "Items": [{"label": "Bench", "price": 1, "quantity": 1, "amount": 1, "vat": 20}],
            "taxationSystem": 0}}});
        let first = gateway.post("/payments/tokens/charge", &plain).await;
        plain_tally.record(&first.outcome, first.latency);
        let second = gateway.post("/payments/tokens/charge", &with_receipt).await;
        receipt_tally.record(&second.outcome, second.latency);
        let outcome = match (&first.outcome, &second.outcome) {
            (Outcome::Ok(_), other) | (other, _) => other,
        };
        sample.ops.record(outcome, first.latency + second.latency);
    }

    async fn auth_confirm(&self, gateway: &Gateway, n: u64, sample: &mut Sample) {
        let [auth_tally, confirm_tally] = &mut sample.calls[..] else {
            return;
        };
        let auth = gateway
            .post("/payments/cards/auth", &card_body(self.packet(n)))
            .await;
        auth_tally.record(&auth.outcome, auth.latency);
        let id = match &auth.outcome {
            Outcome::Ok(reply) => match reply["Model"]["TransactionId"].as_i64() {
                Some(id) => id,
                None => {
                    let why = "/payments/cards/auth returned no Model.TransactionId".to_owned();
                    sample.ops.record(&Outcome::Failed(why), auth.latency);
                    return;
                }
            },
            other => {
                sample.ops.record(other, auth.latency);
                return;
            }
        };
        let confirm = gateway
            .post(
                "/payments/confirm",
                &json!({ "TransactionId": id, "Amount": 1 }),
            )
            .await;
        confirm_tally.record(&confirm.outcome, confirm.latency);
        sample
            .ops
            .record(&confirm.outcome, auth.latency + confirm.latency);
    }

    fn packet(&self, n: u64) -> &str {
        let len = self.packets.len().max(1) as u64;
        usize::try_from(n % len)
            .ok()
            .and_then(|i| self.packets.get(i))
            .map_or("", String::as_str)
    }
}

/// Starts the receiver and points the site's Pay notification at it (test keys may use loopback).
async fn subscribe(gateway: &Gateway) -> anyhow::Result<Receiver> {
    let receiver = Receiver::start().await?;
    let body = json!({
        "IsEnabled": true, "Address": receiver.url, "HttpMethod": "POST", "Encoding": "UTF8",
        "Format": "CloudPayments",
    });
    match gateway
        .post("/site/notifications/Pay/update", &body)
        .await
        .outcome
    {
        Outcome::Ok(_) => {}
        Outcome::Throttled => anyhow::bail!("setting the Pay notification got 429"),
        Outcome::Failed(why) => anyhow::bail!("setting the Pay notification: {why}"),
    }
    eprintln!("Pay notifications go to {}", receiver.url);
    Ok(receiver)
}

fn card_body(packet: &str) -> Value {
    json!({
        "Amount": 1, "Currency": "RUB", "IpAddress": "127.0.0.1",
        "CardCryptogramPacket": packet, "AccountId": ACCOUNT,
    })
}
