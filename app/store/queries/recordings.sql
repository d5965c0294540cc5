-- name: insert-recording
INSERT INTO recordings(event_id, session_id, title, storage_key, url, size, content_type, sha256, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: get-recording
SELECT id, event_id, session_id, title, storage_key, url, size, content_type, sha256, created_at
FROM recordings WHERE id = ? AND event_id = ?;

-- name: list-recordings
SELECT id, event_id, session_id, title, storage_key, url, size, content_type, sha256, created_at
FROM recordings WHERE event_id = ? ORDER BY id;

-- name: delete-recording
DELETE FROM recordings WHERE id = ? AND event_id = ?;

-- name: list-registrations-to-watch
-- Registrations that may watch a recording of the event (?1), or of its
-- session ?2 (0: the whole event): confirmed or partially refunded, for
-- the whole event or for that session.
SELECT id, event_id, session_id, name, email, status, role, locale, amount, currency, amount_paid, amount_refunded,
    tier, promo_code, provider, token_nonce, token_hash, hold_expires_at, last_mailed_at, created_at, updated_at,
    tier_id, promo_id, service_fee, checkout_id, checkout_url, payment_id, paid_at
FROM registrations
WHERE event_id = ? AND (? = 0 OR session_id IS NULL OR session_id = ?)
  AND status IN ('confirmed', 'partially_refunded')
ORDER BY id;
