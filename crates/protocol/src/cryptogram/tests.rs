//! Tests of the parent module.

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

fn pem() -> String {
    test_key().public_pem().unwrap()
}

fn key_13(version: u32) -> Option<&'static CryptogramKey> {
    (version == 13).then(test_key)
}

fn open(packet: &str) -> Result<OpenedCard, CryptogramError> {
    open_packet(packet, key_13, PUBLIC_ID)
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
    let mut json = json!({"Type": "CloudCard", "Format": 1, "KeyVersion": "13", "Value": value});
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
    assert!(open_packet(&ambiguous, key_19, PUBLIC_ID).is_ok());
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
fn an_expired_card_opens_with_its_expiry_intact() {
    // Expiry is the payment's decision (a 5054 decline), not a packet defect.
    for format in [PacketFormat::JsonA, PacketFormat::LegacyB] {
        for (yy, mm) in [(20, 1), (26, 4)] {
            let card = open(&seal(format, CARDS[1], yy, mm, Some("123"))).unwrap();
            assert_eq!(
                (card.expiry.year(), card.expiry.month()),
                (2000 + yy, mm),
                "{format:?}"
            );
            assert_eq!(card.expiry.mm_yy(), format!("{mm:02}/{yy:02}"));
            let today = jiff::civil::Date::constant(2026, 5, 15);
            assert!(card.expiry.is_expired_on(today));
        }
    }
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
    let opened = open_packet(&packet, |_| Some(other), PUBLIC_ID);
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
