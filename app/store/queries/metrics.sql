-- name: outbox-depth
-- The mail queue for /metrics: both counts come from the outbox_due index.
SELECT (SELECT COUNT(*) FROM outbox WHERE status = 'queued'), (SELECT COUNT(*) FROM outbox WHERE status = 'failed');
