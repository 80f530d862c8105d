//! Placeholder lists for set-wise statements, the same text on both backends: `rows(2, 3, 1)`
//! is `($1, $2, $3), ($4, $5, $6)`, `list(3, 2)` is `$2, $3, $4`. A statement built from them
//! is run with `persistent(false)`: every batch size is another text, and caching each would
//! push the hot single-row statements out of the prepared-statement cache.

use std::fmt::Write;

/// Most rows a set-wise statement takes: far under both backends' parameter limits
/// (SQLite 32,766, PostgreSQL 65,535) with the widest row (26 columns).
pub const MAX_ROWS: usize = 256;

/// `n` placeholders from `$first`, comma-separated.
pub fn list(n: usize, first: usize) -> String {
    let mut out = String::with_capacity(n * 5);
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "${}", first + i);
    }
    out
}

/// `rows` parenthesized groups of `cols` placeholders from `$first`, each wrapped by `cast`
/// (`CAST($n AS type)`, for a `VALUES` list whose columns PostgreSQL cannot infer) when given.
pub fn rows(rows: usize, cols: usize, first: usize) -> String {
    typed_rows(rows, &vec![""; cols], first)
}

/// Like [`rows`], with column `i` of every row cast to `types[i]` (`""`: left as it is).
pub fn typed_rows(rows: usize, types: &[&str], first: usize) -> String {
    let cols = types.len();
    let mut out = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for (c, ty) in types.iter().enumerate() {
            if c > 0 {
                out.push_str(", ");
            }
            let n = first + r * cols + c;
            if ty.is_empty() {
                let _ = write!(out, "${n}");
            } else {
                let _ = write!(out, "CAST(${n} AS {ty})");
            }
        }
        out.push(')');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_rows_number_their_placeholders_in_order() {
        assert_eq!(list(3, 2), "$2, $3, $4");
        assert_eq!(rows(2, 3, 1), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(
            typed_rows(2, &["BIGINT", ""], 3),
            "(CAST($3 AS BIGINT), $4), (CAST($5 AS BIGINT), $6)"
        );
    }
}
