-- Provider fees: what the provider kept of each payment (Stripe's balance
-- transaction fee, PayPal's paypal_fee), in minor units of the currency the
-- provider states it in. A row is written with the payment: with the fee
-- when the provider's answer carried it (PayPal's capture), else without,
-- and the provider-fees job then asks the provider, again after a back-off
-- until it knows (next_attempt_at NULL: nothing more to ask).
CREATE TABLE payment_fees (
    registration_id INTEGER PRIMARY KEY REFERENCES registrations(id) ON DELETE CASCADE,
    provider        TEXT NOT NULL,
    payment_id      TEXT NOT NULL,
    fee             INTEGER,
    currency        TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    recorded_at     INTEGER
);
CREATE INDEX payment_fees_due ON payment_fees(next_attempt_at) WHERE next_attempt_at IS NOT NULL;

-- Payments recorded before: their fees are asked for.
INSERT INTO payment_fees(registration_id, provider, payment_id, next_attempt_at)
SELECT id, provider, payment_id, 0 FROM registrations WHERE amount_paid > 0 AND payment_id != '' AND provider != '';
