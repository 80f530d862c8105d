//! When a failed notification is tried again: a retry schedule is data, the
//! seconds to wait after each failed attempt and the number of attempts in all. The last interval
//! repeats. Pure: the caller passes the attempt count and the time.
//!
//! CloudPayments' schedule (spec §5.3), the default: 1, 2, 5, 10, 30 minutes, then every 30
//! minutes, 100 attempts in all (about 48 hours). Stored per site as `'60,120,300,600,1800'` and
//! `100`.

/// Most attempts a schedule may allow.
pub const MAX_ATTEMPTS_LIMIT: i64 = 1_000;
/// Longest wait a schedule may hold between two attempts: a week, in seconds.
pub const MAX_INTERVAL_SECS: i64 = 7 * 24 * 3_600;
/// Most intervals a schedule may list.
pub const MAX_INTERVALS: usize = 100;

/// A retry schedule: the seconds between attempts, the last repeating, and the attempts in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    intervals: Vec<i64>,
    max_attempts: i64,
}

impl Default for RetrySchedule {
    fn default() -> RetrySchedule {
        RetrySchedule::cloudpayments()
    }
}

impl RetrySchedule {
    /// CloudPayments': 1, 2, 5, 10, 30 minutes, then every 30 minutes, 100 attempts in all.
    pub fn cloudpayments() -> RetrySchedule {
        RetrySchedule {
            intervals: vec![60, 120, 300, 600, 1_800],
            max_attempts: 100,
        }
    }

    /// The Svix preset: at once, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    pub fn svix() -> RetrySchedule {
        RetrySchedule {
            intervals: vec![5, 300, 1_800, 7_200, 18_000, 36_000, 36_000],
            max_attempts: 8,
        }
    }

    /// A schedule, if it is one: 1 to [`MAX_INTERVALS`] intervals of 0 to [`MAX_INTERVAL_SECS`]
    /// seconds, 1 to [`MAX_ATTEMPTS_LIMIT`] attempts.
    pub fn new(intervals: Vec<i64>, max_attempts: i64) -> Option<RetrySchedule> {
        let sane = !intervals.is_empty()
            && intervals.len() <= MAX_INTERVALS
            && intervals
                .iter()
                .all(|s| (0..=MAX_INTERVAL_SECS).contains(s))
            && (1..=MAX_ATTEMPTS_LIMIT).contains(&max_attempts);
        sane.then_some(RetrySchedule {
            intervals,
            max_attempts,
        })
    }

    /// Reads the stored form, comma-separated seconds (`"60, 120,300"`; spaces allowed).
    pub fn parse(intervals: &str, max_attempts: i64) -> Option<RetrySchedule> {
        let intervals = intervals
            .split(',')
            .map(|s| s.trim().parse().ok())
            .collect::<Option<Vec<i64>>>()?;
        RetrySchedule::new(intervals, max_attempts)
    }

    /// The stored form of the intervals: `"60,120,300,600,1800"`.
    pub fn intervals_text(&self) -> String {
        let texts: Vec<String> = self.intervals.iter().map(i64::to_string).collect();
        texts.join(",")
    }

    /// Seconds to wait after the first, second, … failed attempt; the last repeats.
    pub fn intervals(&self) -> &[i64] {
        &self.intervals
    }

    /// Attempts in all, the first one included.
    pub fn max_attempts(&self) -> i64 {
        self.max_attempts
    }

    /// How long to wait after `attempts_made` attempts have failed (the one just made counted),
    /// in milliseconds; `None` once they are all used up: the notification is exhausted.
    pub fn delay_ms(&self, attempts_made: i64) -> Option<i64> {
        if attempts_made >= self.max_attempts {
            return None;
        }
        let index = usize::try_from(attempts_made.max(1) - 1).unwrap_or(usize::MAX);
        let seconds = self
            .intervals
            .get(index)
            .or(self.intervals.last())
            .copied()?;
        Some(seconds * 1_000)
    }

    /// When the next attempt is due after `attempts_made` failed attempts, the last at `now_ms`;
    /// `None` when the schedule is exhausted.
    pub fn next_attempt_at(&self, attempts_made: i64, now_ms: i64) -> Option<i64> {
        self.delay_ms(attempts_made)
            .map(|delay| now_ms.saturating_add(delay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudpayments_waits_1_2_5_10_30_minutes_then_30_until_100_attempts() {
        let cp = RetrySchedule::default();
        let now = 1_000_000;
        let table = [
            (1, Some(60)),
            (2, Some(120)),
            (3, Some(300)),
            (4, Some(600)),
            (5, Some(1_800)),
            (6, Some(1_800)),
            (50, Some(1_800)),
            (99, Some(1_800)),
            (100, None),
            (150, None),
        ];
        for (attempts, wait) in table {
            let expected = wait.map(|s: i64| now + s * 1_000);
            assert_eq!(
                cp.next_attempt_at(attempts, now),
                expected,
                "after {attempts}"
            );
        }
        let total: i64 = (1..100).filter_map(|n| cp.delay_ms(n)).sum();
        assert_eq!(total / 1_000 / 3_600, 47, "about 48 hours in all");
    }

    #[test]
    fn the_stored_form_round_trips_and_nonsense_is_refused() {
        let cp = RetrySchedule::cloudpayments();
        assert_eq!(cp.intervals_text(), "60,120,300,600,1800");
        assert_eq!(RetrySchedule::parse(&cp.intervals_text(), 100), Some(cp));
        let svix = RetrySchedule::parse(" 5, 300 ,1800,7200,18000,36000,36000", 8).unwrap();
        assert_eq!(svix, RetrySchedule::svix());
        assert_eq!(svix.next_attempt_at(7, 0), Some(36_000_000));
        assert_eq!(svix.next_attempt_at(8, 0), None);
        for (text, max) in [
            ("", 10),
            ("60,,120", 10),
            ("60,-1", 10),
            ("1m", 10),
            ("60", 0),
            ("60", MAX_ATTEMPTS_LIMIT + 1),
            ("604801", 10),
        ] {
            assert_eq!(RetrySchedule::parse(text, max), None, "{text:?} × {max}");
        }
        assert_eq!(
            RetrySchedule::parse("0", 1).map(|s| s.delay_ms(1)),
            Some(None)
        );
    }
}
