-- name: note-payment-fee
-- A payment's fee row, written with the payment: the fee when known
-- (currency set, next_attempt_at NULL), else due to be asked for. A fee
-- already known for the same payment is kept.
INSERT INTO payment_fees(registration_id, provider, payment_id, fee, currency, attempts, next_attempt_at, last_error, recorded_at)
VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, '', ?7)
ON CONFLICT(registration_id) DO UPDATE SET provider = excluded.provider, payment_id = excluded.payment_id,
    fee = excluded.fee, currency = excluded.currency, attempts = 0, next_attempt_at = excluded.next_attempt_at,
    last_error = '', recorded_at = excluded.recorded_at
WHERE payment_fees.payment_id != excluded.payment_id OR payment_fees.fee IS NULL;

-- name: due-payment-fees
SELECT f.registration_id, f.provider, f.payment_id, r.checkout_id, f.attempts
FROM payment_fees f JOIN registrations r ON r.id = f.registration_id
WHERE f.next_attempt_at IS NOT NULL AND f.next_attempt_at <= ?
ORDER BY f.next_attempt_at LIMIT ?;

-- name: set-payment-fee
UPDATE payment_fees SET fee = ?, currency = ?, next_attempt_at = NULL, last_error = '', recorded_at = ?
WHERE registration_id = ? AND payment_id = ?;

-- name: payment-fee-retry
UPDATE payment_fees SET attempts = ?, next_attempt_at = ?, last_error = ?
WHERE registration_id = ? AND payment_id = ?;

-- name: event-payment-fees
SELECT f.registration_id, f.provider, f.payment_id, ifnull(f.fee, 0), f.currency, f.attempts, f.last_error
FROM payment_fees f JOIN registrations r ON r.id = f.registration_id
WHERE r.event_id = ?;

-- name: recorded-payments
-- The payments recorded since a time (paid_at), with their fees, for the
-- books check: what Admit recorded, to compare with the providers.
SELECT r.id, r.provider, r.checkout_id, r.payment_id, r.amount_paid, r.paid_currency, r.amount_refunded,
    f.fee, ifnull(f.currency, '')
FROM registrations r LEFT JOIN payment_fees f ON f.registration_id = r.id
WHERE r.amount_paid > 0 AND r.payment_id != '' AND ifnull(r.paid_at, r.updated_at) >= ?
ORDER BY r.id;
