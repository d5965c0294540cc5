-- name: insert-waitlist
INSERT INTO waitlist(event_id, session_key, name, email, email_norm, locale, status, token_nonce, token_hash,
    created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, 'waiting', ?, ?, ?, ?);

-- name: get-waitlist
SELECT id, event_id, session_key, name, email, locale, status, token_nonce, token_hash, offered_at, offer_expires_at,
    registration_id, created_at, updated_at
FROM waitlist WHERE id = ?;

-- name: get-waitlist-by-token
SELECT id, event_id, session_key, name, email, locale, status, token_nonce, token_hash, offered_at, offer_expires_at,
    registration_id, created_at, updated_at
FROM waitlist WHERE token_hash = ?;

-- name: find-active-waitlist
SELECT id, event_id, session_key, name, email, locale, status, token_nonce, token_hash, offered_at, offer_expires_at,
    registration_id, created_at, updated_at
FROM waitlist WHERE event_id = ? AND session_key = ? AND email_norm = ? AND (status = 'waiting' OR status = 'offered');

-- name: list-waitlist
SELECT id, event_id, session_key, name, email, locale, status, token_nonce, token_hash, offered_at, offer_expires_at,
    registration_id, created_at, updated_at
FROM waitlist WHERE event_id = ? ORDER BY session_key, id;

-- name: waitlist-position
-- The place in line of waiting entry ?3 (1: next).
SELECT COUNT(*) FROM waitlist WHERE event_id = ?1 AND session_key = ?2 AND status = 'waiting' AND id <= ?3;

-- name: set-waitlist-status
UPDATE waitlist SET status = ?, updated_at = ? WHERE id = ? AND status = ?;

-- name: set-waitlist-registration
UPDATE waitlist SET registration_id = ?, updated_at = ? WHERE id = ?;

-- name: offer-waitlist
UPDATE waitlist SET status = 'offered', offered_at = ?, offer_expires_at = ?, updated_at = ?
WHERE id = ? AND status = 'waiting';

-- name: expire-waitlist-offers
UPDATE waitlist SET status = 'expired', updated_at = ?1 WHERE status = 'offered' AND offer_expires_at <= ?1;

-- name: waitlist-lines
-- The lines that have someone waiting, with their event's capacity (NULL:
-- unlimited) and status.
SELECT w.event_id, w.session_key, e.capacity, e.status FROM waitlist w JOIN events e ON e.id = w.event_id
WHERE w.status = 'waiting' GROUP BY w.event_id, w.session_key ORDER BY w.event_id, w.session_key;

-- name: next-waiting
SELECT id, event_id, session_key, name, email, locale, status, token_nonce, token_hash, offered_at, offer_expires_at,
    registration_id, created_at, updated_at
FROM waitlist WHERE event_id = ? AND session_key = ? AND status = 'waiting' ORDER BY id LIMIT ?;
