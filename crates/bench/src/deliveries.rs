//! The pay-notifications scenario's measure of delivery: for every token charge of the timed
//! run, when its Pay notification reached the receiver. From that: how many arrived (and how
//! many twice), the delay from sending the charge to the notification's arrival (an upper bound
//! of commit → arrival, since the commit happens inside the charge), deliveries per second while
//! the charges ran, and how fast a backlog left at the end drained.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::receiver::Receiver;
use crate::report::percentile;

/// What delivery came to.
#[derive(Debug)]
pub struct DeliveryReport {
    expected: usize,
    arrived: usize,
    repeats: u64,
    /// Send → arrival, µs, sorted.
    delays_us: Vec<u64>,
    /// Arrived while the charges ran, per second of the run.
    during_per_sec: f64,
    /// Not yet arrived when the last charge answered.
    backlog_at_end: usize,
    /// From the last charge's answer to the last arrival.
    drain: Duration,
}

/// Waits up to `wait` for every charge in `sent` to be announced, then measures.
pub async fn measure(
    receiver: &Receiver,
    sent: &HashMap<i64, Instant>,
    started: Instant,
    ended: Instant,
    wait: Duration,
) -> DeliveryReport {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline && sent.keys().any(|id| receiver.arrived(*id).is_none()) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let arrivals: Vec<(Instant, Instant)> = sent
        .iter()
        .filter_map(|(id, at)| receiver.arrived(*id).map(|arrived| (*at, arrived)))
        .collect();
    let mut delays_us: Vec<u64> = arrivals
        .iter()
        .map(|(at, arrived)| arrived.saturating_duration_since(*at).as_micros() as u64)
        .collect();
    delays_us.sort_unstable();
    let during = arrivals.iter().filter(|(_, a)| *a <= ended).count();
    let run = ended.saturating_duration_since(started).as_secs_f64();
    let last = arrivals.iter().map(|(_, a)| *a).max().unwrap_or(ended);
    DeliveryReport {
        expected: sent.len(),
        arrived: arrivals.len(),
        repeats: receiver.repeats(),
        delays_us,
        during_per_sec: if run > 0.0 { during as f64 / run } else { 0.0 },
        backlog_at_end: sent.len() - during,
        drain: last.saturating_duration_since(ended),
    }
}

impl DeliveryReport {
    /// Every charge's notification arrived.
    pub fn complete(&self) -> bool {
        self.arrived == self.expected
    }

    fn drain_per_sec(&self) -> Option<f64> {
        let secs = self.drain.as_secs_f64();
        (self.backlog_at_end > 0 && secs > 0.0).then(|| self.backlog_at_end as f64 / secs)
    }

    fn ms(&self, p: f64) -> f64 {
        percentile(&self.delays_us, p).unwrap_or(f64::NAN)
    }

    /// Plain lines.
    pub fn text(&self) -> String {
        let mut out = format!(
            "notifications: expected {}  arrived {}  repeated {}\n",
            self.expected, self.arrived, self.repeats
        );
        out += &format!(
            "send → arrival ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}\n",
            self.ms(50.0),
            self.ms(90.0),
            self.ms(99.0),
            self.ms(100.0)
        );
        out += &format!(
            "deliveries while charging: {:.1}/s  backlog at the end: {}",
            self.during_per_sec, self.backlog_at_end
        );
        match self.drain_per_sec() {
            Some(rate) => {
                out += &format!(
                    "  drained in {:.2} s ({rate:.1}/s)\n",
                    self.drain.as_secs_f64()
                )
            }
            None => out += "\n",
        }
        out
    }

    /// One JSON object.
    pub fn json(&self) -> Value {
        json!({
            "expected": self.expected,
            "arrived": self.arrived,
            "repeated": self.repeats,
            "send_to_arrival_ms": {
                "p50": self.ms(50.0), "p90": self.ms(90.0), "p99": self.ms(99.0),
                "max": self.ms(100.0),
            },
            "deliveries_per_sec_while_charging": self.during_per_sec,
            "backlog_at_end": self.backlog_at_end,
            "drain_secs": self.drain.as_secs_f64(),
            "drain_per_sec": self.drain_per_sec(),
        })
    }
}
