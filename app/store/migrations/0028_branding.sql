-- The organization's branding, shown on every public page and email: one
-- row. The logo (PNG or JPEG, at most 512 KB) is kept here with its content
-- type and a hash that names its version in cacheable addresses.
CREATE TABLE branding (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    name          TEXT NOT NULL DEFAULT '',
    accent_color  TEXT NOT NULL DEFAULT '',
    footer        TEXT NOT NULL DEFAULT '',
    privacy_url   TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    logo          BLOB,
    logo_type     TEXT NOT NULL DEFAULT '',
    logo_hash     TEXT NOT NULL DEFAULT '',
    updated_at    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO branding(id) VALUES (1);
