//! Card data: the PAN, the CVV, the expiry date and the brand read from the BIN.
//!
//! `Pan` and `Cvv` print masked in `Debug`, have no `Display` and are not `Serialize`, so a card
//! number cannot reach a log line or a response by accident. The clear digits leave only through
//! the explicitly named [`Pan::expose`] / [`Cvv::expose`].

use std::fmt;

use jiff::civil::Date;

/// Why a card field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// Not 13–19 digits, or the Luhn check fails.
    #[error("invalid card number")]
    InvalidNumber,
    /// Month not 1–12 or year not two or four digits.
    #[error("invalid card expiry date")]
    InvalidExpiry,
    /// Not 3–4 digits.
    #[error("invalid CVV")]
    InvalidCvv,
}

/// A primary account number: 13–19 digits that pass the Luhn check.
#[derive(Clone, PartialEq, Eq)]
pub struct Pan(String);

impl Pan {
    /// Parses a card number, ignoring spaces and dashes.
    pub fn parse(text: &str) -> Result<Pan, CardError> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if !(13..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CardError::InvalidNumber);
        }
        if !luhn_valid(&digits) {
            return Err(CardError::InvalidNumber);
        }
        Ok(Pan(digits))
    }

    /// The first six digits (the BIN), safe to show and store in clear.
    pub fn first_six(&self) -> &str {
        &self.0[..6]
    }

    /// The last four digits, safe to show and store in clear.
    pub fn last_four(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// The brand the BIN belongs to.
    pub fn brand(&self) -> CardBrand {
        CardBrand::from_bin(&self.0)
    }

    /// The clear digits, for encryption into the vault and the emulated bank only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `"424242******4242"`-style mask.
    pub fn masked(&self) -> String {
        format!(
            "{}{}{}",
            self.first_six(),
            "*".repeat(self.0.len() - 10),
            self.last_four()
        )
    }
}

impl fmt::Debug for Pan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pan({})", self.masked())
    }
}

/// The Luhn (mod 10) check over a string of ASCII digits.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b.wrapping_sub(b'0'));
        if d > 9 {
            return false;
        }
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// A card verification value: 3 or 4 digits. Never persisted.
#[derive(Clone, PartialEq, Eq)]
pub struct Cvv(String);

impl Cvv {
    /// Parses 3 or 4 digits.
    pub fn parse(text: &str) -> Result<Cvv, CardError> {
        if (3..=4).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Cvv(text.to_owned()))
        } else {
            Err(CardError::InvalidCvv)
        }
    }

    /// The clear digits, for the emulated bank only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Cvv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cvv(***)")
    }
}

/// A card's expiry: valid through the last day of `month` of `year`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardExpiry {
    year: i16,
    month: i8,
}

impl CardExpiry {
    /// A month (1–12) of a four-digit year, or of a two-digit year taken as 20YY.
    pub fn new(year: i16, month: i8) -> Result<CardExpiry, CardError> {
        let year = if (0..100).contains(&year) {
            2000 + year
        } else {
            year
        };
        if !(1..=12).contains(&month) || !(2000..=2099).contains(&year) {
            return Err(CardError::InvalidExpiry);
        }
        Ok(CardExpiry { year, month })
    }

    /// Four-digit year.
    pub fn year(self) -> i16 {
        self.year
    }

    /// Month, 1–12.
    pub fn month(self) -> i8 {
        self.month
    }

    /// `MM/YY`, the model's `CardExpDate`.
    pub fn mm_yy(self) -> String {
        format!("{:02}/{:02}", self.month, self.year % 100)
    }

    /// Whether the card is expired on `today` (it is valid through the end of its month).
    pub fn is_expired_on(self, today: Date) -> bool {
        (today.year(), today.month()) > (self.year, self.month)
    }
}

/// Card brands, named as CloudPayments' `CardType` spells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardBrand {
    /// Visa (BIN 4).
    Visa,
    /// Mastercard (51–55, 2221–2720).
    MasterCard,
    /// Maestro (50, 56–69).
    Maestro,
    /// МИР (2200–2204).
    Mir,
    /// JCB (35).
    Jcb,
    /// American Express (34, 37).
    AmericanExpress,
    /// UnionPay (62).
    UnionPay,
    /// Troy (979200–979289).
    Troy,
    /// Uzcard (8600).
    Uzcard,
    /// Humo (9860).
    Humo,
    /// A BIN that matches none of the above.
    Unknown,
}

