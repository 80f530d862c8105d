//! The connector's storage: its own three tables on SQLite or PostgreSQL, one SQL text for both
//! where the dialects agree. Nothing here knows the gateway's database.
//!
//! A payment row is also the forwarding job: `status` 0 is pending, `locked_until` is the lease a
//! forwarder holds while its POST is in flight, `next_attempt_at` the earliest next try.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The database, one of two backends.
#[derive(Debug, Clone)]
pub enum Db {
    /// A file; one connection, so writers queue in the pool instead of failing busy.
    Sqlite(SqlitePool),
    /// A server.
    Postgres(PgPool),
}

macro_rules! on_db {
    ($db:expr, $pool:ident => $e:expr) => {
        match $db {
            Db::Sqlite($pool) => $e,
            Db::Postgres($pool) => $e,
        }
    };
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names neither SQLite nor PostgreSQL.
    #[error("DATABASE_URL must start with sqlite: or postgres:, not {0:?}")]
    UnsupportedUrl(String),
    /// The database said no.
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// One incoming request as logged (already masked).
#[derive(Debug, Clone)]
pub struct HttpLogRow {
    pub ip: String,
    pub url: String,
    pub method: String,
    pub headers: String,
    pub body: String,
}

/// A payment as a Pay notification states it.
#[derive(Debug, Clone)]
pub struct NewPayment {
    /// `AccountId`.
    pub account: String,
    /// `TransactionId`.
    pub code: String,
    /// `Amount`, decimal text.
    pub sum: String,
}

/// A payment to forward.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub id: i64,
    pub account: String,
    pub code: String,
    pub sum: String,
    pub created_at: String,
    pub attempts: i64,
}

/// One forwarding attempt as logged.
#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub transaction_id: i64,
    pub attempt: i64,
    pub url: String,
    pub request: String,
    pub response_status: Option<i64>,
    pub response_body: Option<String>,
    pub error: Option<String>,
    pub latency_ms: i64,
}

const INSERT_HTTP_LOG: &str = "INSERT INTO cloudpayments_http_log \
    (ip, url, method, headers, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)";

impl Db {
    /// Opens (creating a missing SQLite file) and migrates the database `url` names.
    pub async fn open(url: &str) -> Result<Db, DbError> {
        let db = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // Durable commits: a Pay we answered {"code":0} survives power loss.
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await?;
            Db::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .connect_with(PgConnectOptions::from_str(url)?)
                .await?;
            Db::Postgres(pool)
        } else {
            return Err(DbError::UnsupportedUrl(url.to_owned()));
        };
        match &db {
            Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(db)
    }

    /// Logs an incoming request.
    pub async fn log_request(&self, row: &HttpLogRow, now: &str) -> Result<(), DbError> {
        on_db!(self, pool => {
            sqlx::query(INSERT_HTTP_LOG)
                .bind(&row.ip).bind(&row.url).bind(&row.method).bind(&row.headers)
                .bind(&row.body).bind(now)
                .execute(pool).await?;
        });
        Ok(())
    }

