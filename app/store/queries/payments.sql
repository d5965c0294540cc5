-- name: insert-tier
INSERT INTO tiers(event_id, position, name, amount, currency, expires_at, quantity, created_at)
VALUES (?, (SELECT COALESCE(MAX(position), 0) + 1 FROM tiers WHERE event_id = ?), ?, ?, ?, ?, ?, ?);

-- name: list-tiers
-- Tiers of an event in order, with the seats each has sold or holds now.
SELECT t.id, t.event_id, t.position, t.name, t.amount, t.currency, t.expires_at, t.quantity, t.created_at,
    (SELECT COUNT(*) FROM registrations r WHERE r.tier_id = t.id
       AND (r.status IN ('confirmed', 'pending_approval', 'partially_refunded')
            OR (r.status = 'pending_payment' AND (r.hold_expires_at IS NULL OR r.hold_expires_at > ?)))) AS sold
FROM tiers t WHERE t.event_id = ? ORDER BY t.position, t.id;

-- name: delete-tier
DELETE FROM tiers WHERE id = ? AND event_id = ?;

-- name: insert-promo
INSERT INTO promo_codes(event_id, code, code_norm, percent_off, amount_off, currency, max_uses, expires_at, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: list-promos
-- Promo codes of an event, with their uses by paid or held registrations.
SELECT p.id, p.event_id, p.code, p.percent_off, p.amount_off, p.currency, p.max_uses, p.expires_at, p.created_at,
    (SELECT COUNT(*) FROM registrations r WHERE r.promo_id = p.id
       AND (r.status IN ('confirmed', 'pending_approval', 'partially_refunded')
            OR (r.status = 'pending_payment' AND (r.hold_expires_at IS NULL OR r.hold_expires_at > ?)))) AS uses
FROM promo_codes p WHERE p.event_id = ? ORDER BY p.id;

-- name: delete-promo
DELETE FROM promo_codes WHERE id = ? AND event_id = ?;

-- name: payment-event-seen
SELECT EXISTS(SELECT 1 FROM payment_events WHERE provider = ? AND event_id = ?);

-- name: insert-payment-event
INSERT INTO payment_events(provider, event_id, kind, registration_id, outcome, applied_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT DO NOTHING;

-- name: insert-refund
INSERT INTO refunds(registration_id, provider, payment_id, amount, currency, idempotency_key, reason, status,
    provider_refund_id, next_attempt_at, created_at, done_at, method)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: refunds-of-registration
SELECT id, registration_id, provider, payment_id, amount, currency, idempotency_key, reason, status,
    provider_refund_id, attempts, next_attempt_at, last_error, created_at, done_at, method
FROM refunds WHERE registration_id = ? ORDER BY id;

-- name: due-refunds
SELECT id, registration_id, provider, payment_id, amount, currency, idempotency_key, reason, status,
    provider_refund_id, attempts, next_attempt_at, last_error, created_at, done_at, method
FROM refunds WHERE status = 'queued' AND method = 'provider' AND next_attempt_at <= ? ORDER BY id LIMIT ?;

-- name: get-refund
SELECT id, registration_id, provider, payment_id, amount, currency, idempotency_key, reason, status,
    provider_refund_id, attempts, next_attempt_at, last_error, created_at, done_at, method
FROM refunds WHERE id = ?;

-- name: refund-by-provider-id
SELECT id, registration_id, provider, payment_id, amount, currency, idempotency_key, reason, status,
    provider_refund_id, attempts, next_attempt_at, last_error, created_at, done_at, method
FROM refunds WHERE provider = ? AND provider_refund_id = ?;

-- name: refund-done
UPDATE refunds SET status = 'done', provider_refund_id = ?, attempts = attempts + 1, done_at = ?, last_error = ''
WHERE id = ? AND status = 'queued';

-- name: refund-retry
UPDATE refunds SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?;

-- name: refund-manual
-- A refund its provider cannot make is owed by the organizer.
UPDATE refunds SET method = 'manual', attempts = attempts + 1, last_error = ? WHERE id = ? AND status = 'queued';

-- name: owed-refunds-of-event
-- What the organizer owes by hand, per registration of an event.
SELECT f.registration_id, SUM(f.amount) FROM refunds f JOIN registrations r ON r.id = f.registration_id
WHERE r.event_id = ? AND f.status = 'queued' AND f.method = 'manual' GROUP BY f.registration_id;

-- name: owed-refund-of-registration
-- What the organizer owes one registration by hand (owed-refunds-of-event).
SELECT COALESCE(SUM(amount), 0) FROM refunds WHERE registration_id = ? AND status = 'queued' AND method = 'manual';

-- name: refund-failed
UPDATE refunds SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?;

-- name: delete-setting
DELETE FROM settings WHERE key = ?;

-- name: priced-events
SELECT id, slug, title, description, refund_policy, kind, series_registration, timezone, capacity,
    price_amount, price_currency, providers, approval_required, join_url, status, cancel_message, created_at, updated_at,
    cancel_refund_hours, reminders,
    recording_price_amount, recording_price_currency,
    (SELECT COUNT(*) FROM recordings WHERE event_id = events.id AND removed_at IS NULL),
    (SELECT ifnull(SUM(size), 0) FROM recordings WHERE event_id = events.id AND removed_at IS NULL),
    (SELECT CASE WHEN COUNT(expires_at) < COUNT(*) THEN NULL ELSE MAX(expires_at) END
     FROM recordings WHERE event_id = events.id AND removed_at IS NULL)
FROM events WHERE ((price_currency != '' AND price_amount > 0) OR recording_price_currency != '') AND status != 'cancelled' ORDER BY id;

-- name: insert-waiting-event
INSERT INTO waiting_payment_events(provider, event_id, payment_id, registration_id, event, received_at)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING;

-- name: waiting-events
SELECT event FROM waiting_payment_events WHERE provider = ? AND payment_id = ? ORDER BY received_at, event_id;

-- name: delete-waiting-events
DELETE FROM waiting_payment_events WHERE provider = ? AND payment_id = ?;

-- name: delete-old-waiting-events
DELETE FROM waiting_payment_events WHERE received_at < ?;
