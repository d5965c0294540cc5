-- Reminders before each session. events.reminders: NULL, the configured
-- offsets (reminders.offsets); otherwise a JSON array of offsets in seconds
-- before each session ('[]': no reminders for this event).
ALTER TABLE events ADD COLUMN reminders TEXT;

-- Every reminder queued: for a registration, a session, an offset, and the
-- session's start it was for (a moved session gets reminders for its new
-- time). It is written in the transaction that queues the mail, so that a
-- restart neither loses nor repeats one. outbox_id is the mail.
CREATE TABLE reminders_sent (
    registration_id INTEGER NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    session_id      INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    offset_seconds  INTEGER NOT NULL,
    starts_at       INTEGER NOT NULL,
    outbox_id       INTEGER,
    queued_at       INTEGER NOT NULL,
    PRIMARY KEY (registration_id, session_id, offset_seconds, starts_at)
) WITHOUT ROWID;

-- A session's offset whose reminders have all been queued: nobody who
-- registers after a reminder's time gets it, so once every registration
-- has been seen the pair is never looked at again.
CREATE TABLE reminder_passes (
    session_id     INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    offset_seconds INTEGER NOT NULL,
    starts_at      INTEGER NOT NULL,
    done_at        INTEGER NOT NULL,
    PRIMARY KEY (session_id, offset_seconds, starts_at)
) WITHOUT ROWID;

CREATE INDEX sessions_starts ON sessions(starts_at) WHERE removed_at IS NULL;
