-- Outgoing webhooks: the organizer's endpoints, the events queued for each
-- (in the transaction of the change they report) and every attempt.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,           -- JSON list of event types
    secret TEXT NOT NULL,           -- the signing secret, sealed
    created_at INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,         -- the same for every attempt and endpoint
    type TEXT NOT NULL,
    body TEXT NOT NULL,             -- fixed when queued
    status TEXT NOT NULL DEFAULT 'queued',   -- queued, delivered, failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'queued';

CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    webhook_id INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    status_code INTEGER NOT NULL,   -- 0: no answer (see error)
    error TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts(webhook_id, id);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts(delivery_id);
