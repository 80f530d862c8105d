//! Card cryptograms: the `CardCryptogramPacket` that checkout.js and the mobile SDKs send in
//! place of card data (spec §7.2).
//!
//! `keys.rs` holds the gateway's versioned RSA keys, `packet.rs` reads and writes the two wire
//! envelopes, and [`open_packet`] here turns a packet into a validated [`OpenedCard`]: it picks
//! the key by version, decrypts, and checks the plaintext against the terminal's public id, the
//! Luhn rule, the expiry date and the clear `CardInfo`. The decrypted plaintext is authoritative.
//!
//! Every failure that depends on the packet's bytes answers with the same
//! [`CryptogramError::message`], so a client cannot tell a bad RSA padding from any other defect
//! (no padding oracle). Only an expired card, which needs a correctly sealed packet, differs.

mod keys;
mod packet;

use jiff::civil::Date;
use oblako_core::card::{CardExpiry, Cvv, Pan};

pub use keys::CryptogramKey;
pub use packet::{CardInfo, Packet, PacketFormat, parse_packet, seal_format_a, seal_format_b};

/// Why a cryptogram was refused. `Display` is for logs and never shows card digits; clients get
/// [`CryptogramError::message`].
#[derive(Debug, thiserror::Error)]
pub enum CryptogramError {
    /// Not a Format A/B packet: length, base64, JSON or plaintext layout.
    #[error("malformed cryptogram packet")]
    Malformed,
    /// No key under the version the packet names.
    #[error("cryptogram names an unknown key version")]
    UnknownKeyVersion,
    /// RSA decryption failed (wrong key, tampered or truncated ciphertext).
    #[error("cryptogram does not decrypt")]
    Undecryptable,
    /// The plaintext is bound to another terminal's public id.
    #[error("cryptogram public id does not match the terminal")]
    PublicIdMismatch,
    /// The decrypted card number, expiry or CVV is not valid card data.
    #[error("cryptogram holds invalid card data")]
    InvalidCard,
    /// The card expired before today.
    #[error("card expired")]
    Expired,
    /// The clear `CardInfo` disagrees with the encrypted card.
    #[error("cryptogram CardInfo does not match the encrypted card")]
    CardInfoMismatch,
    /// A key could not be generated, loaded, encoded or used for sealing.
    #[error("cryptogram key: {0}")]
    Key(String),
}

impl CryptogramError {
    /// The wire `Message`. Identical for every packet defect, so it is no decryption oracle.
    pub fn message(&self) -> &'static str {
        match self {
            CryptogramError::Expired => "Card expired",
            _ => "Invalid CardCryptogramPacket",
        }
    }
}

/// The decrypted, validated card. `Debug` shows only the masked PAN and no CVV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedCard {
    /// The card number, Luhn-checked.
    pub pan: Pan,
    /// The expiry, not before the day the packet was opened.
    pub expiry: CardExpiry,
    /// The CVV; `None` for CVV-less cards (empty CVV segment).
    pub cvv: Option<Cvv>,
    /// The terminal the packet was sealed for (equal to the expected one).
    pub public_id: String,
}

/// Opens a `CardCryptogramPacket` for the terminal `expected_public_id`.
///
/// Parses the packet, picks the key by version via `key_for`, decrypts, reads the plaintext
/// `PAN@YYMM@CVV@PublicId`, and requires the public id to equal `expected_public_id`, the PAN to
/// pass [`Pan::parse`] (Luhn), the expiry not to be before `today`, the CVV to be 3–4 digits or
/// empty (empty → `None`), and the `CardInfo`, when present, to agree with the plaintext: first
/// six, last four, and expiry month and year compared numerically, so `"5"`/`"05"` and two- or
/// four-digit years agree.
pub fn open_packet<'k>(
    packet: &str,
    key_for: impl Fn(u32) -> Option<&'k CryptogramKey>,
    expected_public_id: &str,
    today: Date,
) -> Result<OpenedCard, CryptogramError> {
    let (packet, other_version) = packet::parse(packet)?;
    let plaintext = decrypt(&packet, other_version, key_for)?;
    let card = read_plaintext(&plaintext)?;
    if card.public_id != expected_public_id {
        return Err(CryptogramError::PublicIdMismatch);
    }
    if let Some(info) = &packet.card_info {
        // Format B headers may spell YY and MM in hex (checkout.js) or decimal (old Android).
        let radixes: &[u32] = match packet.format {
            PacketFormat::JsonA => &[10],
            PacketFormat::LegacyB => &[10, 16],
        };
        if !card_info_matches(info, &card, radixes) {
            return Err(CryptogramError::CardInfoMismatch);
        }
    }
    // Last, so "Card expired" is only ever said about a fully valid packet.
    if card.expiry.is_expired_on(today) {
        return Err(CryptogramError::Expired);
    }
    Ok(card)
}

