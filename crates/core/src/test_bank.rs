//! The emulated bank's rules (spec §8): which published test card needs 3-D Secure, and what it
//! answers to a card payment and to a token payment. Any other valid card is approved without
//! 3-D Secure. Pure data: the server's acquirer boundary records the outcomes.

use crate::reason::ReasonCode;

/// How a card reached the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A cryptogram payment (the payer is present).
    Card,
    /// A payment with a saved-card token.
    Token,
}

/// The bank's rules for one card number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardRule {
    /// A card payment goes through 3-D Secure first.
    pub three_ds: bool,
    /// The answer to a card payment.
    pub card: ReasonCode,
    /// The answer to a token payment.
    pub token: ReasonCode,
}

const OK: ReasonCode = ReasonCode::APPROVED;
const FUNDS: ReasonCode = ReasonCode::INSUFFICIENT_FUNDS;

const CARDS: &[(&str, CardRule)] = &[
    (
        "4242424242424242",
        CardRule {
            three_ds: true,
            card: OK,
            token: OK,
        },
    ),
    (
        "5555555555554444",
        CardRule {
            three_ds: true,
            card: OK,
            token: OK,
        },
    ),
    (
        "2200000000000004",
        CardRule {
            three_ds: true,
            card: OK,
            token: OK,
        },
    ),
    (
        "4012888888881881",
        CardRule {
            three_ds: true,
            card: FUNDS,
            token: FUNDS,
        },
    ),
    (
        "5105105105105100",
        CardRule {
            three_ds: true,
            card: FUNDS,
            token: FUNDS,
        },
    ),
    (
        "2202202202202200",
        CardRule {
            three_ds: true,
            card: FUNDS,
            token: FUNDS,
        },
    ),
    (
        "4000000000003055",
        CardRule {
            three_ds: false,
            card: OK,
            token: OK,
        },
    ),
    (
        "5205000000003055",
        CardRule {
            three_ds: false,
            card: OK,
            token: OK,
        },
    ),
    (
        "2202000000003055",
        CardRule {
            three_ds: false,
            card: OK,
            token: OK,
        },
    ),
    (
        "4111111111111111",
        CardRule {
            three_ds: false,
            card: OK,
            token: FUNDS,
        },
    ),
    (
        "5200828282828210",
        CardRule {
            three_ds: false,
            card: OK,
            token: FUNDS,
        },
    ),
    (
        "2200000022222222",
        CardRule {
            three_ds: false,
            card: OK,
            token: FUNDS,
        },
    ),
    (
        "4000056655665556",
        CardRule {
            three_ds: false,
            card: FUNDS,
            token: FUNDS,
        },
    ),
    (
        "5404000000000043",
        CardRule {
            three_ds: false,
            card: FUNDS,
            token: FUNDS,
        },
    ),
    (
        "2203000000000043",
        CardRule {
            three_ds: false,
            card: FUNDS,
            token: FUNDS,
        },
    ),
];

/// The rule for a card number (digits only).
pub fn rule(pan_digits: &str) -> CardRule {
    CARDS
        .iter()
        .find(|(number, _)| *number == pan_digits)
        .map(|(_, rule)| *rule)
        .unwrap_or(CardRule {
            three_ds: false,
            card: OK,
            token: OK,
        })
}

/// The bank's answer for a card number on a channel.
pub fn answer(pan_digits: &str, channel: Channel) -> ReasonCode {
    let rule = rule(pan_digits);
    match channel {
        Channel::Card => rule.card,
        Channel::Token => rule.token,
    }
}

/// `CardProduct` and `CardCategory` the emulated issuer reports for a BIN.
pub fn card_product(first_six: &str) -> (Option<&'static str>, Option<&'static str>) {
    match first_six {
        "424242" => (Some("I"), Some("Visa Infinite (Infinite)")),
        "411111" => (Some("C"), Some("Visa Signature (Signature)")),
        _ => (None, None),
    }
}

/// The issuer's approval code in test mode.
pub const AUTH_CODE: &str = "A1B2C3";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_cards_behave_as_the_spec_says() {
        assert!(rule("4242424242424242").three_ds);
        assert_eq!(answer("4242424242424242", Channel::Token), OK);
        assert_eq!(answer("4012888888881881", Channel::Card), FUNDS);
        assert!(!rule("4111111111111111").three_ds);
        assert_eq!(answer("4111111111111111", Channel::Card), OK);
        assert_eq!(answer("4111111111111111", Channel::Token), FUNDS);
        assert_eq!(answer("2203000000000043", Channel::Card), FUNDS);
        let other = rule("4916000000000000");
        assert_eq!((other.three_ds, other.card, other.token), (false, OK, OK));
    }

    #[test]
    fn every_listed_card_passes_luhn() {
        for (number, _) in CARDS {
            assert!(crate::card::Pan::parse(number).is_ok(), "{number}");
        }
    }
}
