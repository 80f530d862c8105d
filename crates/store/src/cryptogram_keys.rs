//! The RSA key pairs card cryptograms are encrypted to, by version.
//!
//! The private key is stored encrypted under the key-encryption key; old versions stay so
//! cryptograms made with a previous public key keep decrypting after a rotation.

use crate::{Db, StoreError, in_write, on_db};

/// One stored key version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// The version embedded in cryptograms (`KeyVersion`).
    pub version: i64,
    /// The public key, PEM.
    pub public_pem: String,
    /// The PKCS#8 private key encrypted under the key-encryption key.
    pub private_enc: Vec<u8>,
    /// Creation time, Unix ms.
    pub created_at: i64,
}

type KeyRow = (i64, String, Vec<u8>, i64);

fn key_from((version, public_pem, private_enc, created_at): KeyRow) -> StoredKey {
    StoredKey {
        version,
        public_pem,
        private_enc,
        created_at,
    }
}

/// Stores a key as the next version (one above the highest) and returns that version. Two
/// concurrent rotations cannot take the same version: the second one's insert conflicts.
pub async fn insert_next(
    db: &Db,
    public_pem: &str,
    private_enc: &[u8],
    now_ms: i64,
) -> Result<i64, StoreError> {
    let sql = "INSERT INTO cryptogram_keys (version, public_pem, private_enc, created_at) \
               SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3 FROM cryptogram_keys \
               RETURNING version";
    let version: i64 = in_write!(db, c => sqlx::query_scalar(sql)
        .bind(public_pem).bind(private_enc).bind(now_ms).fetch_one(&mut **c).await);
    Ok(version)
}

/// The newest version, the one handed to browsers and SDKs.
pub async fn latest(db: &Db) -> Result<Option<StoredKey>, StoreError> {
    let sql = "SELECT version, public_pem, private_enc, created_at FROM cryptogram_keys \
               ORDER BY version DESC LIMIT 1";
    let row: Option<KeyRow> = on_db!(db, pool => sqlx::query_as(sql).fetch_optional(pool).await)?;
    Ok(row.map(key_from))
}

/// Every version, oldest first.
pub async fn all(db: &Db) -> Result<Vec<StoredKey>, StoreError> {
    let sql = "SELECT version, public_pem, private_enc, created_at FROM cryptogram_keys \
               ORDER BY version";
    let rows: Vec<KeyRow> = on_db!(db, pool => sqlx::query_as(sql).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(key_from).collect())
}
