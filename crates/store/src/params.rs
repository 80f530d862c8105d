//! Placeholders for set-wise statements (many rows in one statement), written in the order they
//! are bound, each used once: `$1`, `$2`, … on PostgreSQL and `?` on SQLite. That is the one
//! place where the two texts differ, and on purpose: SQLite looks every named parameter
//! (`$n`, `?n`) up in a list when it parses the statement and again when sqlx binds it, a scan
//! per parameter, so a statement with hundreds of them spends most of its time there; an
//! anonymous `?` is numbered by its position.
//!
//! A statement built from these is run with `persistent(false)`: every batch size is another
//! text, and caching each would push the hot single-row statements out of the prepared-statement
//! cache.

use crate::{Db, Tx};

/// Most rows a set-wise statement takes: far under both backends' parameter limits
/// (SQLite 32,766, PostgreSQL 65,535) with the widest row (26 columns).
pub const MAX_ROWS: usize = 256;

/// Hands out placeholders in binding order.
#[derive(Debug, Clone)]
pub struct Marks {
    anonymous: bool,
    next: usize,
}

impl Marks {
    /// Placeholders for a statement on `tx`'s backend.
    pub fn on_tx(tx: &Tx) -> Marks {
        Marks::new(matches!(tx, Tx::Sqlite(_)))
    }

    /// Placeholders for a statement that runs on PostgreSQL only.
    pub fn postgres() -> Marks {
        Marks::new(false)
    }

    /// Placeholders for a statement on `db`'s backend.
    pub fn on_db(db: &Db) -> Marks {
        Marks::new(matches!(db, Db::Sqlite(_)))
    }

    fn new(anonymous: bool) -> Marks {
        Marks { anonymous, next: 1 }
    }

    /// The next placeholder.
    pub fn one(&mut self) -> String {
        let n = self.next;
        self.next += 1;
        if self.anonymous {
            "?".to_owned()
        } else {
            format!("${n}")
        }
    }

    /// `n` placeholders, comma-separated.
    pub fn list(&mut self, n: usize) -> String {
        (0..n).map(|_| self.one()).collect::<Vec<_>>().join(", ")
    }

    /// `rows` parenthesized groups of `cols` placeholders.
    pub fn rows(&mut self, rows: usize, cols: usize) -> String {
        self.typed_rows(rows, &vec![""; cols])
    }

    /// Like [`Marks::rows`], with column `i` of every row cast to `types[i]` (`""`: left as it
    /// is), for a `VALUES` list whose column types PostgreSQL cannot infer.
    pub fn typed_rows(&mut self, rows: usize, types: &[&str]) -> String {
        let mut groups = Vec::with_capacity(rows);
        for _ in 0..rows {
            let row: Vec<String> = types
                .iter()
                .map(|ty| {
                    let mark = self.one();
                    if ty.is_empty() {
                        mark
                    } else {
                        format!("CAST({mark} AS {ty})")
                    }
                })
                .collect();
            groups.push(format!("({})", row.join(", ")));
        }
        groups.join(", ")
    }
}

/// `columns` (a comma-separated list) with each name qualified by the table alias `alias`, for
/// the queries that join or filter through a subquery.
pub fn qualified(columns: &str, alias: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value bound to a placeholder of a query built at run time (the searches' filters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg<'a> {
    /// An integer.
    Int(i64),
    /// Text.
    Text(&'a str),
}

/// Binds `args` (a slice of [`Arg`]) in order to a query of either backend.
#[macro_export]
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for arg in $args {
            q = match arg {
                $crate::params::Arg::Int(v) => q.bind(*v),
                $crate::params::Arg::Text(v) => q.bind(*v),
            };
        }
        q
    }};
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_are_qualified_one_by_one_across_continued_lines() {
        assert_eq!(
            super::qualified("id, site_id,mode,  status", "t"),
            "t.id, t.site_id, t.mode, t.status"
        );
    }

    use super::*;

    #[test]
    fn placeholders_are_numbered_in_binding_order_or_anonymous() {
        let mut pg = Marks::new(false);
        assert_eq!(pg.one(), "$1");
        assert_eq!(pg.list(2), "$2, $3");
        assert_eq!(pg.rows(2, 2), "($4, $5), ($6, $7)");
        assert_eq!(
            pg.typed_rows(1, &["BIGINT", ""]),
            "(CAST($8 AS BIGINT), $9)"
        );
        let mut lite = Marks::new(true);
        assert_eq!(lite.list(2), "?, ?");
        assert_eq!(lite.typed_rows(1, &["TEXT", ""]), "(CAST(? AS TEXT), ?)");
    }
}
