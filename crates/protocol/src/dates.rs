//! The protocol's date formats (spec §1.7).

use jiff::Timestamp;
use jiff::tz::Offset;

/// Microsoft JSON date, the model's `*Date` fields: `/Date(1635150224630)/`.
pub fn ms_date(at: Timestamp) -> String {
    format!("/Date({})/", at.as_millisecond())
}

/// The model's `*DateIso` fields: `2021-10-25T08:23:44`, at `offset` from UTC.
pub fn iso_date(at: Timestamp, offset: Offset) -> String {
    at.to_zoned(offset.to_time_zone())
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// Notification dates: `2015-11-17 23:06:17`, UTC.
pub fn notification_date(at: Timestamp) -> String {
    at.to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The fixed offset of a CloudPayments `TimeZone` code (spec §4.8), case-insensitively.
pub fn time_zone_offset(code: &str) -> Option<Offset> {
    const ZONES: &[(&str, i8)] = &[
        ("HST", -10),
        ("AKST", -9),
        ("PST", -8),
        ("MST", -7),
        ("CST", -6),
        ("EST", -5),
        ("AST", -4),
        ("BRT", -3),
        ("UTC", 0),
        ("GMT", 0),
        ("CET", 1),
        ("EET", 2),
        ("MSK", 3),
        ("AZT", 4),
        ("AMT", 4),
        ("SAMT", 4),
        ("GET", 4),
        ("TJT", 5),
        ("YEKT", 5),
        ("ALMT", 6),
        ("NOVT", 6),
        ("KRAT", 7),
        ("HKT", 8),
        ("IRKT", 8),
        ("SGT", 8),
        ("ULAT", 8),
        ("YAKT", 9),
        ("VLAT", 10),
        ("SAKT", 11),
        ("ANAT", 12),
    ];
    ZONES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(code.trim()))
        .and_then(|(_, hours)| Offset::from_hours(*hours).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_match_the_spec_examples() {
        let at = Timestamp::from_millisecond(1_635_150_224_630).unwrap();
        assert_eq!(ms_date(at), "/Date(1635150224630)/");
        assert_eq!(iso_date(at, Offset::UTC), "2021-10-25T08:23:44");
        assert_eq!(iso_date(at, Offset::constant(3)), "2021-10-25T11:23:44");
        assert_eq!(notification_date(at), "2021-10-25 08:23:44");
    }

    #[test]
    fn time_zone_codes_are_fixed_offsets() {
        assert_eq!(time_zone_offset("MSK"), Some(Offset::constant(3)));
        assert_eq!(time_zone_offset("almt"), Some(Offset::constant(6)));
        assert_eq!(time_zone_offset("HST"), Some(Offset::constant(-10)));
        assert_eq!(time_zone_offset("Mars"), None);
    }
}
