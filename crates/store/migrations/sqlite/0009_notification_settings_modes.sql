-- Notification settings per mode (RELIABILITY S3): CloudPayments keeps a test and a live
-- configuration, and test keys must not change where live notifications go. The primary key
-- gains the mode, which SQLite can only do by rebuilding the table. Every existing row is kept
-- for both modes (copied), so nothing that was delivered stops being delivered. The retry
-- schedule stays per site (sites.notification_retry_intervals).
CREATE TABLE notification_settings_by_mode (
    site_id BIGINT NOT NULL REFERENCES sites (id),
    mode TEXT NOT NULL CHECK (mode IN ('test', 'live')),
    kind TEXT NOT NULL CHECK (kind IN ('Check', 'Pay', 'Fail', 'Confirm', 'Refund', 'Recurrent',
        'Cancel', 'Receipt')),
    enabled BOOLEAN NOT NULL,
    url TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('POST', 'GET')),
    encoding TEXT NOT NULL CHECK (encoding IN ('UTF8', 'Windows1251')),
    format TEXT NOT NULL CHECK (format IN ('CloudPayments')),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (site_id, mode, kind)
);

INSERT INTO notification_settings_by_mode
    (site_id, mode, kind, enabled, url, method, encoding, format, updated_at)
SELECT s.site_id, m.mode, s.kind, s.enabled, s.url, s.method, s.encoding, s.format, s.updated_at
FROM notification_settings s CROSS JOIN (SELECT 'test' AS mode UNION ALL SELECT 'live') m;

DROP TABLE notification_settings;
ALTER TABLE notification_settings_by_mode RENAME TO notification_settings;
