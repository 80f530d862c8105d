//! The `CardCryptogramPacket` wire formats (spec §7.2) and the encrypted plaintext layout.
//!
//! Format A is base64 of a JSON object (current checkout.js and SDKs); Format B is the legacy
//! `"01" + first6 + last4 + YY + MM + KeyVersion + base64(ciphertext)` string, whose YY, MM and
//! KeyVersion checkout.js writes as two hex digits and old Android code as two decimal digits.
//! Both wrap the same RSA ciphertext of `{PAN}@{YYMM}@{CVV}@{PublicId}`. This file only reads
//! and writes the envelopes; `open_packet` in the parent module decides what to trust.

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use oblako_core::card::{CardExpiry, Cvv, Pan};
use serde::Serialize;
use serde_json::{Map, Value};

use super::{CryptogramError, keys};

/// Longest packet accepted, checked before any decoding. Format A carries browser info and two
/// page URLs besides the ~350-character ciphertext, so this leaves room for long URLs.
const MAX_PACKET_LEN: usize = 16 * 1024;
/// Longest ciphertext accepted: one block of an RSA-8192 key.
const MAX_CIPHERTEXT_LEN: usize = 1024;
/// `"01"` + 6 + 4 + 2 + 2 + 2 characters before the base64 ciphertext of Format B.
const FORMAT_B_HEADER_LEN: usize = 18;

/// Senders differ on base64 padding; the alphabet is always the standard one.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Which envelope a packet arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketFormat {
    /// Base64 JSON `{"Type":"CloudCard", …, "KeyVersion", "Value"}`.
    JsonA,
    /// Legacy `"01…"` string with the card summary in a fixed-width header.
    LegacyB,
}

/// The clear card summary a packet carries next to the ciphertext, as sent (unverified).
///
/// In Format B `exp_year` and `exp_month` are the raw two header characters, decimal or hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardInfo {
    /// `FirstSixDigits`: the BIN.
    pub first_six: String,
    /// `LastFourDigits`.
    pub last_four: String,
    /// `ExpDateYear`, usually two digits.
    pub exp_year: String,
    /// `ExpDateMonth`, `"5"` or `"05"`.
    pub exp_month: String,
}

/// A parsed but not yet decrypted packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// The envelope it arrived in.
    pub format: PacketFormat,
    /// The key version it names (for Format B, the decimal reading of the two characters when
    /// they are decimal digits, else the hex reading).
    pub key_version: u32,
    /// The clear card summary, when the packet has one.
    pub card_info: Option<CardInfo>,
    /// The RSA ciphertext.
    pub ciphertext: Vec<u8>,
}

/// Parses a `CardCryptogramPacket` of Format A or B without decrypting it.
pub fn parse_packet(packet: &str) -> Result<Packet, CryptogramError> {
    parse(packet).map(|(packet, _)| packet)
}

/// Parses a packet; the second value is the other reading of a Format B key version.
pub(super) fn parse(packet: &str) -> Result<(Packet, Option<u32>), CryptogramError> {
    let packet = packet.trim_ascii();
    if packet.len() > MAX_PACKET_LEN {
        return Err(CryptogramError::Malformed);
    }
    if packet.starts_with("01") {
        parse_format_b(packet)
    } else {
        parse_format_a(packet).map(|packet| (packet, None))
    }
}

fn parse_format_a(packet: &str) -> Result<Packet, CryptogramError> {
    let json = BASE64
        .decode(packet)
        .map_err(|_| CryptogramError::Malformed)?;
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(&json) else {
        return Err(CryptogramError::Malformed);
    };
    let kind = field(&object, "Type")?.map(text);
    let format = field(&object, "Format")?.map(text);
    let kind_ok = kind.is_none_or(|k| k.is_some_and(|k| k.eq_ignore_ascii_case("CloudCard")));
    if !kind_ok || format.is_some_and(|f| f.as_deref() != Some("1")) {
        return Err(CryptogramError::Malformed);
    }
    let key_version = field(&object, "KeyVersion")?
        .and_then(text)
        .as_deref()
        .and_then(|v| parse_number(v, 10))
        .ok_or(CryptogramError::Malformed)?;
    let card_info = match field(&object, "CardInfo")? {
        None | Some(Value::Null) => None,
        Some(Value::Object(info)) => Some(CardInfo {
            first_six: required_text(info, "FirstSixDigits")?,
            last_four: required_text(info, "LastFourDigits")?,
            exp_year: required_text(info, "ExpDateYear")?,
            exp_month: required_text(info, "ExpDateMonth")?,
        }),
        Some(_) => return Err(CryptogramError::Malformed),
    };
    let value = match field(&object, "Value")? {
        Some(Value::String(value)) => value,
        _ => return Err(CryptogramError::Malformed),
    };
    let ciphertext = decode_ciphertext(value)?;
    Ok(Packet {
        format: PacketFormat::JsonA,
        key_version,
        card_info,
        ciphertext,
    })
}

