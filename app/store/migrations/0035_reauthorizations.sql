-- A hold renewed once after its capture stopped being guaranteed (PayPal's
-- reauthorization after the 3-day honor period): when, and the hold it
-- replaced (authorization_id is then the renewed one).
ALTER TABLE authorizations ADD COLUMN reauthorized_at INTEGER;
ALTER TABLE authorizations ADD COLUMN reauthorized_from TEXT NOT NULL DEFAULT '';
