-- name: due-reminders
-- ?1: the configured offsets (JSON seconds), for events that set none;
-- ?2: now; ?3: how many. A reminder is due from its time (the session's
-- start less the offset) until the session starts, to confirmed
-- registrations made before its time that may attend the session, unless
-- it was queued for this start, or queued after its time (the session moved
-- a little, and the reminder went after the move's new reminder time). At
-- most 30 days ahead (the longest offset).
SELECT r.id, r.email, r.name, r.locale, r.status, e.title, s.id, s.starts_at, s.duration_minutes, o.value
FROM sessions s
JOIN events e ON e.id = s.event_id
JOIN json_each(COALESCE(e.reminders, ?1)) o
JOIN registrations r ON r.event_id = s.event_id
WHERE s.removed_at IS NULL AND s.starts_at > ?2 AND s.starts_at <= ?2 + 2592000
  AND e.status = 'published'
  AND s.starts_at - o.value <= ?2
  AND NOT EXISTS (SELECT 1 FROM reminder_passes p
      WHERE p.session_id = s.id AND p.offset_seconds = o.value AND p.starts_at = s.starts_at)
  AND (r.session_id IS NULL OR r.session_id = s.id)
  AND (r.status = 'confirmed' OR r.status = 'partially_refunded')
  AND r.created_at < s.starts_at - o.value
  AND NOT EXISTS (SELECT 1 FROM reminders_sent x
      WHERE x.registration_id = r.id AND x.session_id = s.id AND x.offset_seconds = o.value
        AND (x.starts_at = s.starts_at OR x.queued_at >= s.starts_at - o.value))
LIMIT ?3;

-- name: insert-reminder-sent
INSERT OR IGNORE INTO reminders_sent(registration_id, session_id, offset_seconds, starts_at, outbox_id, queued_at)
VALUES (?, ?, ?, ?, ?, ?);

-- name: close-reminder-passes
-- Every session offset due now (?2) whose reminders have all been queued.
INSERT OR IGNORE INTO reminder_passes(session_id, offset_seconds, starts_at, done_at)
SELECT s.id, o.value, s.starts_at, ?2
FROM sessions s
JOIN events e ON e.id = s.event_id
JOIN json_each(COALESCE(e.reminders, ?1)) o
WHERE s.removed_at IS NULL AND s.starts_at > ?2 AND s.starts_at <= ?2 + 2592000
  AND e.status = 'published'
  AND s.starts_at - o.value <= ?2;
