//! Stored spellings: every domain enum the database keeps as text turns back into itself with
//! `TryFrom<String>`, failing with [`UnknownSpelling`]. The store decodes its rows through these
//! (`store::spelled`), so no other crate converts a status, stage, kind, mode,
//! currency, interval or order status from text it read back.

use crate::ids::Mode;
use crate::money::Currency;
use crate::order::OrderStatus;
use crate::payment::{Kind, Stage, Status};
use crate::subscription::{Interval, Status as SubscriptionStatus};

/// A stored value no domain type spells this way: the row was written by something else.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {text:?}")]
pub struct UnknownSpelling {
    /// The type that was expected.
    pub what: &'static str,
    /// The text found.
    pub text: String,
}

macro_rules! from_stored {
    ($type:ty, $what:literal, $parse:expr) => {
        impl TryFrom<String> for $type {
            type Error = UnknownSpelling;

            fn try_from(text: String) -> Result<Self, UnknownSpelling> {
                match $parse(text.as_str()) {
                    Some(value) => Ok(value),
                    None => Err(UnknownSpelling { what: $what, text }),
                }
            }
        }
    };
}

from_stored!(Status, "payment status", Status::parse);
from_stored!(Stage, "stage", Stage::parse);
from_stored!(Kind, "transaction kind", Kind::parse);
from_stored!(Mode, "mode", Mode::parse);
from_stored!(Currency, "currency", Currency::from_code);
from_stored!(Interval, "interval", Interval::parse);
from_stored!(
    SubscriptionStatus,
    "subscription status",
    SubscriptionStatus::parse
);
from_stored!(OrderStatus, "order status", OrderStatus::parse);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_round_trips_and_strangers_are_refused() {
        for status in Status::ALL {
            assert_eq!(Status::try_from(status.as_str().to_owned()), Ok(status));
        }
        for stage in [Stage::OneStage, Stage::TwoStage] {
            assert_eq!(Stage::try_from(stage.as_str().to_owned()), Ok(stage));
        }
        for kind in [Kind::Payment, Kind::Refund] {
            assert_eq!(Kind::try_from(kind.as_str().to_owned()), Ok(kind));
        }
        for mode in [Mode::Test, Mode::Live] {
            assert_eq!(Mode::try_from(mode.as_str().to_owned()), Ok(mode));
        }
        assert_eq!(
            Currency::try_from("KZT".to_owned()),
            Ok(Currency::from_code("KZT").unwrap())
        );
        assert_eq!(Interval::try_from("Month".to_owned()), Ok(Interval::Month));
        assert_eq!(
            SubscriptionStatus::try_from("PastDue".to_owned()),
            Ok(SubscriptionStatus::PastDue)
        );
        let err = Status::try_from("Paid".to_owned()).unwrap_err();
        assert_eq!(err.to_string(), "unknown payment status \"Paid\"");
        assert!(Stage::try_from("three".to_owned()).is_err());
        assert!(Mode::try_from("TEST".to_owned()).is_err());
    }
}
