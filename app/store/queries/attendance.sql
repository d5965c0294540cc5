-- name: record-attendance
-- A registration opened the join link of a session: the first time is kept,
-- the last time and the count move.
INSERT INTO attendance(registration_id, session_id, first_at, last_at, opens)
VALUES (?, ?, ?, ?, 1)
ON CONFLICT(registration_id, session_id) DO UPDATE SET last_at = excluded.last_at, opens = opens + 1;

-- name: list-attendance
-- Every attendance of an event's registrations, by registration then session.
SELECT a.registration_id, a.session_id, a.first_at, a.last_at, a.opens
FROM attendance a JOIN registrations r ON r.id = a.registration_id
WHERE r.event_id = ?
ORDER BY a.registration_id, a.first_at, a.session_id;

-- name: attended-registrations
-- The registrations of an event that joined a session (session 0: any).
SELECT DISTINCT a.registration_id
FROM attendance a JOIN registrations r ON r.id = a.registration_id
WHERE r.event_id = ? AND (? = 0 OR a.session_id = ?);
