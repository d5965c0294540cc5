-- name: insert-outbox
INSERT INTO outbox(registration_id, to_addr, to_name, subject, kind, locale, data, status, next_attempt_at, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?);

-- name: due-outbox
SELECT id, registration_id, to_addr, to_name, subject, kind, locale, data, status, attempts, next_attempt_at,
    last_error, created_at, sent_at
FROM outbox WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?;

-- name: queued-outbox-after
SELECT id, registration_id, to_addr, to_name, subject, kind, locale, data, status, attempts, next_attempt_at,
    last_error, created_at, sent_at
FROM outbox WHERE status = 'queued' AND id > ? ORDER BY id LIMIT ?;

-- name: list-outbox
SELECT id, registration_id, to_addr, to_name, subject, kind, locale, data, status, attempts, next_attempt_at,
    last_error, created_at, sent_at
FROM outbox WHERE (? = '' OR status = ?) ORDER BY id DESC LIMIT ?;

-- name: get-outbox
SELECT id, registration_id, to_addr, to_name, subject, kind, locale, data, status, attempts, next_attempt_at,
    last_error, created_at, sent_at
FROM outbox WHERE id = ?;

-- name: outbox-sent
-- Only a queued mail: each is marked sent once.
UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ? AND status = 'queued';

-- name: outbox-retry
UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?;

-- name: outbox-failed
UPDATE outbox SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?;

-- name: requeue-outbox
-- A failed mail queued again, with its attempts from zero; its last error
-- stays until the next attempt.
UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = ?, failure_reported_at = NULL
WHERE id = ? AND status = 'failed';

-- name: unreported-failures
SELECT id, registration_id, to_addr, to_name, subject, kind, locale, data, status, attempts, next_attempt_at,
    last_error, created_at, sent_at
FROM outbox WHERE status = 'failed' AND failure_reported_at IS NULL ORDER BY id LIMIT ?;

-- name: has-unreported-failures
SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'failed' AND failure_reported_at IS NULL);

-- name: mark-failures-reported
UPDATE outbox SET failure_reported_at = ? WHERE status = 'failed' AND failure_reported_at IS NULL AND id <= ?;

-- name: organizer-emails
-- The administrators who can sign in (not those still invited).
SELECT email FROM users WHERE role = 'admin' AND password_hash != '' ORDER BY id;

-- name: get-setting
SELECT value FROM settings WHERE key = ?;

-- name: put-setting
INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value;
