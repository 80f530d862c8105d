//! The master key and what is derived from it.
//!
//! One 32-byte master key lives outside the database (a file created with mode 0600 on first
//! start, or a path from config). HKDF derives independent keys from it: the
//! key-encryption key (KEK) that wraps per-record data keys, the card-fingerprint key, the
//! API-secret hashing key, and the key that signs tokens the gateway hands out (3-D Secure). Sealed blobs are envelope-encrypted: a fresh AES-256-GCM data key per
//! record, itself wrapped by the KEK, so the KEK can be rotated by re-wrapping data keys only.

use std::io::Write;
use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::{hkdf, hmac, rand};

const BLOB_VERSION: u8 = 1;
const KEY_LEN: usize = 32;
const TAG_LEN: usize = 16;
const WRAPPED_LEN: usize = NONCE_LEN + KEY_LEN + TAG_LEN;

/// A sealed blob could not be opened: wrong key, wrong purpose, or tampered bytes.
#[derive(Debug, thiserror::Error)]
#[error("cannot open sealed data")]
pub struct SealError;

/// Keys derived from the master key. Debug prints nothing secret.
pub struct Secrets {
    kek: LessSafeKey,
    fingerprint: hmac::Key,
    secret_hash: hmac::Key,
    tokens: hmac::Key,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(..)")
    }
}

/// What a sealed blob is for; bound into the ciphertext so one kind cannot be passed off as
/// another.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    /// A card number in the vault.
    CardPan,
    /// A site's API Secret (needed to sign notifications).
    ApiSecret,
    /// A cryptogram RSA private key.
    CryptogramKey,
    /// A cabinet user's TOTP secret.
    TotpSecret,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::CardPan => b"oblako card pan v1",
            Purpose::ApiSecret => b"oblako api secret v1",
            Purpose::CryptogramKey => b"oblako cryptogram key v1",
            Purpose::TotpSecret => b"oblako totp secret v1",
        }
    }
}

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn derive(master: &[u8; KEY_LEN], info: &[u8]) -> anyhow::Result<[u8; KEY_LEN]> {
    let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, b"oblako master key");
    let prk = salt.extract(master);
    let info = [info];
    let okm = prk
        .expand(&info, Len(KEY_LEN))
        .map_err(|_| anyhow::anyhow!("key derivation failed"))?;
    let mut out = [0u8; KEY_LEN];
    okm.fill(&mut out)
        .map_err(|_| anyhow::anyhow!("key derivation failed"))?;
    Ok(out)
}

fn random<const N: usize>() -> Result<[u8; N], SealError> {
    let mut out = [0u8; N];
    rand::fill(&mut out).map_err(|_| SealError)?;
    Ok(out)
}

