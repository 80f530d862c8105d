//! Card cryptograms: the `CardCryptogramPacket` that checkout.js and the mobile SDKs send in
//! place of card data (spec §7.2).
//!
//! `keys.rs` holds the gateway's versioned RSA keys, `packet.rs` reads and writes the two wire
//! envelopes, and [`open_packet`] here turns a packet into a validated [`OpenedCard`]: it picks
//! the key by version, decrypts, and checks the plaintext against the terminal's public id, the
//! Luhn rule, the shape of the expiry date and the clear `CardInfo`. The decrypted plaintext is
//! authoritative.
//!
//! Whether the card has expired is not a packet defect: CloudPayments creates the transaction and
//! declines it with ReasonCode 5054, so the expiry is handed on as sealed and the payment decides.
//!
//! Every failure answers with the same [`CryptogramError::message`], so a client cannot tell a bad
//! RSA padding from any other defect (no padding oracle).

mod keys;
mod packet;

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
        "Invalid CardCryptogramPacket"
    }
}

/// The decrypted, validated card. `Debug` shows only the masked PAN and no CVV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedCard {
    /// The card number, Luhn-checked.
    pub pan: Pan,
    /// The expiry as sealed, past or not: an expired card is the payment's decline (5054).
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
/// pass [`Pan::parse`] (Luhn), the expiry to be a real month (expired or not), the CVV to be 3–4
/// digits or empty (empty → `None`), and the `CardInfo`, when present, to agree with the
/// plaintext: first six, last four, and expiry month and year compared numerically, so
/// `"5"`/`"05"` and two- or four-digit years agree.
pub fn open_packet<'k>(
    packet: &str,
    key_for: impl Fn(u32) -> Option<&'k CryptogramKey>,
    expected_public_id: &str,
) -> Result<OpenedCard, CryptogramError> {
    let (packet, other_version) = packet::parse(packet)?;
    let plaintext = decrypt(&packet, other_version, key_for)?;
    check_plaintext(&packet, &plaintext, expected_public_id)
}

/// What [`open_packet`] does once the packet has decrypted, for the fuzz targets, which reach it
/// with any plaintext and no RSA work (`cargo fuzz` builds with `--cfg fuzzing`).
#[cfg(fuzzing)]
pub fn fuzz_check_plaintext(
    packet: &Packet,
    plaintext: &[u8],
    expected_public_id: &str,
) -> Result<OpenedCard, CryptogramError> {
    check_plaintext(packet, plaintext, expected_public_id)
}

/// Reads the decrypted plaintext and checks it against the terminal and the clear `CardInfo`.
fn check_plaintext(
    packet: &Packet,
    plaintext: &[u8],
    expected_public_id: &str,
) -> Result<OpenedCard, CryptogramError> {
    let card = read_plaintext(plaintext)?;
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
mod tests;
