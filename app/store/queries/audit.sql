-- name: insert-audit
INSERT INTO audit_log(at, actor_id, actor_email, client_ip, action, target_type, target_id, event_id, before, after)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: list-audit
-- Newest first, below the cursor (an id; 0: from the newest). actor is an
-- email or a user id; an action ending in "." is a prefix ("registration.").
SELECT id, at, actor_id, actor_email, client_ip, action, target_type, target_id, event_id, before, after
FROM audit_log
WHERE (?1 = 0 OR id < ?1)
  AND (?2 = '' OR actor_email = ?2 COLLATE NOCASE OR CAST(actor_id AS TEXT) = ?2)
  AND (?3 = '' OR action = ?3 OR (substr(?3, -1) = '.' AND substr(action, 1, length(?3)) = ?3))
  AND (?4 = 0 OR event_id = ?4)
  AND (?5 = 0 OR at >= ?5)
  AND (?6 = 0 OR at < ?6)
ORDER BY id DESC LIMIT ?7;
