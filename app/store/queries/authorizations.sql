-- name: get-authorization
SELECT registration_id, provider, checkout_id, authorization_id, amount, currency, status, authorized_at, capture_by,
    expires_at, flagged_at, approved_at, last_error, updated_at, reauthorized_at
FROM authorizations WHERE registration_id = ?;

-- name: authorizations-of-event
SELECT a.registration_id, a.provider, a.checkout_id, a.authorization_id, a.amount, a.currency, a.status, a.authorized_at,
    a.capture_by, a.expires_at, a.flagged_at, a.approved_at, a.last_error, a.updated_at, a.reauthorized_at
FROM authorizations a JOIN registrations r ON r.id = a.registration_id WHERE r.event_id = ?;

-- name: registration-by-authorization
SELECT registration_id FROM authorizations WHERE provider = ? AND authorization_id = ?;

-- name: hold-authorization
-- A new hold on a registration (replacing an earlier one that ended).
INSERT INTO authorizations(registration_id, provider, checkout_id, authorization_id, amount, currency, status,
    authorized_at, capture_by, expires_at, flagged_at, last_error, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'authorized', ?7, ?8, ?9, NULL, '', ?7)
ON CONFLICT(registration_id) DO UPDATE SET provider = excluded.provider, checkout_id = excluded.checkout_id,
    authorization_id = excluded.authorization_id, amount = excluded.amount, currency = excluded.currency,
    status = 'authorized', authorized_at = excluded.authorized_at, capture_by = excluded.capture_by,
    expires_at = excluded.expires_at, flagged_at = NULL, last_error = '', updated_at = excluded.updated_at;

-- name: set-authorization-status
-- Moves a hold from one status to another; last_error says why when it failed.
UPDATE authorizations SET status = ?1, last_error = ?2, updated_at = ?3 WHERE registration_id = ?4 AND status = ?5;

-- name: approve-authorization
-- The organizer confirmed the registration before it was paid again.
INSERT INTO authorizations(registration_id, provider, status, approved_at, updated_at) VALUES (?1, ?2, 'lapsed', ?3, ?3)
ON CONFLICT(registration_id) DO UPDATE SET approved_at = excluded.approved_at, updated_at = excluded.updated_at;

-- name: flag-authorization
UPDATE authorizations SET flagged_at = ?1, updated_at = ?1 WHERE registration_id = ?2 AND flagged_at IS NULL;

-- name: authorizations-to-flag
-- Holds still waiting for a decision, not flagged to the organizers yet,
-- whose decision is due before ?1: their capture deadline or, at a
-- provider that renews a hold once after it (?2: a JSON array of provider
-- names), while not renewed yet, their end. This is ticketing's decideBy
-- (app/ticketing/authorize.go) in SQL, to filter on it: change both.
SELECT a.registration_id, a.provider, a.checkout_id, a.authorization_id, a.amount, a.currency, a.status, a.authorized_at,
    a.capture_by, a.expires_at, a.flagged_at, a.approved_at, a.last_error, a.updated_at, a.reauthorized_at
FROM authorizations a JOIN registrations r ON r.id = a.registration_id
WHERE a.status = 'authorized' AND a.flagged_at IS NULL AND r.status = 'pending_approval'
    AND CASE WHEN a.reauthorized_at IS NULL AND a.provider IN (SELECT value FROM json_each(?2))
        THEN COALESCE(a.expires_at, a.capture_by) ELSE a.capture_by END <= ?1
ORDER BY a.capture_by LIMIT ?3;

-- name: authorizations-lapsed
-- Holds still open whose end has passed.
SELECT registration_id, provider, checkout_id, authorization_id, amount, currency, status, authorized_at, capture_by,
    expires_at, flagged_at, approved_at, last_error, updated_at, reauthorized_at
FROM authorizations WHERE status = 'authorized' AND expires_at <= ?1 ORDER BY expires_at LIMIT ?2;

-- name: reopen-payment
-- A registration confirmed while no money was held goes back to paying,
-- with a hold on its seat until ?1.
UPDATE registrations SET status = 'pending_payment', hold_expires_at = ?1, updated_at = ?2
WHERE id = ?3 AND status = 'pending_approval';

-- name: reauthorize-hold
-- A hold renewed once (?1 the new authorization, ?2 and ?3 its terms):
-- flagged again when its new deadline nears.
UPDATE authorizations SET reauthorized_from = authorization_id, authorization_id = ?1, capture_by = ?2, expires_at = ?3,
    flagged_at = NULL, reauthorized_at = ?4, updated_at = ?4
WHERE registration_id = ?5 AND status = 'authorized' AND authorization_id = ?6;
