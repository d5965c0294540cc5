-- A session removed from an event is kept, marked removed_at, so that the
-- registrations of a removed session still say which one they were for
-- (their session_id no longer turns to NULL, which made them look like
-- registrations for every session). Events list only the sessions not
-- removed.
ALTER TABLE sessions ADD COLUMN removed_at INTEGER;
