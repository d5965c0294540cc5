-- name: insert-audit
INSERT INTO audit_log(at, actor_id, actor_email, client_ip, action, target_type, target_id, event_id, before, after,
                      outcome, status, reason, last_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?1);

-- name: list-audit
-- Newest first, below the cursor (an id; 0: from the newest). actor is an
-- email or a user id; an action ending in "." is a prefix ("registration.").
SELECT id, at, actor_id, actor_email, client_ip, action, target_type, target_id, event_id, before, after,
       outcome, status, reason, repeats, COALESCE(last_at, at)
FROM audit_log
WHERE (?1 = 0 OR id < ?1)
  AND (?2 = '' OR actor_email = ?2 COLLATE NOCASE OR CAST(actor_id AS TEXT) = ?2)
  AND (?3 = '' OR action = ?3 OR (substr(?3, -1) = '.' AND substr(action, 1, length(?3)) = ?3))
  AND (?4 = 0 OR event_id = ?4)
  AND (?5 = 0 OR COALESCE(last_at, at) >= ?5)
  AND (?6 = 0 OR at < ?6)
  AND (?8 = '' OR outcome = ?8)
  AND (?9 = '' OR client_ip = ?9)
ORDER BY id DESC LIMIT ?7;

-- name: find-audit-refusal
-- The row a refusal repeats: the same action, answer, address, account and
-- target, last seen since ?7.
SELECT id FROM audit_log
WHERE outcome = 'refused' AND last_at >= ?7
  AND action = ?1 AND status = ?2 AND client_ip = ?3 AND actor_email = ?4 AND target_type = ?5 AND target_id = ?6
ORDER BY id DESC LIMIT 1;

-- name: repeat-audit-refusal
UPDATE audit_log SET repeats = repeats + 1, last_at = ? WHERE id = ?;

-- name: count-anonymous-refusals
-- Rows of refusals by nobody signed in, started since ?.
SELECT count(*) FROM audit_log WHERE outcome = 'refused' AND last_at >= ?1 AND at >= ?1 AND actor_id = 0;
