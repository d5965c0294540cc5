-- Money in any order. A payment is recorded in the currency it was taken in
-- (a payment in another currency is refunded in that one). Refunds the
-- provider reports only as a total (Stripe's charge.refunded names no refund)
-- are kept as that total and the part of it no refund row stands for, so that
-- Admit's refunds and the dashboard's are never counted twice or missed. And
-- a refund event that arrives before its payment waits for it.

ALTER TABLE registrations ADD COLUMN paid_currency TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN provider_refunded INTEGER NOT NULL DEFAULT 0 CHECK (provider_refunded >= 0);
ALTER TABLE registrations ADD COLUMN refunded_unmatched INTEGER NOT NULL DEFAULT 0 CHECK (refunded_unmatched >= 0);

UPDATE registrations SET paid_currency = currency WHERE amount_paid > 0;
-- Totals recorded before: what the refund rows do not explain came from the
-- provider's count.
UPDATE registrations SET refunded_unmatched = max(0, amount_refunded - (
    SELECT COALESCE(SUM(f.amount), 0) FROM refunds f WHERE f.registration_id = registrations.id AND f.status = 'done'))
WHERE amount_refunded > 0;

-- Provider events about a payment Admit has not recorded yet (a refund made
-- in the dashboard whose webhook overtook the payment's): applied in the
-- transaction that records the payment, forgotten after a week.
CREATE TABLE waiting_payment_events (
    provider        TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    payment_id      TEXT NOT NULL,
    registration_id INTEGER,
    event           TEXT NOT NULL,
    received_at     INTEGER NOT NULL,
    PRIMARY KEY (provider, event_id)
) WITHOUT ROWID;
CREATE INDEX waiting_payment_events_payment ON waiting_payment_events(provider, payment_id);
CREATE INDEX waiting_payment_events_received ON waiting_payment_events(received_at);
