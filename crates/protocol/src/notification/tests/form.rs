//! The form encoding: .NET's URL encoding, Windows-1251, lenient decoding, setting names.

use super::*;

#[test]
fn url_encoding_is_dotnets() {
    let utf8 = |text| url_encode(text, FormEncoding::Utf8);
    // HttpUtility.UrlEncode's safe set: letters, digits and -_.!*()
    assert_eq!(utf8("AZaz09-_.!*()"), "AZaz09-_.!*()");
    assert_eq!(utf8("a b"), "a+b");
    assert_eq!(utf8("user@example.com"), "user%40example.com");
    assert_eq!(utf8("01/19"), "01%2f19");
    assert_eq!(utf8("2015-11-17 14:51:20"), "2015-11-17+14%3a51%3a20");
    assert_eq!(utf8("'~+&=%?#\"<>"), "%27%7e%2b%26%3d%25%3f%23%22%3c%3e");
    assert_eq!(utf8("{\"a\":1}"), "%7b%22a%22%3a1%7d");
    assert_eq!(utf8("Тест"), "%d0%a2%d0%b5%d1%81%d1%82");
    assert_eq!(utf8("\n\t\u{0}"), "%0a%09%00");
    assert_eq!(utf8("😀"), "%f0%9f%98%80");
    assert_eq!(utf8(""), "");
    assert_eq!(
        encode_form(
            &[("A", "1"), ("Empty", ""), ("B c", "d e")],
            FormEncoding::Utf8
        ),
        "A=1&Empty=&B+c=d+e"
    );
    let none: &[(&str, &str)] = &[];
    assert_eq!(encode_form(none, FormEncoding::Utf8), "");
}

/// Bytes 0x80..=0xFF of code page 1251 as Python's `cp1251` codec decodes them (0x98, undefined
/// there, left out).
const CP1251_UPPER: &str = "ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏђ‘’“”•–—™љ›њќћџ\u{a0}ЎўЈ¤Ґ¦§Ё©Є«¬\u{ad}®Ї°±Ііґµ¶·ё№є»јЅѕї\
    АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюя";

#[test]
fn windows_1251_matches_the_code_page() {
    let bytes: Vec<u8> = (0x80..=0xFF).filter(|&b| b != 0x98).collect();
    let chars: Vec<char> = CP1251_UPPER.chars().collect();
    assert_eq!(chars.len(), bytes.len());
    for (&byte, &c) in bytes.iter().zip(&chars) {
        assert_eq!(cp1251::encode_char(c), Some(byte), "{c:?}");
        assert_eq!(cp1251::decode_byte(byte), c, "{byte:#x}");
    }
    for byte in 0..=0xFF_u8 {
        assert_eq!(cp1251::encode_char(cp1251::decode_byte(byte)), Some(byte));
    }
    for c in ['\u{0}', 'A', '~', '\u{7f}'] {
        assert_eq!(cp1251::encode_char(c), Some(c as u8));
    }
    assert_eq!(cp1251::encode_char('Ё'), Some(0xA8));
    assert_eq!(cp1251::encode_char('ё'), Some(0xB8));
    assert_eq!(cp1251::encode_char('№'), Some(0xB9));
    assert_eq!(cp1251::encode_char('€'), Some(0x88));
    for missing in ['é', 'ß', '日', '😀', '\u{80}', 'Ә'] {
        assert_eq!(cp1251::encode_char(missing), None, "{missing:?}");
    }
}

#[test]
fn windows_1251_bodies_escape_cp1251_bytes() {
    let cp = |text| url_encode(text, FormEncoding::Windows1251);
    // Reference: Python's quote_plus("Оплата в example.com".encode("cp1251")), lower-cased.
    assert_eq!(
        cp("Оплата в example.com"),
        "%ce%ef%eb%e0%f2%e0+%e2+example.com"
    );
    assert_eq!(cp("Ёлка №5"), "%a8%eb%ea%e0+%b95");
    // .NET's replacement fallback: one `?` per character the code page lacks, escaped.
    assert_eq!(cp("café 日本 😀"), "caf%3f+%3f%3f+%3f");
    let body = encode_form(
        &[("Description", "Оплата заказа №7"), ("Name", "Иван")],
        FormEncoding::Windows1251,
    );
    assert_eq!(
        body,
        "Description=%ce%ef%eb%e0%f2%e0+%e7%e0%ea%e0%e7%e0+%b97&Name=%c8%e2%e0%ed"
    );
    assert_eq!(
        parse_form(&body, FormEncoding::Windows1251),
        [
            ("Description".to_owned(), "Оплата заказа №7".to_owned()),
            ("Name".to_owned(), "Иван".to_owned())
        ]
    );
}

#[test]
fn decoding_is_lenient_like_url_decode() {
    assert_eq!(percent_decode("a+b%20c%2F%2f"), b"a b c//");
    assert_eq!(percent_decode("100%"), b"100%");
    assert_eq!(percent_decode("%zz%4"), b"%zz%4");
    assert_eq!(percent_decode("%%41"), b"%A");
    assert_eq!(percent_decode("a=1&b=%26"), b"a=1&b=&");
    assert_eq!(url_decode("%d0%a2%D0%B5", FormEncoding::Utf8), "Те");
    assert_eq!(url_decode("%ff", FormEncoding::Utf8), "\u{fffd}");
    assert_eq!(url_decode("%d2%e5", FormEncoding::Windows1251), "Те");
    assert_eq!(
        parse_form("a=1&&b&c=x%3dy=z&=v", FormEncoding::Utf8),
        [
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), String::new()),
            ("c".to_owned(), "x=y=z".to_owned()),
            (String::new(), "v".to_owned()),
        ]
    );
    assert!(parse_form("", FormEncoding::Utf8).is_empty());
}

#[test]
fn encodings_have_their_setting_names() {
    for encoding in [FormEncoding::Utf8, FormEncoding::Windows1251] {
        assert_eq!(FormEncoding::from_name(encoding.name()), Some(encoding));
    }
    assert_eq!(FormEncoding::from_name("utf-8"), Some(FormEncoding::Utf8));
    assert_eq!(
        FormEncoding::from_name("WINDOWS1251"),
        Some(FormEncoding::Windows1251)
    );
    assert_eq!(FormEncoding::from_name("koi8-r"), None);
    assert_eq!(FormEncoding::default(), FormEncoding::Utf8);
    assert!(
        FormEncoding::Windows1251
            .content_type()
            .ends_with("charset=windows-1251")
    );
}
