//! Counting and reporting: a tally per operation and per call (OK, HTTP 429, other errors, the
//! latency of every OK one), merged across workers, then printed as plain lines or one JSON
//! object with the same numbers.

use std::time::Duration;

use serde_json::{Value, json};

use crate::gateway::Outcome;

/// Counts and latencies of one kind of operation or call.
#[derive(Debug, Default)]
pub struct Tally {
    pub ok: u64,
    pub http_429: u64,
    pub errors: u64,
    /// Latency of each OK one, in microseconds; throttled and failed ones are left out.
    latencies_us: Vec<u64>,
    /// The first error seen, to say what went wrong.
    pub first_error: Option<String>,
}

impl Tally {
    /// Counts one outcome.
    pub fn record(&mut self, outcome: &Outcome, latency: Duration) {
        match outcome {
            Outcome::Ok(_) => {
                self.ok += 1;
                self.latencies_us
                    .push(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
            }
            Outcome::Throttled => self.http_429 += 1,
            Outcome::Failed(why) => {
                self.errors += 1;
                if self.first_error.is_none() {
                    self.first_error = Some(why.clone());
                }
            }
        }
    }

    /// Adds another worker's tally.
    pub fn merge(&mut self, other: Tally) {
        self.ok += other.ok;
        self.http_429 += other.http_429;
        self.errors += other.errors;
        self.latencies_us.extend(other.latencies_us);
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    /// How many were counted.
    pub fn total(&self) -> u64 {
        self.ok + self.http_429 + self.errors
    }

    fn latency(&mut self) -> Latency {
        self.latencies_us.sort_unstable();
        let at = |p: f64| percentile(&self.latencies_us, p);
        Latency {
            p50: at(50.0),
            p90: at(90.0),
            p99: at(99.0),
            max: self.latencies_us.last().map(|&us| ms(us)),
        }
    }
}

/// Nearest-rank percentile of sorted microseconds, in milliseconds.
pub fn percentile(sorted_us: &[u64], p: f64) -> Option<f64> {
    if sorted_us.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted_us.len() as f64).ceil() as usize;
    sorted_us
        .get(rank.clamp(1, sorted_us.len()) - 1)
        .map(|&us| ms(us))
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

#[derive(Debug, Clone, Copy)]
struct Latency {
    p50: Option<f64>,
    p90: Option<f64>,
    p99: Option<f64>,
    max: Option<f64>,
}

impl Latency {
    fn line(&self) -> String {
        let show = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"));
        format!(
            "p50 {}  p90 {}  p99 {}  max {}",
            show(self.p50),
            show(self.p90),
            show(self.p99),
            show(self.max)
        )
    }

    fn json(&self) -> Value {
        json!({ "p50": self.p50, "p90": self.p90, "p99": self.p99, "max": self.max })
    }
}

/// Everything one timed run measured.
#[derive(Debug)]
pub struct Summary {
    pub scenario: &'static str,
    pub concurrency: usize,
    pub elapsed: Duration,
    /// Whole operations (for auth-confirm, one pair).
    pub ops: Tally,
    /// Each HTTP call of an operation, by name; empty when an operation is a single call.
    pub calls: Vec<(&'static str, Tally)>,
    /// The offered rate of an open-loop run, with its late starts and the worst delay.
    pub offered: Option<(f64, u64, Duration)>,
}

impl Summary {
    /// OK operations per second.
    fn throughput(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.ops.ok as f64 / secs
        } else {
            0.0
        }
    }

    /// Plain lines.
    pub fn text(mut self) -> String {
        let mut out = format!(
            "scenario: {}  concurrency: {}  requests: {}  duration: {:.1} s\n",
            self.scenario,
            self.concurrency,
            self.ops.total(),
            self.elapsed.as_secs_f64()
        );
        out += &format!(
            "ok: {}  http-429: {}  errors: {}\n",
            self.ops.ok, self.ops.http_429, self.ops.errors
        );
        out += &format!("throughput: {:.1} ops/s\n", self.throughput());
        if let Some((rate, late, max_late)) = self.offered {
            out += &format!(
                "offered: {rate:.1} ops/s  late starts (>1 ms behind): {late}  max delay ms: {:.2}\n",
                max_late.as_secs_f64() * 1000.0
            );
        }
        out += &format!("latency ms: {}\n", self.ops.latency().line());
        for (name, call) in &mut self.calls {
            let latency = call.latency().line();
            out += &format!(
                "{name}: ok: {}  http-429: {}  errors: {}  latency ms: {latency}\n",
                call.ok, call.http_429, call.errors
            );
        }
        if let Some(first) = &self.ops.first_error {
            out += &format!("first error: {first}\n");
        }
        out
    }

    /// One JSON object.
    pub fn json(mut self) -> Value {
        let mut object = json!({
            "scenario": self.scenario,
            "concurrency": self.concurrency,
            "requests": self.ops.total(),
            "duration_secs": self.elapsed.as_secs_f64(),
            "ok": self.ops.ok,
            "http_429": self.ops.http_429,
            "errors": self.ops.errors,
            "throughput_ops_per_sec": self.throughput(),
            "latency_ms": self.ops.latency().json(),
            "first_error": self.ops.first_error,
        });
        if let Some((rate, late, max_late)) = self.offered {
            object["offered_ops_per_sec"] = json!(rate);
            object["late_starts"] = json!(late);
            object["max_late_ms"] = json!(max_late.as_secs_f64() * 1000.0);
        }
        if !self.calls.is_empty() {
            let calls: serde_json::Map<String, Value> = self
                .calls
                .iter_mut()
                .map(|(name, call)| {
                    let value = json!({
                        "ok": call.ok,
                        "http_429": call.http_429,
                        "errors": call.errors,
                        "latency_ms": call.latency().json(),
                    });
                    ((*name).to_owned(), value)
                })
                .collect();
            object["calls"] = Value::Object(calls);
        }
        object
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let sorted: Vec<u64> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentile(&sorted, 50.0), Some(50.0));
        assert_eq!(percentile(&sorted, 99.0), Some(99.0));
        assert_eq!(percentile(&[7000], 90.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn throttled_and_failed_calls_are_counted_apart() {
        let mut tally = Tally::default();
        tally.record(&Outcome::Ok(Value::Null), Duration::from_millis(2));
        tally.record(&Outcome::Throttled, Duration::from_millis(1));
        tally.record(&Outcome::Failed("boom".into()), Duration::from_millis(1));
        let mut other = Tally::default();
        other.record(&Outcome::Failed("later".into()), Duration::ZERO);
        tally.merge(other);
        assert_eq!((tally.ok, tally.http_429, tally.errors), (1, 1, 2));
        assert_eq!(tally.first_error.as_deref(), Some("boom"));
        assert_eq!(tally.latency().max, Some(2.0));
    }

    #[test]
    fn the_text_report_has_the_agreed_lines() {
        let mut ops = Tally::default();
        ops.record(&Outcome::Ok(Value::Null), Duration::from_micros(2310));
        let text = Summary {
            scenario: "token-charge",
            concurrency: 5,
            elapsed: Duration::from_millis(500),
            ops,
            calls: Vec::new(),
            offered: Some((4.0, 1, Duration::from_micros(1500))),
        }
        .text();
        assert_eq!(
            text,
            "scenario: token-charge  concurrency: 5  requests: 1  duration: 0.5 s\n\
             ok: 1  http-429: 0  errors: 0\n\
             throughput: 2.0 ops/s\n\
             offered: 4.0 ops/s  late starts (>1 ms behind): 1  max delay ms: 1.50\n\
             latency ms: p50 2.31  p90 2.31  p99 2.31  max 2.31\n"
        );
    }
}
