//! Messages to a phone (SMS, Viber, WhatsApp) go through a [`PhoneSender`]. Oblako ships no
//! gateway: the default, [`NoGateway`], records each message as sent nowhere, with the reason in
//! the outbox row and in the log, so a merchant can see what would have been sent.

use std::future::Future;
use std::pin::Pin;

/// What a phone gateway did with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneOutcome {
    /// Accepted by the gateway named `via`.
    Sent {
        /// The gateway.
        via: String,
    },
    /// Not sent, and never will be: the reason.
    Nowhere {
        /// Why.
        reason: String,
    },
    /// Failed this time; the outbox retries.
    Failed {
        /// Why.
        error: String,
    },
}

/// The future a [`PhoneSender`] returns.
pub type PhoneFuture<'a> = Pin<Box<dyn Future<Output = PhoneOutcome> + Send + 'a>>;

/// Sends a text to a phone number over a channel (`sms`, `viber`, `whatsapp`).
pub trait PhoneSender: Send + Sync {
    /// Sends `text` to `recipient` over `channel`.
    fn send<'a>(&'a self, channel: &'a str, recipient: &'a str, text: &'a str) -> PhoneFuture<'a>;
}

/// What [`NoGateway`] says.
pub const NO_GATEWAY: &str = "no SMS gateway is configured";

/// The default sender: no gateway, every message recorded as sent nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoGateway;

impl PhoneSender for NoGateway {
    fn send<'a>(&'a self, channel: &'a str, recipient: &'a str, _text: &'a str) -> PhoneFuture<'a> {
        Box::pin(async move {
            tracing::warn!(
                channel,
                recipient = mask(recipient),
                "{NO_GATEWAY}: the message is kept in the outbox, not sent"
            );
            PhoneOutcome::Nowhere {
                reason: NO_GATEWAY.to_owned(),
            }
        })
    }
}

/// A phone number for the log: only its last three digits.
fn mask(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits[digits.len().saturating_sub(3)..].iter().collect();
    format!("***{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn without_a_gateway_a_message_goes_nowhere_with_the_reason() {
        let outcome = NoGateway.send("sms", "+7 900 123-45-67", "hi").await;
        assert_eq!(
            outcome,
            PhoneOutcome::Nowhere {
                reason: "no SMS gateway is configured".into()
            }
        );
        assert_eq!(mask("+7 900 123-45-67"), "***567");
    }
}
