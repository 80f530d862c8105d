-- The connector's own tables. Times a person reads are UTC text `yyyy-MM-dd HH:mm:ss`; times the
-- forwarder compares are Unix milliseconds. Amounts are the decimal text the gateway sent.
CREATE TABLE cloudpayments_http_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ip TEXT NOT NULL,
    url TEXT NOT NULL,
    method TEXT NOT NULL,
    headers TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE cloudpayments_transaction (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    sum TEXT NOT NULL,
    status INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    delivered_at TEXT
);
CREATE INDEX cloudpayments_transaction_pending ON cloudpayments_transaction (id) WHERE status = 0;

CREATE TABLE cloudpayments_webhook_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_id INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    url TEXT NOT NULL,
    request TEXT NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    error TEXT,
    latency_ms INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX cloudpayments_webhook_log_transaction ON cloudpayments_webhook_log (transaction_id);
