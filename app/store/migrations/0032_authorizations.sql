-- Payments held for a later capture (events with manual approval, at a
-- provider that can authorize): one row per registration, its latest hold.
-- status: authorized (held, nothing taken), captured (taken on
-- confirmation), voided (released on rejection or by the provider),
-- lapsed (expired before a decision), capture_failed (the provider refused
-- the capture; last_error says why). approved_at: the organizer confirmed
-- the registration (a payment made after that confirms it at once).
CREATE TABLE authorizations (
    registration_id INTEGER PRIMARY KEY REFERENCES registrations(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    checkout_id TEXT NOT NULL DEFAULT '',
    authorization_id TEXT NOT NULL DEFAULT '',
    amount INTEGER NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    authorized_at INTEGER,
    capture_by INTEGER,
    expires_at INTEGER,
    flagged_at INTEGER,
    approved_at INTEGER,
    last_error TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
);
CREATE INDEX authorizations_open ON authorizations(status, capture_by);
CREATE INDEX authorizations_by_id ON authorizations(provider, authorization_id);
