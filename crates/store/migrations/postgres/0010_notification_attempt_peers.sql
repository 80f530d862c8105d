-- The address that answered each notification attempt (RELIABILITY W5): the API shows an
-- answer's body only when it came from a public address, so a test key cannot read loopback or
-- private services through the gateway. NULL for attempts recorded before this column, and for
-- attempts that got no answer; such bodies are withheld too.
ALTER TABLE notification_attempts ADD COLUMN remote_ip TEXT;
