-- name: insert-recording
INSERT INTO recordings(event_id, session_id, title, storage_key, url, size, content_type, sha256, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: get-recording
SELECT id, event_id, session_id, title, storage_key, url, size, content_type, sha256, created_at, expires_at, removed_at
FROM recordings WHERE id = ? AND event_id = ?;

-- name: list-recordings
SELECT id, event_id, session_id, title, storage_key, url, size, content_type, sha256, created_at, expires_at, removed_at
FROM recordings WHERE event_id = ? ORDER BY id;

-- name: delete-recording
DELETE FROM recordings WHERE id = ? AND event_id = ?;

-- name: update-recording
UPDATE recordings SET title = ?, expires_at = ? WHERE id = ? AND event_id = ?;

-- name: list-expired-recordings
-- Recordings past their expiry whose file the retention job has not
-- removed yet, oldest expiry first.
SELECT id, event_id, session_id, title, storage_key, url, size, content_type, sha256, created_at, expires_at, removed_at
FROM recordings WHERE expires_at IS NOT NULL AND expires_at <= ? AND removed_at IS NULL
ORDER BY expires_at, id LIMIT ?;

-- name: mark-recording-removed
UPDATE recordings SET removed_at = ? WHERE id = ? AND removed_at IS NULL;
