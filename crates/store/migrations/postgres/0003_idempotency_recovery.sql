-- The recovery point of an X-Request-ID (RELIABILITY I6): the transaction its request created,
-- written in the same commit, so a retry after a crash resumes it instead of paying again.
ALTER TABLE idempotency_keys ADD COLUMN transaction_id BIGINT;
