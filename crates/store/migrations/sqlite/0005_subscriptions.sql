-- Subscriptions (issue 6, spec §2.3, §10). One row per subscription, site- and mode-scoped. The
-- schedule is an anchor (anchor_at is the date of slot anchor_index) plus unit × period; slots
-- (period_index) only grow. next_at is the next charge while Active or PastDue, NULL otherwise.
-- source_transaction_id is the setup payment a subscription was made from (JsonData recurrent),
-- unique so that payment makes at most one.
CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    account_id TEXT NOT NULL,
    token TEXT NOT NULL,
    description TEXT,
    email TEXT,
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    require_confirmation BOOLEAN NOT NULL,
    start_at BIGINT NOT NULL,
    unit TEXT NOT NULL CHECK (unit IN ('Day', 'Week', 'Month')),
    period BIGINT NOT NULL CHECK (period > 0),
    max_periods BIGINT CHECK (max_periods > 0),
    culture TEXT NOT NULL,
    receipt TEXT,
    status TEXT NOT NULL CHECK (status IN ('Active', 'PastDue', 'Cancelled', 'Rejected',
        'Expired')),
    successful BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    last_at BIGINT,
    next_at BIGINT,
    anchor_at BIGINT NOT NULL,
    anchor_index BIGINT NOT NULL,
    period_index BIGINT NOT NULL,
    source_transaction_id BIGINT UNIQUE REFERENCES transactions (id),
    -- The slot whose upcoming charge the payer was last reminded of.
    reminded_index BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX subscriptions_account ON subscriptions (site_id, mode, account_id);
-- The tick scans only billing rows, earliest due first.
CREATE INDEX subscriptions_due ON subscriptions (next_at) WHERE status IN ('Active', 'PastDue');

-- Billing jobs (RELIABILITY M6): "charge subscription S for slot P, attempt A", enqueued by the
-- tick with ON CONFLICT DO NOTHING, so a slot's attempt exists once however many nodes tick.
-- Workers lease rows (locked_until, locked_by) and never hold a lock while the bank answers.
-- transaction_id is set in the commit that creates the charge's transaction and its bank intent,
-- so a worker that takes over a dead worker's job finishes that payment instead of paying again.
CREATE TABLE subscription_charges (
    id INTEGER PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    period_index BIGINT NOT NULL,
    attempt BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'stale')),
    transaction_id BIGINT REFERENCES transactions (id),
    locked_until BIGINT,
    locked_by TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    UNIQUE (subscription_id, period_index, attempt)
);
CREATE INDEX subscription_charges_pending ON subscription_charges (due_at, id)
    WHERE state = 'pending';
