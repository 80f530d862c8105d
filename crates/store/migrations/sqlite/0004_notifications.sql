-- Notifications to merchants (issue 4). Settings per site and kind (spec §3.24–3.25, §5.1); the
-- site's retry schedule (RELIABILITY W2) as comma-separated seconds between attempts, the last one
-- repeating, CloudPayments' by default; the outbox, written in the same transaction as the state
-- change it announces (W1), delivered in per-transaction sequence order (W3) by workers that hold
-- a lease (locked_until, locked_by), never a lock, while they send (C3); the log of attempts.
ALTER TABLE sites ADD COLUMN notification_retry_intervals TEXT NOT NULL
    DEFAULT '60,120,300,600,1800';
ALTER TABLE sites ADD COLUMN notification_max_attempts BIGINT NOT NULL DEFAULT 100;

CREATE TABLE notification_settings (
    site_id BIGINT NOT NULL REFERENCES sites (id),
    kind TEXT NOT NULL CHECK (kind IN ('Check', 'Pay', 'Fail', 'Confirm', 'Refund', 'Recurrent',
        'Cancel', 'Receipt')),
    enabled BOOLEAN NOT NULL,
    url TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('POST', 'GET')),
    encoding TEXT NOT NULL CHECK (encoding IN ('UTF8', 'Windows1251')),
    format TEXT NOT NULL CHECK (format IN ('CloudPayments')),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (site_id, kind)
);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    transaction_id BIGINT REFERENCES transactions (id),
    kind TEXT NOT NULL CHECK (kind IN ('Check', 'Pay', 'Fail', 'Confirm', 'Refund', 'Recurrent',
        'Cancel', 'Receipt')),
    sequence BIGINT NOT NULL,
    body TEXT NOT NULL,
    url TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('POST', 'GET')),
    encoding TEXT NOT NULL CHECK (encoding IN ('UTF8', 'Windows1251')),
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT,
    locked_by TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT,
    last_error TEXT,
    UNIQUE (transaction_id, sequence)
);
-- The claim scans only pending rows, oldest due first.
CREATE INDEX notifications_due ON notifications (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX notifications_site ON notifications (site_id, id);

CREATE TABLE notification_attempts (
    notification_id BIGINT NOT NULL REFERENCES notifications (id),
    attempt BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    url TEXT NOT NULL,
    delivered BOOLEAN NOT NULL,
    http_status BIGINT,
    latency_ms BIGINT NOT NULL,
    response_snippet TEXT NOT NULL,
    error TEXT,
    PRIMARY KEY (notification_id, attempt)
);
