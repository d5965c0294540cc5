-- name: insert-offline-payment
INSERT INTO offline_payments(registration_id, provider, reference, due_at, created_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT(registration_id) DO NOTHING;

-- name: clear-hold
-- An offline payment holds its seat until its term (offline_payments.due_at),
-- not until the checkout hold: the holds job leaves it alone.
UPDATE registrations SET hold_expires_at = NULL, updated_at = ? WHERE id = ? AND status = 'pending_payment';

-- name: get-offline-payment
SELECT o.registration_id, o.provider, o.reference, o.due_at, o.released_at,
    (SELECT COALESCE(SUM(x.amount), 0) FROM offline_receipts x WHERE x.registration_id = o.registration_id)
FROM offline_payments o WHERE o.registration_id = ?;

-- name: event-offline-payments
SELECT o.registration_id, o.provider, o.reference, o.due_at, o.released_at,
    (SELECT COALESCE(SUM(x.amount), 0) FROM offline_receipts x WHERE x.registration_id = o.registration_id)
FROM offline_payments o JOIN registrations r ON r.id = o.registration_id WHERE r.event_id = ?;

-- name: insert-offline-receipt
INSERT INTO offline_receipts(registration_id, amount, currency, paid_on, recorded_at) VALUES (?, ?, ?, ?, ?);

-- name: due-offline-payments
SELECT o.registration_id FROM offline_payments o JOIN registrations r ON r.id = o.registration_id
WHERE o.released_at IS NULL AND o.due_at <= ? AND r.status = 'pending_payment'
ORDER BY o.due_at LIMIT ?;

-- name: release-offline-payment
UPDATE offline_payments SET released_at = ? WHERE registration_id = ? AND released_at IS NULL;
