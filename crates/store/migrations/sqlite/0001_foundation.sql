-- Accounts own sites; a site has a test and a live key pair; cryptogram RSA keys; idempotency
-- claims; the card vault. Timestamps are Unix milliseconds in both backends.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    production BOOLEAN NOT NULL DEFAULT FALSE,
    terminal_url TEXT NOT NULL DEFAULT '',
    save_tokens BOOLEAN NOT NULL DEFAULT TRUE,
    auto_confirm_days INTEGER,
    fee_rate_bp INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    went_live_at BIGINT
);

CREATE TABLE site_keys (
    public_id TEXT PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    secret_hash BLOB NOT NULL,
    secret_enc BLOB NOT NULL,
    rotated_at BIGINT NOT NULL,
    UNIQUE (site_id, mode)
);

CREATE TABLE cryptogram_keys (
    version INTEGER PRIMARY KEY,
    public_pem TEXT NOT NULL,
    private_enc BLOB NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE idempotency_keys (
    site_id BIGINT NOT NULL,
    mode TEXT NOT NULL,
    request_key TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'done')),
    response_status INTEGER,
    response_body BLOB,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (site_id, mode, request_key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);

CREATE TABLE cards (
    id INTEGER PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    fingerprint BLOB NOT NULL,
    first_six TEXT NOT NULL,
    last_four TEXT NOT NULL,
    exp_month INTEGER NOT NULL,
    exp_year INTEGER NOT NULL,
    brand TEXT NOT NULL,
    pan_enc BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (site_id, mode, fingerprint)
);
