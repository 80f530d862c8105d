//! Connecting, migrating and checking the two backends.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, PgPool, Postgres, SqlitePool, Transaction};

use crate::StoreError;
use crate::group::Groups;
use crate::writer::{WriteTx, Writer};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A connection pool to one of the two backends.
#[derive(Debug, Clone)]
pub enum Db {
    /// An embedded SQLite file.
    Sqlite(SqliteDb),
    /// A PostgreSQL server.
    Postgres(PgDb),
}

/// SQLite: a pool of read-only connections and the one connection every write goes through
/// (group commit, see [`crate::writer`]).
#[derive(Debug, Clone)]
pub struct SqliteDb {
    /// Readers; `query_only`, so a write that bypasses the writer fails loudly.
    pub pool: SqlitePool,
    /// The write connection.
    pub writer: Writer,
    /// Visits so far (see [`Db::visits`]).
    pub visits: Visits,
}

/// PostgreSQL: the pool, and the grouped writes of the common payment path.
#[derive(Debug, Clone)]
pub struct PgDb {
    /// Every connection.
    pub pool: PgPool,
    /// Group commit of the common payment path (see [`crate::group`]).
    pub groups: Groups,
    /// Visits so far (see [`Db::visits`]).
    pub visits: Visits,
}

/// A count of visits to the database, shared by the clones of one [`Db`]: each pooled
/// connection handed out, whether idle or newly opened (one statement, for a read outside a
/// transaction), and each SQLite write transaction begun.
#[derive(Debug, Clone, Default)]
pub struct Visits(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl Visits {
    /// Counts one visit.
    pub fn add(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// An open write transaction on either backend.
#[derive(Debug)]
pub enum Tx {
    /// A member of SQLite's current write batch.
    Sqlite(WriteTx),
    /// A PostgreSQL transaction.
    Postgres(Transaction<'static, Postgres>),
}

/// Which backend a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// How hard SQLite works to keep a commit across power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=FULL`: a commit survives power loss. The default.
    #[default]
    Full,
    /// `synchronous=NORMAL`: a commit may be lost on power loss, never corrupted.
    Relaxed,
}

/// Connection settings.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Most connections in the pool.
    pub max_connections: u32,
    /// SQLite's `synchronous` setting.
    pub durability: Durability,
    /// How long SQLite waits for a lock before giving up.
    pub busy_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> DbOptions {
        DbOptions {
            max_connections: 8,
            durability: Durability::Full,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// A pooled connection idle longer than this is checked with a round trip before it is used.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// Checks a pooled connection before use only when it sat idle: sqlx's default pings on every
/// acquire, one extra round trip per statement under load (on PostgreSQL, as many round trips as
/// the statements themselves). A connection in steady use answered a moment ago; one that
/// waited may have been closed by the server, and is replaced if the ping fails.
async fn ping_if_idle<C: sqlx::Connection>(
    conn: &mut C,
    meta: sqlx::pool::PoolConnectionMetadata,
) -> Result<bool, sqlx::Error> {
    if meta.idle_for >= PING_AFTER_IDLE {
        conn.ping().await?;
    }
    Ok(true)
}

impl Db {
    /// Opens the database the URL names (`sqlite://path` creates the file if missing, or
    /// `postgres://…`). Does not migrate.
    pub async fn connect(url: &str, options: &DbOptions) -> Result<Db, StoreError> {
        if url.starts_with("sqlite:") {
            let connect = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(match options.durability {
                    Durability::Full => SqliteSynchronous::Full,
                    Durability::Relaxed => SqliteSynchronous::Normal,
                })
                .busy_timeout(options.busy_timeout)
                .foreign_keys(true);
            // The writer first: it creates the file and switches it to WAL.
            let writer = Writer::new(connect.connect().await?, options.busy_timeout);
            let visits = Visits::default();
            let (counted, opened) = (visits.clone(), visits.clone());
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections)
                .test_before_acquire(false)
                .before_acquire(move |conn, meta| {
                    counted.add();
                    Box::pin(ping_if_idle(conn, meta))
                })
                // A connection opened for a caller is handed out without `before_acquire`.
                .after_connect(move |_, _| {
                    opened.add();
                    Box::pin(async { Ok(()) })
                })
                .connect_with(connect.pragma("query_only", "ON"))
                .await?;
            Ok(Db::Sqlite(SqliteDb {
                pool,
                writer,
                visits,
            }))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Db::connect_postgres(PgConnectOptions::from_str(url)?, options).await
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }

    /// Opens PostgreSQL with prepared options (tests use this to pin a schema).
    pub async fn connect_postgres(
        connect: PgConnectOptions,
        options: &DbOptions,
    ) -> Result<Db, StoreError> {
        // Each size of a grouped write is its own statement text, prepared once per connection:
        // room for them (3 kinds × up to `group::MAX_MEMBERS` sizes) beside the single-row ones.
        let connect = connect.statement_cache_capacity(100 + 3 * crate::group::MAX_MEMBERS);
        let visits = Visits::default();
        let (counted, opened) = (visits.clone(), visits.clone());
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .test_before_acquire(false)
            .before_acquire(move |conn, meta| {
                counted.add();
                Box::pin(ping_if_idle(conn, meta))
            })
            // A connection opened for a caller is handed out without `before_acquire`.
            .after_connect(move |_, _| {
                opened.add();
                Box::pin(async { Ok(()) })
            })
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(connect)
            .await?;
        Ok(Db::Postgres(PgDb {
            pool,
            groups: Groups::default(),
            visits,
        }))
    }

    /// Brings the schema to the latest version.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(db) => db.writer.migrate(&SQLITE_MIGRATIONS).await?,
            Db::Postgres(pg) => POSTGRES_MIGRATIONS.run(&pg.pool).await?,
        }
        Ok(())
    }

    /// Brings the schema to migration `version` and no further, for tests of what a later
    /// migration does to the rows it finds.
    pub async fn migrate_to(&self, version: i64) -> Result<(), StoreError> {
        let all = match self {
            Db::Sqlite(_) => &SQLITE_MIGRATIONS,
            Db::Postgres(_) => &POSTGRES_MIGRATIONS,
        };
        let upto = sqlx::migrate::Migrator {
            migrations: all
                .iter()
                .filter(|m| m.version <= version)
                .cloned()
                .collect(),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        match self {
            Db::Sqlite(db) => db.writer.migrate(&upto).await?,
            Db::Postgres(pg) => upto.run(&pg.pool).await?,
        }
        Ok(())
    }

    /// The migration versions this build carries for `backend`.
    pub fn migration_versions(backend: Backend) -> Vec<i64> {
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.iter().map(|m| m.version).collect()
    }

    /// The grouped writes on this database: PostgreSQL's (SQLite has its writer instead).
    pub fn groups(&self) -> Option<&Groups> {
        match self {
            Db::Sqlite(_) => None,
            Db::Postgres(db) => Some(&db.groups),
        }
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// A round trip to the database (`/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        crate::on_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// How many times the database was visited so far: pooled connections handed out (a read
    /// outside a transaction is one statement, one round trip) and SQLite write transactions
    /// begun. Tests count a page's visits with it.
    pub fn visits(&self) -> u64 {
        match self {
            Db::Sqlite(db) => db.visits.get(),
            Db::Postgres(db) => db.visits.get(),
        }
    }

    /// Starts a write transaction: on SQLite a member of the writer's current batch (its commit
    /// returns once the batch is durable); a plain `BEGIN` on PostgreSQL.
    pub async fn begin_write(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite(db) => {
                db.visits.add();
                Tx::Sqlite(db.writer.begin().await?)
            }
            Db::Postgres(pg) => Tx::Postgres(pg.pool.begin().await?),
        })
    }

    /// PostgreSQL settings that would lose acknowledged commits on a crash; empty on SQLite.
    pub async fn durability_warnings(&self) -> Result<Vec<String>, StoreError> {
        let Db::Postgres(PgDb { pool, .. }) = self else {
            return Ok(Vec::new());
        };
        let mut warnings = Vec::new();
        for setting in ["fsync", "synchronous_commit"] {
            let value: String = sqlx::query_scalar(match setting {
                "fsync" => "SHOW fsync",
                _ => "SHOW synchronous_commit",
            })
            .fetch_one(pool)
            .await?;
            if value == "off" {
                warnings.push(format!(
                    "PostgreSQL {setting} is off: acknowledged payments can be lost in a crash"
                ));
            }
        }
        Ok(warnings)
    }

    /// Closes every connection (end of a test, shutdown).
    pub async fn close(&self) {
        crate::on_db!(self, pool => pool.close().await);
    }
}

impl Tx {
    /// What a `SELECT` appends to lock the rows it reads until this transaction ends: `FOR UPDATE`
    /// on PostgreSQL, nothing on SQLite, whose write transaction already excludes other writers.
    pub fn row_lock(&self) -> &'static str {
        match self {
            Tx::Sqlite(_) => "",
            Tx::Postgres(_) => " FOR UPDATE",
        }
    }

    /// Commits the transaction.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => Ok(tx.commit().await?),
        }
    }
}
