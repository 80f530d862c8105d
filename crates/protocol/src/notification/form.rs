//! The form encoding of notification bodies and query strings (spec §5.1), as .NET's
//! `HttpUtility.UrlEncode(text, encoding)` writes it, because that is what CloudPayments sends:
//!
//! - the text is first turned into bytes in the site's [`FormEncoding`] (UTF-8 or Windows-1251;
//!   a character Windows-1251 lacks becomes `?`, .NET's replacement fallback, which is then
//!   escaped like any `?`);
//! - the bytes `A–Z a–z 0–9 - _ . ! * ( )` stay literal, a space becomes `+`, every other byte
//!   becomes `%xx` in **lowercase** hex (`%40`, `%2f`, `%d0%a1`).
//!
//! The captured Pay body of the Ruby gem pins this down: `user%40example.com`, `01%2f19`,
//! `2015-11-17+14%3a51%3a20`, `example.com`, `%d1%82-%d0%9f`. A GET notification carries the same
//! string as its query. Decoding ([`percent_decode`], [`url_decode`], [`parse_form`]) is the
//! receiving side's: `+` is a space, `%xx` a byte, and a `%` not followed by two hex digits stays
//! as it is, as `HttpUtility.UrlDecode` leaves it.

use super::cp1251;

/// The character set a site chose for its notifications: the `Encoding` setting of
/// `site/notifications/{Type}/update` (spec §3.25), UTF-8 unless the site says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FormEncoding {
    /// `UTF8`, the default.
    #[default]
    Utf8,
    /// `Windows1251`.
    Windows1251,
}

impl FormEncoding {
    /// The setting's value as the API spells it: `UTF8` or `Windows1251`.
    pub fn name(self) -> &'static str {
        match self {
            FormEncoding::Utf8 => "UTF8",
            FormEncoding::Windows1251 => "Windows1251",
        }
    }

    /// Reads the setting, case-insensitively; `UTF-8` and `Windows-1251` are accepted too.
    pub fn from_name(name: &str) -> Option<FormEncoding> {
        let name = name.trim();
        if name.eq_ignore_ascii_case("UTF8") || name.eq_ignore_ascii_case("UTF-8") {
            Some(FormEncoding::Utf8)
        } else if name.eq_ignore_ascii_case("Windows1251")
            || name.eq_ignore_ascii_case("Windows-1251")
        {
            Some(FormEncoding::Windows1251)
        } else {
            None
        }
    }

    /// The `Content-Type` of a POST body in this encoding.
    pub fn content_type(self) -> &'static str {
        match self {
            FormEncoding::Utf8 => "application/x-www-form-urlencoded; charset=utf-8",
            FormEncoding::Windows1251 => "application/x-www-form-urlencoded; charset=windows-1251",
        }
    }

    fn bytes(self, text: &str) -> Vec<u8> {
        match self {
            FormEncoding::Utf8 => text.as_bytes().to_vec(),
            FormEncoding::Windows1251 => text
                .chars()
                .map(|c| cp1251::encode_char(c).unwrap_or(b'?'))
                .collect(),
        }
    }

    fn text(self, bytes: &[u8]) -> String {
        match self {
            FormEncoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            FormEncoding::Windows1251 => bytes.iter().map(|&b| cp1251::decode_byte(b)).collect(),
        }
    }
}

/// `name=value&name=value…` with every name and value encoded by [`url_encode`], in the given
/// order; an empty value stays as `Name=`.
pub fn encode_form<N: AsRef<str>, V: AsRef<str>>(
    params: &[(N, V)],
    encoding: FormEncoding,
) -> String {
    let mut out = String::new();
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        push_encoded(&mut out, name.as_ref(), encoding);
        out.push('=');
        push_encoded(&mut out, value.as_ref(), encoding);
    }
    out
}

/// One name or value as `HttpUtility.UrlEncode(text, encoding)` writes it.
pub fn url_encode(text: &str, encoding: FormEncoding) -> String {
    let mut out = String::with_capacity(text.len());
    push_encoded(&mut out, text, encoding);
    out
}

fn push_encoded(out: &mut String, text: &str, encoding: FormEncoding) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for byte in encoding.bytes(text) {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'*'
            | b'('
            | b')' => out.push(char::from(byte)),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
        }
    }
}

/// The bytes a form string stands for: `+` is a space, `%xx` (either case) is one byte, anything
/// else, a stray `%` included, is itself. `&` and `=` are kept, so this is also the message of
/// `X-Content-HMAC` ([`super::x_content_hmac`]).
pub fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let escaped = match (byte, bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&high), Some(&low)) => hex(high).zip(hex(low)).map(|(h, l)| h << 4 | l),
            _ => None,
        };
        match (escaped, byte) {
            (Some(decoded), _) => {
                out.push(decoded);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

fn hex(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// A form string decoded to text in `encoding`; bytes that are not valid UTF-8 become U+FFFD.
pub fn url_decode(text: &str, encoding: FormEncoding) -> String {
    encoding.text(&percent_decode(text))
}

/// The `(name, value)` pairs of a form body or query string, in order, each decoded with
/// [`url_decode`]. Empty segments (`a=1&&b=2`) are skipped; a segment without `=` is a name
/// with an empty value.
pub fn parse_form(body: &str, encoding: FormEncoding) -> Vec<(String, String)> {
    body.split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            (url_decode(name, encoding), url_decode(value, encoding))
        })
        .collect()
}
