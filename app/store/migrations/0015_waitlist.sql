-- The waiting list of a sold-out event (session_key 0) or of one session of
-- a series registered per session. A person waits, is offered a freed seat
-- (offered: the row holds that seat until offer_expires_at, counted like a
-- payment hold), then claims it (claimed, registration_id), lets it expire
-- (expired) or leaves (left). The token of the link /w/{token} is derived
-- from token_nonce with the server's secret; only its hash is stored.
CREATE TABLE waitlist (
    id               INTEGER PRIMARY KEY,
    event_id         INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    session_key      INTEGER NOT NULL DEFAULT 0,
    name             TEXT NOT NULL,
    email            TEXT NOT NULL,
    email_norm       TEXT NOT NULL,
    locale           TEXT NOT NULL DEFAULT 'en',
    status           TEXT NOT NULL DEFAULT 'waiting'
                     CHECK (status IN ('waiting', 'offered', 'claimed', 'expired', 'left')),
    token_nonce      BLOB NOT NULL,
    token_hash       BLOB NOT NULL UNIQUE,
    offered_at       INTEGER,
    offer_expires_at INTEGER,
    registration_id  INTEGER REFERENCES registrations(id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
-- One place in line per person and event (or session).
CREATE UNIQUE INDEX waitlist_one_active ON waitlist(event_id, session_key, email_norm)
    WHERE status = 'waiting' OR status = 'offered';
-- The line: waiting and offered rows in order.
CREATE INDEX waitlist_line ON waitlist(event_id, session_key, status, id);
