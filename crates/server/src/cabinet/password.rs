//! Password hashing for cabinet users: Argon2id with 19 MiB of memory, two passes and one lane
//! (OWASP's minimum), a random salt, stored as a PHC string that carries its own parameters.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use aws_lc_rs::rand;

/// Memory cost in KiB.
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Passes.
pub const PASSES: u32 = 2;
/// Lanes.
pub const LANES: u32 = 1;

fn hasher() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password (slow on purpose: call it off the async threads).
pub fn hash(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt).map_err(|_| anyhow::anyhow!("no randomness"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hashed = hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(hashed.to_string())
}

/// Whether `password` matches the stored PHC string (with the parameters it names). With no
/// stored hash it still spends the same work, so an unknown e-mail answers in the same time.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
                         1o7y7fFl2v0JQlNz2m3D8mM6JbUvGPzM2CwR7W4W0i0";
    let Ok(argon) = hasher() else {
        return false;
    };
    let parsed = PasswordHash::new(stored.unwrap_or(DUMMY));
    match parsed {
        Ok(parsed) => {
            argon.verify_password(password.as_bytes(), &parsed).is_ok() && stored.is_some()
        }
        Err(_) => false,
    }
}

/// Hashes off the async threads.
pub async fn hash_blocking(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash(&password)).await?
}

/// Verifies off the async threads.
pub async fn verify_blocking(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, stored.as_deref()))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_hash_names_argon2id_and_its_parameters() {
        let stored = hash("horse battery staple").unwrap();
        let parsed = PasswordHash::new(&stored).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&parsed).unwrap();
        assert!(params.m_cost() >= 19 * 1024, "{stored}");
        assert!(params.t_cost() >= 2, "{stored}");
        assert_eq!(params.p_cost(), 1, "{stored}");
        assert!(verify("horse battery staple", Some(&stored)));
        assert!(!verify("horse battery stapl", Some(&stored)));
        assert!(!verify("horse battery staple", None));
    }
}
