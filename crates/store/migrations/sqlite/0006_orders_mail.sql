-- Orders, CloudPayments' payment links (issue 6, spec §2.4, §3.22–3.23), and the outbox of
-- messages to payers (e-mail, SMS, Viber, WhatsApp).
--
-- An order is paid at most once: a payment attempt links itself to the order (transaction_id) in
-- the transaction that creates the payment, and only while the order is Created and its previous
-- attempt (if any) ended declined or cancelled; the approval marks it Paid in the commit that
-- records the approval. Order numbers count per site in order_numbers (an upsert that serializes
-- concurrent creations of one site). Messages are jobs with a lease, as notifications are.
CREATE TABLE order_numbers (
    site_id BIGINT PRIMARY KEY REFERENCES sites (id),
    last_number BIGINT NOT NULL
);

CREATE TABLE orders (
    internal_id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    number BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('Created', 'Paid', 'Cancelled')),
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    description TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    require_confirmation BOOLEAN NOT NULL,
    invoice_id TEXT,
    account_id TEXT,
    offer_uri TEXT,
    culture TEXT NOT NULL,
    subscription_behavior TEXT,
    success_redirect_url TEXT,
    fail_redirect_url TEXT,
    json_data TEXT,
    send_email BOOLEAN NOT NULL,
    send_sms BOOLEAN NOT NULL,
    send_viber BOOLEAN NOT NULL,
    send_whatsapp BOOLEAN NOT NULL,
    transaction_id BIGINT REFERENCES transactions (id),
    created_at BIGINT NOT NULL,
    paid_at BIGINT,
    cancelled_at BIGINT,
    updated_at BIGINT NOT NULL,
    UNIQUE (site_id, number)
);
CREATE INDEX orders_transaction ON orders (transaction_id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    site_id BIGINT REFERENCES sites (id),
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'viber', 'whatsapp')),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    html TEXT NOT NULL,
    text TEXT NOT NULL,
    reference TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'sent_nowhere', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT,
    locked_by TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    sent_via TEXT,
    last_error TEXT
);
CREATE INDEX messages_due ON messages (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX messages_reference ON messages (reference, id);
