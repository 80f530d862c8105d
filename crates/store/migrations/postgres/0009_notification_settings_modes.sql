-- Notification settings per mode (RELIABILITY S3): CloudPayments keeps a test and a live
-- configuration, and test keys must not change where live notifications go. The primary key
-- gains the mode. Every existing row is kept for both modes (copied), so nothing that was
-- delivered stops being delivered. The retry schedule stays per site
-- (sites.notification_retry_intervals).
ALTER TABLE notification_settings ADD COLUMN mode TEXT NOT NULL DEFAULT 'test'
    CHECK (mode IN ('test', 'live'));
ALTER TABLE notification_settings DROP CONSTRAINT notification_settings_pkey;

INSERT INTO notification_settings
    (site_id, mode, kind, enabled, url, method, encoding, format, updated_at)
SELECT site_id, 'live', kind, enabled, url, method, encoding, format, updated_at
FROM notification_settings;

ALTER TABLE notification_settings ADD PRIMARY KEY (site_id, mode, kind);
ALTER TABLE notification_settings ALTER COLUMN mode DROP DEFAULT;
