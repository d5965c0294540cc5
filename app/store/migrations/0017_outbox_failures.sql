-- A failed mail is reported to the organizers once: failure_reported_at is
-- set in the transaction that queues the summary. A retry clears it.
ALTER TABLE outbox ADD COLUMN failure_reported_at INTEGER;
CREATE INDEX outbox_failed_unreported ON outbox(id) WHERE status = 'failed' AND failure_reported_at IS NULL;
