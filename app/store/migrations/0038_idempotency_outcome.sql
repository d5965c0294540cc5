-- An Idempotency-Key's outcome gets a column of its own: outcome holds the
-- bytes its caller recorded once the request was answered, and is NULL
-- while it is a claim (a request still being answered). Before, status 0
-- meant a claim and any other status (1, or the HTTP status of the oldest
-- keys) an answer kept in body: the answers kept are moved, in whatever
-- format their caller wrote them (it still reads them), and both columns go.
ALTER TABLE idempotency_keys ADD COLUMN outcome BLOB;
UPDATE idempotency_keys SET outcome = body WHERE status != 0;
ALTER TABLE idempotency_keys DROP COLUMN status;
ALTER TABLE idempotency_keys DROP COLUMN body;