/// Tries the named key version, then (Format B) the other reading of its two characters.
fn decrypt<'k>(
    packet: &Packet,
    other_version: Option<u32>,
    key_for: impl Fn(u32) -> Option<&'k CryptogramKey>,
) -> Result<Vec<u8>, CryptogramError> {
    let mut error = CryptogramError::UnknownKeyVersion;
    for version in std::iter::once(packet.key_version).chain(other_version) {
        if let Some(key) = key_for(version) {
            match key.decrypt(&packet.ciphertext) {
                Ok(plaintext) => return Ok(plaintext),
                Err(e) => error = e,
            }
        }
    }
    Err(error)
}

fn read_plaintext(plaintext: &[u8]) -> Result<OpenedCard, CryptogramError> {
    let text = std::str::from_utf8(plaintext).map_err(|_| CryptogramError::Malformed)?;
    let mut parts = text.splitn(4, '@');
    let (Some(pan), Some(yymm), Some(cvv), Some(public_id)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(CryptogramError::Malformed);
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(pan) || !digits(cvv) || yymm.len() != 4 || !digits(yymm) {
        return Err(CryptogramError::Malformed);
    }
    let pan = Pan::parse(pan).map_err(|_| CryptogramError::InvalidCard)?;
    let expiry = match (yymm[..2].parse::<i8>(), yymm[2..].parse::<i8>()) {
        (Ok(yy), Ok(mm)) => CardExpiry::new(i16::from(yy), mm),
        _ => return Err(CryptogramError::Malformed),
    };
    let expiry = expiry.map_err(|_| CryptogramError::InvalidCard)?;
    let cvv = match cvv {
        "" => None,
        cvv => Some(Cvv::parse(cvv).map_err(|_| CryptogramError::InvalidCard)?),
    };
    Ok(OpenedCard {
        pan,
        expiry,
        cvv,
        public_id: public_id.to_owned(),
    })
}

fn card_info_matches(info: &CardInfo, card: &OpenedCard, radixes: &[u32]) -> bool {
    let number_is = |text: &str, expected: i16| {
        text.len() <= 4
            && radixes.iter().any(|&radix| {
                packet::parse_number(text, radix)
                    .is_some_and(|n| i64::from(n) == i64::from(expected))
            })
    };
    let year = card.expiry.year();
    let year_matches = if info.exp_year.len() <= 2 {
        number_is(&info.exp_year, year % 100)
    } else {
        number_is(&info.exp_year, year)
    };
    info.first_six == card.pan.first_six()
        && info.last_four == card.pan.last_four()
        && number_is(&info.exp_month, i16::from(card.expiry.month()))
        && year_matches
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde_json::json;

    use super::keys::{encrypt_pkcs1, test_key};
    use super::*;

    const CARDS: [&str; 4] = [
        "4242424242424242",
        "5555555555554444",
        "2200000000000004",
        "4111111111111111",
    ];
    const PUBLIC_ID: &str = "test_api_000000000000000002";
    const TODAY: Date = Date::constant(2026, 5, 15);

    fn pem() -> String {
        test_key().public_pem().unwrap()
    }

    fn key_13(version: u32) -> Option<&'static CryptogramKey> {
        (version == 13).then(test_key)
    }

    fn open(packet: &str) -> Result<OpenedCard, CryptogramError> {
        open_packet(packet, key_13, PUBLIC_ID, TODAY)
    }

    fn seal(format: PacketFormat, pan: &str, yy: i16, mm: i8, cvv: Option<&str>) -> String {
        let (pan, expiry) = (Pan::parse(pan).unwrap(), CardExpiry::new(yy, mm).unwrap());
        let cvv = cvv.map(|c| Cvv::parse(c).unwrap());
        let seal = match format {
            PacketFormat::JsonA => seal_format_a,
            PacketFormat::LegacyB => seal_format_b,
        };
        seal(&pem(), 13, &pan, expiry, cvv.as_ref(), PUBLIC_ID).unwrap()
    }

    /// A Format A packet around any plaintext, with `[first6, last4, year, month]` if given.
    fn packet_a(plaintext: &str, info: Option<[&str; 4]>) -> String {
        let value = STANDARD.encode(encrypt_pkcs1(&pem(), plaintext.as_bytes()).unwrap());
        let mut json =
            json!({"Type": "CloudCard", "Format": 1, "KeyVersion": "13", "Value": value});
        if let Some([first, last, year, month]) = info {
            json["CardInfo"] = json!({"FirstSixDigits": first, "LastFourDigits": last,
                "ExpDateYear": year, "ExpDateMonth": month});
        }
        STANDARD.encode(json.to_string())
    }

    fn packet_b(header: &str, plaintext: &str) -> String {
        header.to_owned() + &STANDARD.encode(encrypt_pkcs1(&pem(), plaintext.as_bytes()).unwrap())
    }

    #[test]
    fn published_test_cards_round_trip_in_both_formats() {
        for format in [PacketFormat::JsonA, PacketFormat::LegacyB] {
            for pan in CARDS {
                let card = open(&seal(format, pan, 30, 12, Some("911"))).unwrap();
                assert_eq!(card.pan.expose(), pan);
                assert_eq!((card.expiry.year(), card.expiry.month()), (2030, 12));
                assert_eq!(card.cvv.as_ref().map(Cvv::expose), Some("911"));
                assert_eq!(card.public_id, PUBLIC_ID);
            }
        }
    }

    #[test]
    fn cvv_less_packets_open_without_cvv() {
        for format in [PacketFormat::JsonA, PacketFormat::LegacyB] {
            assert_eq!(
                open(&seal(format, CARDS[0], 27, 1, None)).unwrap().cvv,
                None
            );
        }
        let card = open(&packet_a(
            "4242424242424242@2701@@test_api_000000000000000002",
            None,
        ));
        assert_eq!(card.unwrap().cvv, None);
    }

    #[test]
    fn checkout_js_hex_headers_and_ambiguous_versions_open() {
        let plain = format!("4242424242424242@3012@123@{PUBLIC_ID}");
        let hex = packet_b("0142424242421e0c0d", &plain);
        assert_eq!(open(&hex).unwrap().pan.expose(), "4242424242424242");
        // "13" is 13 in decimal and 19 in hex; a gateway holding only key 19 still opens it.
        let key_19 = |v: u32| (v == 19).then(test_key);
        let ambiguous = packet_b("014242424242301213", &plain);
        assert!(open_packet(&ambiguous, key_19, PUBLIC_ID, TODAY).is_ok());
    }

    #[test]
    fn card_info_is_compared_numerically() {
        let plain = format!("4242424242424242@3005@123@{PUBLIC_ID}");
        for info in [
            ["424242", "4242", "30", "05"],
            ["424242", "4242", "2030", "5"],
        ] {
            assert!(open(&packet_a(&plain, Some(info))).is_ok(), "{info:?}");
        }
        let wrong = [
            ["400000", "4242", "30", "05"],
            ["424242", "4241", "30", "05"],
            ["424242", "4242", "31", "05"],
            ["424242", "4242", "2130", "05"],
            ["424242", "4242", "30", "06"],
            ["424242", "4242", "30", "+5"],
        ];
        for info in wrong {
            let opened = open(&packet_a(&plain, Some(info)));
            assert!(
                matches!(opened, Err(CryptogramError::CardInfoMismatch)),
                "{info:?}"
            );
        }
        let opened = open(&packet_b("014242424241300513", &plain));
        assert!(matches!(opened, Err(CryptogramError::CardInfoMismatch)));
    }

    #[test]
    fn expiry_is_checked_against_today() {
        let expired = open(&seal(PacketFormat::JsonA, CARDS[1], 26, 4, Some("123")));
        let error = expired.unwrap_err();
        assert!(matches!(error, CryptogramError::Expired));
        assert_eq!(error.message(), "Card expired");
        assert!(open(&seal(PacketFormat::LegacyB, CARDS[1], 26, 5, Some("123"))).is_ok());
    }

    /// A named bad packet and a check of the error it must produce.
    type Case = (&'static str, String, fn(&CryptogramError) -> bool);

    /// Every way a packet can be bad.
    fn bad_packets() -> Vec<Case> {
        use CryptogramError as E;
        let good_a = seal(PacketFormat::JsonA, CARDS[0], 30, 12, Some("123"));
        let good_b = seal(PacketFormat::LegacyB, CARDS[0], 30, 12, Some("123"));
        let mut json: serde_json::Value =
            serde_json::from_slice(&STANDARD.decode(&good_a).unwrap()).unwrap();
        let mut value = STANDARD.decode(json["Value"].as_str().unwrap()).unwrap();
        value[100] ^= 1;
        json["Value"] = STANDARD.encode(&value).into();
        let tampered_a = STANDARD.encode(json.to_string());
        let mut tampered_b = good_b.clone().into_bytes();
        tampered_b[40] = if tampered_b[40] == b'A' { b'B' } else { b'A' };
        let card = |pan: &str, rest: &str| packet_a(&format!("{pan}@{rest}"), None);
        vec![
            (
                "other terminal",
                packet_a("4242424242424242@3012@123@pk_other", None),
                |e| matches!(e, E::PublicIdMismatch),
            ),
            (
                "unknown version",
                seal_format_a(
                    &pem(),
                    14,
                    &Pan::parse(CARDS[0]).unwrap(),
                    CardExpiry::new(30, 12).unwrap(),
                    None,
                    PUBLIC_ID,
                )
                .unwrap(),
                |e| matches!(e, E::UnknownKeyVersion),
            ),
            ("tampered A", tampered_a, |e| matches!(e, E::Undecryptable)),
            ("tampered B", String::from_utf8(tampered_b).unwrap(), |e| {
                matches!(e, E::Undecryptable)
            }),
            ("truncated A", good_a[..good_a.len() - 10].to_owned(), |e| {
                matches!(e, E::Malformed)
            }),
            ("truncated B", good_b[..good_b.len() - 12].to_owned(), |e| {
                matches!(e, E::Undecryptable)
            }),
            (
                "card info",
                packet_a(
                    &format!("4242424242424242@3012@123@{PUBLIC_ID}"),
                    Some(["555555", "4242", "30", "12"]),
                ),
                |e| matches!(e, E::CardInfoMismatch),
            ),
            ("luhn", card("4242424242424241", "3012@123@x"), |e| {
                matches!(e, E::InvalidCard)
            }),
            ("month 13", card("4242424242424242", "3013@123@x"), |e| {
                matches!(e, E::InvalidCard)
            }),
            ("short cvv", card("4242424242424242", "3012@12@x"), |e| {
                matches!(e, E::InvalidCard)
            }),
            ("3 parts", card("4242424242424242", "3012@123"), |e| {
                matches!(e, E::Malformed)
            }),
            ("spaced pan", card("4242 4242 4242 4242", "3012@1@x"), |e| {
                matches!(e, E::Malformed)
            }),
            ("short yymm", card("4242424242424242", "312@123@x"), |e| {
                matches!(e, E::Malformed)
            }),
            ("letters", card("4242424242424242", "30a2@123@x"), |e| {
                matches!(e, E::Malformed)
            }),
            ("cvv packet", "0313".to_owned() + &good_b[18..], |e| {
                matches!(e, E::Malformed)
            }),
        ]
    }

    #[test]
    fn packet_defects_give_their_error_and_one_message() {
        for (name, packet, expected) in bad_packets() {
            let error = open(&packet).unwrap_err();
            assert!(expected(&error), "{name}: {error:?}");
            assert_eq!(error.message(), "Invalid CardCryptogramPacket", "{name}");
            assert!(!error.to_string().contains("4242"), "{name}");
        }
    }

    #[test]
    fn a_different_key_under_the_same_version_does_not_decrypt() {
        static OTHER: std::sync::OnceLock<CryptogramKey> = std::sync::OnceLock::new();
        let other = OTHER.get_or_init(|| CryptogramKey::generate(13).unwrap());
        let packet = seal(PacketFormat::JsonA, CARDS[2], 30, 12, None);
        let opened = open_packet(&packet, |_| Some(other), PUBLIC_ID, TODAY);
        assert!(matches!(opened, Err(CryptogramError::Undecryptable)));
    }

    #[test]
    fn debug_hides_pan_and_cvv() {
        let card = open(&seal(PacketFormat::JsonA, CARDS[1], 30, 12, Some("987"))).unwrap();
        let shown = format!("{card:?}");
        assert!(shown.contains("555555******4444"), "{shown}");
        assert!(
            !shown.contains(CARDS[1]) && !shown.contains("987"),
            "{shown}"
        );
    }
}
