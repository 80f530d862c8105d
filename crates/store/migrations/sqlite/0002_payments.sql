-- Payments and refunds (one table: a refund is a transaction with an original), saved-card
-- tokens, and the acquirer operations log: every bank call is preceded by a committed 'intent'
-- row holding its unique reference (RELIABILITY M5).
CREATE TABLE transactions (
    id INTEGER PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    kind TEXT NOT NULL CHECK (kind IN ('payment', 'refund')),
    original_id BIGINT REFERENCES transactions (id),
    status TEXT NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('one', 'two')),
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    captured BIGINT NOT NULL DEFAULT 0,
    refunded BIGINT NOT NULL DEFAULT 0,
    reason_code BIGINT NOT NULL DEFAULT 0,
    invoice_id TEXT,
    account_id TEXT,
    email TEXT,
    description TEXT,
    json_data TEXT,
    culture TEXT NOT NULL,
    ip_address TEXT NOT NULL,
    name TEXT,
    card_id BIGINT REFERENCES cards (id),
    card_first_six TEXT NOT NULL,
    card_last_four TEXT NOT NULL,
    card_exp TEXT NOT NULL,
    card_brand TEXT NOT NULL,
    token TEXT,
    subscription_id TEXT,
    auth_code TEXT,
    created_at BIGINT NOT NULL,
    auth_at BIGINT,
    confirm_at BIGINT,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX transactions_invoice ON transactions (site_id, mode, invoice_id, id);
CREATE INDEX transactions_created ON transactions (site_id, mode, created_at, id);
CREATE INDEX transactions_expiry ON transactions (status, expires_at);
CREATE INDEX transactions_original ON transactions (original_id);

CREATE TABLE tokens (
    token TEXT PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    account_id TEXT NOT NULL,
    card_id BIGINT NOT NULL REFERENCES cards (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX tokens_site ON tokens (site_id, mode, account_id);

CREATE TABLE acquirer_operations (
    reference TEXT PRIMARY KEY,
    transaction_id BIGINT NOT NULL REFERENCES transactions (id),
    operation TEXT NOT NULL CHECK (operation IN ('auth', 'capture', 'void', 'refund')),
    amount BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('intent', 'done', 'unknown')),
    reason_code BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX acquirer_operations_open ON acquirer_operations (state, updated_at);

-- The emulated bank's own ledger (test mode): one row per operation reference, so a retried
-- call returns the first outcome and never debits twice. A real acquirer keeps this on its side.
CREATE TABLE bank_ledger (
    reference TEXT PRIMARY KEY,
    operation TEXT NOT NULL,
    amount BIGINT NOT NULL,
    reason_code BIGINT NOT NULL,
    auth_code TEXT,
    created_at BIGINT NOT NULL
);
