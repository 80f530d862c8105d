-- Per-day totals of transactions for the cabinet's totals and statistics (store::daily_totals).
-- A bucket is (site, mode, day, currency, kind, status): how many transactions, SUM(amount),
-- SUM(captured) and SUM(refunded). `day` is the UTC day of `created_at` as a day number,
-- created_at / 86400000 (days since 1970-01-01), so a bucket never moves: a status change only
-- moves the transaction from its old status's bucket to the new one's.
-- `shard` spreads one bucket over up to 16 rows: each statement adds to the row of its own
-- backend (pg_backend_pid() % 16), so concurrent commits of one site's payments do not queue on
-- one hot row (a row lock is held until commit). A shard row alone may hold negative numbers
-- (a payment added by one backend and moved by another); only the sum over the shards means
-- anything.
CREATE TABLE daily_totals (
    site_id BIGINT NOT NULL,
    mode TEXT NOT NULL,
    day BIGINT NOT NULL,
    currency TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    shard BIGINT NOT NULL DEFAULT 0,
    count BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    captured BIGINT NOT NULL,
    refunded BIGINT NOT NULL,
    -- The day before the mode: a period's buckets of a site are one range of the key, either mode.
    PRIMARY KEY (site_id, day, mode, currency, kind, status, shard)
);

INSERT INTO daily_totals (site_id, mode, day, currency, kind, status, shard, count, amount,
        captured, refunded)
    SELECT site_id, mode, created_at / 86400000, currency, kind, status, 0, COUNT(*),
        SUM(amount), SUM(captured), SUM(refunded)
    FROM transactions
    GROUP BY site_id, mode, created_at / 86400000, currency, kind, status;

-- Kept exact in the statement that writes transactions, so in its commit, whichever code path
-- writes them (single payments, grouped and set-wise writes in one statement in autocommit, the
-- seeder): statement-level triggers over the transition tables, so a grouped write of many
-- rows adds once per bucket. Rows go in key order, so two statements lock shared buckets in the
-- same order and cannot deadlock on them.
CREATE FUNCTION daily_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO daily_totals AS d (site_id, mode, day, currency, kind, status, shard, count,
                amount, captured, refunded)
            SELECT site_id, mode, created_at / 86400000, currency, kind, status,
                pg_backend_pid() % 16, COUNT(*), SUM(amount), SUM(captured), SUM(refunded)
            FROM new_rows
            GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
            ON CONFLICT (site_id, day, mode, currency, kind, status, shard) DO UPDATE SET
                count = d.count + excluded.count, amount = d.amount + excluded.amount,
                captured = d.captured + excluded.captured,
                refunded = d.refunded + excluded.refunded;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO daily_totals AS d (site_id, mode, day, currency, kind, status, shard, count,
                amount, captured, refunded)
            SELECT site_id, mode, created_at / 86400000, currency, kind, status,
                pg_backend_pid() % 16, SUM(n), SUM(amount), SUM(captured), SUM(refunded)
            FROM (
                SELECT site_id, mode, created_at, currency, kind, status, -1 AS n,
                    -amount AS amount, -captured AS captured, -refunded AS refunded
                FROM old_rows
                UNION ALL
                SELECT site_id, mode, created_at, currency, kind, status, 1, amount, captured,
                    refunded
                FROM new_rows
            ) moved
            GROUP BY 1, 2, 3, 4, 5, 6, 7
            HAVING SUM(n) <> 0 OR SUM(amount) <> 0 OR SUM(captured) <> 0 OR SUM(refunded) <> 0
            ORDER BY 1, 2, 3, 4, 5, 6, 7
            ON CONFLICT (site_id, day, mode, currency, kind, status, shard) DO UPDATE SET
                count = d.count + excluded.count, amount = d.amount + excluded.amount,
                captured = d.captured + excluded.captured,
                refunded = d.refunded + excluded.refunded;
    ELSE
        INSERT INTO daily_totals AS d (site_id, mode, day, currency, kind, status, shard, count,
                amount, captured, refunded)
            SELECT site_id, mode, created_at / 86400000, currency, kind, status,
                pg_backend_pid() % 16, -COUNT(*), -SUM(amount), -SUM(captured), -SUM(refunded)
            FROM old_rows
            GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
            ON CONFLICT (site_id, day, mode, currency, kind, status, shard) DO UPDATE SET
                count = d.count + excluded.count, amount = d.amount + excluded.amount,
                captured = d.captured + excluded.captured,
                refunded = d.refunded + excluded.refunded;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER daily_totals_insert AFTER INSERT ON transactions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION daily_totals_apply();
CREATE TRIGGER daily_totals_update AFTER UPDATE ON transactions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION daily_totals_apply();
CREATE TRIGGER daily_totals_delete AFTER DELETE ON transactions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION daily_totals_apply();
