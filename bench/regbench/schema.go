package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
)

// rawSchema copies, for the RAW phases, the server's tables that a
// registration or a payment webhook writes (app/store/migrations, as of
// 0003): registrations with every column, CHECK, index and seat-count
// trigger, seat_counts, payment_events and outbox. An insert or an update
// therefore maintains as many b-trees and runs as many triggers as the
// server's. The tables they only reference (events, sessions, tiers,
// promo_codes) are reduced to what the foreign keys need.
// TestRawSchemaMatchesServer keeps the copy in step with the migrations.
const rawSchema = `
CREATE TABLE events (id INTEGER PRIMARY KEY, capacity INTEGER);
CREATE TABLE sessions (id INTEGER PRIMARY KEY);
CREATE TABLE tiers (id INTEGER PRIMARY KEY);
CREATE TABLE promo_codes (id INTEGER PRIMARY KEY);

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
    updated_at       INTEGER NOT NULL,
    tier_id          INTEGER REFERENCES tiers(id) ON DELETE SET NULL,
    promo_id         INTEGER REFERENCES promo_codes(id) ON DELETE SET NULL,
    service_fee      INTEGER NOT NULL DEFAULT 0,
    checkout_id      TEXT NOT NULL DEFAULT '',
    checkout_url     TEXT NOT NULL DEFAULT '',
    payment_id       TEXT NOT NULL DEFAULT '',
    paid_at          INTEGER
);
CREATE INDEX registrations_seats ON registrations(event_id, session_id, status, hold_expires_at);
CREATE INDEX registrations_email ON registrations(event_id, email_norm);
CREATE UNIQUE INDEX registrations_one_active ON registrations(event_id, ifnull(session_id, 0), email_norm)
    WHERE status IN ('pending_payment', 'pending_approval', 'confirmed', 'partially_refunded');
CREATE INDEX registrations_checkout ON registrations(provider, checkout_id) WHERE checkout_id != '';
CREATE INDEX registrations_payment ON registrations(provider, payment_id) WHERE payment_id != '';
CREATE INDEX registrations_tier ON registrations(tier_id) WHERE tier_id IS NOT NULL;
CREATE INDEX registrations_promo ON registrations(promo_id) WHERE promo_id IS NOT NULL;
CREATE INDEX registrations_pending ON registrations(status, created_at) WHERE status = 'pending_payment';
CREATE INDEX registrations_holds ON registrations(event_id, session_id, hold_expires_at) WHERE status = 'pending_payment';

CREATE TABLE seat_counts (
    event_id    INTEGER NOT NULL,
    session_key INTEGER NOT NULL,
    taken       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, session_key)
) WITHOUT ROWID;

CREATE TRIGGER seats_on_insert AFTER INSERT ON registrations
WHEN (NEW.status = 'confirmed' OR NEW.status = 'pending_approval' OR NEW.status = 'partially_refunded') AND NEW.role = 'attendee'
BEGIN
    INSERT INTO seat_counts(event_id, session_key, taken) VALUES (NEW.event_id, ifnull(NEW.session_id, 0), 1)
    ON CONFLICT(event_id, session_key) DO UPDATE SET taken = taken + 1;
END;

CREATE TRIGGER seats_on_update AFTER UPDATE OF status, session_id, event_id, role ON registrations
WHEN ((OLD.status = 'confirmed' OR OLD.status = 'pending_approval' OR OLD.status = 'partially_refunded') AND OLD.role = 'attendee')
  != ((NEW.status = 'confirmed' OR NEW.status = 'pending_approval' OR NEW.status = 'partially_refunded') AND NEW.role = 'attendee')
  OR ifnull(OLD.session_id, 0) != ifnull(NEW.session_id, 0) OR OLD.event_id != NEW.event_id
BEGIN
    UPDATE seat_counts SET taken = taken - 1
    WHERE (OLD.status = 'confirmed' OR OLD.status = 'pending_approval' OR OLD.status = 'partially_refunded') AND OLD.role = 'attendee'
      AND event_id = OLD.event_id AND session_key = ifnull(OLD.session_id, 0);
    INSERT INTO seat_counts(event_id, session_key, taken)
    SELECT NEW.event_id, ifnull(NEW.session_id, 0), 1
    WHERE (NEW.status = 'confirmed' OR NEW.status = 'pending_approval' OR NEW.status = 'partially_refunded') AND NEW.role = 'attendee'
    ON CONFLICT(event_id, session_key) DO UPDATE SET taken = taken + 1;
END;

CREATE TRIGGER seats_on_delete AFTER DELETE ON registrations
WHEN (OLD.status = 'confirmed' OR OLD.status = 'pending_approval' OR OLD.status = 'partially_refunded') AND OLD.role = 'attendee'
BEGIN
    UPDATE seat_counts SET taken = taken - 1 WHERE event_id = OLD.event_id AND session_key = ifnull(OLD.session_id, 0);
END;

CREATE TABLE payment_events (
    provider        TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    registration_id INTEGER,
    outcome         TEXT NOT NULL DEFAULT '',
    applied_at      INTEGER NOT NULL,
    PRIMARY KEY (provider, event_id)
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
`

// rawTables are the tables rawSchema copies in full.
var rawTables = []string{"registrations", "seat_counts", "payment_events", "outbox"}

// openRaw creates the RAW database at path with the server's writer
// settings: WAL, synchronous=FULL, foreign keys, one connection whose
// transactions are BEGIN IMMEDIATE, the WAL truncated back to 64 MB.
func openRaw(ctx context.Context, path string) (*sql.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_synchronous=FULL&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if _, err := db.ExecContext(ctx, "PRAGMA journal_size_limit = 67108864"); err != nil {
		db.Close()
		return nil, err
	}
	if _, err := db.ExecContext(ctx, rawSchema); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
