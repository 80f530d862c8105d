//! 3-D Secure tokens: the `PaReq` the gateway hands to the merchant and the `PaRes` its emulated
//! ACS hands back.
//!
//! Both are signed with the gateway's token key. A `PaReq` names its transaction, so the ACS
//! page only serves transactions the gateway started; a `PaRes` names the transaction, the
//! payer's verdict and a deadline, so `post3ds` accepts only a result issued for that
//! transaction within the 3-D Secure window. Using it moves the transaction out of
//! `AwaitingAuthentication`, so it works once.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use crate::secrets::Secrets;

/// What the ACS page shows the payer, carried inside the `PaReq`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PaReq {
    /// The merchant (site) name.
    pub merchant_name: Option<String>,
    /// BIN.
    pub first_six: String,
    /// Last four digits.
    pub last_four: String,
    /// The amount, as the model prints it.
    pub amount: serde_json::Value,
    /// Currency code.
    pub currency_code: String,
    /// `CultureName` of the payment.
    pub culture_name: String,
    /// The transaction awaiting authentication.
    pub transaction_id: i64,
    /// MAC over the transaction id.
    pub signature: String,
}

fn pa_req_tag(secrets: &Secrets, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(secrets.sign(format!("pareq:{id}").as_bytes()))
}

/// Signs and encodes a `PaReq`.
pub fn encode_pa_req(secrets: &Secrets, mut pa_req: PaReq) -> String {
    pa_req.signature = pa_req_tag(secrets, pa_req.transaction_id);
    STANDARD.encode(serde_json::to_vec(&pa_req).unwrap_or_default())
}

/// Decodes a `PaReq` and checks it was issued by this gateway.
pub fn decode_pa_req(secrets: &Secrets, text: &str) -> Option<PaReq> {
    if text.len() > 4096 {
        return None;
    }
    let bytes = STANDARD.decode(text.trim()).ok()?;
    let pa_req: PaReq = serde_json::from_slice(&bytes).ok()?;
    let tag = URL_SAFE_NO_PAD.decode(&pa_req.signature).ok()?;
    secrets
        .verify(format!("pareq:{}", pa_req.transaction_id).as_bytes(), &tag)
        .then_some(pa_req)
}

#[derive(Debug, Serialize, Deserialize)]
struct PaResBody {
    t: i64,
    ok: bool,
    exp: i64,
}

/// The payer's verdict for a transaction, valid until `expires_ms`.
pub fn issue_pa_res(
    secrets: &Secrets,
    transaction_id: i64,
    passed: bool,
    expires_ms: i64,
) -> String {
    let body = serde_json::to_vec(&PaResBody {
        t: transaction_id,
        ok: passed,
        exp: expires_ms,
    })
    .unwrap_or_default();
    let payload = URL_SAFE_NO_PAD.encode(&body);
    let tag = URL_SAFE_NO_PAD.encode(secrets.sign(format!("pares:{payload}").as_bytes()));
    format!("{payload}.{tag}")
}

/// The verdict in a `PaRes`, if it is genuine, for `transaction_id`, and not past its deadline.
pub fn read_pa_res(
    secrets: &Secrets,
    text: &str,
    transaction_id: i64,
    now_ms: i64,
) -> Option<bool> {
    if text.len() > 1024 {
        return None;
    }
    let (payload, tag) = text.trim().split_once('.')?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    if !secrets.verify(format!("pares:{payload}").as_bytes(), &tag) {
        return None;
    }
    let body: PaResBody = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    (body.t == transaction_id && now_ms <= body.exp).then_some(body.ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets::from_master(&[3u8; 32]).unwrap()
    }

    #[test]
    fn pa_res_is_bound_to_its_transaction_and_deadline() {
        let s = secrets();
        let pa_res = issue_pa_res(&s, 42, true, 1_000);
        assert_eq!(read_pa_res(&s, &pa_res, 42, 999), Some(true));
        assert_eq!(
            read_pa_res(&s, &pa_res, 43, 999),
            None,
            "another transaction"
        );
        assert_eq!(read_pa_res(&s, &pa_res, 42, 1_001), None, "too late");
        let failed = issue_pa_res(&s, 42, false, 1_000);
        assert_eq!(read_pa_res(&s, &failed, 42, 0), Some(false));
        let forged = format!(
            "{}.{}",
            failed.split('.').next().unwrap(),
            pa_res.split('.').nth(1).unwrap()
        );
        assert_eq!(
            read_pa_res(&s, &forged, 42, 0),
            None,
            "a tag from another PaRes"
        );
        let other = Secrets::from_master(&[4u8; 32]).unwrap();
        assert_eq!(
            read_pa_res(&other, &pa_res, 42, 0),
            None,
            "another gateway's key"
        );
        assert_eq!(read_pa_res(&s, "garbage", 42, 0), None);
    }

    #[test]
    fn pa_req_round_trips_and_rejects_tampering() {
        let s = secrets();
        let pa_req = PaReq {
            merchant_name: Some("Shop".into()),
            first_six: "424242".into(),
            last_four: "4242".into(),
            amount: serde_json::json!(10.5),
            currency_code: "RUB".into(),
            culture_name: "ru-RU".into(),
            transaction_id: 7,
            signature: String::new(),
        };
        let text = encode_pa_req(&s, pa_req.clone());
        let back = decode_pa_req(&s, &text).unwrap();
        assert_eq!(back.transaction_id, 7);
        let mut tampered: serde_json::Value =
            serde_json::from_slice(&STANDARD.decode(&text).unwrap()).unwrap();
        tampered["TransactionId"] = serde_json::json!(8);
        let tampered = STANDARD.encode(tampered.to_string());
        assert!(decode_pa_req(&s, &tampered).is_none());
    }
}
