//! The gateway's RSA keys for card cryptograms.
//!
//! A [`CryptogramKey`] is one versioned RSA private key. Its public half is published as PEM at
//! `GET /payments/publickey` and embedded in checkout.js; packets name the version they were
//! sealed with. Decryption is RSAES-PKCS1-v1_5 as the browser and mobile SDKs encrypt. The PEM
//! helpers here also seal test and CLI packets with a public key.

use std::fmt;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{
    KeySize, Pkcs1PrivateDecryptingKey, Pkcs1PublicEncryptingKey, PrivateDecryptingKey,
    PublicEncryptingKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::CryptogramError;

const PEM_BEGIN: &str = "-----BEGIN PUBLIC KEY-----";
const PEM_END: &str = "-----END PUBLIC KEY-----";

/// One versioned RSA private key that opens card cryptograms.
pub struct CryptogramKey {
    version: u32,
    key: PrivateDecryptingKey,
    pkcs1: Pkcs1PrivateDecryptingKey,
}

impl CryptogramKey {
    /// Generates a fresh RSA-2048 key under `version`.
    pub fn generate(version: u32) -> Result<CryptogramKey, CryptogramError> {
        let key = PrivateDecryptingKey::generate(KeySize::Rsa2048)
            .map_err(|_| CryptogramError::Key("RSA key generation failed".into()))?;
        CryptogramKey::new(version, key)
    }

    /// Loads a key from its PKCS#8 DER (RSA 2048–8192 bits).
    pub fn from_pkcs8(version: u32, der: &[u8]) -> Result<CryptogramKey, CryptogramError> {
        let key = PrivateDecryptingKey::from_pkcs8(der)
            .map_err(|e| CryptogramError::Key(format!("PKCS#8 key rejected: {e}")))?;
        CryptogramKey::new(version, key)
    }

    fn new(version: u32, key: PrivateDecryptingKey) -> Result<CryptogramKey, CryptogramError> {
        let pkcs1 = Pkcs1PrivateDecryptingKey::new(key.clone())
            .map_err(|_| CryptogramError::Key("RSA key unusable for PKCS#1 v1.5".into()))?;
        Ok(CryptogramKey {
            version,
            key,
            pkcs1,
        })
    }

    /// The private key as PKCS#8 DER. The caller encrypts it before it reaches storage.
    pub fn to_pkcs8(&self) -> Result<Vec<u8>, CryptogramError> {
        let der: Pkcs8V1Der<'static> = self
            .key
            .as_der()
            .map_err(|_| CryptogramError::Key("PKCS#8 encoding failed".into()))?;
        Ok(der.as_ref().to_vec())
    }

    /// The version packets name to select this key.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The public key as PEM (SubjectPublicKeyInfo, base64 wrapped at 64 columns).
    pub fn public_pem(&self) -> Result<String, CryptogramError> {
        let der: PublicKeyX509Der<'static> = self
            .key
            .public_key()
            .as_der()
            .map_err(|_| CryptogramError::Key("public key encoding failed".into()))?;
        let body = STANDARD.encode(der.as_ref());
        let mut pem = String::with_capacity(body.len() + body.len() / 64 + 64);
        pem.push_str(PEM_BEGIN);
        for (i, c) in body.chars().enumerate() {
            if i % 64 == 0 {
                pem.push('\n');
            }
            pem.push(c);
        }
        pem.push('\n');
        pem.push_str(PEM_END);
        pem.push('\n');
        Ok(pem)
    }

    /// Decrypts an RSAES-PKCS1-v1_5 ciphertext. Any failure is [`CryptogramError::Undecryptable`].
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>, CryptogramError> {
        let size = self.pkcs1.key_size_bytes();
        if ciphertext.is_empty() || ciphertext.len() > size {
            return Err(CryptogramError::Undecryptable);
        }
        // checkout.js (jsbn) drops leading zero bytes of the ciphertext; the integer is the same.
        let mut padded = vec![0u8; size - ciphertext.len()];
        padded.extend_from_slice(ciphertext);
        let mut out = vec![0u8; self.pkcs1.min_output_size()];
        let len = self
            .pkcs1
            .decrypt(&padded, &mut out)
            .map_err(|_| CryptogramError::Undecryptable)?
            .len();
        out.truncate(len);
        Ok(out)
    }
}

impl fmt::Debug for CryptogramKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CryptogramKey")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// Encrypts `plaintext` with RSAES-PKCS1-v1_5 under a PEM public key, as checkout.js does.
///
/// Accepts the PEM wrapped at any width or on one line (the form embedded in checkout.js).
pub(super) fn encrypt_pkcs1(
    public_pem: &str,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptogramError> {
    let key = Pkcs1PublicEncryptingKey::new(parse_public_pem(public_pem)?)
        .map_err(|_| CryptogramError::Key("public key unusable for PKCS#1 v1.5".into()))?;
    if plaintext.len() > key.max_plaintext_size() {
        return Err(CryptogramError::Key(
            "plaintext too long for the key".into(),
        ));
    }
    let mut out = vec![0u8; key.ciphertext_size()];
    let len = key
        .encrypt(plaintext, &mut out)
        .map_err(|_| CryptogramError::Key("RSA encryption failed".into()))?
        .len();
    out.truncate(len);
    Ok(out)
}

fn parse_public_pem(pem: &str) -> Result<PublicEncryptingKey, CryptogramError> {
    let bad = || CryptogramError::Key("not a PEM public key".into());
    let body = pem
        .trim()
        .strip_prefix(PEM_BEGIN)
        .and_then(|rest| rest.strip_suffix(PEM_END))
        .ok_or_else(bad)?;
    let body: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = STANDARD.decode(body).map_err(|_| bad())?;
    PublicEncryptingKey::from_der(&der)
        .map_err(|e| CryptogramError::Key(format!("public key rejected: {e}")))
}

/// One key per test binary: RSA generation is slow in debug builds.
#[cfg(test)]
pub(super) fn test_key() -> &'static CryptogramKey {
    static KEY: std::sync::OnceLock<CryptogramKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| CryptogramKey::generate(13).expect("generate test key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_shareable_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<CryptogramKey>();
    }

    #[test]
    fn pkcs8_round_trip_keeps_the_key() {
        let key = test_key();
        let der = key.to_pkcs8().unwrap();
        let loaded = CryptogramKey::from_pkcs8(4, &der).unwrap();
        assert_eq!(loaded.version(), 4);
        assert_eq!(loaded.public_pem().unwrap(), key.public_pem().unwrap());
        let sealed = encrypt_pkcs1(&key.public_pem().unwrap(), b"hello").unwrap();
        assert_eq!(loaded.decrypt(&sealed).unwrap(), b"hello");
    }

    #[test]
    fn public_pem_is_wrapped_at_64_columns() {
        let pem = test_key().public_pem().unwrap();
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines.first(), Some(&PEM_BEGIN));
        assert_eq!(lines.last(), Some(&PEM_END));
        assert!(pem.ends_with("-----\n"));
        let body = &lines[1..lines.len() - 1];
        assert!(body[..body.len() - 1].iter().all(|l| l.len() == 64));
        assert!((1..=64).contains(&body[body.len() - 1].len()));
    }

    #[test]
    fn one_line_pem_from_checkout_js_is_accepted() {
        let pem = test_key().public_pem().unwrap();
        let one_line: String = pem.lines().collect();
        let sealed = encrypt_pkcs1(&one_line, b"4242").unwrap();
        assert_eq!(test_key().decrypt(&sealed).unwrap(), b"4242");
        assert!(matches!(
            encrypt_pkcs1("MIIB", b"x"),
            Err(CryptogramError::Key(_))
        ));
    }

    #[test]
    fn ciphertext_missing_leading_zero_bytes_still_decrypts() {
        let pem = test_key().public_pem().unwrap();
        let sealed = (0..20_000)
            .map(|_| encrypt_pkcs1(&pem, b"short").unwrap())
            .find(|c| c[0] == 0)
            .expect("a ciphertext with a leading zero byte (p = 1/256 each)");
        assert_eq!(test_key().decrypt(&sealed[1..]).unwrap(), b"short");
    }

    #[test]
    fn garbage_does_not_decrypt() {
        let key = test_key();
        for bad in [&[][..], &[1u8; 256][..], &[0u8; 257][..], &[7u8; 10][..]] {
            assert!(matches!(
                key.decrypt(bad),
                Err(CryptogramError::Undecryptable)
            ));
        }
        assert!(matches!(
            CryptogramKey::from_pkcs8(1, b"nope"),
            Err(CryptogramError::Key(_))
        ));
    }

    #[test]
    fn debug_shows_only_the_version() {
        let key = test_key();
        let shown = format!("{key:?}");
        assert_eq!(shown, "CryptogramKey { version: 13, .. }");
        let der = STANDARD.encode(key.to_pkcs8().unwrap());
        assert!(!shown.contains(&der[40..60]));
    }
}
