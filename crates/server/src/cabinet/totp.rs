//! Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 30-second steps, six digits), the
//! secret's base32 spelling for authenticator apps, and recovery codes. Time is a parameter.

use aws_lc_rs::hmac;

/// Seconds per step.
pub const STEP_SECS: i64 = 30;
/// Bytes of a new secret (160 bits, as RFC 4226 recommends).
pub const SECRET_LEN: usize = 20;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The six-digit code of `secret` at time step `step`.
pub fn code(secret: &[u8], step: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &step.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let word = u32::from_be_bytes([
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ]);
    format!("{:06}", (word & 0x7fff_ffff) % 1_000_000)
}

/// The time step of `now_ms`.
pub fn step_at(now_ms: i64) -> i64 {
    now_ms.div_euclid(1000 * STEP_SECS)
}

/// The step (one back to one ahead of `now_ms`, for clock drift) whose code `presented` is.
pub fn matching_step(secret: &[u8], presented: &str, now_ms: i64) -> Option<i64> {
    let presented: String = presented.chars().filter(|c| !c.is_whitespace()).collect();
    if presented.len() != 6 {
        return None;
    }
    let now = step_at(now_ms);
    let mut found = None;
    // Every candidate is compared, in constant time each, so timing says nothing of which matched.
    for step in [now - 1, now, now + 1] {
        if same(code(secret, step).as_bytes(), presented.as_bytes()) {
            found = Some(step);
        }
    }
    found
}

/// Constant-time equality of two byte strings of public length.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Base32 (RFC 4648) without padding, as authenticator apps take secrets.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            out.push(char::from(ALPHABET[((buffer >> (bits - 5)) & 31) as usize]));
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Reads base32 back (case and spaces ignored).
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = ALPHABET
            .iter()
            .position(|a| char::from(*a) == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | value as u32;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vectors() {
        let secret = b"12345678901234567890";
        // RFC 6238 appendix B, the last six of its eight digits.
        for (time, expected) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code(secret, time / STEP_SECS), expected, "{time}");
        }
    }

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_only() {
        let secret = b"12345678901234567890";
        let now_ms = 1_111_111_109_000;
        let step = step_at(now_ms);
        assert_eq!(
            matching_step(secret, &code(secret, step), now_ms),
            Some(step)
        );
        assert_eq!(
            matching_step(secret, &code(secret, step - 1), now_ms),
            Some(step - 1)
        );
        assert_eq!(matching_step(secret, &code(secret, step - 2), now_ms), None);
        assert_eq!(matching_step(secret, "12345", now_ms), None);
    }

    #[test]
    fn base32_round_trips() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(from_base32("mzxw 6ytb oi").unwrap(), b"foobar");
    }
}
