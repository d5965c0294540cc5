-- Selling the replay and keeping recordings for a while.
--
-- recording_price_*: what an event sells its recording for once its last
-- session is over (no currency: at the event's own price).
ALTER TABLE events ADD COLUMN recording_price_amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN recording_price_currency TEXT NOT NULL DEFAULT '';

-- expires_at: when the recording stops being watchable (NULL: kept until
-- deleted); the retention job then removes its file and sets removed_at.
-- The row stays, so that its registrants are told it is no longer
-- available rather than that it never existed.
ALTER TABLE recordings ADD COLUMN expires_at INTEGER;
ALTER TABLE recordings ADD COLUMN removed_at INTEGER;
CREATE INDEX recordings_expiry ON recordings(expires_at) WHERE expires_at IS NOT NULL AND removed_at IS NULL;
