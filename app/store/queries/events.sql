-- name: insert-event
INSERT INTO events(slug, title, description, refund_policy, kind, series_registration, timezone, capacity,
    price_amount, price_currency, providers, approval_required, join_url, status, cancel_refund_hours, reminders,
    recording_price_amount, recording_price_currency, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: update-event
UPDATE events SET slug = ?, title = ?, description = ?, refund_policy = ?, kind = ?, series_registration = ?,
    timezone = ?, capacity = ?, price_amount = ?, price_currency = ?, providers = ?, approval_required = ?,
    join_url = ?, status = ?, cancel_refund_hours = ?, reminders = ?,
    recording_price_amount = ?, recording_price_currency = ?, updated_at = ?
WHERE id = ?;

-- name: cancel-event
UPDATE events SET status = 'cancelled', cancel_message = ?, updated_at = ? WHERE id = ? AND status != 'cancelled';

-- name: get-event
SELECT id, slug, title, description, refund_policy, kind, series_registration, timezone, capacity,
    price_amount, price_currency, providers, approval_required, join_url, status, cancel_message, created_at, updated_at,
    cancel_refund_hours, reminders,
    recording_price_amount, recording_price_currency,
    (SELECT COUNT(*) FROM recordings WHERE event_id = events.id AND removed_at IS NULL),
    (SELECT ifnull(SUM(size), 0) FROM recordings WHERE event_id = events.id AND removed_at IS NULL),
    (SELECT CASE WHEN COUNT(expires_at) < COUNT(*) THEN NULL ELSE MAX(expires_at) END
     FROM recordings WHERE event_id = events.id AND removed_at IS NULL)
FROM events WHERE id = ?;

-- name: get-event-by-slug
SELECT id, slug, title, description, refund_policy, kind, series_registration, timezone, capacity,
    price_amount, price_currency, providers, approval_required, join_url, status, cancel_message, created_at, updated_at,
    cancel_refund_hours, reminders,
    recording_price_amount, recording_price_currency,
    (SELECT COUNT(*) FROM recordings WHERE event_id = events.id AND removed_at IS NULL),
    (SELECT ifnull(SUM(size), 0) FROM recordings WHERE event_id = events.id AND removed_at IS NULL),
    (SELECT CASE WHEN COUNT(expires_at) < COUNT(*) THEN NULL ELSE MAX(expires_at) END
     FROM recordings WHERE event_id = events.id AND removed_at IS NULL)
FROM events WHERE slug = ?;

-- name: list-events
SELECT id, slug, title, description, refund_policy, kind, series_registration, timezone, capacity,
    price_amount, price_currency, providers, approval_required, join_url, status, cancel_message, created_at, updated_at,
    cancel_refund_hours, reminders,
    recording_price_amount, recording_price_currency,
    (SELECT COUNT(*) FROM recordings WHERE event_id = events.id AND removed_at IS NULL),
    (SELECT ifnull(SUM(size), 0) FROM recordings WHERE event_id = events.id AND removed_at IS NULL),
    (SELECT CASE WHEN COUNT(expires_at) < COUNT(*) THEN NULL ELSE MAX(expires_at) END
     FROM recordings WHERE event_id = events.id AND removed_at IS NULL)
FROM events ORDER BY id DESC;

-- name: slug-taken
SELECT EXISTS(SELECT 1 FROM events WHERE slug = ? AND id != ?);

-- name: insert-session
INSERT INTO sessions(event_id, starts_at, duration_minutes, join_url) VALUES (?, ?, ?, ?);

-- name: update-session
-- A move (new start or length) counts in revision; the right-hand sides see
-- the row as it was.
UPDATE sessions SET revision = revision + (starts_at != ?1 OR duration_minutes != ?2),
    starts_at = ?1, duration_minutes = ?2, join_url = ?3
WHERE id = ?4 AND event_id = ?5 AND removed_at IS NULL;

-- name: remove-session
-- A removed session stays for the registrations that name it.
UPDATE sessions SET removed_at = ? WHERE id = ? AND event_id = ? AND removed_at IS NULL;

-- name: list-sessions
SELECT id, event_id, starts_at, duration_minutes, join_url, revision FROM sessions WHERE event_id = ? AND removed_at IS NULL
ORDER BY starts_at, id;
