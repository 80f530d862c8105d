-- Test clocks: how far a sandbox site's time runs ahead of the wall clock. A site's "now" is the
-- wall clock plus its offset; a site without a row runs on the wall clock. The offset only grows,
-- and going live removes the row (docs/test-clocks.md).
CREATE TABLE site_clocks (
    site_id BIGINT PRIMARY KEY REFERENCES sites (id),
    offset_ms BIGINT NOT NULL CHECK (offset_ms >= 0),
    moved_at BIGINT NOT NULL
);
