-- Attendance: a registration opened its join link while a session's room
-- was open (from 15 minutes before its start to its end). One row per
-- registration and session: the first time, the last time and how often.
CREATE TABLE attendance (
    registration_id INTEGER NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    session_id      INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    first_at        INTEGER NOT NULL,
    last_at         INTEGER NOT NULL,
    opens           INTEGER NOT NULL DEFAULT 1 CHECK (opens > 0),
    PRIMARY KEY (registration_id, session_id)
) WITHOUT ROWID;
CREATE INDEX attendance_session ON attendance(session_id, registration_id);
