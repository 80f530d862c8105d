-- The merchant cabinet: staff of an account with their roles, one-time set-up links, sign-in
-- sessions, recovery codes, the audit trail of cabinet actions, and the API's refused requests.
ALTER TABLE accounts ADD COLUMN require_two_factor BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT,
    totp_secret_enc BLOB,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    lang TEXT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    failed_signins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX staff_account ON staff (account_id, id);

CREATE TABLE staff_links (
    token_hash BLOB PRIMARY KEY,
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE staff_sessions (
    id_hash BLOB PRIMARY KEY,
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    stage TEXT NOT NULL CHECK (stage IN ('second_factor', 'enrol', 'full')),
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

CREATE TABLE staff_recovery_codes (
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    code_hash BLOB NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (staff_id, code_hash)
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL,
    staff_id BIGINT,
    email TEXT NOT NULL,
    action TEXT NOT NULL,
    site_id BIGINT,
    detail TEXT NOT NULL,
    ip TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_log_account ON audit_log (account_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE api_refusals (
    id INTEGER PRIMARY KEY,
    site_id BIGINT,
    key_kind TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status BIGINT NOT NULL,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX api_refusals_site ON api_refusals (site_id, id);

CREATE INDEX transactions_site_id ON transactions (site_id, id);
CREATE INDEX transactions_last_four ON transactions (site_id, card_last_four, id);
