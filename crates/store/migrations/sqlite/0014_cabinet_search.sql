-- The cabinet's searches by an exact key over all of an account's sites and modes: InvoiceId,
-- the payer's AccountId and e-mail, newest first (the card's last four has its index in 0012).
-- The API's own lookups keep transactions_invoice (site, mode, InvoiceId).
CREATE INDEX transactions_site_invoice ON transactions (site_id, invoice_id, id);
CREATE INDEX transactions_site_payer ON transactions (site_id, account_id, id);
CREATE INDEX transactions_site_email ON transactions (site_id, email, id);
-- The totals of a period across an account's sites, read from the index alone.
CREATE INDEX transactions_site_totals ON transactions (site_id, created_at, currency, kind, status, amount);
