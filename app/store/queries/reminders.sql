-- name: due-reminder-pairs
-- The sessions and offsets whose reminders are due now (?2) and not all
-- queued yet: from the reminder's time (the session's start less the
-- offset) until the session starts, at most 30 days ahead (the longest
-- offset); ?1 is the configured offsets (JSON seconds) for events that set
-- none. Nearest offset first within a session.
SELECT s.id, s.starts_at, s.duration_minutes, o.value
FROM sessions s
JOIN events e ON e.id = s.event_id
CROSS JOIN json_each(COALESCE(e.reminders, ?1)) o
WHERE s.removed_at IS NULL AND s.starts_at > ?2 AND s.starts_at <= ?2 + 2592000
  AND e.status = 'published'
  AND s.starts_at - o.value <= ?2
  AND NOT EXISTS (SELECT 1 FROM reminder_passes p
      WHERE p.session_id = s.id AND p.offset_seconds = o.value AND p.starts_at = s.starts_at)
ORDER BY s.id, o.value;

-- name: due-reminders
-- One session's (?1, starting at ?2) reminders at offset ?3 (seconds), for
-- registrations after id ?4, by id: confirmed registrations made before
-- the reminder's time that may attend the session, unless the reminder was
-- queued for this start, or queued after its time (the session moved a
-- little, and the reminder went after the new time's).
SELECT r.id, r.email, r.name, r.locale, r.status, e.title
FROM sessions s
JOIN events e ON e.id = s.event_id
CROSS JOIN registrations r INDEXED BY registrations_event
WHERE s.id = ?1 AND s.starts_at = ?2 AND s.removed_at IS NULL AND e.status = 'published'
  AND r.event_id = s.event_id AND r.id > ?4
  AND (r.session_id IS NULL OR r.session_id = s.id)
  AND (r.status = 'confirmed' OR r.status = 'partially_refunded')
  AND r.created_at < ?2 - ?3
  AND NOT EXISTS (SELECT 1 FROM reminders_sent x
      WHERE x.registration_id = r.id AND x.session_id = s.id AND x.offset_seconds = ?3
        AND (x.starts_at = ?2 OR x.queued_at >= ?2 - ?3))
ORDER BY r.id
LIMIT ?5;

-- name: insert-reminder-sent
INSERT OR IGNORE INTO reminders_sent(registration_id, session_id, offset_seconds, starts_at, outbox_id, queued_at)
VALUES (?, ?, ?, ?, ?, ?);

-- name: close-reminder-pass
INSERT OR IGNORE INTO reminder_passes(session_id, offset_seconds, starts_at, done_at) VALUES (?, ?, ?, ?);
