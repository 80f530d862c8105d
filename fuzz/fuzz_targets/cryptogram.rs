//! A `CardCryptogramPacket`: the envelope (Format A base64 JSON, legacy Format B) up to the
//! key lookup, and, with no RSA work, the checks on a decrypted plaintext.
//!
//! Input: the packet text, a newline, then the plaintext the packet is taken to decrypt to.

#![no_main]

use libfuzzer_sys::fuzz_target;
use oblako_protocol::cryptogram::{
    CryptogramError, PacketFormat, fuzz_check_plaintext, open_packet, parse_packet,
};

const PUBLIC_ID: &str = "test_api_00000000000000000000001";

fuzz_target!(|data: &[u8]| {
    let (text, plaintext) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    // Without a key, nothing opens.
    assert!(matches!(
        open_packet(text, |_| None, PUBLIC_ID),
        Err(CryptogramError::Malformed | CryptogramError::UnknownKeyVersion)
    ));
    let Ok(mut packet) = parse_packet(text) else {
        return;
    };
    assert!(!packet.ciphertext.is_empty() && packet.ciphertext.len() <= 1024);
    for _ in 0..2 {
        if let Ok(card) = fuzz_check_plaintext(&packet, plaintext, PUBLIC_ID) {
            assert_eq!(card.public_id, PUBLIC_ID);
            if let Some(info) = &packet.card_info {
                assert_eq!(info.first_six, card.pan.first_six());
                assert_eq!(info.last_four, card.pan.last_four());
            }
        }
        // The same plaintext under the other envelope's CardInfo rules, then with none.
        packet.format = match packet.format {
            PacketFormat::JsonA => PacketFormat::LegacyB,
            PacketFormat::LegacyB => PacketFormat::JsonA,
        };
    }
    packet.card_info = None;
    let _ = fuzz_check_plaintext(&packet, plaintext, PUBLIC_ID);
});
