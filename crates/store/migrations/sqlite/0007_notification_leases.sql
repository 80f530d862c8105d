-- The claim counts each URL's running attempts (leased rows) to keep a receiver within its share;
-- leased rows are few, and this index finds them without scanning the backlog.
CREATE INDEX notifications_leased ON notifications (locked_until) WHERE locked_until IS NOT NULL;
