//! Tests of the parent module.

use super::*;
use crate::cryptogram::keys::test_key;

fn a(json: &str) -> String {
    STANDARD.encode(json)
}

#[test]
fn format_a_keys_are_case_insensitive_and_version_may_be_a_number() {
    let json = r#"{"keyversion":4,"value":"AAEC","cardInfo":{"expDateMonth":"5",
        "FIRSTSIXDIGITS":"424242","LastFourDigits":"4242","ExpDateYear":2030},
        "Format":1,"type":"cloudcard","metaData":{"PaymentUrl":"https://shop.example/"}}"#;
    let packet = parse_packet(&a(json)).unwrap();
    assert_eq!(packet.format, PacketFormat::JsonA);
    assert_eq!(packet.key_version, 4);
    assert_eq!(packet.ciphertext, [0, 1, 2]);
    let info = packet.card_info.unwrap();
    assert_eq!(
        (info.exp_year.as_str(), info.exp_month.as_str()),
        ("2030", "5")
    );
    let bare = parse_packet(&a(r#"{"KeyVersion":"13","Value":"AA\nEC\n"}"#)).unwrap();
    assert_eq!(
        (bare.key_version, bare.card_info, bare.ciphertext),
        (13, None, vec![0, 1, 2])
    );
}

#[test]
fn format_b_header_is_decimal_or_hex() {
    let decimal = parse("014242424242301204AAEC").unwrap();
    assert_eq!(
        (decimal.0.format, decimal.0.key_version, decimal.1),
        (PacketFormat::LegacyB, 4, None)
    );
    let info = decimal.0.card_info.unwrap();
    assert_eq!(
        [
            &*info.first_six,
            &*info.last_four,
            &*info.exp_year,
            &*info.exp_month
        ],
        ["424242", "4242", "30", "12"]
    );
    let (hex, _) = parse("0142424242421e0c0dAAEC").unwrap();
    assert_eq!(hex.key_version, 13);
    let (ambiguous, other) = parse("014242424242301213AAEC").unwrap();
    assert_eq!((ambiguous.key_version, other), (13, Some(0x13)));
}

#[test]
fn broken_packets_are_malformed() {
    let long = "A".repeat(MAX_PACKET_LEN + 4);
    let cases = [
        String::new(),
        "not base64!".to_owned(),
        long,
        a("[1,2]"),
        a(r#"{"KeyVersion":"13"}"#),
        a(r#"{"KeyVersion":"-1","Value":"AAEC"}"#),
        a(r#"{"KeyVersion":"1.5","Value":"AAEC"}"#),
        a(r#"{"KeyVersion":"13","Value":""}"#),
        a(r#"{"KeyVersion":"13","Value":"AAEC","Type":"TinkoffPay"}"#),
        a(r#"{"KeyVersion":"13","Value":"AAEC","Format":2}"#),
        a(r#"{"KeyVersion":"13","keyVersion":"14","Value":"AAEC"}"#),
        a(r#"{"KeyVersion":"13","Value":"AAEC","CardInfo":{"FirstSixDigits":"424242"}}"#),
        "03041AAEC".to_owned(),
        "0142424242".to_owned(),
        "01424242x242301204AAEC".to_owned(),
        "0142424242423012zzAAEC".to_owned(),
        "014242424242301204".to_owned(),
        "014242424242301204AA!C".to_owned(),
    ];
    for case in cases {
        assert!(
            matches!(parse_packet(&case), Err(CryptogramError::Malformed)),
            "{case}"
        );
    }
}

#[test]
fn sealed_format_a_has_the_checkout_js_shape() {
    let pem = test_key().public_pem().unwrap();
    let pan = Pan::parse("4242424242424242").unwrap();
    let expiry = CardExpiry::new(30, 5).unwrap();
    let sealed = seal_format_a(&pem, 13, &pan, expiry, None, "pk_test").unwrap();
    let json: Value = serde_json::from_slice(&STANDARD.decode(&sealed).unwrap()).unwrap();
    assert_eq!(json["Type"], "CloudCard");
    assert_eq!(json["Format"], 1);
    assert_eq!(json["KeyVersion"], "13");
    assert_eq!(json["CardInfo"]["ExpDateMonth"], "05");
    assert_eq!(json["CardInfo"]["ExpDateYear"], "30");
    let packet = parse_packet(&sealed).unwrap();
    let plain = test_key().decrypt(&packet.ciphertext).unwrap();
    assert_eq!(plain, b"4242424242424242@3005@@pk_test");
}

#[test]
fn format_b_key_versions_beyond_two_decimal_digits() {
    let pem = test_key().public_pem().unwrap();
    let pan = Pan::parse("4111111111111111").unwrap();
    let expiry = CardExpiry::new(2031, 1).unwrap();
    let sealed = seal_format_b(&pem, 200, &pan, expiry, None, "pk").unwrap();
    assert!(sealed.starts_with("0141111111113101c8"));
    assert_eq!(parse_packet(&sealed).unwrap().key_version, 200);
    assert!(matches!(
        seal_format_b(&pem, 256, &pan, expiry, None, "pk"),
        Err(CryptogramError::Key(_))
    ));
}
