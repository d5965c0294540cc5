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
