-- Payments: tiers, promo codes, checkouts, provider events applied once,
-- refunds queued and sent through the providers.

CREATE TABLE tiers (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    expires_at  INTEGER,
    quantity    INTEGER CHECK (quantity IS NULL OR quantity > 0),
    created_at  INTEGER NOT NULL
);
CREATE INDEX tiers_event ON tiers(event_id, position);

CREATE TABLE promo_codes (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    code_norm   TEXT NOT NULL,
    percent_off INTEGER NOT NULL DEFAULT 0 CHECK (percent_off BETWEEN 0 AND 100),
    amount_off  INTEGER NOT NULL DEFAULT 0 CHECK (amount_off >= 0),
    max_uses    INTEGER CHECK (max_uses IS NULL OR max_uses > 0),
    expires_at  INTEGER,
    created_at  INTEGER NOT NULL,
    UNIQUE (event_id, code_norm)
);

ALTER TABLE registrations ADD COLUMN tier_id INTEGER REFERENCES tiers(id) ON DELETE SET NULL;
ALTER TABLE registrations ADD COLUMN promo_id INTEGER REFERENCES promo_codes(id) ON DELETE SET NULL;
ALTER TABLE registrations ADD COLUMN service_fee INTEGER NOT NULL DEFAULT 0;
ALTER TABLE registrations ADD COLUMN checkout_id TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN checkout_url TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN payment_id TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN paid_at INTEGER;
CREATE INDEX registrations_checkout ON registrations(provider, checkout_id) WHERE checkout_id != '';
CREATE INDEX registrations_payment ON registrations(provider, payment_id) WHERE payment_id != '';
CREATE INDEX registrations_tier ON registrations(tier_id) WHERE tier_id IS NOT NULL;
CREATE INDEX registrations_promo ON registrations(promo_id) WHERE promo_id IS NOT NULL;
CREATE INDEX registrations_pending ON registrations(status, created_at) WHERE status = 'pending_payment';

-- Every provider event applied, so that each is applied exactly once.
CREATE TABLE payment_events (
    provider        TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    registration_id INTEGER,
    outcome         TEXT NOT NULL DEFAULT '',
    applied_at      INTEGER NOT NULL,
    PRIMARY KEY (provider, event_id)
) WITHOUT ROWID;

-- Refunds: queued in the transaction that decides them, then sent to the
-- provider with an idempotency key derived from our ids.
CREATE TABLE refunds (
    id                 INTEGER PRIMARY KEY,
    registration_id    INTEGER NOT NULL REFERENCES registrations(id),
    provider           TEXT NOT NULL,
    payment_id         TEXT NOT NULL,
    amount             INTEGER NOT NULL CHECK (amount > 0),
    currency           TEXT NOT NULL,
    idempotency_key    TEXT NOT NULL UNIQUE,
    reason             TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'done', 'failed')),
    provider_refund_id TEXT NOT NULL DEFAULT '',
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at    INTEGER NOT NULL,
    last_error         TEXT NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    done_at            INTEGER
);
CREATE INDEX refunds_due ON refunds(status, next_attempt_at);
CREATE INDEX refunds_registration ON refunds(registration_id);
CREATE INDEX refunds_provider_id ON refunds(provider, provider_refund_id) WHERE provider_refund_id != '';
