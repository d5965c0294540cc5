-- Views of recordings: one row each time a device starts watching a
-- recording through a registration's access link (its first fetch, or its
-- first after a pause long enough that it no longer counted as watching).
-- recording_id and title stay after the recording is deleted, so that the
-- organizer still sees what was watched.
CREATE TABLE recording_views (
    id              INTEGER PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    recording_id    INTEGER NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    device          TEXT NOT NULL,
    client_ip       TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT '',
    started_at      INTEGER NOT NULL
);
CREATE INDEX recording_views_registration ON recording_views(registration_id, id);
