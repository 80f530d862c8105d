//! Windows-1251, the one non-UTF-8 encoding a site may choose for its notifications (spec §5.1).
//!
//! The lower half is ASCII and `0xC0..=0xFF` is the Russian alphabet `А..я` in Unicode order, so
//! only the 64 bytes `0x80..=0xBF` need a table. We keep this table by hand rather than pull in
//! `encoding_rs`: that crate is well kept but carries every WHATWG encoding (megabytes of tables
//! and a noticeable share of a cold build) for 64 code points that a unit test checks against
//! the reference. The table is Microsoft's code page 1251; its one undefined byte, `0x98`, maps to
//! U+0098 as in the WHATWG index, so decoding and encoding are exact inverses.

/// Unicode code points of the bytes `0x80..=0xBF`.
const UPPER: [u16; 64] = [
    0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021, // 0x80
    0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F, // 0x88
    0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, // 0x90
    0x0098, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F, // 0x98
    0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7, // 0xA0
    0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407, // 0xA8
    0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7, // 0xB0
    0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457, // 0xB8
];

/// `А` (U+0410) is byte `0xC0`; the 64 letters `А..я` follow in order.
const ALPHABET_START: u32 = 0x0410;

/// The Windows-1251 byte of `c`, or `None` when the code page has no such character.
pub fn encode_char(c: char) -> Option<u8> {
    let code = u32::from(c);
    if code < 0x80 {
        return u8::try_from(code).ok();
    }
    if (ALPHABET_START..ALPHABET_START + 64).contains(&code) {
        return u8::try_from(code - ALPHABET_START + 0xC0).ok();
    }
    let position = UPPER.iter().position(|&u| u32::from(u) == code)?;
    u8::try_from(position + 0x80).ok()
}

/// The character of a Windows-1251 byte; every byte has one.
pub fn decode_byte(byte: u8) -> char {
    let code = match byte {
        0x00..=0x7F => u32::from(byte),
        0x80..=0xBF => u32::from(UPPER[usize::from(byte - 0x80)]),
        0xC0..=0xFF => ALPHABET_START + u32::from(byte - 0xC0),
    };
    char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
}
