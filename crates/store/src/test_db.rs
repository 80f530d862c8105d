//! Fresh databases for tests, on the backend the environment picks.
//!
//! Without `OBLAKO_TEST_PG_URL` every test gets its own SQLite file in a temporary directory;
//! with it (`.ci/run` sets it for the second pass) every test gets its own PostgreSQL schema on
//! that server. An unreachable server fails the test: it never silently falls back to SQLite.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Db, DbOptions, StoreError};

/// The variable that points the suite at PostgreSQL.
pub const PG_URL_VAR: &str = "OBLAKO_TEST_PG_URL";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A migrated database that belongs to one test. SQLite files are removed on drop; PostgreSQL
/// schemas older than an hour are removed when the next test database is made.
#[derive(Debug)]
pub struct TestDb {
    /// The open, migrated database.
    pub db: Db,
    /// A URL that opens the same database (for a server under test).
    pub url: String,
    dir: Option<PathBuf>,
}

impl TestDb {
    /// Makes and migrates a fresh database on the backend the environment picks.
    pub async fn new() -> Result<TestDb, StoreError> {
        let test = TestDb::empty().await?;
        test.db.migrate().await?;
        Ok(test)
    }

    /// A fresh database migrated only up to `version`, to test a later migration on old rows.
    pub async fn at_migration(version: i64) -> Result<TestDb, StoreError> {
        let test = TestDb::empty().await?;
        test.db.migrate_to(version).await?;
        Ok(test)
    }

    async fn empty() -> Result<TestDb, StoreError> {
        let id = unique_suffix();
        let test = match std::env::var(PG_URL_VAR) {
            Ok(base) if !base.is_empty() => {
                let admin = Db::connect(
                    &base,
                    &DbOptions {
                        max_connections: 1,
                        ..DbOptions::default()
                    },
                )
                .await?;
                drop_stale_schemas(&admin).await?;
                let schema = format!("oblako_t_{id}");
                let create = sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"));
                crate::on_db!(&admin, pool => sqlx::query(create).execute(pool).await.map(|r| r.rows_affected()))?;
                admin.close().await;
                let sep = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
                let db = Db::connect(&url, &DbOptions::default()).await?;
                TestDb { db, url, dir: None }
            }
            _ => {
                let dir = std::env::temp_dir().join(format!("oblako-test-{id}"));
                std::fs::create_dir_all(&dir).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let url = format!("sqlite://{}", dir.join("oblako.db").display());
                let db = Db::connect(&url, &DbOptions::default()).await?;
                TestDb {
                    db,
                    url,
                    dir: Some(dir),
                }
            }
        };
        Ok(test)
    }

    /// The directory holding the SQLite file, if this is SQLite.
    pub fn dir(&self) -> Option<&std::path::Path> {
        self.dir.as_deref()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[allow(clippy::disallowed_methods)] // names only: the schema's creation second, not domain time
fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn unique_suffix() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}_{}_{}", unix_seconds(), std::process::id(), n)
}

async fn drop_stale_schemas(admin: &Db) -> Result<(), StoreError> {
    let crate::Db::Postgres(crate::PgDb { pool, .. }) = admin else {
        return Ok(());
    };
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'oblako_t_%'",
    )
    .fetch_all(pool)
    .await?;
    let cutoff = unix_seconds().saturating_sub(3600);
    for name in names {
        let created: u64 = name
            .trim_start_matches("oblako_t_")
            .split('_')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(u64::MAX);
        if created < cutoff {
            let drop = sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {name} CASCADE"));
            sqlx::query(drop).execute(pool).await?;
        }
    }
    Ok(())
}
