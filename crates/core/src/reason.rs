//! Decline reasons as numbers (spec §4.3). Their names and the payer-facing texts in each
//! language are wire matters and live in `oblako-protocol`.

/// A `ReasonCode`: 0 is approved, anything else says why a payment was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReasonCode(pub i32);

impl ReasonCode {
    /// Approved.
    pub const APPROVED: ReasonCode = ReasonCode(0);
    /// The issuer refused without saying why.
    pub const DO_NOT_HONOR: ReasonCode = ReasonCode(5005);
    /// Card lost or expired, to be picked up; the docs' retry advice puts it in the group that
    /// needs a new setup payment. Oblako also declines with it a subscription charge whose card
    /// is no longer on file.
    pub const EXPIRED_CARD_PICKUP: ReasonCode = ReasonCode(5033);
    /// Card lost.
    pub const LOST_CARD: ReasonCode = ReasonCode(5041);
    /// Card stolen.
    pub const STOLEN_CARD: ReasonCode = ReasonCode(5043);
    /// Not enough money on the card.
    pub const INSUFFICIENT_FUNDS: ReasonCode = ReasonCode(5051);
    /// Expired card or wrong expiry date.
    pub const EXPIRED_CARD: ReasonCode = ReasonCode(5054);
    /// Wrong CVV.
    pub const INCORRECT_CVV: ReasonCode = ReasonCode(5082);
    /// 3-D Secure authentication failed.
    pub const AUTHENTICATION_FAILED: ReasonCode = ReasonCode(5206);
    /// 3-D Secure authentication unavailable.
    pub const AUTHENTICATION_UNAVAILABLE: ReasonCode = ReasonCode(5207);
    /// A token used on another terminal.
    pub const CROSS_TERMINAL_TOKEN: ReasonCode = ReasonCode(6025);

    /// Whether retrying the same card is pointless (the docs' "unconditionally negative" group,
    /// plus lost, stolen and expired cards): recurring billing stops at these.
    pub fn is_hard_decline(self) -> bool {
        matches!(
            self.0,
            5001 | 5003
                | 5004
                | 5005
                | 5007
                | 5012
                | 5017
                | 5033
                | 5034
                | 5041
                | 5043
                | 5054
                | 5057
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_declines_stop_retries_and_soft_ones_do_not() {
        assert!(ReasonCode::LOST_CARD.is_hard_decline());
        assert!(ReasonCode::EXPIRED_CARD.is_hard_decline());
        assert!(ReasonCode::DO_NOT_HONOR.is_hard_decline());
        assert!(!ReasonCode::INSUFFICIENT_FUNDS.is_hard_decline());
        assert!(!ReasonCode::APPROVED.is_hard_decline());
    }
}
