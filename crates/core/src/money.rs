//! Money: integer minor units and the currencies CloudPayments accepts.
//!
//! Amounts never pass through a float. The wire edge (`oblako-protocol`) parses decimal text into
//! [`Money`]; here it is an `i64` count of minor units with checked arithmetic.

use std::fmt;

/// A currency from the protocol's accepted list, with its CloudPayments numeric code and the
/// number of digits after the decimal point (ISO 4217 minor units).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    numeric: u16,
    minor_units: u8,
}

// Handbook order (spec §4.4); the index is CloudPayments' `CurrencyCode` (RUB = 0 confirmed, the
// rest follow the handbook order as the C# client's enum does).
const CURRENCIES: &[(&str, u8)] = &[
    ("RUB", 2),
    ("EUR", 2),
    ("USD", 2),
    ("GBP", 2),
    ("UAH", 2),
    ("BYR", 0),
    ("BYN", 2),
    ("KZT", 2),
    ("AZN", 2),
    ("CHF", 2),
    ("CZK", 2),
    ("CAD", 2),
    ("PLN", 2),
    ("SEK", 2),
    ("TRY", 2),
    ("CNY", 2),
    ("INR", 2),
    ("BRL", 2),
    ("ZAR", 2),
    ("UZS", 2),
    ("BGN", 2),
    ("RON", 2),
    ("AUD", 2),
    ("HKD", 2),
    ("GEL", 2),
    ("KGS", 2),
    ("AMD", 2),
    ("AED", 2),
];

impl Currency {
    /// The protocol's default currency.
    pub const RUB: Currency = Currency {
        code: "RUB",
        numeric: 0,
        minor_units: 2,
    };

    /// Looks up an ISO 4217 alpha-3 code, case-insensitively. `None` for codes outside the list.
    pub fn from_code(code: &str) -> Option<Currency> {
        CURRENCIES
            .iter()
            .enumerate()
            .find(|(_, (c, _))| c.eq_ignore_ascii_case(code))
            .map(|(i, (c, minor))| Currency {
                code: c,
                numeric: i as u16,
                minor_units: *minor,
            })
    }

    /// Looks up CloudPayments' numeric `CurrencyCode`.
    pub fn from_numeric(numeric: u16) -> Option<Currency> {
        CURRENCIES
            .get(usize::from(numeric))
            .map(|(c, minor)| Currency {
                code: c,
                numeric,
                minor_units: *minor,
            })
    }

    /// The alpha-3 code, e.g. `"RUB"`.
    pub fn code(self) -> &'static str {
        self.code
    }

    /// CloudPayments' numeric `CurrencyCode` (RUB = 0).
    pub fn numeric(self) -> u16 {
        self.numeric
    }

    /// Digits after the decimal point.
    pub fn minor_units(self) -> u8 {
        self.minor_units
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

/// An amount of money: minor units of one currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Money {
    /// Minor units (kopecks for RUB). Never negative for a payment amount.
    pub minor: i64,
    /// The currency the units belong to.
    pub currency: Currency,
}

/// Arithmetic that would leave the range of `i64` or mix currencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The result does not fit in an `i64` of minor units.
    #[error("amount out of range")]
    Overflow,
    /// The two amounts are in different currencies.
    #[error("currency mismatch")]
    CurrencyMismatch,
}

impl Money {
    /// An amount of `minor` units of `currency`.
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// `self + other`, refusing overflow and mixed currencies.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch);
        }
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// `self - other`, refusing overflow and mixed currencies.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch);
        }
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes_follow_the_handbook() {
        assert_eq!(Currency::from_code("rub"), Some(Currency::RUB));
        assert_eq!(Currency::from_code("USD").map(Currency::numeric), Some(2));
        assert_eq!(Currency::from_code("KZT").map(Currency::numeric), Some(7));
        assert_eq!(
            Currency::from_code("BYR").map(Currency::minor_units),
            Some(0)
        );
        assert_eq!(Currency::from_numeric(1).map(Currency::code), Some("EUR"));
        assert_eq!(Currency::from_code("XXX"), None);
        assert_eq!(Currency::from_code(""), None);
    }

    #[test]
    fn arithmetic_is_checked() {
        let a = Money::new(i64::MAX, Currency::RUB);
        assert_eq!(
            a.checked_add(Money::new(1, Currency::RUB)),
            Err(MoneyError::Overflow)
        );
        let usd = Currency::from_code("USD").unwrap();
        assert_eq!(
            Money::new(1, Currency::RUB).checked_sub(Money::new(1, usd)),
            Err(MoneyError::CurrencyMismatch)
        );
        assert_eq!(
            Money::new(500, Currency::RUB).checked_sub(Money::new(200, Currency::RUB)),
            Ok(Money::new(300, Currency::RUB))
        );
    }
}