    /// Logs each request and records its payment, all in one commit; a repeated `code` (the
    /// gateway's retry) leaves the first row as it is. Returns, per payment, whether a row was
    /// added.
    pub async fn record_payments(
        &self,
        rows: &[(&HttpLogRow, &NewPayment)],
        now: &str,
    ) -> Result<Vec<bool>, DbError> {
        const INSERT: &str = "INSERT INTO cloudpayments_transaction \
            (account, code, sum, status, created_at) VALUES ($1, $2, $3, 0, $4) \
            ON CONFLICT (code) DO NOTHING";
        let mut added = Vec::with_capacity(rows.len());
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            for (log, payment) in rows {
                sqlx::query(INSERT_HTTP_LOG)
                    .bind(&log.ip).bind(&log.url).bind(&log.method).bind(&log.headers)
                    .bind(&log.body).bind(now)
                    .execute(&mut *tx).await?;
                let done = sqlx::query(INSERT)
                    .bind(&payment.account).bind(&payment.code).bind(&payment.sum).bind(now)
                    .execute(&mut *tx).await?;
                added.push(done.rows_affected() == 1);
            }
            tx.commit().await?;
        });
        Ok(added)
    }

    /// Leases up to `limit` due payments, oldest first, until `lease_until`.
    pub async fn claim(
        &self,
        now_ms: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<Pending>, DbError> {
        // PostgreSQL skips rows another connector is claiming; SQLite has one writer.
        const SQLITE: &str = "UPDATE cloudpayments_transaction SET locked_until = $1 \
            WHERE id IN (SELECT id FROM cloudpayments_transaction WHERE status = 0 \
            AND next_attempt_at <= $2 AND locked_until <= $2 ORDER BY id LIMIT $3) \
            RETURNING id, account, code, sum, created_at, attempts";
        const POSTGRES: &str = "UPDATE cloudpayments_transaction SET locked_until = $1 \
            WHERE id IN (SELECT id FROM cloudpayments_transaction WHERE status = 0 \
            AND next_attempt_at <= $2 AND locked_until <= $2 ORDER BY id LIMIT $3 \
            FOR UPDATE SKIP LOCKED) \
            RETURNING id, account, code, sum, created_at, attempts";
        let rows: Vec<(i64, String, String, String, String, i64)> = match self {
            Db::Sqlite(pool) => {
                sqlx::query_as(SQLITE)
                    .bind(lease_until)
                    .bind(now_ms)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_as(POSTGRES)
                    .bind(lease_until)
                    .bind(now_ms)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?
            }
        };
        let mut pending: Vec<Pending> = rows
            .into_iter()
            .map(|(id, account, code, sum, created_at, attempts)| Pending {
                id,
                account,
                code,
                sum,
                created_at,
                attempts,
            })
            .collect();
        pending.sort_by_key(|p| p.id);
        Ok(pending)
    }

    /// Logs each attempt and settles its row, delivered (`status` 1) or pending again from its
    /// `next_attempt_at`, all in one commit.
    pub async fn settle(
        &self,
        attempts: &[(AttemptRow, bool, i64)],
        now: &str,
    ) -> Result<(), DbError> {
        const LOG: &str = "INSERT INTO cloudpayments_webhook_log (transaction_id, attempt, url, \
            request, response_status, response_body, error, latency_ms, created_at) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        const DELIVERED: &str = "UPDATE cloudpayments_transaction SET status = 1, \
            attempts = attempts + 1, delivered_at = $1, locked_until = 0 \
            WHERE id = $2 AND status = 0";
        const RETRY: &str = "UPDATE cloudpayments_transaction SET attempts = attempts + 1, \
            next_attempt_at = $1, locked_until = 0 WHERE id = $2 AND status = 0";
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            for (attempt, delivered, next_attempt_at) in attempts {
                sqlx::query(LOG)
                    .bind(attempt.transaction_id).bind(attempt.attempt).bind(&attempt.url)
                    .bind(&attempt.request).bind(attempt.response_status)
                    .bind(&attempt.response_body).bind(&attempt.error).bind(attempt.latency_ms)
                    .bind(now)
                    .execute(&mut *tx).await?;
                if *delivered {
                    sqlx::query(DELIVERED).bind(now).bind(attempt.transaction_id)
                        .execute(&mut *tx).await?;
                } else {
                    sqlx::query(RETRY).bind(*next_attempt_at).bind(attempt.transaction_id)
                        .execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Gives back the leases of claimed rows that were not attempted.
    pub async fn release(&self, ids: &[i64]) -> Result<(), DbError> {
        const RELEASE: &str = "UPDATE cloudpayments_transaction SET locked_until = 0 \
            WHERE id = $1 AND status = 0";
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            for id in ids {
                sqlx::query(RELEASE).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Runs a read-only count, for tests and the benchmark (`SELECT count(*) …`).
    pub async fn count(&self, sql: &'static str) -> Result<i64, DbError> {
        let (n,): (i64,) = on_db!(self, pool => sqlx::query_as(sql).fetch_one(pool).await?);
        Ok(n)
    }

    /// Closes the pool.
    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_the_same_migration_versions() {
        let versions = |m: &sqlx::migrate::Migrator| -> Vec<i64> {
            m.iter().map(|migration| migration.version).collect()
        };
        assert_eq!(versions(&SQLITE_MIGRATIONS), versions(&POSTGRES_MIGRATIONS));
        assert!(!versions(&SQLITE_MIGRATIONS).is_empty());
    }
}
