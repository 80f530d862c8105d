//! The stripe-intent scenario, for a peer that fakes the Stripe API (localstripe): the card
//! PaymentMethod made once before the run, and one operation, which creates a PaymentIntent of
//! 100 minor units of RUB for that card (automatic capture) and then confirms it.
//!
//! Both calls are form-encoded and carry the secret key [`KEY`] as a Bearer token. The operation
//! is OK when both get HTTP 200 and the confirm reply says `"status":"succeeded"`.

use anyhow::{anyhow, bail};

use crate::gateway::{Gateway, Outcome};
use crate::scenario::Sample;

/// The secret key: localstripe accepts any key that starts with `sk_`.
pub const KEY: &str = "sk_test_bench";
/// A card that localstripe charges without 3-D Secure and never declines.
const CARD: [(&str, &str); 5] = [
    ("type", "card"),
    ("card[number]", "4242424242424242"),
    ("card[exp_month]", "12"),
    ("card[exp_year]", "2030"),
    ("card[cvc]", "123"),
];

/// Makes the card PaymentMethod every intent is paid with; returns its id (`pm_…`).
pub async fn payment_method(gateway: &Gateway) -> anyhow::Result<String> {
    let call = gateway.post_form("/v1/payment_methods", form(&CARD)).await;
    let reply = match call.outcome {
        Outcome::Ok(reply) => reply,
        Outcome::Throttled => bail!("the PaymentMethod to pay with got 429"),
        Outcome::Failed(why) => bail!("the PaymentMethod to pay with: {why}"),
    };
    reply["id"]
        .as_str()
        .filter(|id| id.starts_with("pm_"))
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("POST /v1/payment_methods returned no pm_ id: {reply}"))
}

/// One operation: create an intent paid with `payment_method`, then confirm it. Each call is
/// counted in `sample.calls` (create, confirm) and the pair in `sample.ops`.
pub async fn intent_confirm(gateway: &Gateway, payment_method: &str, sample: &mut Sample) {
    let [create_tally, confirm_tally] = &mut sample.calls[..] else {
        return;
    };
    let body = form(&[
        ("amount", "100"),
        ("currency", "rub"),
        ("payment_method_types[]", "card"),
        ("payment_method", payment_method),
    ]);
    let create = gateway.post_form("/v1/payment_intents", body).await;
    create_tally.record(&create.outcome, create.latency);
    let id = match &create.outcome {
        Outcome::Ok(reply) => match reply["id"].as_str() {
            Some(id) => id.to_owned(),
            None => {
                let why = "/v1/payment_intents returned no id".to_owned();
                sample.ops.record(&Outcome::Failed(why), create.latency);
                return;
            }
        },
        other => {
            sample.ops.record(other, create.latency);
            return;
        }
    };
    let path = format!("/v1/payment_intents/{}/confirm", encode(&id));
    let confirm = gateway.post_form(&path, String::new()).await;
    let outcome = match confirm.outcome {
        Outcome::Ok(reply) if reply["status"] == "succeeded" => Outcome::Ok(reply),
        Outcome::Ok(reply) => Outcome::Failed(format!(
            "{path}: status is {} and not \"succeeded\"",
            reply["status"]
        )),
        other => other,
    };
    confirm_tally.record(&outcome, confirm.latency);
    sample
        .ops
        .record(&outcome, create.latency + confirm.latency);
}

/// An `application/x-www-form-urlencoded` body.
fn form(pairs: &[(&str, &str)]) -> String {
    let fields: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect();
    fields.join("&")
}

/// Percent-encodes every byte but the unreserved ones of RFC 3986.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out += &format!("%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_are_percent_encoded() {
        assert_eq!(
            form(&[("payment_method_types[]", "card"), ("amount", "100")]),
            "payment_method_types%5B%5D=card&amount=100"
        );
        assert_eq!(encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(encode("pi_Ab9-x.~"), "pi_Ab9-x.~");
    }
}
