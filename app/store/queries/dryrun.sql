-- name: dryrun-marks
-- Where the outbox and the refunds stand, before a change made to be
-- rolled back (a preview): what it adds comes after these ids.
SELECT (SELECT COALESCE(MAX(id), 0) FROM outbox), (SELECT COALESCE(MAX(id), 0) FROM refunds);

-- name: dryrun-mails
SELECT id, registration_id, to_addr, to_name, subject, kind, locale, data, status, attempts, next_attempt_at,
    last_error, created_at, sent_at
FROM outbox WHERE id > ? ORDER BY id;

-- name: dryrun-refunds
SELECT id, registration_id, provider, payment_id, amount, currency, idempotency_key, reason, status,
    provider_refund_id, attempts, next_attempt_at, last_error, created_at, done_at, method
FROM refunds WHERE id > ? ORDER BY id;
