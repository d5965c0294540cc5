-- Recordings of an event (or of one of its sessions): a file kept by the
-- recordings storage (storage_key) or an external address (url). Only rows
-- are listed: a file is written and renamed in place before its row exists,
-- and its row is removed before the file.
CREATE TABLE recordings (
    id           INTEGER PRIMARY KEY,
    event_id     INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    session_id   INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    title        TEXT NOT NULL DEFAULT '',
    storage_key  TEXT NOT NULL DEFAULT '',
    url          TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
    content_type TEXT NOT NULL DEFAULT '',
    sha256       TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    CHECK ((storage_key = '') <> (url = ''))
);
CREATE INDEX recordings_event ON recordings(event_id, id);