impl CardBrand {
    /// Reads the brand from the leading digits of a card number (spec §4.6).
    pub fn from_bin(digits: &str) -> CardBrand {
        let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok());
        let (p1, p2, p4, p6) = (prefix(1), prefix(2), prefix(4), prefix(6));
        match (p1, p2, p4, p6) {
            (_, _, _, Some(979200..=979289)) => CardBrand::Troy,
            (_, _, Some(2200..=2204), _) => CardBrand::Mir,
            (_, _, Some(2221..=2720), _) => CardBrand::MasterCard,
            (_, _, Some(8600), _) => CardBrand::Uzcard,
            (_, _, Some(9860), _) => CardBrand::Humo,
            (Some(4), _, _, _) => CardBrand::Visa,
            (_, Some(51..=55), _, _) => CardBrand::MasterCard,
            (_, Some(34 | 37), _, _) => CardBrand::AmericanExpress,
            (_, Some(35), _, _) => CardBrand::Jcb,
            (_, Some(62), _, _) => CardBrand::UnionPay,
            (_, Some(50 | 56..=69), _, _) => CardBrand::Maestro,
            _ => CardBrand::Unknown,
        }
    }

    /// The model's `CardType` string.
    pub fn name(self) -> &'static str {
        match self {
            CardBrand::Visa => "Visa",
            CardBrand::MasterCard => "MasterCard",
            CardBrand::Maestro => "Maestro",
            CardBrand::Mir => "MIR",
            CardBrand::Jcb => "JCB",
            CardBrand::AmericanExpress => "AmericanExpress",
            CardBrand::UnionPay => "UnionPay",
            CardBrand::Troy => "Troy",
            CardBrand::Uzcard => "Uzcard",
            CardBrand::Humo => "Humo",
            CardBrand::Unknown => "Unknown",
        }
    }

    /// The model's `CardTypeCode` (Visa = 0 is confirmed; the rest follow the SDK enum order).
    pub fn code(self) -> i32 {
        match self {
            CardBrand::Visa => 0,
            CardBrand::MasterCard => 1,
            CardBrand::Maestro => 2,
            CardBrand::Mir => 3,
            CardBrand::Jcb => 4,
            CardBrand::AmericanExpress => 5,
            CardBrand::UnionPay => 6,
            CardBrand::Troy => 7,
            CardBrand::Uzcard => 8,
            CardBrand::Humo => 9,
            CardBrand::Unknown => -1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_test_cards_parse_and_mask() {
        let pan = Pan::parse("4242 4242 4242 4242").unwrap();
        assert_eq!(pan.first_six(), "424242");
        assert_eq!(pan.last_four(), "4242");
        assert_eq!(format!("{pan:?}"), "Pan(424242******4242)");
        assert_eq!(
            Pan::parse("4242424242424241"),
            Err(CardError::InvalidNumber)
        );
        assert_eq!(Pan::parse("42424242"), Err(CardError::InvalidNumber));
        assert_eq!(
            Pan::parse("4242x24242424242"),
            Err(CardError::InvalidNumber)
        );
    }

    #[test]
    fn brands_from_bins() {
        let table = [
            ("4242424242424242", CardBrand::Visa),
            ("5555555555554444", CardBrand::MasterCard),
            ("2221000000000009", CardBrand::MasterCard),
            ("2200000000000004", CardBrand::Mir),
            ("378282246310005", CardBrand::AmericanExpress),
            ("3530111333300000", CardBrand::Jcb),
            ("6200000000000005", CardBrand::UnionPay),
            ("6759649826438453", CardBrand::Maestro),
            ("9792000000000000", CardBrand::Troy),
            ("8600000000000000", CardBrand::Uzcard),
            ("1000000000000000", CardBrand::Unknown),
        ];
        for (digits, brand) in table {
            assert_eq!(CardBrand::from_bin(digits), brand, "{digits}");
        }
    }

    #[test]
    fn expiry_runs_to_the_end_of_the_month() {
        let exp = CardExpiry::new(30, 12).unwrap();
        assert_eq!(exp.mm_yy(), "12/30");
        assert!(!exp.is_expired_on(Date::constant(2030, 12, 31)));
        assert!(exp.is_expired_on(Date::constant(2031, 1, 1)));
        assert_eq!(CardExpiry::new(30, 13), Err(CardError::InvalidExpiry));
        assert_eq!(CardExpiry::new(1999, 1), Err(CardError::InvalidExpiry));
    }

    #[test]
    fn cvv_is_three_or_four_digits_and_never_printed() {
        assert!(Cvv::parse("123").is_ok());
        assert!(Cvv::parse("1234").is_ok());
        assert_eq!(Cvv::parse("12"), Err(CardError::InvalidCvv));
        assert_eq!(Cvv::parse("12a"), Err(CardError::InvalidCvv));
        assert_eq!(format!("{:?}", Cvv::parse("987").unwrap()), "Cvv(***)");
    }
}
