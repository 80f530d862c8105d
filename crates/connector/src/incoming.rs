//! An incoming notification as the gateway sends it: its signature, its parameters in UTF-8 or
//! Windows-1251, and its masked copy for `cloudpayments_http_log`.
//!
//! The signed message is the POST body, or for a GET the raw query string. Either header may
//! sign it: `Content-HMAC` over the bytes as sent, `X-Content-HMAC` over them URL-decoded
//! (spec §5.2); both checks are the protocol crate's, in constant time.

use std::net::SocketAddr;

use axum::http::{HeaderMap, Method, Uri};
use oblako_protocol::notification::{
    CONTENT_HMAC, FormEncoding, X_CONTENT_HMAC, parse_form, percent_decode, verify_hmac,
};

use crate::db::HttpLogRow;

/// The parts of a request the connector reads.
#[derive(Debug)]
pub struct Incoming {
    pub peer: SocketAddr,
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Parameters whose values never reach the log.
const MASKED_PARAMS: &[&str] = &[
    "Token",
    "CardExpDate",
    "CardCryptogramPacket",
    "Cvv",
    "Data",
];
/// Headers whose values never reach the log.
const MASKED_HEADERS: &[&str] = &["authorization", "cookie", "content-hmac", "x-content-hmac"];

impl Incoming {
    /// The signed message: the body of a POST, the query of anything else.
    fn message(&self) -> &[u8] {
        if self.method == Method::POST {
            &self.body
        } else {
            self.uri.query().unwrap_or("").as_bytes()
        }
    }

    /// Whether `Content-HMAC` or `X-Content-HMAC` signs the message under `secret`.
    pub fn signed_by(&self, secret: &str) -> bool {
        let message = self.message();
        let header = |name: &str| self.headers.get(name).and_then(|v| v.to_str().ok());
        if let Some(tag) = header(CONTENT_HMAC)
            && verify_hmac(secret.as_bytes(), message, tag)
        {
            return true;
        }
        let Some(tag) = header(X_CONTENT_HMAC) else {
            return false;
        };
        let decoded = percent_decode(&String::from_utf8_lossy(message));
        verify_hmac(secret.as_bytes(), &decoded, tag)
    }

    /// The parameters, decoded in the charset the `Content-Type` names, else UTF-8 when the
    /// bytes are UTF-8, else Windows-1251 (the only other encoding a site may choose). A JSON
    /// object body (some senders use one) is read as flat parameters.
    pub fn params(&self) -> Vec<(String, String)> {
        let content_type = self
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if self.method == Method::POST && content_type.starts_with("application/json") {
            return json_params(&self.body);
        }
        let text = String::from_utf8_lossy(self.message()).into_owned();
        let encoding = if content_type.contains("1251") {
            FormEncoding::Windows1251
        } else if std::str::from_utf8(&percent_decode(&text)).is_ok() {
            FormEncoding::Utf8
        } else {
            FormEncoding::Windows1251
        };
        parse_form(&text, encoding)
    }

    /// The masked copy for the request log.
    pub fn log_row(&self) -> HttpLogRow {
        let headers: serde_json::Map<String, serde_json::Value> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let value = if MASKED_HEADERS.contains(&name.as_str()) {
                    "***".to_owned()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                (name.as_str().to_owned(), serde_json::Value::String(value))
            })
            .collect();
        let url = match self.uri.query() {
            Some(query) => format!("{}?{}", self.uri.path(), mask_form(query)),
            None => self.uri.path().to_owned(),
        };
        HttpLogRow {
            ip: self.peer.ip().to_string(),
            url,
            method: self.method.to_string(),
            headers: serde_json::Value::Object(headers).to_string(),
            body: mask_digits(&mask_form(&String::from_utf8_lossy(&self.body))),
        }
    }
}

/// The named parameter, `None` when missing or blank.
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

fn json_params(body: &[u8]) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Object(object)) = serde_json::from_slice(body) else {
        return Vec::new();
    };
    object
        .into_iter()
        .map(|(key, value)| match value {
            serde_json::Value::String(text) => (key, text),
            other => (key, other.to_string()),
        })
        .collect()
}

/// A form string with the values of [`MASKED_PARAMS`] replaced by `***`.
fn mask_form(form: &str) -> String {
    form.split('&')
        .map(|segment| match segment.split_once('=') {
            Some((name, _)) if MASKED_PARAMS.iter().any(|m| m.eq_ignore_ascii_case(name)) => {
                format!("{name}=***")
            }
            _ => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Runs of 13 or more digits (a card number, whatever the field) become their last four.
fn mask_digits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 13 {
            out.push_str("****");
            out.push_str(&run[run.len() - 4..]);
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use oblako_protocol::notification::signature_headers;

    fn post(body: &str, headers: &[(&'static str, String)]) -> Incoming {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().unwrap());
        }
        Incoming {
            peer: "127.0.0.1:1".parse().unwrap(),
            method: Method::POST,
            uri: "/pay".parse().unwrap(),
            headers: map,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn either_header_signs_and_a_wrong_one_does_not() {
        let body = "TransactionId=1&Amount=10.00&Description=%d0%a2%d0%b5%d1%81%d1%82";
        let [content, x_content] = signature_headers(b"secret", body);
        assert!(post(body, std::slice::from_ref(&content)).signed_by("secret"));
        assert!(post(body, &[x_content]).signed_by("secret"));
        assert!(!post(body, &[content]).signed_by("other"));
        assert!(!post(body, &[]).signed_by("secret"));
    }

    #[test]
    fn windows_1251_and_utf8_bodies_decode_alike() {
        let utf8 = post("AccountId=%d0%98%d0%b2%d0%b0%d0%bd", &[]);
        let cp1251 = post("AccountId=%c8%e2%e0%ed", &[]);
        assert_eq!(param(&utf8.params(), "AccountId"), Some("Иван"));
        assert_eq!(param(&cp1251.params(), "AccountId"), Some("Иван"));
    }

    #[test]
    fn the_log_masks_secrets_and_card_numbers() {
        let row = post(
            "Token=tk_1&CardFirstSix=424242&Note=4242424242424242",
            &[("content-hmac", "abc".to_owned())],
        )
        .log_row();
        assert_eq!(row.body, "Token=***&CardFirstSix=424242&Note=****4242");
        assert!(row.headers.contains("\"content-hmac\":\"***\""));
    }
}
