-- Payments made on the payer's page with another card for a subscription (issue 6, spec §10):
-- one row per such payment, written in the commit that creates the payment. purpose 'charge'
-- pays the due slot (period_index) of a PastDue subscription; 'verify' is an authorization that
-- only proves the card of an Active one. The payment's approval switches the subscription's
-- token (and, for 'charge', moves the schedule on) in the commit that records the approval.
-- While a row's payment is unsettled the billing worker leaves the subscription alone, and no
-- such payment starts while a billing charge is in flight: one charge per slot.
CREATE TABLE subscription_card_changes (
    transaction_id BIGINT PRIMARY KEY REFERENCES transactions (id),
    subscription_id TEXT NOT NULL REFERENCES subscriptions (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('charge', 'verify')),
    period_index BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX subscription_card_changes_subscription ON subscription_card_changes (subscription_id);