impl Secrets {
    /// Derives the working keys from a master key.
    pub fn from_master(master: &[u8; KEY_LEN]) -> anyhow::Result<Secrets> {
        let kek = derive(master, b"kek")?;
        let kek = LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, &kek).map_err(|_| anyhow::anyhow!("bad KEK"))?,
        );
        Ok(Secrets {
            kek,
            fingerprint: hmac::Key::new(hmac::HMAC_SHA256, &derive(master, b"card fingerprint")?),
            secret_hash: hmac::Key::new(hmac::HMAC_SHA256, &derive(master, b"api secret hash")?),
            tokens: hmac::Key::new(hmac::HMAC_SHA256, &derive(master, b"signed tokens")?),
        })
    }

    /// Reads the master key file, creating it (mode 0600, 32 random bytes as hex) if absent.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Secrets> {
        if !path.exists() {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let key: [u8; KEY_LEN] = random().map_err(|_| anyhow::anyhow!("no randomness"))?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path)?;
            writeln!(file, "{}", hex(&key))?;
            file.sync_all()?;
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read master key {}: {e}", path.display()))?;
        let bytes = unhex(text.trim())
            .filter(|b| b.len() == KEY_LEN)
            .ok_or_else(|| {
                anyhow::anyhow!("master key {} must hold 64 hex characters", path.display())
            })?;
        let mut master = [0u8; KEY_LEN];
        master.copy_from_slice(&bytes);
        Secrets::from_master(&master)
    }

    /// Encrypts `plain` for `purpose` under a fresh data key wrapped by the KEK.
    pub fn seal(&self, purpose: Purpose, plain: &[u8]) -> Result<Vec<u8>, SealError> {
        let dek_bytes: [u8; KEY_LEN] = random()?;
        let dek =
            LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &dek_bytes).map_err(|_| SealError)?);
        let mut out = Vec::with_capacity(2 + WRAPPED_LEN + NONCE_LEN + plain.len() + TAG_LEN);
        out.extend_from_slice(&[BLOB_VERSION, 0]);
        let wrap_nonce: [u8; NONCE_LEN] = random()?;
        let mut wrapped = dek_bytes.to_vec();
        self.kek
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(wrap_nonce),
                Aad::from(purpose.label()),
                &mut wrapped,
            )
            .map_err(|_| SealError)?;
        out.extend_from_slice(&wrap_nonce);
        out.extend_from_slice(&wrapped);
        let nonce: [u8; NONCE_LEN] = random()?;
        let mut body = plain.to_vec();
        dek.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(purpose.label()),
            &mut body,
        )
        .map_err(|_| SealError)?;
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Decrypts a blob made by [`Secrets::seal`] for the same purpose.
    pub fn open(&self, purpose: Purpose, blob: &[u8]) -> Result<Vec<u8>, SealError> {
        if blob.len() < 2 + WRAPPED_LEN + NONCE_LEN + TAG_LEN || blob[0] != BLOB_VERSION {
            return Err(SealError);
        }
        let (wrap_nonce, rest) = blob[2..].split_at(NONCE_LEN);
        let (wrapped, rest) = rest.split_at(KEY_LEN + TAG_LEN);
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let mut dek_bytes = wrapped.to_vec();
        let dek_bytes = self
            .kek
            .open_in_place(
                Nonce::try_assume_unique_for_key(wrap_nonce).map_err(|_| SealError)?,
                Aad::from(purpose.label()),
                &mut dek_bytes,
            )
            .map_err(|_| SealError)?;
        let dek =
            LessSafeKey::new(UnboundKey::new(&AES_256_GCM, dek_bytes).map_err(|_| SealError)?);
        let mut body = body.to_vec();
        let plain = dek
            .open_in_place(
                Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError)?,
                Aad::from(purpose.label()),
                &mut body,
            )
            .map_err(|_| SealError)?;
        Ok(plain.to_vec())
    }

    /// The keyed fingerprint of a card number (finds the same card again without decrypting).
    pub fn card_fingerprint(&self, pan_digits: &str) -> Vec<u8> {
        hmac::sign(&self.fingerprint, pan_digits.as_bytes())
            .as_ref()
            .to_vec()
    }

    /// The keyed hash stored for an API Secret.
    pub fn hash_api_secret(&self, secret: &str) -> Vec<u8> {
        hmac::sign(&self.secret_hash, secret.as_bytes())
            .as_ref()
            .to_vec()
    }

    /// Whether `presented` hashes to `stored`, compared in constant time.
    pub fn verify_api_secret(&self, presented: &str, stored: &[u8]) -> bool {
        hmac::verify(&self.secret_hash, presented.as_bytes(), stored).is_ok()
    }
}

impl Secrets {
    /// A MAC over `data` for tokens the gateway hands out and must recognise later (3-D Secure
    /// `PaReq`/`PaRes`).
    pub fn sign(&self, data: &[u8]) -> Vec<u8> {
        hmac::sign(&self.tokens, data).as_ref().to_vec()
    }

    /// Whether `tag` is [`Secrets::sign`] of `data`, compared in constant time.
    pub fn verify(&self, data: &[u8], tag: &[u8]) -> bool {
        hmac::verify(&self.tokens, data, tag).is_ok()
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// `n` random bytes as lower-case hex.
pub fn random_hex(n: usize) -> anyhow::Result<String> {
    let mut bytes = vec![0u8; n];
    rand::fill(&mut bytes).map_err(|_| anyhow::anyhow!("no randomness"))?;
    Ok(hex(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets::from_master(&[7u8; KEY_LEN]).unwrap()
    }

    #[test]
    fn sealed_data_opens_only_for_its_purpose_and_untampered() {
        let s = secrets();
        let blob = s.seal(Purpose::CardPan, b"4242424242424242").unwrap();
        assert!(!blob.windows(16).any(|w| w == b"4242424242424242"));
        assert_eq!(
            s.open(Purpose::CardPan, &blob).unwrap(),
            b"4242424242424242"
        );
        assert!(s.open(Purpose::ApiSecret, &blob).is_err());
        let mut tampered = blob.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(s.open(Purpose::CardPan, &tampered).is_err());
        assert!(s.open(Purpose::CardPan, &blob[..10]).is_err());
        let other = Secrets::from_master(&[8u8; KEY_LEN]).unwrap();
        assert!(other.open(Purpose::CardPan, &blob).is_err());
    }

    #[test]
    fn secret_hashes_verify_and_keys_are_independent() {
        let s = secrets();
        let stored = s.hash_api_secret("abc");
        assert!(s.verify_api_secret("abc", &stored));
        assert!(!s.verify_api_secret("abd", &stored));
        assert_ne!(s.card_fingerprint("abc"), stored);
    }

    #[test]
    fn master_key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/master.key");
        let first = Secrets::load_or_create(&path).unwrap();
        let again = Secrets::load_or_create(&path).unwrap();
        let blob = first.seal(Purpose::ApiSecret, b"x").unwrap();
        assert_eq!(again.open(Purpose::ApiSecret, &blob).unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "short").unwrap();
        assert!(Secrets::load_or_create(&path).is_err());
    }
}
