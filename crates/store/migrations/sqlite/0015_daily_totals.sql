-- Per-day totals of transactions for the cabinet's totals and statistics (store::daily_totals).
-- A bucket is (site, mode, day, currency, kind, status): how many transactions, SUM(amount),
-- SUM(captured) and SUM(refunded). `day` is the UTC day of `created_at` as a day number,
-- created_at / 86400000 (days since 1970-01-01), so a bucket never moves: a status change only
-- moves the transaction from its old status's bucket to the new one's.
-- `shard` spreads one bucket over several rows on PostgreSQL, where concurrent writers would
-- otherwise queue on one hot row until each commits; it is always 0 here (one writer). A shard
-- row alone may hold negative numbers; only the sum over the shards means anything.
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
) WITHOUT ROWID;

INSERT INTO daily_totals (site_id, mode, day, currency, kind, status, shard, count, amount,
        captured, refunded)
    SELECT site_id, mode, created_at / 86400000, currency, kind, status, 0, COUNT(*),
        SUM(amount), SUM(captured), SUM(refunded)
    FROM transactions
    GROUP BY site_id, mode, created_at / 86400000, currency, kind, status;

-- Kept exact in the statement that writes a transaction, so in its commit, whichever code path
-- writes it (single payments, grouped and set-wise writes, the seeder): triggers rather than a
-- call after each write, because several writes are one statement in autocommit and a
-- compare-and-set does not know the row's old amounts (see store::daily_totals).
CREATE TRIGGER daily_totals_insert AFTER INSERT ON transactions BEGIN
    INSERT INTO daily_totals (site_id, mode, day, currency, kind, status, shard, count, amount,
            captured, refunded)
        VALUES (NEW.site_id, NEW.mode, NEW.created_at / 86400000, NEW.currency, NEW.kind,
            NEW.status, 0, 1, NEW.amount, NEW.captured, NEW.refunded)
        ON CONFLICT (site_id, day, mode, currency, kind, status, shard) DO UPDATE SET
            count = count + excluded.count, amount = amount + excluded.amount,
            captured = captured + excluded.captured, refunded = refunded + excluded.refunded;
END;

CREATE TRIGGER daily_totals_update
AFTER UPDATE OF site_id, mode, created_at, currency, kind, status, amount, captured, refunded
ON transactions
WHEN OLD.status IS NOT NEW.status OR OLD.captured IS NOT NEW.captured
    OR OLD.refunded IS NOT NEW.refunded OR OLD.amount IS NOT NEW.amount
    OR OLD.site_id IS NOT NEW.site_id OR OLD.mode IS NOT NEW.mode
    OR OLD.created_at IS NOT NEW.created_at OR OLD.currency IS NOT NEW.currency
    OR OLD.kind IS NOT NEW.kind
BEGIN
    INSERT INTO daily_totals (site_id, mode, day, currency, kind, status, shard, count, amount,
            captured, refunded)
        VALUES (OLD.site_id, OLD.mode, OLD.created_at / 86400000, OLD.currency, OLD.kind,
            OLD.status, 0, -1, -OLD.amount, -OLD.captured, -OLD.refunded)
        ON CONFLICT (site_id, day, mode, currency, kind, status, shard) DO UPDATE SET
            count = count + excluded.count, amount = amount + excluded.amount,
            captured = captured + excluded.captured, refunded = refunded + excluded.refunded;
    INSERT INTO daily_totals (site_id, mode, day, currency, kind, status, shard, count, amount,
            captured, refunded)
        VALUES (NEW.site_id, NEW.mode, NEW.created_at / 86400000, NEW.currency, NEW.kind,
            NEW.status, 0, 1, NEW.amount, NEW.captured, NEW.refunded)
        ON CONFLICT (site_id, day, mode, currency, kind, status, shard) DO UPDATE SET
            count = count + excluded.count, amount = amount + excluded.amount,
            captured = captured + excluded.captured, refunded = refunded + excluded.refunded;
END;

CREATE TRIGGER daily_totals_delete AFTER DELETE ON transactions BEGIN
    INSERT INTO daily_totals (site_id, mode, day, currency, kind, status, shard, count, amount,
            captured, refunded)
        VALUES (OLD.site_id, OLD.mode, OLD.created_at / 86400000, OLD.currency, OLD.kind,
            OLD.status, 0, -1, -OLD.amount, -OLD.captured, -OLD.refunded)
        ON CONFLICT (site_id, day, mode, currency, kind, status, shard) DO UPDATE SET
            count = count + excluded.count, amount = amount + excluded.amount,
            captured = captured + excluded.captured, refunded = refunded + excluded.refunded;
END;
