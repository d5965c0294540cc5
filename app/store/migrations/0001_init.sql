-- Admit schema, version 1. Times are UTC unix seconds.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash   BLOB NOT NULL UNIQUE,
    kind         TEXT NOT NULL DEFAULT 'api' CHECK (kind IN ('api', 'session')),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER
);

CREATE TABLE events (
    id                  INTEGER PRIMARY KEY,
    slug                TEXT NOT NULL UNIQUE,
    title               TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    refund_policy       TEXT NOT NULL DEFAULT '',
    kind                TEXT NOT NULL CHECK (kind IN ('live', 'series', 'on_demand')),
    series_registration TEXT NOT NULL DEFAULT 'all' CHECK (series_registration IN ('all', 'individual')),
    timezone            TEXT NOT NULL,
    capacity            INTEGER CHECK (capacity IS NULL OR capacity >= 0),
    price_amount        INTEGER NOT NULL DEFAULT 0 CHECK (price_amount >= 0),
    price_currency      TEXT NOT NULL DEFAULT '',
    providers           TEXT NOT NULL DEFAULT '[]',
    approval_required   INTEGER NOT NULL DEFAULT 0,
    join_url            TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL CHECK (status IN ('draft', 'published', 'cancelled')),
    cancel_message      TEXT NOT NULL DEFAULT '',
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

CREATE TABLE sessions (
    id               INTEGER PRIMARY KEY,
    event_id         INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    starts_at        INTEGER NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    join_url         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_event ON sessions(event_id, starts_at);

CREATE TABLE registrations (
    id               INTEGER PRIMARY KEY,
    event_id         INTEGER NOT NULL REFERENCES events(id),
    session_id       INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    name             TEXT NOT NULL,
    email            TEXT NOT NULL,
    email_norm       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending_payment', 'pending_approval', 'confirmed',
                         'rejected', 'cancelled', 'refunded', 'partially_refunded', 'expired')),
    role             TEXT NOT NULL DEFAULT 'attendee' CHECK (role IN ('attendee', 'panelist', 'co_organizer')),
    locale           TEXT NOT NULL DEFAULT 'en',
    amount           INTEGER NOT NULL DEFAULT 0 CHECK (amount >= 0),
    currency         TEXT NOT NULL DEFAULT '',
    amount_paid      INTEGER NOT NULL DEFAULT 0 CHECK (amount_paid >= 0),
    amount_refunded  INTEGER NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0 AND amount_refunded <= amount_paid),
    tier             TEXT NOT NULL DEFAULT '',
    promo_code       TEXT NOT NULL DEFAULT '',
    provider         TEXT NOT NULL DEFAULT '',
    token_nonce      BLOB NOT NULL,
    token_hash       BLOB NOT NULL UNIQUE,
    hold_expires_at  INTEGER,
    last_mailed_at   INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
-- Seats: registrations that hold one, per event and session.
CREATE INDEX registrations_seats ON registrations(event_id, session_id, status, hold_expires_at);
CREATE INDEX registrations_email ON registrations(event_id, email_norm);

CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    status       INTEGER NOT NULL,
    body         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    registration_id  INTEGER REFERENCES registrations(id) ON DELETE SET NULL,
    to_addr          TEXT NOT NULL,
    to_name          TEXT NOT NULL DEFAULT '',
    subject          TEXT NOT NULL,
    kind             TEXT NOT NULL,
    locale           TEXT NOT NULL DEFAULT 'en',
    data             TEXT NOT NULL DEFAULT '{}',
    status           TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One live registration per person and event (or session): a second attempt
-- is refused by the database even if the application check were skipped.
CREATE UNIQUE INDEX registrations_one_active ON registrations(event_id, ifnull(session_id, 0), email_norm)
    WHERE status IN ('pending_payment', 'pending_approval', 'confirmed', 'partially_refunded');
