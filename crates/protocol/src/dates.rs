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
}
