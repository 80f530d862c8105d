-- 54-FZ online receipts (spec §3.28, §5 Receipt, §9): the emulated fiscal registers of each site
-- and mode, and the receipts they fiscalise.
--
-- A receipt is a job row with a lease, like a message: it is written Queued in the commit that
-- settles its payment or refund (or by kkt/receipt), and the fiscalisation worker numbers and
-- signs it on its register, turning it Processed (or Error with a reason) in the commit that also
-- queues its Receipt notification and e-mail. One receipt per (transaction, type): a settled
-- payment or refund never gets two. A register's counters change only under its row lock.
CREATE TABLE fiscal_registers (
    id INTEGER PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    inn TEXT NOT NULL,
    taxation_systems TEXT NOT NULL,
    reg_number TEXT NOT NULL,
    device_number TEXT NOT NULL,
    fiscal_number TEXT NOT NULL,
    ofd TEXT NOT NULL,
    calculation_place TEXT NOT NULL,
    last_document BIGINT NOT NULL DEFAULT 0,
    shift_number BIGINT NOT NULL DEFAULT 0,
    shift_opened_at BIGINT,
    shift_receipts BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (site_id, mode, inn)
);

CREATE TABLE receipts (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    inn TEXT,
    receipt_type TEXT NOT NULL
        CHECK (receipt_type IN ('Income', 'IncomeReturn', 'Expense', 'ExpenseReturn')),
    transaction_id BIGINT REFERENCES transactions (id),
    invoice_id TEXT,
    account_id TEXT,
    amount BIGINT NOT NULL,
    content TEXT NOT NULL,
    email TEXT,
    state TEXT NOT NULL CHECK (state IN ('Queued', 'Processed', 'Error')),
    error TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT,
    locked_by TEXT,
    register_id BIGINT REFERENCES fiscal_registers (id),
    document_number BIGINT,
    session_number BIGINT,
    session_check_number BIGINT,
    fiscal_sign TEXT,
    qr_string TEXT,
    fiscalised_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (transaction_id, receipt_type)
);
CREATE INDEX receipts_due ON receipts (next_attempt_at, seq) WHERE state = 'Queued';
CREATE INDEX receipts_site ON receipts (site_id, mode, seq);
CREATE UNIQUE INDEX receipts_document ON receipts (register_id, document_number);
