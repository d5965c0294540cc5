-- Payments made outside any checkout page (a bank transfer): the
-- reference a registrant pays with, until when (the term), and each amount
-- the organizer recorded as arrived.
CREATE TABLE offline_payments (
    registration_id INTEGER PRIMARY KEY REFERENCES registrations(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    due_at INTEGER NOT NULL,
    -- set when the term ran out unpaid and the seat was released
    released_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX offline_payments_due ON offline_payments(due_at) WHERE released_at IS NULL;

CREATE TABLE offline_receipts (
    id INTEGER PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES offline_payments(registration_id) ON DELETE CASCADE,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    paid_on TEXT NOT NULL,          -- the date the money arrived, YYYY-MM-DD
    recorded_at INTEGER NOT NULL
);
CREATE INDEX offline_receipts_registration ON offline_receipts(registration_id);
