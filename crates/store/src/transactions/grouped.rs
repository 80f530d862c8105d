//! The grouped forms of `authorization`'s two commits ([`crate::group`]): the payments of
//! concurrent requests inserted with their intents, and their settling compare-and-sets with the
//! intents marked done, each kind a batch at a time.
//!
//! PostgreSQL only: a batch is ONE statement in autocommit (a data-modifying `WITH` over a
//! `VALUES` list): one round trip, one commit, all rows or none.
//!
//! Rows go back to their callers by key, never by the order a statement returns them: a
//! settled row by its id; an inserted payment by its id too, ids being assigned in `VALUES`
//! order (checked against each caller's own values, and the batch fails if one differs).

use oblako_core::ids::{Mode, SiteId};
use oblako_core::money::Currency;
use oblako_core::payment::{Kind, Stage, Status};

use super::{COLUMNS, Change, INSERT, NewTransaction, TransactionRow};
use crate::group::Member;
use sqlx::PgPool;

use crate::{StoreError, params};

/// A payment to insert with its intent, owned: its batch may outlive the caller.
#[derive(Debug)]
pub(crate) struct Pay {
    site: SiteId,
    mode: Mode,
    kind: Kind,
    original_id: Option<i64>,
    status: Status,
    stage: Stage,
    amount: i64,
    currency: Currency,
    invoice_id: Option<String>,
    account_id: Option<String>,
    email: Option<String>,
    description: Option<String>,
    json_data: Option<String>,
    culture: String,
    ip_address: String,
    name: Option<String>,
    card_id: Option<i64>,
    card_first_six: String,
    card_last_four: String,
    card_exp: String,
    card_brand: String,
    token: Option<String>,
    subscription_id: Option<String>,
    created_at: i64,
    expires_at: Option<i64>,
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

impl Pay {
    pub(crate) fn new(t: &NewTransaction<'_>) -> Pay {
        Pay {
            site: t.site,
            mode: t.mode,
            kind: t.kind,
            original_id: t.original_id,
            status: t.status,
            stage: t.stage,
            amount: t.amount,
            currency: t.currency,
            invoice_id: owned(t.invoice_id),
            account_id: owned(t.account_id),
            email: owned(t.email),
            description: owned(t.description),
            json_data: owned(t.json_data),
            culture: t.culture.to_owned(),
            ip_address: t.ip_address.to_owned(),
            name: owned(t.name),
            card_id: t.card_id,
            card_first_six: t.card_first_six.to_owned(),
            card_last_four: t.card_last_four.to_owned(),
            card_exp: t.card_exp.to_owned(),
            card_brand: t.card_brand.to_owned(),
            token: owned(t.token),
            subscription_id: owned(t.subscription_id),
            created_at: t.created_at,
            expires_at: t.expires_at,
        }
    }

    fn as_new(&self) -> NewTransaction<'_> {
        NewTransaction {
            site: self.site,
            mode: self.mode,
            kind: self.kind,
            original_id: self.original_id,
            status: self.status,
            stage: self.stage,
            amount: self.amount,
            currency: self.currency,
            invoice_id: self.invoice_id.as_deref(),
            account_id: self.account_id.as_deref(),
            email: self.email.as_deref(),
            description: self.description.as_deref(),
            json_data: self.json_data.as_deref(),
            culture: &self.culture,
            ip_address: &self.ip_address,
            name: self.name.as_deref(),
            card_id: self.card_id,
            card_first_six: &self.card_first_six,
            card_last_four: &self.card_last_four,
            card_exp: &self.card_exp,
            card_brand: &self.card_brand,
            token: self.token.as_deref(),
            subscription_id: self.subscription_id.as_deref(),
            created_at: self.created_at,
            expires_at: self.expires_at,
        }
    }

    /// Whether `row` is this payment as stored.
    fn is(&self, row: &TransactionRow) -> bool {
        row.site_id == self.site
            && row.amount == self.amount
            && row.created_at == self.created_at
            && row.card_id == self.card_id
            && row.card_last_four == self.card_last_four
            && row.ip_address == self.ip_address
            && row.invoice_id == self.invoice_id
            && row.account_id == self.account_id
    }
}

impl Member for Pay {
    type Key = ();
    type Output = TransactionRow;
    type Conn = PgPool;

    fn key(&self) -> Option<()> {
        None
    }

