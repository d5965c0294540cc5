-- Refused actions in the audit log: a sign-in with a wrong password, a
-- request without a valid token or session, a forbidden action, a refund
-- above what was paid. outcome is 'done' or 'refused', status the HTTP
-- answer of a refusal and reason its error code. The same refusal again
-- (same action, answer, address, account and target) within ten minutes
-- is the same row, whose repeats and last_at grow: a burst of failed
-- sign-ins cannot fill the disk (see store.RecordRefusal).
ALTER TABLE audit_log ADD COLUMN outcome TEXT NOT NULL DEFAULT 'done';
ALTER TABLE audit_log ADD COLUMN status INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_log ADD COLUMN last_at INTEGER;
CREATE INDEX audit_log_refused ON audit_log(outcome, last_at);
