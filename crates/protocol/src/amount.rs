//! Amounts on the wire: decimal text in, decimal JSON numbers out, never a float in between.

use std::str::FromStr;

use oblako_core::money::{Currency, Money};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// The largest amount accepted in one operation, in major units (a billion).
const MAX_MAJOR: i64 = 1_000_000_000;

/// Why an amount was refused; `message` is what the merchant sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Not a decimal number.
    #[error("Invalid {0} value")]
    Invalid(String),
    /// Below or equal to zero.
    #[error("{0} must be greater than zero")]
    NotPositive(String),
    /// More fractional digits than the currency has.
    #[error("{name} has more than {digits} decimal places for {currency}")]
    TooPrecise {
        /// Parameter name.
        name: String,
        /// Minor units of the currency.
        digits: u8,
        /// Currency code.
        currency: &'static str,
    },
    /// Above the per-operation ceiling.
    #[error("{0} is too large")]
    TooLarge(String),
}

/// Parses decimal text exactly into minor units of `currency`. The grammar is strict: digits,
/// optionally a point and more digits, optionally a leading `-` (refused as not positive) —
/// `"10"`, `"10.50"`; no exponent, sign `+`, bare point (`"10."`, `".5"`) or spaces, each of which
/// once slipped a different amount past a reader of the request.
///
/// Trailing zeros beyond the currency's precision are accepted (`"10.500"` is 10.50); any other
/// extra digit is refused rather than rounded, because rounding money silently is worse than an
/// error the merchant can read.
pub fn parse_amount(name: &str, text: &str, currency: Currency) -> Result<Money, AmountError> {
    let invalid = || AmountError::Invalid(name.to_owned());
    if text.is_empty() || text.len() > 64 || !is_strict_decimal(text) {
        return Err(invalid());
    }
    let value = Decimal::from_str_exact(text)
        .map_err(|_| invalid())?
        .normalize();
    if value.is_sign_negative() || value.is_zero() {
        return Err(AmountError::NotPositive(name.to_owned()));
    }
    let digits = currency.minor_units();
    if value.scale() > u32::from(digits) {
        return Err(AmountError::TooPrecise {
            name: name.to_owned(),
            digits,
            currency: currency.code(),
        });
    }
    if value > Decimal::from(MAX_MAJOR) {
        return Err(AmountError::TooLarge(name.to_owned()));
    }
    let minor = value
        .checked_mul(Decimal::from(10_i64.pow(u32::from(digits))))
        .and_then(|m| m.to_i64())
        .ok_or_else(|| AmountError::TooLarge(name.to_owned()))?;
    Ok(Money::new(minor, currency))
}

/// `-?digits(.digits)?`, nothing else.
fn is_strict_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && fraction.is_none_or(digits)
}

/// An amount as the JSON number CloudPayments prints: `10`, `10.5`, `0.01`.
pub fn amount_json(money: Money) -> serde_json::Value {
    let value = Decimal::new(money.minor, u32::from(money.currency.minor_units())).normalize();
    // A normalized Decimal prints as plain decimal text, which is always a valid JSON number.
    serde_json::Number::from_str(&value.to_string())
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

/// An amount with exactly the currency's decimals, as notifications print it (`"10.00"`).
pub fn amount_fixed(money: Money) -> String {
    Decimal::new(money.minor, u32::from(money.currency.minor_units())).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rub(text: &str) -> Result<i64, AmountError> {
        parse_amount("Amount", text, Currency::RUB).map(|m| m.minor)
    }

    #[test]
    fn decimal_text_becomes_exact_minor_units() {
        assert_eq!(rub("10"), Ok(1000));
        assert_eq!(rub("10.5"), Ok(1050));
        assert_eq!(rub("10.50"), Ok(1050));
        assert_eq!(rub("10.500"), Ok(1050));
        assert_eq!(rub("0.01"), Ok(1));
        assert_eq!(rub("0.1"), Ok(10));
        assert_eq!(rub("007"), Ok(700));
    }

    #[test]
    fn bad_amounts_get_their_own_message() {
        assert_eq!(rub("abc").unwrap_err().to_string(), "Invalid Amount value");
        assert_eq!(rub("10,5").unwrap_err().to_string(), "Invalid Amount value");
        assert_eq!(rub("").unwrap_err().to_string(), "Invalid Amount value");
        assert_eq!(rub("NaN").unwrap_err().to_string(), "Invalid Amount value");
        assert_eq!(
            rub("-1").unwrap_err().to_string(),
            "Amount must be greater than zero"
        );
        assert_eq!(
            rub("0").unwrap_err().to_string(),
            "Amount must be greater than zero"
        );
        assert_eq!(
            rub("10.001").unwrap_err().to_string(),
            "Amount has more than 2 decimal places for RUB"
        );
        for loose in [
            "1e3", "1E2", "1.5e1", "1e-5", "+10", "10.", ".5", " 7", "7 ", "1 000", "0x10", "--1",
            "1.2.3", "-", ".", "١٢",
        ] {
            assert_eq!(
                rub(loose),
                Err(AmountError::Invalid("Amount".into())),
                "{loose:?}"
            );
        }
        assert_eq!(
            rub("1000000000.01").unwrap_err().to_string(),
            "Amount is too large"
        );
        assert_eq!(
            rub("1e300").unwrap_err().to_string(),
            "Invalid Amount value"
        );
        let byr = Currency::from_code("BYR").unwrap();
        assert!(matches!(
            parse_amount("Amount", "1.5", byr),
            Err(AmountError::TooPrecise { .. })
        ));
    }

    #[test]
    fn amounts_print_as_cloudpayments_does() {
        assert_eq!(
            amount_json(Money::new(1000, Currency::RUB)).to_string(),
            "10"
        );
        assert_eq!(
            amount_json(Money::new(1050, Currency::RUB)).to_string(),
            "10.5"
        );
        assert_eq!(
            amount_json(Money::new(1, Currency::RUB)).to_string(),
            "0.01"
        );
        assert_eq!(amount_fixed(Money::new(1000, Currency::RUB)), "10.00");
        assert_eq!(amount_fixed(Money::new(5, Currency::RUB)), "0.05");
    }
}
