-- name: insert-view
INSERT INTO recording_views(registration_id, recording_id, title, device, client_ip, user_agent, started_at)
VALUES (?, ?, ?, ?, ?, ?, ?);

-- name: list-views
SELECT id, registration_id, recording_id, title, device, client_ip, user_agent, started_at
FROM recording_views WHERE registration_id = ? ORDER BY id;

-- name: count-views-of-event
SELECT v.registration_id, COUNT(*)
FROM recording_views v JOIN registrations r ON r.id = v.registration_id
WHERE r.event_id = ? GROUP BY v.registration_id;

-- name: rotate-token
UPDATE registrations SET token_nonce = ?, token_hash = ?, updated_at = ? WHERE id = ?;

-- name: count-views-of-recordings
SELECT v.recording_id, COUNT(*)
FROM registrations r JOIN recording_views v ON v.registration_id = r.id
WHERE r.event_id = ? GROUP BY v.recording_id;
