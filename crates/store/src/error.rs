//! The store's one error type.

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database said no, or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database URL names a backend Oblako does not speak.
    #[error("unsupported database URL {0:?}: use sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    /// No write connection came free in time.
    #[error("database busy: no write slot within {0:?}")]
    Busy(std::time::Duration),
    /// The group commit this write belonged to failed; nothing of it persisted.
    #[error("write batch failed: {0}")]
    BatchFailed(String),
    /// A row holds a value this build cannot read (e.g. an unknown mode).
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether the failure is a unique-constraint violation (someone else got there first).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}