fn parse_format_b(packet: &str) -> Result<(Packet, Option<u32>), CryptogramError> {
    let part = |from: usize, to: usize| packet.get(from..to).ok_or(CryptogramError::Malformed);
    let (first_six, last_four) = (part(2, 8)?, part(8, 12)?);
    let (exp_year, exp_month, version) = (part(12, 14)?, part(14, 16)?, part(16, 18)?);
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    if !digits(first_six) || !digits(last_four) || ![exp_year, exp_month].into_iter().all(hex) {
        return Err(CryptogramError::Malformed);
    }
    let decimal = parse_number(version, 10);
    let hexadecimal = parse_number(version, 16).filter(|&v| Some(v) != decimal);
    let (key_version, other) = match (decimal, hexadecimal) {
        (Some(d), h) => (d, h),
        (None, Some(h)) => (h, None),
        (None, None) => return Err(CryptogramError::Malformed),
    };
    let ciphertext = decode_ciphertext(packet.get(FORMAT_B_HEADER_LEN..).unwrap_or_default())?;
    let card_info = CardInfo {
        first_six: first_six.to_owned(),
        last_four: last_four.to_owned(),
        exp_year: exp_year.to_owned(),
        exp_month: exp_month.to_owned(),
    };
    let packet = Packet {
        format: PacketFormat::LegacyB,
        key_version,
        card_info: Some(card_info),
        ciphertext,
    };
    Ok((packet, other))
}

/// A field looked up case-insensitively; two spellings of one name are refused.
fn field<'a>(
    object: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a Value>, CryptogramError> {
    let mut found = object
        .iter()
        .filter(|(key, _)| key.eq_ignore_ascii_case(name));
    match (found.next(), found.next()) {
        (Some((_, value)), None) => Ok(Some(value)),
        (None, _) => Ok(None),
        (Some(_), Some(_)) => Err(CryptogramError::Malformed),
    }
}

fn required_text(object: &Map<String, Value>, name: &str) -> Result<String, CryptogramError> {
    field(object, name)?
        .and_then(text)
        .ok_or(CryptogramError::Malformed)
}

/// A JSON string, or a number in its original spelling (SDKs send either).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// 1–9 digits of `radix`, no sign.
pub(super) fn parse_number(text: &str, radix: u32) -> Option<u32> {
    let valid = (1..=9).contains(&text.len()) && text.chars().all(|c| c.is_digit(radix));
    valid
        .then(|| u32::from_str_radix(text, radix).ok())
        .flatten()
}

fn decode_ciphertext(text: &str) -> Result<Vec<u8>, CryptogramError> {
    // Android's default Base64 wraps lines at 76 characters; the line breaks carry nothing.
    let text: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = BASE64
        .decode(text)
        .map_err(|_| CryptogramError::Malformed)?;
    if bytes.is_empty() || bytes.len() > MAX_CIPHERTEXT_LEN {
        return Err(CryptogramError::Malformed);
    }
    Ok(bytes)
}

/// The encrypted text: `{PAN}@{YY}{MM}@{CVV}@{PublicId}`, CVV empty for CVV-less cards.
fn plaintext(pan: &Pan, expiry: CardExpiry, cvv: Option<&Cvv>, public_id: &str) -> String {
    let (yy, mm) = (expiry.year() % 100, expiry.month());
    let cvv = cvv.map_or("", Cvv::expose);
    format!("{}@{yy:02}{mm:02}@{cvv}@{public_id}", pan.expose())
}

/// Format A JSON, fields in checkout.js order.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JsonPacket<'a> {
    #[serde(rename = "Type")]
    kind: &'a str,
    browser_info_base64: &'a str,
    format: u8,
    card_info: JsonCardInfo,
    key_version: String,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JsonCardInfo {
    first_six_digits: String,
    last_four_digits: String,
    exp_date_year: String,
    exp_date_month: String,
}

/// Builds a Format A packet (what checkout.js produces) with a public key PEM: used by
/// `oblako cryptogram` and tests.
pub fn seal_format_a(
    public_pem: &str,
    key_version: u32,
    pan: &Pan,
    expiry: CardExpiry,
    cvv: Option<&Cvv>,
    public_id: &str,
) -> Result<String, CryptogramError> {
    let sealed = keys::encrypt_pkcs1(
        public_pem,
        plaintext(pan, expiry, cvv, public_id).as_bytes(),
    )?;
    let json = JsonPacket {
        kind: "CloudCard",
        browser_info_base64: "",
        format: 1,
        card_info: JsonCardInfo {
            first_six_digits: pan.first_six().to_owned(),
            last_four_digits: pan.last_four().to_owned(),
            exp_date_year: format!("{:02}", expiry.year() % 100),
            exp_date_month: format!("{:02}", expiry.month()),
        },
        key_version: key_version.to_string(),
        value: STANDARD.encode(sealed),
    };
    let json = serde_json::to_vec(&json).map_err(|e| CryptogramError::Key(e.to_string()))?;
    Ok(STANDARD.encode(json))
}

/// Builds a legacy Format B packet, for tests and old integrations. The header is decimal like
/// old Android code writes it; a key version of 100–255 is written in hex as checkout.js does.
pub fn seal_format_b(
    public_pem: &str,
    key_version: u32,
    pan: &Pan,
    expiry: CardExpiry,
    cvv: Option<&Cvv>,
    public_id: &str,
) -> Result<String, CryptogramError> {
    let version = match key_version {
        0..=99 => format!("{key_version:02}"),
        100..=255 => format!("{key_version:02x}"),
        _ => {
            return Err(CryptogramError::Key(
                "key version does not fit Format B".into(),
            ));
        }
    };
    let sealed = keys::encrypt_pkcs1(
        public_pem,
        plaintext(pan, expiry, cvv, public_id).as_bytes(),
    )?;
    Ok(format!(
        "01{}{}{:02}{:02}{version}{}",
        pan.first_six(),
        pan.last_four(),
        expiry.year() % 100,
        expiry.month(),
        STANDARD.encode(sealed),
    ))
}

#[cfg(test)]
mod tests;
