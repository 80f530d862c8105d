//! `oblako site clock`: read or move a sandbox site's test clock from the command line (the
//! same rules as `POST /sandbox/clock`; see `docs/test-clocks.md`).

use jiff::Timestamp;
use jiff::tz::Offset;
use oblako_core::ids::SiteId;
use oblako_gateway::site_clock::{Move, move_offset};
use oblako_protocol::dates::iso_date;
use oblako_protocol::subscription::parse_start_date;
use oblako_store::Db;

/// `oblako site clock`.
#[derive(Debug, clap::Args)]
pub struct ClockArgs {
    /// Site id.
    #[arg(long)]
    pub site: i64,
    /// Move the clock forward by a span: a whole number with `d`, `h`, `m` or `s` (`30d`,
    /// `12h`, `90s`).
    #[arg(long, value_parser = parse_span, conflicts_with = "to")]
    pub advance: Option<i64>,
    /// Move the clock to an ISO 8601 date and time (UTC when no offset is given).
    #[arg(long, value_parser = parse_to)]
    pub to: Option<Timestamp>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `30d`, `12h`, `15m` or `90s` in milliseconds.
pub fn parse_span(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let split = text.len().saturating_sub(1);
    let (number, unit) = (
        text.get(..split).unwrap_or(""),
        text.get(split..).unwrap_or(""),
    );
    let secs = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" => 1,
        _ => return Err("a span is a whole number with d, h, m or s: 30d, 12h, 90s".into()),
    };
    let n: i64 = number
        .parse()
        .map_err(|_| format!("{number:?} is not a whole number"))?;
    if n < 0 {
        return Err("a test clock only moves forward".into());
    }
    n.checked_mul(secs * 1000)
        .filter(|ms| *ms <= crate::api::sandbox::MAX_ADVANCE_SECS * 1000)
        .ok_or_else(|| "that span is too long".into())
}

fn parse_to(text: &str) -> Result<Timestamp, String> {
    parse_start_date(text).ok_or_else(|| format!("{text:?} is not an ISO 8601 date and time"))
}

/// Reads or moves the clock and prints the site's now.
pub async fn clock(db: &Db, args: ClockArgs, now: i64) -> anyhow::Result<()> {
    let how = match (args.advance, args.to) {
        (Some(ms), _) => Move::Advance(ms),
        (None, Some(at)) => Move::To(at),
        (None, None) => Move::Read,
    };
    let site_now = move_offset(db, SiteId(args.site), now, how)
        .await?
        .map_err(|why| anyhow::anyhow!("site {}: {}", args.site, why.message()))?;
    let text = iso_date(Timestamp::from_millisecond(site_now)?, Offset::UTC);
    if args.json {
        println!("{}", serde_json::json!({ "Now": text }));
    } else {
        println!("site {}: now {text} UTC", args.site);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_in_days_hours_minutes_and_seconds() {
        assert_eq!(parse_span("30d"), Ok(30 * 86_400_000));
        assert_eq!(parse_span("12h"), Ok(12 * 3_600_000));
        assert_eq!(parse_span("15m"), Ok(900_000));
        assert_eq!(parse_span("90s"), Ok(90_000));
        assert!(parse_span("90").is_err());
        assert!(parse_span("-1d").is_err());
        assert!(parse_span("d").is_err());
        assert!(parse_span("99999999d").is_err());
    }
}