    async fn write(pool: PgPool, batch: Vec<Pay>) -> Result<Vec<TransactionRow>, StoreError> {
        let columns = INSERT
            .split_once(" VALUES")
            .map_or(INSERT, |(head, _)| head);
        let mut marks = params::Marks::postgres();
        let mut values = Vec::with_capacity(batch.len());
        for _ in &batch {
            // In `bind_new!`'s order; as in `INSERT`, `updated_at` is `created_at`.
            let columns = marks.list(23);
            let (created, expires) = (marks.one(), marks.one());
            values.push(format!("({columns}, {created}, {created}, {expires})"));
        }
        let values = values.join(", ");
        // The reference is spelled here as `auth_reference` spells it.
        let sql = sqlx::AssertSqlSafe(format!(
            "WITH t AS ({columns} VALUES {values} RETURNING {COLUMNS}), \
             i AS (INSERT INTO acquirer_operations (reference, transaction_id, operation, \
               amount, state, created_at, updated_at) \
               SELECT 'auth:' || id, id, 'auth', amount, 'intent', created_at, created_at \
               FROM t) \
             SELECT {COLUMNS} FROM t"
        ));
        // Prepared and cached, unlike other `params` statements: on PostgreSQL preparing is a
        // round trip of its own, and `db::connect_postgres` makes room for every batch size.
        let mut q = sqlx::query_as(sql);
        for pay in &batch {
            q = bind_new!(q, &pay.as_new());
        }
        let mut rows: Vec<TransactionRow> = q.fetch_all(&pool).await?;
        rows.sort_by_key(|row| row.id);
        if rows.len() != batch.len() || batch.iter().zip(&rows).any(|(pay, row)| !pay.is(row)) {
            return Err(StoreError::Corrupt(format!(
                "a batch of {} payments came back as {} rows that do not match",
                batch.len(),
                rows.len()
            )));
        }
        Ok(rows)
    }
}

/// A settling compare-and-set with its intent, owned like [`Pay`].
#[derive(Debug)]
pub(crate) struct Settle {
    id: i64,
    from: Status,
    status: Status,
    captured: i64,
    refunded: i64,
    reason_code: i64,
    auth_code: Option<String>,
    auth_at: Option<i64>,
    confirm_at: Option<i64>,
    token: Option<String>,
    expires_at: Option<i64>,
    updated_at: i64,
    reference: String,
    bank_reason: i64,
}

impl Settle {
    pub(crate) fn new(
        id: i64,
        from: Status,
        change: &Change<'_>,
        reference: &str,
        bank_reason: i64,
    ) -> Settle {
        Settle {
            id,
            from,
            status: change.status,
            captured: change.captured,
            refunded: change.refunded,
            reason_code: change.reason_code,
            auth_code: owned(change.auth_code),
            auth_at: change.auth_at,
            confirm_at: change.confirm_at,
            token: owned(change.token),
            expires_at: change.expires_at,
            updated_at: change.updated_at,
            reference: reference.to_owned(),
            bank_reason,
        }
    }
}

/// The `VALUES` columns of a settle batch, cast where PostgreSQL cannot infer them.
const SETTLE_TYPES: [&str; 14] = [
    "BIGINT", "TEXT", "TEXT", "BIGINT", "BIGINT", "BIGINT", "TEXT", "BIGINT", "BIGINT", "TEXT",
    "BIGINT", "BIGINT", "TEXT", "BIGINT",
];

impl Member for Settle {
    type Key = i64;
    type Output = Option<TransactionRow>;
    type Conn = PgPool;

    fn key(&self) -> Option<i64> {
        Some(self.id)
    }

    async fn write(
        pool: PgPool,
        batch: Vec<Settle>,
    ) -> Result<Vec<Option<TransactionRow>>, StoreError> {
        let values = params::Marks::postgres().typed_rows(batch.len(), &SETTLE_TYPES);
        // The CTE's names differ from the tables' so every name is unambiguous.
        let sql = sqlx::AssertSqlSafe(format!(
            "WITH v(v_id, v_from, v_status, v_captured, v_refunded, v_reason, \
               v_auth_code, v_auth_at, v_confirm_at, v_token, v_expires_at, \
               v_updated_at, v_reference, v_bank_reason) AS (VALUES {values}), \
             t AS (UPDATE transactions SET status = v_status, captured = v_captured, \
               refunded = v_refunded, reason_code = v_reason, \
               auth_code = COALESCE(v_auth_code, auth_code), \
               auth_at = COALESCE(v_auth_at, auth_at), \
               confirm_at = COALESCE(v_confirm_at, confirm_at), \
               token = COALESCE(v_token, token), expires_at = v_expires_at, \
               updated_at = v_updated_at \
               FROM v WHERE id = v_id AND status = v_from RETURNING {COLUMNS}), \
             a AS (UPDATE acquirer_operations SET state = 'done', \
               reason_code = v_bank_reason, updated_at = v_updated_at \
               FROM v WHERE reference = v_reference AND state <> 'done' \
               AND v_id IN (SELECT id FROM t)) \
             SELECT {COLUMNS} FROM t"
        ));
        // Prepared and cached, unlike other `params` statements: on PostgreSQL preparing is a
        // round trip of its own, and `db::connect_postgres` makes room for every batch size.
        let mut q = sqlx::query_as(sql);
        for s in &batch {
            q = q
                .bind(s.id)
                .bind(s.from.as_str())
                .bind(s.status.as_str())
                .bind(s.captured)
                .bind(s.refunded)
                .bind(s.reason_code)
                .bind(&s.auth_code)
                .bind(s.auth_at)
                .bind(s.confirm_at)
                .bind(&s.token)
                .bind(s.expires_at)
                .bind(s.updated_at)
                .bind(&s.reference)
                .bind(s.bank_reason);
        }
        let changed: Vec<TransactionRow> = q.fetch_all(&pool).await?;
        let mut by_id: std::collections::HashMap<i64, TransactionRow> =
            changed.into_iter().map(|row| (row.id, row)).collect();
        Ok(batch.iter().map(|s| by_id.remove(&s.id)).collect())
    }
}
