-- name: insert-webhook
INSERT INTO webhooks(url, events, secret, created_at) VALUES (?, ?, ?, ?);

-- name: list-webhooks
SELECT id, url, events, secret, created_at FROM webhooks ORDER BY id;

-- name: get-webhook
SELECT id, url, events, secret, created_at FROM webhooks WHERE id = ?;

-- name: count-webhooks
SELECT COUNT(*) FROM webhooks;

-- name: delete-webhook
DELETE FROM webhooks WHERE id = ?;

-- name: insert-webhook-delivery
INSERT INTO webhook_deliveries(webhook_id, event_id, type, body, status, next_attempt_at, created_at)
VALUES (?, ?, ?, ?, 'queued', ?, ?);

-- name: due-webhook-deliveries
SELECT d.id, d.webhook_id, d.event_id, d.type, d.body, d.status, d.attempts, d.next_attempt_at, d.created_at, w.url, w.secret
FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
WHERE d.status = 'queued' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?;

-- name: get-webhook-delivery
SELECT d.id, d.webhook_id, d.event_id, d.type, d.body, d.status, d.attempts, d.next_attempt_at, d.created_at, w.url, w.secret
FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = ?;

-- name: claim-webhook-delivery
-- A delivery is taken for one attempt by moving its next attempt to the
-- end of a lease: a second worker sees it no longer due, and a crash during
-- the attempt leaves it to be tried again once the lease ends.
UPDATE webhook_deliveries SET next_attempt_at = ?
WHERE id = ? AND status = 'queued' AND next_attempt_at = ? AND attempts = ?;

-- name: webhook-delivery-done
UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ? WHERE id = ?;

-- name: insert-webhook-attempt
INSERT INTO webhook_attempts(delivery_id, webhook_id, attempt, status_code, error, duration_ms, at)
VALUES (?, ?, ?, ?, ?, ?, ?);

-- name: list-webhook-attempts
SELECT a.id, a.delivery_id, d.event_id, d.type, a.attempt, a.status_code, a.error, a.duration_ms, a.at, d.status, d.next_attempt_at
FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
WHERE a.webhook_id = ? ORDER BY a.id DESC LIMIT ?;

-- name: get-webhook-attempt
SELECT a.id, a.delivery_id, d.event_id, d.type, a.attempt, a.status_code, a.error, a.duration_ms, a.at, d.status, d.next_attempt_at
FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE a.id = ?;

-- name: delete-old-webhook-deliveries
-- Finished deliveries are kept a month for the log (their attempts go with
-- them).
DELETE FROM webhook_deliveries WHERE status != 'queued' AND created_at < ?;
